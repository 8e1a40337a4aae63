public import EC2Shapes
public import VPCModel

// CreateSubnet, DeleteSubnet, DescribeSubnets, ModifySubnetAttribute.

extension Transaction {
    public mutating func createSubnet(_ r: EC2.CreateSubnetRequest) throws -> EC2.CreateSubnetResult {
        let vpc = try state.vpcs.require(r.vpcId, .vpc)
        guard r.ipv4IpamPoolId == nil, r.ipv6IpamPoolId == nil, r.outpostArn == nil else {
            throw EC2Error("InvalidParameterCombination", "IPAM pools and Outposts are not supported")
        }
        let zone = try Self.zone(in: region, name: r.availabilityZone, id: r.availabilityZoneId)
        guard r.ipv6Native != true else {
            throw EC2Error("InvalidParameterCombination", "IPv6-only subnets are not supported")
        }
        guard let text = r.cidrBlock else { throw EC2Error.missingParameter("CidrBlock") }
        guard let cidr = IPv4CIDR(text) else {
            throw EC2Error("InvalidParameterValue", "Value (\(text)) for parameter cidrBlock is invalid. This is not a valid CIDR block.")
        }
        guard (16...28).contains(cidr.prefixLength) else {
            throw EC2Error("InvalidSubnet.Range", "The CIDR '\(text)' is invalid.")
        }
        let vpcBlocks = (vpc.vpc.cidrBlockAssociationSet ?? []).filter { $0.cidrBlockState?.state == "associated" }
            .compactMap { $0.cidrBlock.flatMap(IPv4CIDR.init) }
        guard vpcBlocks.contains(where: { $0.contains(cidr) }) else {
            throw EC2Error("InvalidSubnet.Range", "The CIDR '\(text)' is invalid.")
        }
        let siblings = state.subnets.values.filter { $0.vpcId == vpc.id }
        guard siblings.count < quotas.subnetsPerVpc else {
            throw EC2Error("SubnetLimitExceeded", "The maximum number of subnets has been reached.")
        }
        for other in siblings {
            if let o = other.cidrBlock.flatMap(IPv4CIDR.init), o.overlaps(cidr) {
                throw EC2Error("InvalidSubnet.Conflict", "The CIDR '\(text)' conflicts with another subnet")
            }
        }
        var ipv6: IPv6CIDR?
        if let v6text = r.ipv6CidrBlock {
            guard let block = IPv6CIDR(v6text) else {
                throw EC2Error("InvalidParameterValue", "Value (\(v6text)) for parameter ipv6CidrBlock is invalid.")
            }
            guard block.prefixLength == 64 else {
                throw EC2Error("InvalidSubnet.Range", "The IPv6 CIDR '\(v6text)' is invalid: a subnet's IPv6 block must be a /64.")
            }
            let vpc6 = (vpc.vpc.ipv6CidrBlockAssociationSet ?? []).filter { $0.ipv6CidrBlockState?.state == "associated" }
                .compactMap { $0.ipv6CidrBlock.flatMap(IPv6CIDR.init) }
            guard vpc6.contains(where: { $0.contains(block) }) else {
                throw EC2Error("InvalidSubnet.Range", "The IPv6 CIDR '\(v6text)' is not within the VPC's IPv6 CIDR blocks.")
            }
            for other in siblings {
                for a in other.ipv6CidrBlockAssociationSet ?? [] where a.ipv6CidrBlock.flatMap(IPv6CIDR.init) == block {
                    throw EC2Error("InvalidSubnet.Conflict", "The CIDR '\(v6text)' conflicts with another subnet")
                }
            }
            ipv6 = block
        }
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "subnet")
        let subnet = try createSubnetResource(vpcId: vpc.id, cidr: cidr, ipv6: ipv6, zone: zone, tags: tags)
        state.subnets[subnet.subnetId!] = subnet
        associateWithDefaultNetworkAcl(subnetId: subnet.subnetId!, vpcId: vpc.id)
        var shown = state.describedSubnet(subnet)
        shown.state = "pending"
        return EC2.CreateSubnetResult(subnet: shown)
    }

    static func zone(in region: RegionCatalog.Region, name: String?, id: String?) throws -> RegionCatalog.Zone {
        switch (name, id) {
        case (nil, nil):
            return region.zones[Int.random(in: 0..<region.zones.count)]
        case (let name?, nil):
            guard let z = region.zones.first(where: { $0.name == name }) else {
                throw EC2Error("InvalidParameterValue", "Value (\(name)) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: \(region.zones.map(\.name).joined(separator: ", ")).")
            }
            return z
        case (nil, let id?):
            guard let z = region.zones.first(where: { $0.id == id }) else {
                throw EC2Error("InvalidParameterValue", "Value (\(id)) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zone ids: \(region.zones.map(\.id).joined(separator: ", ")).")
            }
            return z
        default:
            throw EC2Error("InvalidParameterCombination", "Only one of AvailabilityZone or AvailabilityZoneId may be specified.")
        }
    }

    func createSubnetResource(vpcId: String, cidr: IPv4CIDR, ipv6: IPv6CIDR?, zone: RegionCatalog.Zone,
                              tags: [EC2.Tag]?) throws -> EC2.Subnet {
        let id = ResourceID.generate("subnet")
        return EC2.Subnet(
            availabilityZoneId: zone.id, mapCustomerOwnedIpOnLaunch: false, ownerId: account,
            assignIpv6AddressOnCreation: false,
            ipv6CidrBlockAssociationSet: ipv6.map { [EC2.SubnetIpv6CidrBlockAssociation(
                associationId: ResourceID.generate("subnet-cidr-assoc"), ipv6CidrBlock: $0.description,
                ipv6CidrBlockState: EC2.SubnetCidrBlockState(state: "associated"), ipv6AddressAttribute: "public",
                ipSource: "amazon")] } ?? [],
            tags: tags ?? [], subnetArn: "arn:aws:ec2:\(region.name):\(account):subnet/\(id)", enableDns64: false,
            ipv6Native: false,
            privateDnsNameOptionsOnLaunch: EC2.PrivateDnsNameOptionsOnLaunch(
                hostnameType: "ip-name", enableResourceNameDnsARecord: false, enableResourceNameDnsAAAARecord: false),
            subnetId: id, state: "available", vpcId: vpcId, cidrBlock: cidr.description,
            availableIpAddressCount: Int(cidr.size) - 5, availabilityZone: zone.name, defaultForAz: false,
            mapPublicIpOnLaunch: false)
    }

    public mutating func deleteSubnet(_ r: EC2.DeleteSubnetRequest) throws {
        let subnet = try state.subnets.require(r.subnetId, .subnet)
        if state.networkInterfaces.values.contains(where: { $0.subnetId == r.subnetId }) {
            throw EC2Error.dependencyViolation("The subnet '\(r.subnetId)' has dependencies and cannot be deleted.")
        }
        // Its route-table and network-ACL associations go with it.
        for var table in state.routeTables.values where (table.associations ?? []).contains(where: { $0.subnetId == r.subnetId }) {
            table.associations = table.associations?.filter { $0.subnetId != r.subnetId }
            state.routeTables[table.routeTableId!] = table
        }
        for var acl in state.networkAcls.values where (acl.associations ?? []).contains(where: { $0.subnetId == r.subnetId }) {
            acl.associations = acl.associations?.filter { $0.subnetId != r.subnetId }
            state.networkAcls[acl.networkAclId!] = acl
        }
        state.subnets[subnet.subnetId!] = nil
        state.deleteFlowLogs(of: subnet.subnetId!)
    }

    public mutating func modifySubnetAttribute(_ r: EC2.ModifySubnetAttributeRequest) throws {
        var subnet = try state.subnets.require(r.subnetId, .subnet)
        guard r.mapCustomerOwnedIpOnLaunch == nil, r.customerOwnedIpv4Pool == nil, r.enableLniAtDeviceIndex == nil,
              r.disableLniAtDeviceIndex == nil else {
            throw EC2Error("InvalidParameterCombination", "Outpost attributes are not supported")
        }
        let given = [r.mapPublicIpOnLaunch != nil, r.assignIpv6AddressOnCreation != nil, r.enableDns64 != nil,
                     r.privateDnsHostnameTypeOnLaunch != nil, r.enableResourceNameDnsARecordOnLaunch != nil,
                     r.enableResourceNameDnsAAAARecordOnLaunch != nil].filter { $0 }.count
        guard given <= 1 else {
            throw EC2Error("InvalidParameterCombination", "Only one subnet attribute can be modified at a time")
        }
        var changed = false
        if let v = r.mapPublicIpOnLaunch?.value { subnet.mapPublicIpOnLaunch = v; changed = true }
        if let v = r.assignIpv6AddressOnCreation?.value {
            if v && (subnet.ipv6CidrBlockAssociationSet ?? []).isEmpty {
                throw EC2Error("InvalidParameterValue", "Invalid value for parameter AssignIpv6AddressOnCreation: the subnet has no IPv6 CIDR block.")
            }
            subnet.assignIpv6AddressOnCreation = v
            changed = true
        }
        if let v = r.enableDns64?.value { subnet.enableDns64 = v; changed = true }
        if let v = r.privateDnsHostnameTypeOnLaunch {
            guard v == "ip-name" || v == "resource-name" else {
                throw EC2Error("InvalidParameterValue", "Value (\(v)) for parameter privateDnsHostnameTypeOnLaunch is invalid.")
            }
            subnet.privateDnsNameOptionsOnLaunch?.hostnameType = v
            changed = true
        }
        if let v = r.enableResourceNameDnsARecordOnLaunch?.value {
            subnet.privateDnsNameOptionsOnLaunch?.enableResourceNameDnsARecord = v; changed = true
        }
        if let v = r.enableResourceNameDnsAAAARecordOnLaunch?.value {
            subnet.privateDnsNameOptionsOnLaunch?.enableResourceNameDnsAAAARecord = v; changed = true
        }
        guard changed else { throw EC2Error.missingParameter("an attribute to modify") }
        state.subnets[subnet.subnetId!] = subnet
    }
}

