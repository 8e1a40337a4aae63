/// Where a route sends traffic (EC2 route targets). Ids are the caller's compact indices.
public enum RouteTarget: Hashable, Sendable {
    /// Within the VPC (the `local` route of every route table).
    case local
    case internetGateway(UInt64)
    case egressOnlyInternetGateway(UInt64)
    case natGateway(UInt64)
    case networkInterface(UInt64)
    case vpcPeering(UInt64)
    case transitGateway(UInt64)
    /// The route's target was deleted: matching traffic is dropped.
    case blackhole
}

/// One route: destination CIDR → target.
public struct Route: Hashable, Sendable {
    public var destination: IPPrefix
    public var target: RouteTarget
    public init(destination: IPPrefix, target: RouteTarget) { self.destination = destination; self.target = target }
}
