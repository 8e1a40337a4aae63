public import VPCModel
import EC2Shapes

/// What one host is told (docs/agent-protocol.md): an `InstanceSpec` per instance placed on
/// it that is not being terminated, and a `NetworkSpec` per VPC in which those instances have
/// an interface. Derived from the control plane's state on demand, never kept in a write.
public struct HostDocuments: Sendable, Equatable {
    public var instances: [String: InstanceSpec] = [:]
    public var networks: [String: NetworkSpec] = [:]

    public init() {}

    /// The documents of `hostId` in `regions` (one snapshot, every account);
    /// `flowLogInterval` replaces every flow log's aggregation interval (tests only).
    public init(hostId: String, regions: [RegionState], hosts: [String: HostRegistration],
                flowLogInterval: Int? = nil) {
        for state in regions {
            var vpcs: Set<String> = []
            var attached: [String: [EC2.NetworkInterface]]?
            for instance in state.instances.values where instance.hostId == hostId {
                guard let desired = InstanceRecord.desiredState(instance.state) else { continue }
                if attached == nil { attached = state.interfacesByInstance() }
                let enis = attached?[instance.instanceId] ?? []
                instances[instance.instanceId] = InstanceSpec(
                    instanceId: instance.instanceId, accountId: state.account, region: state.region,
                    desiredState: desired, bootCount: instance.bootCount, userData: instance.userData,
                    interfaces: enis.map {
                        var spec = Self.interfaceSpec($0)
                        let flowLogs = state.flowLogSpecs(networkInterfaceId: spec.networkInterfaceId,
                                                          intervalOverride: flowLogInterval)
                        spec.flowLogs = flowLogs.isEmpty ? nil : flowLogs
                        return spec
                    })
                for eni in enis { vpcs.insert(eni.vpcId ?? "") }
            }
            for vpcId in vpcs {
                if let spec = Self.networkSpec(vpcId, in: state, hosts: hosts) { networks[vpcId] = spec }
            }
        }
    }

    static func interfaceSpec(_ eni: EC2.NetworkInterface) -> InterfaceSpec {
        let addresses = eni.privateIpAddresses ?? []
        let primaryFirst = addresses.filter { $0.primary == true } + addresses.filter { $0.primary != true }
        return InterfaceSpec(
            networkInterfaceId: eni.networkInterfaceId ?? "", deviceIndex: eni.attachment?.deviceIndex ?? 0,
            macAddress: eni.macAddress ?? "", vpcId: eni.vpcId ?? "", subnetId: eni.subnetId ?? "",
            privateIpAddresses: primaryFirst.compactMap(\.privateIpAddress),
            ipv6Addresses: (eni.ipv6Addresses ?? []).compactMap(\.ipv6Address),
            securityGroupIds: (eni.groups ?? []).compactMap(\.groupId), sourceDestCheck: eni.sourceDestCheck ?? true,
            tcpEstablishedTimeout: eni.connectionTrackingConfiguration?.tcpEstablishedTimeout,
            udpStreamTimeout: eni.connectionTrackingConfiguration?.udpStreamTimeout,
            udpTimeout: eni.connectionTrackingConfiguration?.udpTimeout)
    }

