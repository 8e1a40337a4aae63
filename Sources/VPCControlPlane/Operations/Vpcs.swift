public import EC2Shapes
public import VPCModel

// CreateVpc, DeleteVpc, DescribeVpcs, ModifyVpcAttribute, DescribeVpcAttribute,
// AssociateVpcCidrBlock, DisassociateVpcCidrBlock, CreateDefaultVpc.

extension Transaction {
    public mutating func createVpc(_ r: EC2.CreateVpcRequest) throws -> EC2.CreateVpcResult {
        guard r.ipv4IpamPoolId == nil, r.ipv6IpamPoolId == nil, r.ipv6Pool == nil, r.ipv6CidrBlock == nil else {
            throw EC2Error("InvalidParameterCombination", "IPAM pools and BYOIP IPv6 pools are not supported")
        }
        guard let text = r.cidrBlock else { throw EC2Error.missingParameter("CidrBlock") }
        let cidr = try Self.vpcCIDR(text)
        let tenancy = r.instanceTenancy ?? "default"
        guard tenancy == "default" || tenancy == "dedicated" else {
            throw EC2Error("InvalidParameterValue", "The tenancy value \(tenancy) is not supported.")
        }
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "vpc")
        let record = try createVpcResources(cidr: cidr, tenancy: tenancy, tags: tags, isDefault: false,
                                            amazonIPv6: r.amazonProvidedIpv6CidrBlock ?? false)
        var vpc = record.vpc
        // A new VPC is returned in the pending state, as EC2 does.
        vpc.state = "pending"
        return EC2.CreateVpcResult(vpc: vpc)
    }

    /// A VPC IPv4 block: valid CIDR, /16 to /28.
    static func vpcCIDR(_ text: String) throws -> IPv4CIDR {
        guard let cidr = IPv4CIDR(text) else {
            throw EC2Error("InvalidParameterValue", "Value (\(text)) for parameter cidrBlock is invalid. This is not a valid CIDR block.")
        }
        guard (16...28).contains(cidr.prefixLength) else {
            throw EC2Error("InvalidVpc.Range", "The CIDR '\(text)' is invalid.")
        }
        guard !Self.reservedIPv4.contains(where: { $0.overlaps(cidr) }) else {
            throw EC2Error("InvalidVpc.Range", "The CIDR '\(text)' is restricted.")
        }
        return cidr
    }

    /// Ranges no VPC may use (Amazon VPC guide, "VPC CIDR blocks"): this network, loopback,
    /// link-local (the instance metadata and DNS addresses) and multicast.
    static let reservedIPv4 = ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4"].map { IPv4CIDR($0)! }

    public mutating func createDefaultVpc(_ r: EC2.CreateDefaultVpcRequest) throws -> EC2.CreateDefaultVpcResult {
        if let existing = state.vpcs.values.first(where: { $0.vpc.isDefault == true }) {
            throw EC2Error("DefaultVpcAlreadyExists",
                           "A Default VPC already exists for this account in this region (\(existing.id)).")
        }
        return EC2.CreateDefaultVpcResult(vpc: try createDefaultVpcResources().vpc)
    }

    public mutating func deleteVpc(_ r: EC2.DeleteVpcRequest) throws {
        let record = try state.vpcs.require(r.vpcId, .vpc)
        let id = record.id
        func blocked(_ what: String) -> EC2Error {
            .dependencyViolation("The vpc '\(id)' has dependencies and cannot be deleted.")
        }
        if state.subnets.values.contains(where: { $0.vpcId == id }) { throw blocked("subnet") }
        if state.internetGateways.values.contains(where: { $0.attachments?.contains { $0.vpcId == id } == true }) {
            throw blocked("internet gateway")
        }
        if state.egressOnlyInternetGateways.values.contains(where: { $0.attachments?.contains { $0.vpcId == id } == true }) {
            throw blocked("egress-only internet gateway")
        }
        if state.networkInterfaces.values.contains(where: { $0.vpcId == id }) { throw blocked("network interface") }
        if state.securityGroups.values.contains(where: { $0.vpcId == id && !$0.isDefault }) { throw blocked("security group") }
        if state.routeTables.values.contains(where: { t in
            t.vpcId == id && !(t.associations ?? []).contains { $0.main == true }
        }) { throw blocked("route table") }
        if state.networkAcls.values.contains(where: { $0.vpcId == id && $0.isDefault != true }) {
            throw blocked("network ACL")
        }
        // The VPC's own defaults go with it.
        for t in state.routeTables.values where t.vpcId == id { state.routeTables[t.routeTableId!] = nil }
        for a in state.networkAcls.values where a.vpcId == id { state.networkAcls[a.networkAclId!] = nil }
        for g in state.securityGroups.values where g.vpcId == id { state.securityGroups[g.groupId] = nil }
        state.vpcs[id] = nil
        state.deleteFlowLogs(of: id)
        global.networkIDs.remove(record.networkID)
        for a in record.vpc.ipv6CidrBlockAssociationSet ?? [] {
            if let block = a.ipv6CidrBlock.flatMap(IPv6CIDR.init) { global.ipv6Blocks.remove(block.network.high >> 8) }
        }
        if var meta = state.meta["region"], meta.defaultVpcId == id {
            meta.defaultVpcId = nil
            state.meta["region"] = meta
        }
    }

    public mutating func modifyVpcAttribute(_ r: EC2.ModifyVpcAttributeRequest) throws {
        var record = try state.vpcs.require(r.vpcId, .vpc)
        let given = [r.enableDnsHostnames, r.enableDnsSupport, r.enableNetworkAddressUsageMetrics].compactMap { $0 }
        guard given.count == 1, let value = given[0].value else {
            throw EC2Error("InvalidParameterCombination",
                           "Exactly one of EnableDnsHostnames, EnableDnsSupport or EnableNetworkAddressUsageMetrics must be specified.")
        }
        if r.enableDnsHostnames != nil {
            if value && !record.enableDnsSupport {
                throw EC2Error("InvalidParameterValue", "DNS hostnames cannot be enabled while DNS support is disabled.")
            }
            record.enableDnsHostnames = value
        } else if r.enableDnsSupport != nil {
            record.enableDnsSupport = value
        } else {
            record.enableNetworkAddressUsageMetrics = value
        }
        state.vpcs[record.id] = record
    }

    public mutating func associateVpcCidrBlock(_ r: EC2.AssociateVpcCidrBlockRequest) throws -> EC2.AssociateVpcCidrBlockResult {
        var record = try state.vpcs.require(r.vpcId, .vpc)
        guard r.ipv4IpamPoolId == nil, r.ipv6IpamPoolId == nil, r.ipv6Pool == nil, r.ipv6CidrBlock == nil else {
            throw EC2Error("InvalidParameterCombination", "IPAM pools and BYOIP IPv6 pools are not supported")
        }
        if r.amazonProvidedIpv6CidrBlock == true {
            guard r.cidrBlock == nil else {
                throw EC2Error("InvalidParameterCombination", "Specify either an IPv4 CIDR block or an IPv6 CIDR block, not both.")
            }
            guard !(record.vpc.ipv6CidrBlockAssociationSet ?? []).contains(where: { $0.ipv6CidrBlockState?.state == "associated" }) else {
                throw EC2Error("CidrLimitExceeded", "This network '\(record.id)' has met its maximum number of allowed CIDRs: 1")
            }
            let association = try allocateAmazonIPv6Block()
            record.vpc.ipv6CidrBlockAssociationSet = (record.vpc.ipv6CidrBlockAssociationSet ?? []) + [association]
            state.vpcs[record.id] = record
            refreshLocalRoutes(of: record)
            addIPv6Defaults(vpcId: record.id)
            return EC2.AssociateVpcCidrBlockResult(ipv6CidrBlockAssociation: association, vpcId: record.id)
        }
        guard let text = r.cidrBlock else { throw EC2Error.missingParameter("CidrBlock") }
        let cidr = try Self.vpcCIDR(text)
        let current = (record.vpc.cidrBlockAssociationSet ?? []).filter { $0.cidrBlockState?.state == "associated" }
        guard current.count < quotas.ipv4CidrBlocksPerVpc else {
            throw EC2Error("CidrLimitExceeded",
                           "This network '\(record.id)' has met its maximum number of allowed CIDRs: \(quotas.ipv4CidrBlocksPerVpc)")
        }
        for existing in current.compactMap({ $0.cidrBlock.flatMap(IPv4CIDR.init) }) where existing.overlaps(cidr) {
            throw EC2Error("InvalidVpc.Range", "The CIDR '\(text)' conflicts with another subnet")
        }
        if let primary = record.vpc.cidrBlock.flatMap(IPv4CIDR.init), !Self.sameRFC1918Range(primary, cidr) {
            throw EC2Error("InvalidVpc.Range", "The CIDR '\(text)' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR.")
        }
        // The new block must not be the same as or larger than a route's destination, which
        // its local route would then shadow.
        for table in state.routeTables.values where table.vpcId == record.id {
            for route in table.routes ?? [] where route.gatewayId != "local" {
                if let destination = route.destinationCidrBlock.flatMap(IPv4CIDR.init), cidr.contains(destination) {
                    throw EC2Error("InvalidVpc.Range",
                                   "The CIDR '\(text)' is the same as or larger than the destination \(destination) of a route in route table \(table.routeTableId ?? "").")
                }
            }
        }
        let association = EC2.VpcCidrBlockAssociation(
            associationId: ResourceID.generate("vpc-cidr-assoc"), cidrBlock: cidr.description,
            cidrBlockState: EC2.VpcCidrBlockState(state: "associated"))
        record.vpc.cidrBlockAssociationSet = (record.vpc.cidrBlockAssociationSet ?? []) + [association]
        state.vpcs[record.id] = record
        refreshLocalRoutes(of: record)
        var shown = association
        shown.cidrBlockState = EC2.VpcCidrBlockState(state: "associating")
        return EC2.AssociateVpcCidrBlockResult(cidrBlockAssociation: shown, vpcId: record.id)
    }

    /// AWS restricts secondary blocks to the primary's RFC 1918 range (or public space).
    static func sameRFC1918Range(_ a: IPv4CIDR, _ b: IPv4CIDR) -> Bool {
        let ranges = [IPv4CIDR("10.0.0.0/8")!, IPv4CIDR("172.16.0.0/12")!, IPv4CIDR("192.168.0.0/16")!]
        let ra = ranges.first { $0.contains(a) }
        let rb = ranges.first { $0.contains(b) }
        return rb == nil || ra == rb
    }

    public mutating func disassociateVpcCidrBlock(_ r: EC2.DisassociateVpcCidrBlockRequest) throws -> EC2.DisassociateVpcCidrBlockResult {
        guard var record = state.vpcs.values.first(where: { v in
            (v.vpc.cidrBlockAssociationSet ?? []).contains { $0.associationId == r.associationId }
                || (v.vpc.ipv6CidrBlockAssociationSet ?? []).contains { $0.associationId == r.associationId }
        }) else {
            throw EC2Error("InvalidVpcCidrBlockAssociationID.NotFound",
                           "The vpc CIDR block association ID '\(r.associationId)' does not exist")
        }
        if let i = record.vpc.cidrBlockAssociationSet?.firstIndex(where: { $0.associationId == r.associationId }) {
            let association = record.vpc.cidrBlockAssociationSet![i]
            guard association.cidrBlock != record.vpc.cidrBlock else {
                throw EC2Error("OperationNotPermitted",
                               "The vpc CIDR block with association ID \(r.associationId) may not be disassociated. It is the primary IPv4 CIDR block of the VPC")
            }
            let block = association.cidrBlock.flatMap(IPv4CIDR.init)
            if let block, state.subnets.values.contains(where: { s in
                s.vpcId == record.id && s.cidrBlock.flatMap(IPv4CIDR.init).map(block.contains) == true
            }) {
                throw EC2Error("InvalidCidrBlock.InUse", "The vpc CIDR block \(block) has subnets associated with it.")
            }
            record.vpc.cidrBlockAssociationSet!.remove(at: i)
            state.vpcs[record.id] = record
            refreshLocalRoutes(of: record)
            var shown = association
            shown.cidrBlockState = EC2.VpcCidrBlockState(state: "disassociating")
            return EC2.DisassociateVpcCidrBlockResult(cidrBlockAssociation: shown, vpcId: record.id)
        }
        let i = record.vpc.ipv6CidrBlockAssociationSet!.firstIndex { $0.associationId == r.associationId }!
        let association = record.vpc.ipv6CidrBlockAssociationSet![i]
        if state.subnets.values.contains(where: { s in
            s.vpcId == record.id && (s.ipv6CidrBlockAssociationSet ?? []).contains { $0.ipv6CidrBlockState?.state == "associated" }
        }) {
            throw EC2Error("InvalidCidrBlock.InUse", "The vpc IPv6 CIDR block has subnets associated with it.")
        }
        record.vpc.ipv6CidrBlockAssociationSet!.remove(at: i)
        state.vpcs[record.id] = record
        if let block = association.ipv6CidrBlock.flatMap(IPv6CIDR.init) { global.ipv6Blocks.remove(block.network.high >> 8) }
        refreshLocalRoutes(of: record)
        var shown = association
        shown.ipv6CidrBlockState = EC2.VpcCidrBlockState(state: "disassociating")
        return EC2.DisassociateVpcCidrBlockResult(ipv6CidrBlockAssociation: shown, vpcId: record.id)
    }

    /// Keeps every route table's `local` routes equal to the VPC's blocks.
    mutating func refreshLocalRoutes(of record: VpcRecord) {
        let local = localRoutes(of: record)
        for var table in state.routeTables.values where table.vpcId == record.id {
            table.routes = local + (table.routes ?? []).filter { $0.gatewayId != "local" }
            state.routeTables[table.routeTableId!] = table
        }
    }

    /// Once a VPC has IPv6: the default NACL allows it, the others' final rules deny it.
    /// Security groups keep their rules (their IPv6 rules are their owners' to add).
    mutating func addIPv6Defaults(vpcId: String) {
        for var acl in state.networkAcls.values where acl.vpcId == vpcId && acl.isDefault == true {
            if !(acl.entries ?? []).contains(where: { $0.ipv6CidrBlock != nil }) {
                acl.entries = (acl.entries ?? []) + Self.ipv6DefaultEntries(egress: true, allow: true)
                    + Self.ipv6DefaultEntries(egress: false, allow: true)
                state.networkAcls[acl.networkAclId!] = acl
            }
        }
        for var acl in state.networkAcls.values where acl.vpcId == vpcId && acl.isDefault != true {
            if !(acl.entries ?? []).contains(where: { $0.ruleNumber == 32768 }) {
                acl.entries = (acl.entries ?? []) + Self.ipv6DefaultEntries(egress: true, allow: false)
                    + Self.ipv6DefaultEntries(egress: false, allow: false)
                state.networkAcls[acl.networkAclId!] = acl
            }
        }
    }
}

