public import EC2Shapes
public import VPCModel

/// What AWS creates without being asked: per region a default DHCP options set
/// and a default VPC; per VPC a main route table, a default network ACL and a
/// default security group.
extension Transaction {
    /// First use of a region by an account: its default DHCP options and default VPC.
    mutating func initializeRegion() throws {
        let dopt = EC2.DhcpOptions(
            ownerId: account, tags: [], dhcpOptionsId: ResourceID.generate("dopt"),
            dhcpConfigurations: [
                EC2.DhcpConfiguration(key: "domain-name",
                                      values: [EC2.AttributeValue(value: region.privateDNSSuffix)]),
                EC2.DhcpConfiguration(key: "domain-name-servers",
                                      values: [EC2.AttributeValue(value: "AmazonProvidedDNS")]),
            ])
        state.dhcpOptions[dopt.dhcpOptionsId!] = dopt
        state.meta["region"] = RegionMeta(defaultVpcId: nil, createdAt: now.secondsSince1970)
        _ = try createDefaultVpcResources()
    }

    /// The default DHCP options set of the region (the one created with it).
    var defaultDhcpOptionsId: String? {
        state.dhcpOptions.values.first {
            $0.dhcpConfigurations?.contains { $0.values?.first?.value == "AmazonProvidedDNS" } == true
                && $0.tags?.isEmpty != false
        }?.dhcpOptionsId ?? state.dhcpOptions.sorted.first?.dhcpOptionsId
    }

    /// A default VPC: 172.31.0.0/16, a /20 default subnet per zone with public IPs
    /// on launch, an attached internet gateway and a 0.0.0.0/0 route to it.
    mutating func createDefaultVpcResources() throws -> VpcRecord {
        var record = try createVpcResources(cidr: IPv4CIDR("172.31.0.0/16")!, tenancy: "default", tags: nil,
                                            isDefault: true, amazonIPv6: false)
        record.enableDnsHostnames = true
        state.vpcs[record.id] = record
        let vpcId = record.id
        for (i, zone) in region.zones.enumerated() {
            let cidr = IPv4CIDR(network: IPv4(0xAC1F_0000 + UInt32(i) << 12), prefixLength: 20)
            var subnet = try createSubnetResource(vpcId: vpcId, cidr: cidr, ipv6: nil, zone: zone, tags: nil)
            subnet.defaultForAz = true
            subnet.mapPublicIpOnLaunch = true
            state.subnets[subnet.subnetId!] = subnet
            associateWithDefaultNetworkAcl(subnetId: subnet.subnetId!, vpcId: vpcId)
        }
        let igwId = ResourceID.generate("igw")
        state.internetGateways[igwId] = EC2.InternetGateway(
            attachments: [EC2.InternetGatewayAttachment(state: "available", vpcId: vpcId)],
            internetGatewayId: igwId, ownerId: account, tags: [])
        if let mainId = mainRouteTableId(of: vpcId), var main = state.routeTables[mainId] {
            main.routes?.append(EC2.Route(destinationCidrBlock: "0.0.0.0/0", gatewayId: igwId,
                                          origin: "CreateRoute", state: "active"))
            state.routeTables[mainId] = main
        }
        var meta = state.meta["region"] ?? RegionMeta(defaultVpcId: nil, createdAt: now.secondsSince1970)
        meta.defaultVpcId = vpcId
        state.meta["region"] = meta
        return record
    }

    /// A VPC with its main route table, default network ACL and default security group.
    mutating func createVpcResources(cidr: IPv4CIDR, tenancy: String, tags: [EC2.Tag]?, isDefault: Bool,
                                     amazonIPv6: Bool) throws -> VpcRecord {
        try checkQuota(state.vpcs.count, quotas.vpcsPerRegion, code: "VpcLimitExceeded",
                       "The maximum number of VPCs has been reached.")
        let vpcId = ResourceID.generate("vpc")
        var ipv6: [EC2.VpcIpv6CidrBlockAssociation]? = nil
        if amazonIPv6 { ipv6 = [try allocateAmazonIPv6Block()] }
        let vpc = EC2.Vpc(
            ownerId: account, instanceTenancy: tenancy, ipv6CidrBlockAssociationSet: ipv6,
            cidrBlockAssociationSet: [EC2.VpcCidrBlockAssociation(
                associationId: ResourceID.generate("vpc-cidr-assoc"), cidrBlock: cidr.description,
                cidrBlockState: EC2.VpcCidrBlockState(state: "associated"))],
            isDefault: isDefault, tags: tags ?? [], vpcId: vpcId, state: "available", cidrBlock: cidr.description,
            dhcpOptionsId: defaultDhcpOptionsId)
        let record = VpcRecord(vpc: vpc, networkID: allocateNetworkID(), enableDnsSupport: true,
                               enableDnsHostnames: isDefault)
        state.vpcs[vpcId] = record

        let mainTableId = ResourceID.generate("rtb")
        state.routeTables[mainTableId] = EC2.RouteTable(
            associations: [EC2.RouteTableAssociation(
                main: true, routeTableAssociationId: ResourceID.generate("rtbassoc"), routeTableId: mainTableId,
                associationState: EC2.RouteTableAssociationState(state: "associated"))],
            propagatingVgws: [], routeTableId: mainTableId, routes: localRoutes(of: record), tags: [],
            vpcId: vpcId, ownerId: account)

        let aclId = ResourceID.generate("acl")
        state.networkAcls[aclId] = EC2.NetworkAcl(
            associations: [], entries: Self.defaultNetworkAclEntries(ipv6: amazonIPv6), isDefault: true,
            networkAclId: aclId, tags: [], vpcId: vpcId, ownerId: account)

        let groupId = ResourceID.generate("sg")
        state.securityGroups[groupId] = SecurityGroupRecord(
            groupId: groupId, groupName: "default", description: "default VPC security group", vpcId: vpcId,
            ownerId: account, tags: [],
            rules: [
                EC2.SecurityGroupRule(
                    securityGroupRuleId: ResourceID.generate("sgr"), groupId: groupId, groupOwnerId: account,
                    isEgress: false, ipProtocol: "-1", fromPort: -1, toPort: -1,
                    referencedGroupInfo: EC2.ReferencedSecurityGroup(groupId: groupId, userId: account), tags: []),
                EC2.SecurityGroupRule(
                    securityGroupRuleId: ResourceID.generate("sgr"), groupId: groupId, groupOwnerId: account,
                    isEgress: true, ipProtocol: "-1", fromPort: -1, toPort: -1, cidrIpv4: "0.0.0.0/0", tags: []),
            ] + (amazonIPv6 ? [Self.allTrafficEgressIPv6(groupId: groupId, account: account)] : []),
            isDefault: true)
        return record
    }

