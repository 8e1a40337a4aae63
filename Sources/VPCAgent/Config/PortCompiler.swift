public import VPCDataplane
public import VPCHostServices
public import VPCModel
public import VPCWire

/// One ENI of this host compiled for the data plane: the pipeline's port, the DHCP lease
/// it is offered, the resolver zone of its VPC and the flow logs that cover it.
public struct CompiledPort: Sendable {
    public var networkInterfaceId: String
    public var instanceId: String
    public var port: ENIPort
    public var lease: DHCPLease
    public var zone: ResolverZone
    public var flowLogs: [FlowLogSpec]
}

/// One mapping entry for the pipeline's cache.
public struct CompiledMapping: Hashable, Sendable {
    public var vni: UInt32
    public var address: IPAddress
    public var entry: MappingEntry
    /// The ENI's source/destination check.
    public var sourceDestCheck = true
}

/// Turns the feed's documents into what the pipeline installs (pure; tested without a
/// kernel). Fails closed: a rule whose peer cannot be parsed grants nothing, a network
/// ACL with an unparseable entry denies everything, a route with an unknown target is a
/// blackhole, and an interface whose VPC, subnet or ids are unusable gets no port.
public enum PortCompiler {
    /// Why an interface was not compiled (logged by the agent).
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var networkInterfaceId: String
        public var reason: String
        public var description: String { "\(networkInterfaceId): \(reason)" }
    }

    /// The interface's idle timeouts: AWS's defaults where it sets none (`ConnectionTimeouts`
    /// holds the ones it sets to AWS's ranges).
    static func connectionTimeouts(_ interface: InterfaceSpec) -> ConnectionTimeouts {
        let aws = ConnectionTimeouts.aws
        return ConnectionTimeouts(tcpEstablished: interface.tcpEstablishedTimeout.map { UInt32(clamping: $0) } ?? aws.tcpEstablished,
                                  udp: interface.udpTimeout.map { UInt32(clamping: $0) } ?? aws.udp,
                                  udpStream: interface.udpStreamTimeout.map { UInt32(clamping: $0) } ?? aws.udpStream)
    }

    /// Compiles `interface` of `instance` at port `index`, in `network`.
    public static func compile(_ interface: InterfaceSpec, of instance: InstanceSpec, index: Int,
                               network: NetworkSpec) -> Result<CompiledPort, Problem> {
        func fail(_ r: String) -> Result<CompiledPort, Problem> { .failure(Problem(networkInterfaceId: interface.networkInterfaceId, reason: r)) }
        guard let eni = NetworkInterfaceNumber(interface.networkInterfaceId) else { return fail("unparseable ENI id") }
        guard let mac = MACAddress(interface.macAddress), mac.isUnicast, mac != .zero else { return fail("bad MAC \(interface.macAddress)") }
        guard let vpcBlock = network.cidrBlocks.first.flatMap({ IPPrefix(cidr: $0) }), vpcBlock.family == .v4 else {
            return fail("VPC \(network.vpcId) has no IPv4 block")
        }
        guard let subnet = network.subnets.first(where: { $0.subnetId == interface.subnetId }),
              let subnetV4 = IPPrefix(cidr: subnet.cidrBlock), subnetV4.family == .v4 else {
            return fail("subnet \(interface.subnetId) unknown in \(network.vpcId)")
        }
        let v4 = interface.privateIpAddresses.compactMap(IPv4Address.init)
        guard let primary = v4.first, v4.count == interface.privateIpAddresses.count else { return fail("bad private addresses") }
        let v6 = interface.ipv6Addresses.compactMap(IPv6Address.init)
        guard v6.count == interface.ipv6Addresses.count else { return fail("bad IPv6 addresses") }
        let subnetV6 = subnet.ipv6CidrBlock.flatMap { IPPrefix(cidr: $0) }

        let groups = interface.securityGroupIds.compactMap { id in network.securityGroups.first { $0.groupId == id } }
        let acl = network.networkAcls.first { $0.networkAclId == subnet.networkAclId }
        let table = network.routeTables.first { $0.routeTableId == subnet.routeTableId }
        let port = ENIPort(
            index: index, eni: eni.value, mac: mac, vni: network.vni, vpcIPv4: vpcBlock, subnetIPv4: subnetV4,
            ipv4Addresses: v4, ipv6Addresses: v6, subnetIPv6: subnetV6, sourceDestCheck: interface.sourceDestCheck,
            flowLogs: !(interface.flowLogs ?? []).isEmpty, connectionTimeouts: connectionTimeouts(interface),
            securityGroups: securityGroupPolicy(groups),
            networkACL: acl.map(networkACL) ?? NetworkACL(rules: []),
            routeTable: RouteTable(routes: table.map(routes) ?? []))
        // The option set's servers; IPv6 ones are for DHCPv6, which this agent does not serve.
        let resolver = vpcBlock.ipv4(offset: 2)
        let dnsServers = network.dnsServers(resolver: resolver.description).compactMap { IPv4Address($0) }
        let lease = DHCPLease(clientMAC: mac, address: primary, prefixLength: Int(subnetV4.length),
                              router: subnetV4.ipv4(offset: 1), domainNameServers: dnsServers,
                              domainName: network.domainName.isEmpty ? nil : network.domainName,
                              hostName: ResolverZone.hostLabel(primary),
                              ntpServers: (network.ntpServers ?? []).compactMap { IPv4Address($0) })
        return .success(CompiledPort(networkInterfaceId: interface.networkInterfaceId, instanceId: instance.instanceId,
                                     port: port, lease: lease, zone: resolverZone(network),
                                     flowLogs: interface.flowLogs ?? []))
    }

    /// The union of the groups' rules; each peer block becomes one rule.
    public static func securityGroupPolicy(_ groups: [SecurityGroupSpec]) -> SecurityGroupPolicy {
        var rules: [SecurityGroupRule] = []
        for g in groups {
            for (direction, specs) in [(TrafficDirection.ingress, g.ingress), (.egress, g.egress)] {
                for r in specs {
                    for c in r.cidrs {
                        guard let p = IPPrefix(cidr: c) else { continue }  // grants nothing
                        rules.append(SecurityGroupRule(direction: direction, ipProtocol: r.ipProtocol,
                                                       fromPort: r.fromPort, toPort: r.toPort, peer: .cidr(p)))
                    }
                }
            }
        }
        return SecurityGroupPolicy(rules: rules)
    }

    public static func networkACL(_ spec: NetworkAclSpec) -> NetworkACL {
        var rules: [NetworkACLRule] = []
        for e in spec.entries where (1...Int(NetworkACLRule.maxRuleNumber)).contains(e.ruleNumber) {
            guard let p = IPPrefix(cidr: e.cidr) else { return NetworkACL(rules: []) }  // deny everything
            rules.append(NetworkACLRule(ruleNumber: UInt16(e.ruleNumber), direction: e.egress ? .egress : .ingress,
                                        action: e.allow ? .allow : .deny, ipProtocol: e.ipProtocol, cidr: p,
                                        fromPort: e.fromPort, toPort: e.toPort))
        }
        return NetworkACL(rules: rules)
    }

    public static func routes(_ spec: RouteTableSpec) -> [Route] {
        spec.routes.compactMap { r in
            guard let p = IPPrefix(cidr: r.destination) else { return nil }
            return Route(destination: p, target: RouteTarget(feedTarget: r.target) ?? .blackhole)
        }
    }

    public static func resolverZone(_ n: NetworkSpec) -> ResolverZone {
        let blocks = n.cidrBlocks.compactMap { IPPrefix(cidr: $0) }.filter { $0.family == .v4 }
            .map { UInt32(truncatingIfNeeded: $0.first.low)...UInt32(truncatingIfNeeded: $0.last.low) }
        let hosts = Set(n.endpoints.compactMap { IPv4Address($0.address) })
        return ResolverZone(enableDnsSupport: n.enableDnsSupport, enableDnsHostnames: n.enableDnsHostnames,
                            domain: DNSName(ResolverZone.privateDomain(region: n.region)) ?? DNSName(labels: []),
                            blocks: blocks, hosts: hosts)
    }

    /// The mapping entries of a VPC's endpoints at feed `version`; unparseable ones are skipped.
    public static func mappings(_ n: NetworkSpec, version: UInt64) -> [CompiledMapping] {
        n.endpoints.compactMap { mapping($0, vni: n.vni, version: version) }
    }

    public static func mapping(_ e: EndpointSpec, vni: UInt32, version: UInt64) -> CompiledMapping? {
        guard let a = IPAddress(e.address), let u = IPAddress(e.underlay), let eni = NetworkInterfaceNumber(e.networkInterfaceId),
              let mac = MACAddress(e.macAddress) else { return nil }
        return CompiledMapping(vni: vni, address: a,
                               entry: MappingEntry(underlay: u, underlayPort: e.underlayPort, eni: eni.value, mac: mac, version: version),
                               sourceDestCheck: e.sourceDestCheck ?? true)
    }
}
