import Foundation
@testable import VPCDataplane
import VPCWire

/// SplitMix64: small, seedable, reproducible.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seed from `VPC_TEST_SEED` or the clock; printed by failing tests.
func testSeed() -> UInt64 {
    if let s = ProcessInfo.processInfo.environment["VPC_TEST_SEED"], let v = UInt64(s) { return v }
    return UInt64(UInt32(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds))
}

/// Test-only address parsing.
func v4(_ s: String) -> IPv4Address {
    let p = s.split(separator: ".").map { UInt32($0)! }
    precondition(p.count == 4)
    return IPv4Address(value: p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3])
}

func v6(_ s: String) -> IPv6Address {
    var groups: [UInt16] = []
    let halves = s.components(separatedBy: "::")
    let head = halves[0].isEmpty ? [] : halves[0].split(separator: ":").map { UInt16($0, radix: 16)! }
    let tail = halves.count > 1 && !halves[1].isEmpty ? halves[1].split(separator: ":").map { UInt16($0, radix: 16)! } : []
    groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    var hi: UInt64 = 0, lo: UInt64 = 0
    for g in groups[0..<4] { hi = hi << 16 | UInt64(g) }
    for g in groups[4..<8] { lo = lo << 16 | UInt64(g) }
    return IPv6Address(high: hi, low: lo)
}

func ip(_ s: String) -> IPAddress { s.contains(":") ? .v6(v6(s)) : .v4(v4(s)) }

func cidr(_ s: String) -> IPPrefix {
    let parts = s.split(separator: "/")
    return IPPrefix(ip(String(parts[0])), length: Int(parts[1])!)
}

func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16) -> FlowTuple {
    FlowTuple(proto: IPProtocolNumber.tcp, source: ip(src), destination: ip(dst), sourcePort: sport, destinationPort: dport)
}

func udp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16) -> FlowTuple {
    FlowTuple(proto: IPProtocolNumber.udp, source: ip(src), destination: ip(dst), sourcePort: sport, destinationPort: dport)
}

/// Random addresses and prefixes drawn from a small universe so that rules overlap and nest.
struct AddressUniverse {
    var family: IPFamily
    let bases4: [UInt32] = [0x0A00_0000, 0x0A01_0000, 0x0A01_0200, 0xC0A8_0000, 0xAC10_0000, 0x0A01_0205]
    let bases6: [UInt64] = [0x2600_1F14_0000_0000, 0x2600_1F14_0001_0000, 0xFD00_0000_0000_0000]

    func address(_ r: inout SeededRNG) -> AddressKey {
        switch family {
        case .v4:
            let base = bases4.randomElement(using: &r)!
            let spread: UInt32 = [0, 0xF, 0xFF, 0xFFFF, 0xFFFF_FFFF].randomElement(using: &r)!
            return AddressKey(high: 0, low: UInt64(base ^ (UInt32.random(in: 0...UInt32.max, using: &r) & spread)))
        case .v6:
            let base = bases6.randomElement(using: &r)!
            let spreadHi: UInt64 = [0, 0xFF, 0xFFFF_FFFF, .max].randomElement(using: &r)!
            let spreadLo: UInt64 = [0, 0xF, .max].randomElement(using: &r)!
            return AddressKey(high: base ^ (r.next() & spreadHi), low: r.next() & spreadLo)
        }
    }

    func prefix(_ r: inout SeededRNG) -> IPPrefix {
        let k = address(&r)
        switch family {
        case .v4:
            let len = [0, 8, 16, 23, 24, 28, 30, 32, Int.random(in: 0...32, using: &r)].randomElement(using: &r)!
            return IPPrefix(IPv4Address(value: UInt32(k.low)), length: len)
        case .v6:
            let len = [0, 32, 48, 56, 64, 96, 127, 128, Int.random(in: 0...128, using: &r)].randomElement(using: &r)!
            return IPPrefix(IPv6Address(high: k.high, low: k.low), length: len)
        }
    }
}
