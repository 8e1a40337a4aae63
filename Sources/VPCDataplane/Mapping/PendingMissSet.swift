public import VPCWire

/// Bounded set of mapping-cache misses already asked for, so a burst of packets to an
/// unknown address produces one query per `retryAfter` seconds, not one per packet.
/// Open addressing, preallocated. A key asked for `retryAfter` or more seconds ago without
/// an answer (the address is unknown, or the query failed) is due to be asked again; when
/// the set is full such keys make room (at most one pass a second), else new misses are
/// refused and counted.
public final class PendingMissSet {
    @frozen @usableFromInline
    struct Slot {
        var high: UInt64
        var low: UInt64
        var vni: UInt32
        var askedAt: UInt32
        var state: UInt8  // 0 empty, 1 pending; low bit 1 | v6 << 1
    }

    let slots: UnsafeMutablePointer<Slot>
    let slotCount: Int
    public let capacity: Int
    public let retryAfter: UInt32
    public private(set) var count = 0
    /// Misses not recorded because the set was full (the packet is dropped, nothing asked).
    public private(set) var overflow: UInt64 = 0
    /// When the set, full, was last cleared of keys due to be asked again.
    private var lastReclaim: UInt32?

    public init(capacity: Int, retryAfter: UInt32) {
        self.capacity = max(1, capacity)
        self.slotCount = self.capacity * 2
        self.retryAfter = retryAfter
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(high: 0, low: 0, vni: 0, askedAt: 0, state: 0), count: slotCount)
    }

    deinit { slots.deallocate() }

    private func home(_ vni: UInt32, _ k: AddressKey, _ tag: UInt8) -> Int {
        FastHash.reduce(MappingCache.hash(vni: vni, v6: tag > 1, k), slotCount)
    }

    private func find(_ vni: UInt32, _ k: AddressKey, _ tag: UInt8) -> (found: Bool, index: Int) {
        var i = home(vni, k, tag)
        while slots[i].state != 0 {
            if slots[i].state == tag && slots[i].vni == vni && slots[i].low == k.low && slots[i].high == k.high { return (true, i) }
            i = i + 1 == slotCount ? 0 : i + 1
        }
        return (false, i)
    }

    /// True if the caller should query the mapping service for this key now (first miss, or
    /// the previous query is older than `retryAfter`); records the query time.
    public func shouldRequest(vni: UInt32, _ address: IPAddress, now: UInt32) -> Bool {
        let k = AddressKey(address)
        let tag: UInt8 = address.family == .v6 ? 3 : 1
        let (found, i) = find(vni, k, tag)
        if found {
            if now &- slots[i].askedAt < retryAfter { return false }
            slots[i].askedAt = now
            return true
        }
        var free = i
        if count >= capacity {
            if lastReclaim != now {
                lastReclaim = now
                reclaim(now: now)
                free = find(vni, k, tag).index
            }
            if count >= capacity { overflow &+= 1; return false }
        }
        slots[free] = Slot(high: k.high, low: k.low, vni: vni, askedAt: now, state: tag)
        count += 1
        return true
    }

    /// Whether a query for this key is outstanding.
    public func isPending(vni: UInt32, _ address: IPAddress) -> Bool {
        find(vni, AddressKey(address), address.family == .v6 ? 3 : 1).found
    }

    /// Forgets the key (answered, or given up).
    public func remove(vni: UInt32, _ address: IPAddress) {
        let (found, i) = find(vni, AddressKey(address), address.family == .v6 ? 3 : 1)
        if found { removeSlot(i) }
    }

    /// Drops the keys asked for `retryAfter` or more seconds ago and still unanswered.
    private func reclaim(now: UInt32) {
        var i = 0
        while i < slotCount {
            if slots[i].state != 0 && now &- slots[i].askedAt >= retryAfter { removeSlot(i) } else { i += 1 }
        }
    }

    /// Backward-shift deletion.
    private func removeSlot(_ i: Int) {
        count -= 1
        var hole = i, j = i
        while true {
            j = j + 1 == slotCount ? 0 : j + 1
            let s = slots[j]
            if s.state == 0 { break }
            let h = home(s.vni, AddressKey(high: s.high, low: s.low), s.state)
            let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !inRange { slots[hole] = s; hole = j }
        }
        slots[hole].state = 0
    }
}
