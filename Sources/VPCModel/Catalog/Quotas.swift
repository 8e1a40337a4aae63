/// Service quotas with AWS's defaults (Amazon VPC quotas page); configurable.
public struct Quotas: Sendable, Codable, Equatable {
    public var vpcsPerRegion = 5
    public var subnetsPerVpc = 200
    public var ipv4CidrBlocksPerVpc = 5
    public var rulesPerSecurityGroup = 60      // inbound and outbound each, per IP family
    public var securityGroupsPerNetworkInterface = 5
    public var securityGroupsPerVpc = 2500
    public var rulesPerNetworkAcl = 20         // per direction
    public var networkAclsPerVpc = 200
    public var routeTablesPerVpc = 200
    public var routesPerRouteTable = 50
    public var internetGatewaysPerRegion = 5
    public var egressOnlyInternetGatewaysPerRegion = 5
    public var elasticIPsPerRegion = 5
    public var prefixListEntriesMax = 1000
    public var networkInterfacesPerRegion = 5000
    /// Instances not yet terminated (EC2's former On-Demand instance limit was 20; raised here
    /// because instances are namespaces, not machines).
    public var instancesPerRegion = 256

    public init() {}
}