    /// A VPC's document: its subnets with their effective ACL and route table, the groups its
    /// placed interfaces use (rules resolved to blocks), those ACLs and tables, and every placed
    /// address. Nil when the VPC is gone.
    public static func networkSpec(_ vpcId: String, in state: RegionState, hosts: [String: HostRegistration]) -> NetworkSpec? {
        guard let vpc = state.vpcs[vpcId] else { return nil }
        let placed = state.placedInterfaces(in: vpcId)
        let mainTable = state.routeTables.values.first { t in
            t.vpcId == vpcId && (t.associations ?? []).contains { $0.main == true }
        }?.routeTableId ?? ""
        var subnets: [SubnetSpec] = []
        var aclIds: Set<String> = []
        var tableIds: Set<String> = []
        for subnet in state.subnets.sorted where subnet.vpcId == vpcId {
            let subnetId = subnet.subnetId ?? ""
            let acl = state.networkAcls.values.first { acl in
                (acl.associations ?? []).contains { $0.subnetId == subnetId }
            }?.networkAclId ?? ""
            let table = state.routeTables.values.first { t in
                (t.associations ?? []).contains { $0.subnetId == subnetId }
            }?.routeTableId ?? mainTable
            aclIds.insert(acl)
            tableIds.insert(table)
            subnets.append(SubnetSpec(
                subnetId: subnetId, cidrBlock: subnet.cidrBlock ?? "",
                ipv6CidrBlock: (subnet.ipv6CidrBlockAssociationSet ?? [])
                    .first { $0.ipv6CidrBlockState?.state == "associated" }?.ipv6CidrBlock,
                networkAclId: acl, routeTableId: table))
        }
        let groupIds = Set(placed.flatMap { ($0.eni.groups ?? []).compactMap(\.groupId) })
        let groups = groupIds.sorted().compactMap { id in state.securityGroups[id].map { state.securityGroupSpec($0) } }
        let acls = aclIds.sorted().compactMap { id in state.networkAcls[id].map(Self.networkAclSpec) }
        let tables = tableIds.sorted().compactMap { id in state.routeTables[id].map { state.routeTableSpec($0) } }
        var endpoints: [EndpointSpec] = []
        for (eni, instanceId, hostId) in placed {
            guard let host = hosts[hostId] else { continue }
            let addresses = (eni.privateIpAddresses ?? []).compactMap(\.privateIpAddress)
                + (eni.ipv6Addresses ?? []).compactMap(\.ipv6Address)
            for address in addresses {
                endpoints.append(EndpointSpec(
                    address: address, networkInterfaceId: eni.networkInterfaceId ?? "", macAddress: eni.macAddress ?? "",
                    hostId: hostId, underlay: host.underlay, underlayPort: host.underlayPort, instanceId: instanceId,
                    sourceDestCheck: eni.sourceDestCheck ?? true))
            }
        }
        endpoints.sort { ($0.address, $0.networkInterfaceId) < ($1.address, $1.networkInterfaceId) }
        return NetworkSpec(
            vpcId: vpcId, accountId: state.account, region: state.region, vni: vpc.networkID,
            cidrBlocks: (vpc.vpc.cidrBlockAssociationSet ?? []).filter { $0.cidrBlockState?.state == "associated" }
                .compactMap(\.cidrBlock),
            ipv6CidrBlocks: (vpc.vpc.ipv6CidrBlockAssociationSet ?? [])
                .filter { $0.ipv6CidrBlockState?.state == "associated" }.compactMap(\.ipv6CidrBlock),
            enableDnsSupport: vpc.enableDnsSupport, enableDnsHostnames: vpc.enableDnsHostnames,
            domainName: state.domainName(of: vpc), subnets: subnets, securityGroups: groups, networkAcls: acls,
            routeTables: tables, endpoints: endpoints,
            domainNameServers: state.dhcpOption("domain-name-servers", of: vpc) ?? ["AmazonProvidedDNS"],
            ntpServers: state.dhcpOption("ntp-servers", of: vpc) ?? [])
    }

