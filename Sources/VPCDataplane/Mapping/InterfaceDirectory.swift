public import VPCWire

/// Where each placed ENI of the VPCs a host serves is, by ENI: what a route to a network
/// interface is forwarded to, and whether an ENI may send sources it does not own (its
/// source/destination check is off), which a receiving host needs to accept what such an
/// ENI forwards. Filled from the mapping feed; looked up only on those two paths.
public struct InterfaceDirectory: Sendable {
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

    var locations: [UInt64: Location]

    /// The ENIs' locations; an ENI listed more than once (once per address) keeps the first
    /// entry that has an IPv4 address.
    public init(_ locations: [Location] = []) {
        var byENI: [UInt64: Location] = [:]
        for l in locations where byENI[l.entry.eni].map({ $0.ipv4 == 0 && l.ipv4 != 0 }) ?? true {
            byENI[l.entry.eni] = l
        }
        self.locations = byENI
    }

    public var count: Int { locations.count }

    /// ENI `eni`'s placement if it is in VPC `vni`.
    public func location(of eni: UInt64, vni: UInt32) -> Location? {
        guard let l = locations[eni], l.vni == vni else { return nil }
        return l
    }
}
