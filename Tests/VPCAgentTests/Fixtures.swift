import VPCModel

/// A small VPC document like the control plane sends.
enum Fixtures {
    static let sg = "sg-0123456789abcdef0"
    static let eniA = "eni-0000000000000000a"
    static let eniB = "eni-0000000000000000b"

    static func network(icmp: Bool = true, aclEntries: [NetworkAclEntrySpec]? = nil) -> NetworkSpec {
        var ingress = [SecurityGroupRuleSpec(ipProtocol: 6, fromPort: 22, toPort: 22, cidrs: ["10.0.0.0/16", "not-a-cidr"])]
        if icmp { ingress.append(SecurityGroupRuleSpec(ipProtocol: 1, fromPort: -1, toPort: -1, cidrs: ["10.0.0.0/16"])) }
        let entries = aclEntries ?? [
            NetworkAclEntrySpec(ruleNumber: 100, egress: false, allow: true, ipProtocol: -1, cidr: "0.0.0.0/0", fromPort: -1, toPort: -1),
            NetworkAclEntrySpec(ruleNumber: 100, egress: true, allow: true, ipProtocol: -1, cidr: "0.0.0.0/0", fromPort: -1, toPort: -1),
            NetworkAclEntrySpec(ruleNumber: 32767, egress: false, allow: false, ipProtocol: -1, cidr: "0.0.0.0/0", fromPort: -1, toPort: -1),
        ]
        return NetworkSpec(
            vpcId: "vpc-1", accountId: "123456789012", region: "eu-west-1", vni: 4242,
            cidrBlocks: ["10.0.0.0/16"], ipv6CidrBlocks: [], enableDnsSupport: true, enableDnsHostnames: false,
            domainName: "eu-west-1.compute.internal",
            subnets: [SubnetSpec(subnetId: "subnet-1", cidrBlock: "10.0.1.0/24", ipv6CidrBlock: nil, networkAclId: "acl-1",
                                 routeTableId: "rtb-1")],
            securityGroups: [SecurityGroupSpec(groupId: sg, ingress: ingress,
                                               egress: [SecurityGroupRuleSpec(ipProtocol: -1, fromPort: -1, toPort: -1, cidrs: ["0.0.0.0/0"])])],
            networkAcls: [NetworkAclSpec(networkAclId: "acl-1", entries: entries)],
            routeTables: [RouteTableSpec(routeTableId: "rtb-1", routes: [
                RouteSpec(destination: "10.0.0.0/16", target: "local"),
                RouteSpec(destination: "0.0.0.0/0", target: "igw-0123456789abcdef0"),
                RouteSpec(destination: "192.168.0.0/16", target: "vgw-0123"),
            ])],
            endpoints: [
                EndpointSpec(address: "10.0.1.10", networkInterfaceId: eniA, macAddress: "02:00:00:00:00:0a", hostId: "h1",
                             underlay: "192.0.2.1", underlayPort: 6081, instanceId: "i-a"),
                EndpointSpec(address: "10.0.1.11", networkInterfaceId: eniB, macAddress: "02:00:00:00:00:0b", hostId: "h2",
                             underlay: "192.0.2.2", underlayPort: 6081, instanceId: "i-b"),
            ])
    }

    static func interface(_ eni: String = eniA, ip: String = "10.0.1.10", mac: String = "02:00:00:00:00:0a",
                          groups: [String] = [sg]) -> InterfaceSpec {
        InterfaceSpec(networkInterfaceId: eni, deviceIndex: 0, macAddress: mac, vpcId: "vpc-1", subnetId: "subnet-1",
                      privateIpAddresses: [ip], ipv6Addresses: [], securityGroupIds: groups, sourceDestCheck: true)
    }

    static func instance(_ id: String = "i-a", state: String = "running", boot: UInt32 = 1,
                         interfaces: [InterfaceSpec] = [interface()]) -> InstanceSpec {
        InstanceSpec(instanceId: id, accountId: "123456789012", region: "eu-west-1", desiredState: state, bootCount: boot,
                     userData: nil, interfaces: interfaces)
    }
}
