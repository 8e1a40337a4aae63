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

        public init(vni: UInt32, entry: MappingEntry, sourceDestCheck: Bool) {
            self.vni = vni; self.entry = entry; self.sourceDestCheck = sourceDestCheck
        }
    }

    var locations: [UInt64: Location]

    public init(_ locations: [Location] = []) {
        self.locations = Dictionary(locations.map { ($0.entry.eni, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var count: Int { locations.count }

    /// ENI `eni`'s placement if it is in VPC `vni`.
    public func location(of eni: UInt64, vni: UInt32) -> Location? {
        guard let l = locations[eni], l.vni == vni else { return nil }
        return l
    }
}
