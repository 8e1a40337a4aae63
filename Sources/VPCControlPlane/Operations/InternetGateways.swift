public import EC2Shapes
public import VPCModel

// CreateInternetGateway, AttachInternetGateway, DetachInternetGateway,
// DeleteInternetGateway, DescribeInternetGateways, CreateEgressOnlyInternetGateway,
// DeleteEgressOnlyInternetGateway, DescribeEgressOnlyInternetGateways.

extension Transaction {
    public mutating func createInternetGateway(_ r: EC2.CreateInternetGatewayRequest) throws -> EC2.CreateInternetGatewayResult {
        try checkQuota(state.internetGateways.count, quotas.internetGatewaysPerRegion,
                       code: "InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached.")
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "internet-gateway")
        let id = ResourceID.generate("igw")
        let igw = EC2.InternetGateway(attachments: [], internetGatewayId: id, ownerId: account, tags: tags ?? [])
        state.internetGateways[id] = igw
        return EC2.CreateInternetGatewayResult(internetGateway: igw)
    }

    /// One gateway per VPC and one VPC per gateway. Routes through it that went
    /// blackhole when it left this VPC become active again.
    public mutating func attachInternetGateway(_ r: EC2.AttachInternetGatewayRequest) throws {
        var igw = try state.internetGateways.require(r.internetGatewayId, .internetGateway)
        let vpc = try state.vpcs.require(r.vpcId, .vpc)
        if let attached = igw.attachments?.first?.vpcId {
            throw EC2Error("Resource.AlreadyAssociated", "resource \(r.internetGatewayId) is already attached to network \(attached)")
        }
        if state.internetGateways.values.contains(where: { $0.attachments?.contains { $0.vpcId == vpc.id } == true }) {
            throw EC2Error("InvalidParameterValue", "Network \(vpc.id) already has an internet gateway attached")
        }
        igw.attachments = [EC2.InternetGatewayAttachment(state: "available", vpcId: vpc.id)]
        state.internetGateways[r.internetGatewayId] = igw
        setRouteState(target: r.internetGatewayId, vpcId: vpc.id, active: true)
    }

    /// Not while the VPC has public addresses mapped (EC2 API Reference,
    /// DetachInternetGateway); routes through the gateway go blackhole.
    public mutating func detachInternetGateway(_ r: EC2.DetachInternetGatewayRequest) throws {
        var igw = try state.internetGateways.require(r.internetGatewayId, .internetGateway)
        let vpc = try state.vpcs.require(r.vpcId, .vpc)
        guard (igw.attachments ?? []).contains(where: { $0.vpcId == vpc.id }) else {
            throw EC2Error("Gateway.NotAttached", "resource \(r.internetGatewayId) is not attached to network \(vpc.id)")
        }
        let mapped = state.networkInterfaces.values.contains { eni in
            eni.vpcId == vpc.id
                && (eni.association?.publicIp != nil  // the primary address's, or a secondary's
                    || (eni.privateIpAddresses ?? []).contains { $0.association?.publicIp != nil })
        }
        if mapped {
            throw EC2Error.dependencyViolation(
                "Network \(vpc.id) has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.")
        }
        igw.attachments = []
        state.internetGateways[r.internetGatewayId] = igw
        setRouteState(target: r.internetGatewayId, vpcId: vpc.id, active: false)
    }

    /// Only a detached gateway can go; its gateway route-table associations go with it.
    public mutating func deleteInternetGateway(_ r: EC2.DeleteInternetGatewayRequest) throws {
        let igw = try state.internetGateways.require(r.internetGatewayId, .internetGateway)
        guard (igw.attachments ?? []).isEmpty else {
            throw EC2Error.dependencyViolation("The internetGateway '\(r.internetGatewayId)' has dependencies and cannot be deleted.")
        }
        for var table in state.routeTables.values where (table.associations ?? []).contains(where: { $0.gatewayId == r.internetGatewayId }) {
            table.associations = table.associations?.filter { $0.gatewayId != r.internetGatewayId }
            state.routeTables[table.routeTableId!] = table
        }
        state.internetGateways[r.internetGatewayId] = nil
    }

    /// Outbound-only IPv6 gateway, attached to its VPC from the start.
    public mutating func createEgressOnlyInternetGateway(
        _ r: EC2.CreateEgressOnlyInternetGatewayRequest
    ) throws -> EC2.CreateEgressOnlyInternetGatewayResult {
        let vpc = try state.vpcs.require(r.vpcId, .vpc)
        try checkQuota(state.egressOnlyInternetGateways.count, quotas.egressOnlyInternetGatewaysPerRegion,
                       code: "EgressOnlyInternetGatewayLimitExceeded",
                       "The maximum number of egress-only internet gateways has been reached.")
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "egress-only-internet-gateway")
        let id = ResourceID.generate("eigw")
        let gateway = EC2.EgressOnlyInternetGateway(
            attachments: [EC2.InternetGatewayAttachment(state: "attached", vpcId: vpc.id)],
            egressOnlyInternetGatewayId: id, tags: tags ?? [])
        state.egressOnlyInternetGateways[id] = gateway
        return EC2.CreateEgressOnlyInternetGatewayResult(clientToken: r.clientToken, egressOnlyInternetGateway: gateway)
    }

    /// Routes through the gateway stay, in the blackhole state.
    public mutating func deleteEgressOnlyInternetGateway(
        _ r: EC2.DeleteEgressOnlyInternetGatewayRequest
    ) throws -> EC2.DeleteEgressOnlyInternetGatewayResult {
        _ = try state.egressOnlyInternetGateways.require(r.egressOnlyInternetGatewayId, .egressOnlyInternetGateway)
        state.egressOnlyInternetGateways[r.egressOnlyInternetGatewayId] = nil
        setRouteState(target: r.egressOnlyInternetGatewayId, vpcId: nil, active: false)
        return EC2.DeleteEgressOnlyInternetGatewayResult(returnCode: true)
    }
}

