import Testing
@testable import VPCDataplane
import VPCWire

@Suite struct MappingCacheTests {
    let host1 = MappingEntry(underlay: ip("192.168.0.11"), eni: 0xE1, mac: MACAddress(value: 0x0A_12_34_56_78_9A), version: 5)

    @Test func insertLookupVersioning() {
        let cache = MappingCache(capacity: 100)
        #expect(cache.lookup(vni: 7, ip("10.0.1.5")) == nil)
        #expect(cache.insert(vni: 7, ip("10.0.1.5"), host1) == .inserted)
        #expect(cache.lookup(vni: 7, ip("10.0.1.5")) == host1)
        #expect(cache.lookup(vni: 8, ip("10.0.1.5")) == nil)  // other VPC
        var old = host1; old.version = 4; old.eni = 0xE2
        #expect(cache.insert(vni: 7, ip("10.0.1.5"), old) == .stale)
        var moved = host1; moved.version = 6; moved.underlay = ip("fd00::11"); moved.underlayPort = 7000
        #expect(cache.insert(vni: 7, ip("10.0.1.5"), moved) == .updated)
        #expect(cache.lookup(vni: 7, ip("10.0.1.5")) == moved)
        #expect(cache.invalidate(vni: 7, ip("10.0.1.5"), version: 7))
        #expect(cache.lookup(vni: 7, ip("10.0.1.5")) == nil)
        #expect(cache.insert(vni: 7, ip("10.0.1.5"), moved) == .stale)  // late answer ignored
        // A withdrawal of a key never seen is remembered too.
        #expect(cache.invalidate(vni: 7, ip("2600:1f14::9"), version: 9))
        var v8 = host1; v8.version = 8
        #expect(cache.insert(vni: 7, ip("2600:1f14::9"), v8) == .stale)
        #expect(cache.purgeWithdrawn(throughVersion: 9) == 2)
        #expect(cache.count == 0)
    }

    @Test func invalidateByENI() {
        let cache = MappingCache(capacity: 100)
        for i in 0..<10 {
            var e = host1; e.eni = UInt64(i % 2)
            cache.insert(vni: 1, .v4(IPv4Address(value: UInt32(i))), e)
        }
        #expect(cache.invalidate(eni: 1, version: 6) == 5)
        #expect(cache.lookup(vni: 1, .v4(IPv4Address(value: 1))) == nil)
        #expect(cache.lookup(vni: 1, .v4(IPv4Address(value: 2)))?.eni == 0)
    }

    @Test func pendingMissesAskedOnce() {
        let cache = MappingCache(capacity: 10, pendingCapacity: 2, retryAfter: 2)
        let a = ip("10.0.0.9")
        #expect(cache.pendingMisses.shouldRequest(vni: 1, a, now: 0))
        #expect(!cache.pendingMisses.shouldRequest(vni: 1, a, now: 1))
        #expect(cache.pendingMisses.shouldRequest(vni: 1, a, now: 2))  // retry
        #expect(cache.pendingMisses.shouldRequest(vni: 2, a, now: 2))
        #expect(!cache.pendingMisses.shouldRequest(vni: 3, a, now: 2))  // full
        #expect(cache.pendingMisses.overflow == 1)
        cache.insert(vni: 1, a, host1)
        #expect(!cache.pendingMisses.isPending(vni: 1, a))
        #expect(cache.pendingMisses.isPending(vni: 2, a))
    }

    @Test func unansweredMissesMakeRoomOnceDueAgain() {
        let cache = MappingCache(capacity: 10, pendingCapacity: 3, retryAfter: 2)
        for n in 1...3 { #expect(cache.pendingMisses.shouldRequest(vni: 1, ip("10.0.0.\(n)"), now: 10)) }
        #expect(cache.pendingMisses.shouldRequest(vni: 1, ip("10.0.0.1"), now: 11) == false)
        #expect(!cache.pendingMisses.shouldRequest(vni: 1, ip("10.0.0.4"), now: 11))  // full, none due
        #expect(cache.pendingMisses.overflow == 1)
        // Never answered (the lookup said 404, or failed): due again after 2 s, they make room.
        #expect(cache.pendingMisses.shouldRequest(vni: 1, ip("10.0.0.5"), now: 12))
        #expect(cache.pendingMisses.shouldRequest(vni: 2, ip("10.0.0.6"), now: 12))
        #expect(cache.pendingMisses.count == 2)
        #expect(!cache.pendingMisses.isPending(vni: 1, ip("10.0.0.1")))
        // Asked again on its next miss.
        #expect(cache.pendingMisses.shouldRequest(vni: 1, ip("10.0.0.1"), now: 12))
        #expect(cache.pendingMisses.count == 3)
    }

    @Test func randomAgainstModel() {
        let seed = testSeed()
        var r = SeededRNG(seed: seed)
        let cache = MappingCache(capacity: 5000)
        var model: [String: MappingEntry] = [:]
        var version: UInt64 = 1
        for _ in 0..<30_000 {
            let vni = UInt32.random(in: 0..<3, using: &r)
            let a: IPAddress = Bool.random(using: &r) ? .v4(IPv4Address(value: UInt32.random(in: 0..<500, using: &r)))
                : .v6(IPv6Address(high: 1, low: UInt64.random(in: 0..<500, using: &r)))
            let k = "\(vni) \(a)"
            switch Int.random(in: 0..<6, using: &r) {
            case 0, 1:
                version += 1
                let e = MappingEntry(underlay: ip("192.168.0.1"), eni: version, mac: MACAddress(value: version), version: version)
                cache.insert(vni: vni, a, e)
                model[k] = e
            case 2:
                version += 1
                cache.invalidate(vni: vni, a, version: version)
                model[k] = nil
            case 3:
                if Int.random(in: 0..<50, using: &r) == 0 { cache.purgeWithdrawn(throughVersion: version) }
            default:
                #expect(cache.lookup(vni: vni, a) == model[k], "seed \(seed)")
            }
        }
    }
}
