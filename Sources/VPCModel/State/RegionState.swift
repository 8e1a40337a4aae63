public import EC2Shapes

/// Everything one account owns in one region. Accounts are isolated by
/// construction: an operation only ever sees its own account's region state.
public struct RegionState: Sendable {
    public let account: String
    public let region: String
    /// Changes whenever a committed write changed this region; never reused, even
    /// across a reset, so a value rendered at one version can be served again.
    public var version: UInt64 = 0

    public var meta = Table<RegionMeta>(kind: "meta")
    public var vpcs = Table<VpcRecord>(kind: "vpc")
    public var subnets = Table<EC2.Subnet>(kind: "subnet")
    public var securityGroups = Table<SecurityGroupRecord>(kind: "security-group")
    public var networkAcls = Table<EC2.NetworkAcl>(kind: "network-acl")
    public var routeTables = Table<EC2.RouteTable>(kind: "route-table")
    public var internetGateways = Table<EC2.InternetGateway>(kind: "internet-gateway")
    public var egressOnlyInternetGateways = Table<EC2.EgressOnlyInternetGateway>(kind: "egress-only-internet-gateway")
    public var dhcpOptions = Table<EC2.DhcpOptions>(kind: "dhcp-options")
    public var addresses = Table<EC2.Address>(kind: "elastic-ip")
    public var networkInterfaces = Table<EC2.NetworkInterface>(kind: "network-interface")
    public var prefixLists = Table<PrefixListRecord>(kind: "prefix-list")
    public var instances = Table<InstanceRecord>(kind: "instance")
    public var clientTokens = Table<ClientTokenRecord>(kind: "client-token")
    public var flowLogs = Table<EC2.FlowLog>(kind: "flow-log")
    public var logGroups = Table<LogGroupRecord>(kind: "log-group")

    public init(account: String, region: String) {
        self.account = account
        self.region = region
    }

    public var isInitialized: Bool { meta["region"] != nil }

    /// Visits every table in place, for the store (changes, loading) and for rollback.
    public mutating func visitTables<V: TableVisitor>(_ visitor: inout V) throws {
        try visitor.visit(&meta); try visitor.visit(&vpcs); try visitor.visit(&subnets)
        try visitor.visit(&securityGroups); try visitor.visit(&networkAcls); try visitor.visit(&routeTables)
        try visitor.visit(&internetGateways); try visitor.visit(&egressOnlyInternetGateways)
        try visitor.visit(&dhcpOptions); try visitor.visit(&addresses); try visitor.visit(&networkInterfaces)
        try visitor.visit(&prefixLists); try visitor.visit(&instances); try visitor.visit(&clientTokens)
        try visitor.visit(&flowLogs); try visitor.visit(&logGroups)
    }
}

/// Something done to every table of a region, whatever its record type.
public protocol TableVisitor {
    mutating func visit<R>(_ table: inout Table<R>) throws
}