    /// The mapping entry of one address in the VPC with Geneve VNI `vni`, wherever it is placed;
    /// for a host `asker`, only in a VPC where it has a placed interface itself (the networks
    /// its feed names), so a host cannot map other VPCs.
    public static func endpoint(vni: UInt32, address: String, regions: [RegionState],
                                hosts: [String: HostRegistration], askedBy asker: String? = nil) -> EndpointSpec? {
        let v4 = IPv4(address)
        let v6 = v4 == nil ? IPv6(address) : nil
        guard v4 != nil || v6 != nil else { return nil }
        for state in regions {
            guard let vpc = state.vpcs.values.first(where: { $0.networkID == vni }) else { continue }
            let placed = state.placedInterfaces(in: vpc.id)
            if let asker, !placed.contains(where: { $0.hostId == asker }) { return nil }
            for (eni, instanceId, hostId) in placed {
                guard let host = hosts[hostId] else { continue }
                let held = (eni.privateIpAddresses ?? []).contains { v4 != nil && $0.privateIpAddress.flatMap(IPv4.init) == v4 }
                    || (eni.ipv6Addresses ?? []).contains { v6 != nil && $0.ipv6Address.flatMap(IPv6.init) == v6 }
                if held {
                    return EndpointSpec(address: address, networkInterfaceId: eni.networkInterfaceId ?? "",
                                        macAddress: eni.macAddress ?? "", hostId: hostId, underlay: host.underlay,
                                        underlayPort: host.underlayPort, instanceId: instanceId,
                                        sourceDestCheck: eni.sourceDestCheck ?? true)
                }
            }
        }
        return nil
    }

    static func networkAclSpec(_ acl: EC2.NetworkAcl) -> NetworkAclSpec {
        let entries = (acl.entries ?? []).map { e -> NetworkAclEntrySpec in
            let proto = ipProtocolNumber(e.protocol ?? "-1") ?? -1
            let isICMP = proto == 1 || proto == 58
            return NetworkAclEntrySpec(
                ruleNumber: e.ruleNumber ?? 32767, egress: e.egress ?? false, allow: e.ruleAction == "allow",
                ipProtocol: proto, cidr: e.cidrBlock ?? e.ipv6CidrBlock ?? "",
                fromPort: Int32(isICMP ? e.icmpTypeCode?.type ?? -1 : e.portRange?.from ?? -1),
                toPort: Int32(isICMP ? e.icmpTypeCode?.code ?? -1 : e.portRange?.to ?? -1))
        }
        return NetworkAclSpec(networkAclId: acl.networkAclId ?? "",
                              entries: entries.sorted { ($0.egress ? 1 : 0, $0.ruleNumber, $0.cidr) < ($1.egress ? 1 : 0, $1.ruleNumber, $1.cidr) })
    }

    /// EC2's protocol names and numbers to the IANA number; `-1` (all) stays -1.
    static func ipProtocolNumber(_ text: String) -> Int16? {
        switch text.lowercased() {
        case "-1", "all": -1
        case "tcp": 6
        case "udp": 17
        case "icmp": 1
        case "icmpv6": 58
        default: Int16(text).flatMap { (-1...255).contains($0) ? $0 : nil }
        }
    }
}

extension InstanceRecord {
    /// What the agent should make of an instance in `state`; nil once it is being terminated.
    public static func desiredState(_ state: String) -> String? {
        switch state {
        case "pending", "running": "running"
        case "stopping", "stopped": "stopped"
        default: nil
        }
    }
}

extension RegionState {
    /// The interfaces in a VPC attached to instances that should be running, with the instance and its host.
    func placedInterfaces(in vpcId: String) -> [(eni: EC2.NetworkInterface, instanceId: String, hostId: String)] {
        networkInterfaces.sorted.compactMap { eni in
            guard eni.vpcId == vpcId, let instanceId = eni.attachment?.instanceId,
                  let instance = instances[instanceId], InstanceRecord.desiredState(instance.state) == "running" else {
                return nil
            }
            return (eni, instanceId, instance.hostId)
        }
    }

    /// DHCP option `domain-name` of the VPC's options set; AWS's default without one.
    func domainName(of vpc: VpcRecord) -> String {
        let standard = region == "us-east-1" ? "ec2.internal" : "\(region).compute.internal"
        return dhcpOption("domain-name", of: vpc)?.joined(separator: " ") ?? standard
    }

    /// The values of option `key` in the VPC's options set (empty when the set lacks it); nil
    /// when the VPC has no set, which stands for AWS's default set.
    func dhcpOption(_ key: String, of vpc: VpcRecord) -> [String]? {
        guard let id = vpc.vpc.dhcpOptionsId, id != "default", let options = dhcpOptions[id] else { return nil }
        return (options.dhcpConfigurations ?? []).first { $0.key == key }?.values?.compactMap(\.value) ?? []
    }