    static func allTrafficEgressIPv6(groupId: String, account: String) -> EC2.SecurityGroupRule {
        EC2.SecurityGroupRule(
            securityGroupRuleId: ResourceID.generate("sgr"), groupId: groupId, groupOwnerId: account,
            isEgress: true, ipProtocol: "-1", fromPort: -1, toPort: -1, cidrIpv6: "::/0", tags: [])
    }

    /// Rule 100 allows all, `*` denies all, in both directions (and for IPv6 when the VPC has it).
    static func defaultNetworkAclEntries(ipv6: Bool) -> [EC2.NetworkAclEntry] {
        var entries: [EC2.NetworkAclEntry] = []
        for egress in [true, false] {
            entries.append(EC2.NetworkAclEntry(cidrBlock: "0.0.0.0/0", egress: egress, protocol: "-1",
                                               ruleAction: "allow", ruleNumber: 100))
            entries.append(EC2.NetworkAclEntry(cidrBlock: "0.0.0.0/0", egress: egress, protocol: "-1",
                                               ruleAction: "deny", ruleNumber: 32767))
            if ipv6 { entries += ipv6DefaultEntries(egress: egress, allow: true) }
        }
        return entries
    }

    /// The IPv6 pair of a default network ACL: 101 allow (default NACL only) and 32768 deny.
    static func ipv6DefaultEntries(egress: Bool, allow: Bool) -> [EC2.NetworkAclEntry] {
        (allow ? [EC2.NetworkAclEntry(egress: egress, ipv6CidrBlock: "::/0", protocol: "-1",
                                      ruleAction: "allow", ruleNumber: 101)] : [])
            + [EC2.NetworkAclEntry(egress: egress, ipv6CidrBlock: "::/0", protocol: "-1",
                                   ruleAction: "deny", ruleNumber: 32768)]
    }

    /// The `local` routes of a VPC: one per associated CIDR block.
    func localRoutes(of record: VpcRecord) -> [EC2.Route] {
        let v4 = (record.vpc.cidrBlockAssociationSet ?? []).filter { $0.cidrBlockState?.state == "associated" }
            .compactMap(\.cidrBlock).map {
                EC2.Route(destinationCidrBlock: $0, gatewayId: "local", origin: "CreateRouteTable", state: "active")
            }
        let v6 = (record.vpc.ipv6CidrBlockAssociationSet ?? []).filter { $0.ipv6CidrBlockState?.state == "associated" }
            .compactMap(\.ipv6CidrBlock).map {
                EC2.Route(destinationIpv6CidrBlock: $0, gatewayId: "local", origin: "CreateRouteTable", state: "active")
            }
        return v4 + v6
    }

    func mainRouteTableId(of vpcId: String) -> String? {
        state.routeTables.values.first { t in
            t.vpcId == vpcId && (t.associations ?? []).contains { $0.main == true }
        }?.routeTableId
    }

    /// A fresh 24-bit network id, unique across every account (Geneve VNI).
    mutating func allocateNetworkID() -> UInt32 {
        var rng = SystemRandomNumberGenerator()
        while true {
            let id = UInt32.random(in: 1...0xFF_FFFF, using: &rng)
            if global.networkIDs.insert(id).inserted { return id }
        }
    }

    /// An Amazon-provided /56 from the IPv6 pool, unique across every account.
    mutating func allocateAmazonIPv6Block() throws -> EC2.VpcIpv6CidrBlockAssociation {
        let pool = options.ipv6Pool
        var rng = SystemRandomNumberGenerator()
        let freeBits = 56 - pool.prefixLength
        for _ in 0..<64 {
            let suffix = UInt64.random(in: 0..<(UInt64(1) << freeBits), using: &rng)
            let top56 = (pool.network.high >> 8) | suffix
            if global.ipv6Blocks.insert(top56).inserted {
                let block = IPv6CIDR(network: IPv6(high: top56 << 8, low: 0), prefixLength: 56)
                return EC2.VpcIpv6CidrBlockAssociation(
                    associationId: ResourceID.generate("vpc-cidr-assoc"), ipv6CidrBlock: block.description,
                    ipv6CidrBlockState: EC2.VpcCidrBlockState(state: "associated"),
                    networkBorderGroup: region.name, ipv6Pool: "Amazon", ipv6AddressAttribute: "public",
                    ipSource: "amazon")
            }
        }
        throw EC2Error("InsufficientCidrBlocks", "There are not enough free IPv6 CIDR blocks in the pool.")
    }
}