extension RegionState {
    static let internetGatewayFilters: Set<String> = ["attachment.state", "attachment.vpc-id", "internet-gateway-id", "owner-id"]

    public func describeInternetGateways(_ r: EC2.DescribeInternetGatewaysRequest) throws -> EC2.DescribeInternetGatewaysResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.internetGatewayFilters)
        let page = try describePage(
            internetGateways.selected(r.internetGatewayIds, .internetGateway), filter: filter, tags: \.tags,
            id: { $0.internetGatewayId ?? "" },
            values: { igw, name in
                switch name {
                case "attachment.state": return (igw.attachments ?? []).compactMap(\.state)
                case "attachment.vpc-id": return (igw.attachments ?? []).compactMap(\.vpcId)
                case "internet-gateway-id": return [igw.internetGatewayId ?? ""]
                case "owner-id": return [account]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeInternetGatewaysResult(internetGateways: page.items, nextToken: page.nextToken)
    }

    public func describeEgressOnlyInternetGateways(
        _ r: EC2.DescribeEgressOnlyInternetGatewaysRequest
    ) throws -> EC2.DescribeEgressOnlyInternetGatewaysResult {
        if let max = r.maxResults, !(5...255).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 255.")
        }
        let filter = try DescribeFilter(r.filters, allowed: ["egress-only-internet-gateway-id"])
        let page = try describePage(
            egressOnlyInternetGateways.selected(r.egressOnlyInternetGatewayIds, .egressOnlyInternetGateway),
            filter: filter, tags: \.tags, id: { $0.egressOnlyInternetGatewayId ?? "" },
            values: { gateway, name in name == "egress-only-internet-gateway-id" ? [gateway.egressOnlyInternetGatewayId ?? ""] : [] },
            maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeEgressOnlyInternetGatewaysResult(egressOnlyInternetGateways: page.items, nextToken: page.nextToken)
    }
}