extension RegionState {
    static let subnetFilters: Set<String> = [
        "availability-zone", "availability-zone-id", "available-ip-address-count", "cidr-block", "cidr",
        "cidrBlock", "default-for-az", "ipv6-cidr-block-association.ipv6-cidr-block",
        "ipv6-cidr-block-association.association-id", "ipv6-cidr-block-association.state", "ipv6-native",
        "map-public-ip-on-launch", "owner-id", "state", "subnet-arn", "subnet-id", "vpc-id",
        "assign-ipv6-address-on-creation", "enable-dns64", "private-dns-name-options-on-launch.hostname-type",
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
        // Outposts and their addresses: no subnet here is on one, so these match nothing.
        "customer-owned-ipv4-pool", "map-customer-owned-ip-on-launch", "outpost-arn", "enable-lni-at-device-index",
    ]

    /// Addresses of a subnet that ENIs hold.
    func usedAddressCount(of subnetId: String) -> Int {
        networkInterfaces.values.filter { $0.subnetId == subnetId }.reduce(0) {
            $0 + max(1, $1.privateIpAddresses?.count ?? 0)
        }
    }

    /// The subnet as Describe shows it: available count = size − 5 reserved − used.
    func describedSubnet(_ s: EC2.Subnet) -> EC2.Subnet {
        var out = s
        if let cidr = s.cidrBlock.flatMap(IPv4CIDR.init) {
            out.availableIpAddressCount = Int(cidr.size) - 5 - usedAddressCount(of: s.subnetId ?? "")
        }
        return out
    }