extension RegionState {
    static let vpcFilters: Set<String> = [
        "cidr", "cidr-block-association.cidr-block", "cidr-block-association.association-id",
        "cidr-block-association.state", "dhcp-options-id", "ipv6-cidr-block-association.ipv6-cidr-block",
        "ipv6-cidr-block-association.ipv6-pool", "ipv6-cidr-block-association.association-id",
        "ipv6-cidr-block-association.state", "is-default", "owner-id", "state", "vpc-id",
    ]

    public func describeVpcs(_ r: EC2.DescribeVpcsRequest) throws -> EC2.DescribeVpcsResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.vpcFilters)
        let page = try describePage(
            vpcs.selected(r.vpcIds, .vpc), filter: filter, tags: { $0.vpc.tags }, id: \.id,
            values: { record, name in
                let v = record.vpc
                let v4 = v.cidrBlockAssociationSet ?? []
                let v6 = v.ipv6CidrBlockAssociationSet ?? []
                switch name {
                case "cidr": return [v.cidrBlock ?? ""]
                case "cidr-block-association.cidr-block": return v4.compactMap(\.cidrBlock)
                case "cidr-block-association.association-id": return v4.compactMap(\.associationId)
                case "cidr-block-association.state": return v4.compactMap { $0.cidrBlockState?.state }
                case "dhcp-options-id": return [v.dhcpOptionsId ?? ""]
                case "ipv6-cidr-block-association.ipv6-cidr-block": return v6.compactMap(\.ipv6CidrBlock)
                case "ipv6-cidr-block-association.ipv6-pool": return v6.compactMap(\.ipv6Pool)
                case "ipv6-cidr-block-association.association-id": return v6.compactMap(\.associationId)
                case "ipv6-cidr-block-association.state": return v6.compactMap { $0.ipv6CidrBlockState?.state }
                case "is-default": return bool(v.isDefault)
                case "owner-id": return [account]
                case "state": return [v.state ?? ""]
                case "vpc-id": return [record.id]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeVpcsResult(nextToken: page.nextToken, vpcs: page.items.map(\.vpc))
    }

    public func describeVpcAttribute(_ r: EC2.DescribeVpcAttributeRequest) throws -> EC2.DescribeVpcAttributeResult {
        let record = try vpcs.require(r.vpcId, .vpc)
        var result = EC2.DescribeVpcAttributeResult(vpcId: record.id)
        switch r.attribute {
        case "enableDnsSupport": result.enableDnsSupport = .init(value: record.enableDnsSupport)
        case "enableDnsHostnames": result.enableDnsHostnames = .init(value: record.enableDnsHostnames)
        case "enableNetworkAddressUsageMetrics":
            result.enableNetworkAddressUsageMetrics = .init(value: record.enableNetworkAddressUsageMetrics)
        default:
            throw EC2Error("InvalidParameterValue", "Value (\(r.attribute)) for parameter attribute is invalid. Unknown attribute.")
        }
        return result
    }
}