    /// A group's rules with their peers resolved: a referenced group to its members' addresses,
    /// a prefix list to its entries. An unresolvable peer gives no blocks (fail closed).
    func securityGroupSpec(_ group: SecurityGroupRecord) -> SecurityGroupSpec {
        var ingress: [SecurityGroupRuleSpec] = []
        var egress: [SecurityGroupRuleSpec] = []
        for rule in group.rules {
            var cidrs: [String] = []
            if let v4 = rule.cidrIpv4 { cidrs.append(v4) }
            if let v6 = rule.cidrIpv6 { cidrs.append(v6) }
            if let list = rule.prefixListId {
                cidrs += (prefixLists[list]?.entries ?? []).compactMap(\.cidr)
            }
            let referenced = rule.referencedGroupInfo?.groupId
            if let referenced { cidrs += memberAddresses(of: referenced) }
            let spec = SecurityGroupRuleSpec(
                ipProtocol: HostDocuments.ipProtocolNumber(rule.ipProtocol ?? "-1") ?? -1,
                fromPort: Int32(rule.fromPort ?? -1), toPort: Int32(rule.toPort ?? -1), cidrs: cidrs,
                referencedGroupId: referenced, prefixListId: rule.prefixListId)
            if rule.isEgress == true { egress.append(spec) } else { ingress.append(spec) }
        }
        let order: (SecurityGroupRuleSpec, SecurityGroupRuleSpec) -> Bool = {
            ($0.ipProtocol, $0.fromPort, $0.toPort, $0.cidrs.joined(separator: ",")) <
                ($1.ipProtocol, $1.fromPort, $1.toPort, $1.cidrs.joined(separator: ","))
        }
        return SecurityGroupSpec(groupId: group.groupId, ingress: ingress.sorted(by: order), egress: egress.sorted(by: order))
    }

    /// Every private IPv4 (/32) and IPv6 (/128) address of the interfaces in a group, sorted.
    func memberAddresses(of groupId: String) -> [String] {
        var out: [String] = []
        for eni in networkInterfaces.values where (eni.groups ?? []).contains(where: { $0.groupId == groupId }) {
            out += (eni.privateIpAddresses ?? []).compactMap(\.privateIpAddress).map { $0 + "/32" }
            out += (eni.ipv6Addresses ?? []).compactMap(\.ipv6Address).map { $0 + "/128" }
        }
        return out.sorted()
    }

    /// A route table's routes; a prefix-list destination becomes one route per entry. Past
    /// the local routes, a destination within the VPC that such a route may not cover (a
    /// list's entry, or a route made before the rule) is left out: it stays local.
    func routeTableSpec(_ table: EC2.RouteTable) -> RouteTableSpec {
        var routes: [RouteSpec] = []
        for route in withCurrentInterfaceTargets(table).routes ?? [] {
            let target: String
            if route.state == "blackhole" {
                target = "blackhole"
            } else {
                target = route.gatewayId ?? route.egressOnlyInternetGatewayId ?? route.natGatewayId
                    ?? route.networkInterfaceId ?? route.vpcPeeringConnectionId ?? route.transitGatewayId
                    ?? route.instanceId ?? "blackhole"
            }
            var destinations = [route.destinationCidrBlock, route.destinationIpv6CidrBlock].compactMap { $0 }
            if let list = route.destinationPrefixListId {
                destinations += (prefixLists[list]?.entries ?? []).compactMap(\.cidr)
            }
            if target != "local" {
                destinations = destinations.filter { routable($0, vpcId: table.vpcId, toInterface: route.networkInterfaceId != nil) }
            }
            routes += destinations.map { RouteSpec(destination: $0, target: target) }
        }
        return RouteTableSpec(routeTableId: table.routeTableId ?? "",
                              routes: routes.sorted { ($0.destination, $0.target) < ($1.destination, $1.target) })
    }
}