    public func describeSubnets(_ r: EC2.DescribeSubnetsRequest) throws -> EC2.DescribeSubnetsResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.subnetFilters)
        let page = try describePage(
            subnets.selected(r.subnetIds, .subnet).map(describedSubnet), filter: filter, tags: \.tags,
            id: { $0.subnetId ?? "" },
            values: { s, name in
                let v6 = s.ipv6CidrBlockAssociationSet ?? []
                switch name {
                case "availability-zone": return [s.availabilityZone ?? ""]
                case "availability-zone-id": return [s.availabilityZoneId ?? ""]
                case "available-ip-address-count": return [String(s.availableIpAddressCount ?? 0)]
                case "cidr-block", "cidr", "cidrBlock": return [s.cidrBlock ?? ""]
                case "default-for-az": return bool(s.defaultForAz)
                case "ipv6-cidr-block-association.ipv6-cidr-block": return v6.compactMap(\.ipv6CidrBlock)
                case "ipv6-cidr-block-association.association-id": return v6.compactMap(\.associationId)
                case "ipv6-cidr-block-association.state": return v6.compactMap { $0.ipv6CidrBlockState?.state }
                case "ipv6-native": return bool(s.ipv6Native)
                case "map-public-ip-on-launch": return bool(s.mapPublicIpOnLaunch)
                case "assign-ipv6-address-on-creation": return bool(s.assignIpv6AddressOnCreation)
                case "enable-dns64": return bool(s.enableDns64)
                case "private-dns-name-options-on-launch.hostname-type":
                    return [s.privateDnsNameOptionsOnLaunch?.hostnameType].compactMap { $0 }
                case "private-dns-name-options-on-launch.enable-resource-name-dns-a-record":
                    return bool(s.privateDnsNameOptionsOnLaunch?.enableResourceNameDnsARecord)
                case "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record":
                    return bool(s.privateDnsNameOptionsOnLaunch?.enableResourceNameDnsAAAARecord)
                case "map-customer-owned-ip-on-launch": return ["false"]
                case "owner-id": return [account]
                case "state": return [s.state ?? ""]
                case "subnet-arn": return [s.subnetArn ?? ""]
                case "subnet-id": return [s.subnetId ?? ""]
                case "vpc-id": return [s.vpcId ?? ""]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeSubnetsResult(nextToken: page.nextToken, subnets: page.items)
    }
}
