public import VPCWire

/// Where each placed ENI of the VPCs a host serves is, by ENI: what a route to a network
/// interface is forwarded to, and whether an ENI may send sources it does not own (its
/// source/destination check is off), which a receiving host needs to accept what such an
/// ENI forwards. Filled from the mapping feed, replaced whole with each configuration.
///
/// An open-addressed table (linear probing, at most half full) in storage allocated when it
/// is replaced: a lookup neither allocates nor retains. Not thread-safe: it belongs to the
/// pipeline's thread.
public final class InterfaceDirectory {
    /// One ENI's placement.
    public struct Location: Hashable, Sendable {
        public var vni: UInt32
        public var entry: MappingEntry
        public var sourceDestCheck: Bool
        /// One of the ENI's IPv4 addresses (0: none), which tells its subnet.
        public var ipv4: UInt32

        public init(vni: UInt32, entry: MappingEntry, sourceDestCheck: Bool, ipv4: IPv4Address? = nil) {
            self.vni = vni; self.entry = entry; self.sourceDestCheck = sourceDestCheck; self.ipv4 = ipv4?.value ?? 0
        }
    }

    private var slots: UnsafeMutableBufferPointer<Location?>
    private var mask: Int
    /// ENIs held.
    public private(set) var count = 0

    public init(_ locations: [Location] = []) {
        // Slots are re-initialized and freed without deinitializing: plain values only.
        assert(_isPOD(Location.self))
        slots = .allocate(capacity: 16)
        slots.initialize(repeating: nil)
        mask = 15
        replace(with: locations)
    }

    deinit { slots.deallocate() }

    /// Replaces every location. An ENI listed more than once (once per address) keeps the
    /// first entry that has an IPv4 address.
    public func replace(with locations: [Location]) {
        var capacity = 16
        while capacity < locations.count * 2 { capacity <<= 1 }
        if capacity != slots.count {
            slots.deallocate()
            slots = .allocate(capacity: capacity)
        }
        slots.initialize(repeating: nil)
        mask = capacity - 1
        count = 0
        for l in locations { insert(l) }
    }

    private func insert(_ l: Location) {
        var i = slot(l.entry.eni)
        while let held = slots[i] {
            if held.entry.eni == l.entry.eni {
                if held.ipv4 == 0 && l.ipv4 != 0 { slots[i] = l }
                return
            }
            i = (i &+ 1) & mask
        }
        slots[i] = l
        count += 1
    }

    @inline(__always)
    private func slot(_ eni: UInt64) -> Int { FastHash.reduce(FastHash.mum(eni ^ FastHash.k0, FastHash.k1), mask &+ 1) }

    /// ENI `eni`'s placement if it is in VPC `vni`.
    @inline(__always)
    public func location(of eni: UInt64, vni: UInt32) -> Location? {
        var i = slot(eni)
        while let held = slots[i] {
            if held.entry.eni == eni { return held.vni == vni ? held : nil }
            i = (i &+ 1) & mask
        }
        return nil
    }
}
