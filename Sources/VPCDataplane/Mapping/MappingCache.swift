public import VPCWire

/// The agent's cache of the mapping service: (VNI, virtual IP) → host underlay endpoint,
/// ENI and MAC. Open addressing (linear probing, 64-byte slots, load ≤ 2/3), preallocated.
///
/// Entries carry the feed version: an update older than what the cache holds (including a
/// withdrawal) is ignored, so late answers to miss queries cannot resurrect stale state.
/// Misses are resolved by the caller asynchronously; `pendingMisses` makes sure each
/// missing key is asked for once per retry interval. Not thread-safe.
public final class MappingCache {
    @usableFromInline let slots: UnsafeMutablePointer<MappingSlot>
    @usableFromInline let slotCount: Int
    /// Most keys (live + withdrawn) held at once.
    public let capacity: Int
    @usableFromInline var used: Int = 0
    /// Misses waiting for an answer from the mapping service.
    public let pendingMisses: PendingMissSet

    public enum UpdateResult: UInt8, Sendable { case inserted, updated, stale, full }

    public init(capacity: Int, pendingCapacity: Int = 4096, retryAfter: UInt32 = 1) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.slotCount = capacity + capacity / 2 + 1
        slots = SlotMemory.allocateZeroed(byteCount: slotCount * MemoryLayout<MappingSlot>.stride)
            .bindMemory(to: MappingSlot.self, capacity: slotCount)
        pendingMisses = PendingMissSet(capacity: pendingCapacity, retryAfter: retryAfter)
    }

    deinit { UnsafeMutableRawPointer(slots).deallocate() }

    /// Live and withdrawn keys held.
    public var count: Int { used }
    public var memoryFootprint: Int { slotCount * MemoryLayout<MappingSlot>.stride }

    @inlinable @inline(__always)
    static func hash(vni: UInt32, v6: Bool, _ k: AddressKey) -> UInt64 {
        FastHash.mum(FastHash.mum(k.high ^ FastHash.k0, k.low ^ FastHash.k1),
                     (UInt64(vni) | (v6 ? 1 << 32 : 0)) ^ FastHash.k2)
    }

    /// Slot holding the key (live or withdrawn), or -1.
    @inlinable @inline(__always)
    func find(vni: UInt32, v6: Bool, _ k: AddressKey) -> Int {
        var i = FastHash.reduce(MappingCache.hash(vni: vni, v6: v6, k), slotCount)
        let f: UInt8 = v6 ? 1 : 0
        while true {
            let s = slots + i
            if s.pointee.state == MappingSlot.empty { return -1 }
            if s.pointee.ipLow == k.low && s.pointee.vni == vni && s.pointee.ipHigh == k.high && s.pointee.keyV6 == f { return i }
            i &+= 1
            if i == slotCount { i = 0 }
        }
    }

    /// Hit: the mapping. Miss (nil): ask the mapping service, after `pendingMisses.shouldRequest`.
    @inlinable
    public func lookup(vni: UInt32, family: IPFamily, _ address: AddressKey) -> MappingEntry? {
        let i = find(vni: vni, v6: family == .v6, address)
        if i < 0 || slots[i].state != MappingSlot.live { return nil }
        return slots[i].entry
    }

    @inlinable
    public func lookup(vni: UInt32, _ address: IPAddress) -> MappingEntry? {
        lookup(vni: vni, family: address.family, AddressKey(address))
    }

    /// Applies a mapping at `entry.version`. Older than what is held: ignored (`.stale`).
    @discardableResult
    public func insert(vni: UInt32, _ address: IPAddress, _ entry: MappingEntry) -> UpdateResult {
        let k = AddressKey(address)
        let v6 = address.family == .v6
        pendingMisses.remove(vni: vni, address)
        var i = FastHash.reduce(MappingCache.hash(vni: vni, v6: v6, k), slotCount)
        var result = UpdateResult.inserted
        while slots[i].state != MappingSlot.empty {
            let s = slots[i]
            if s.ipLow == k.low && s.vni == vni && s.ipHigh == k.high && s.keyV6 == (v6 ? 1 : 0) {
                if entry.version < s.version { return .stale }
                result = .updated
                break
            }
            i = i + 1 == slotCount ? 0 : i + 1
        }
        if result == .inserted {
            if used >= capacity { return .full }
            used += 1
        }
        let u = AddressKey(entry.underlay)
        slots[i] = MappingSlot(
            ipHigh: k.high, ipLow: k.low, underHigh: u.high, underLow: u.low, eni: entry.eni,
            version: entry.version, macPort: (entry.mac.value & 0xFFFF_FFFF_FFFF) << 16 | UInt64(entry.underlayPort),
            vni: vni, state: MappingSlot.live, keyV6: v6 ? 1 : 0, underV6: entry.underlay.family == .v6 ? 1 : 0, pad: 0)
        return result
    }

    /// Withdraws one mapping as of `version`; the key then misses, and updates older than
    /// `version` stay ignored. Returns false if the held entry is newer.
    @discardableResult
    public func invalidate(vni: UInt32, _ address: IPAddress, version: UInt64) -> Bool {
        let k = AddressKey(address)
        let v6 = address.family == .v6
        let i = find(vni: vni, v6: v6, k)
        if i >= 0 {
            if slots[i].version > version { return false }
            slots[i].state = MappingSlot.withdrawn
            slots[i].version = version
            return true
        }
        // Remember the withdrawal if there is room, so a late stale answer is ignored.
        return insertWithdrawn(vni: vni, k, v6: v6, version: version)
    }

    private func insertWithdrawn(vni: UInt32, _ k: AddressKey, v6: Bool, version: UInt64) -> Bool {
        guard used < capacity else { return true }
        var i = FastHash.reduce(MappingCache.hash(vni: vni, v6: v6, k), slotCount)
        while slots[i].state != MappingSlot.empty { i = i + 1 == slotCount ? 0 : i + 1 }
        used += 1
        slots[i] = MappingSlot(ipHigh: k.high, ipLow: k.low, underHigh: 0, underLow: 0, eni: 0, version: version,
                               macPort: 0, vni: vni, state: MappingSlot.withdrawn, keyV6: v6 ? 1 : 0, underV6: 0, pad: 0)
        return true
    }

    /// Withdraws every live mapping of `eni` (instance terminated, ENI moved). O(capacity).
    @discardableResult
    public func invalidate(eni: UInt64, version: UInt64) -> Int {
        var n = 0
        for i in 0..<slotCount where slots[i].state == MappingSlot.live && slots[i].eni == eni && slots[i].version <= version {
            slots[i].state = MappingSlot.withdrawn
            slots[i].version = version
            n += 1
        }
        return n
    }

    /// Frees withdrawn slots whose version is ≤ `version` (once the feed is known to be past
    /// it, stale answers can no longer arrive). Backward-shift deletion. Returns slots freed.
    @discardableResult
    public func purgeWithdrawn(throughVersion version: UInt64) -> Int {
        var freed = 0
        var i = 0
        while i < slotCount {
            if slots[i].state == MappingSlot.withdrawn && slots[i].version <= version {
                removeSlot(i)
                freed += 1
            } else {
                i += 1
            }
        }
        return freed
    }

    private func removeSlot(_ i: Int) {
        used -= 1
        var hole = i, j = i
        while true {
            j = j + 1 == slotCount ? 0 : j + 1
            let s = slots[j]
            if s.state == MappingSlot.empty { break }
            let home = FastHash.reduce(MappingCache.hash(vni: s.vni, v6: s.keyV6 != 0, AddressKey(high: s.ipHigh, low: s.ipLow)), slotCount)
            let inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !inRange { slots[hole] = s; hole = j }
        }
        slots[hole].state = MappingSlot.empty
    }
}
