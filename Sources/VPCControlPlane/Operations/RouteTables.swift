public import EC2Shapes
public import VPCModel

// CreateRouteTable, DeleteRouteTable, DescribeRouteTables, CreateRoute, ReplaceRoute,
// DeleteRoute, AssociateRouteTable, DisassociateRouteTable, ReplaceRouteTableAssociation.
//
// A subnet uses the table it is explicitly associated with, else its VPC's main
// table (Amazon VPC User Guide, "Route tables").

/// What CreateRoute and ReplaceRoute name: one destination and one target.
struct RouteRequest {
    var destinationCidrBlock: String?
    var destinationIpv6CidrBlock: String?
    var destinationPrefixListId: String?
    var gatewayId: String?
    var egressOnlyInternetGatewayId: String?
    var natGatewayId: String?
    var networkInterfaceId: String?
    var instanceId: String?
    var vpcPeeringConnectionId: String?
    var transitGatewayId: String?
    /// Targets this server has no resources for; naming one is a NotFound (or unsupported).
    var unsupported: [(value: String?, code: String, noun: String)]

    init(_ r: EC2.CreateRouteRequest) {
        destinationCidrBlock = r.destinationCidrBlock
        destinationIpv6CidrBlock = r.destinationIpv6CidrBlock
        destinationPrefixListId = r.destinationPrefixListId
        gatewayId = r.gatewayId
        egressOnlyInternetGatewayId = r.egressOnlyInternetGatewayId
        natGatewayId = r.natGatewayId
        networkInterfaceId = r.networkInterfaceId
        instanceId = r.instanceId
        vpcPeeringConnectionId = r.vpcPeeringConnectionId
        transitGatewayId = r.transitGatewayId
        unsupported = Self.unsupported(r.vpcEndpointId, r.localGatewayId, r.carrierGatewayId,
                                       r.coreNetworkArn, r.odbNetworkArn)
    }

    init(_ r: EC2.ReplaceRouteRequest) {
        destinationCidrBlock = r.destinationCidrBlock
        destinationIpv6CidrBlock = r.destinationIpv6CidrBlock
        destinationPrefixListId = r.destinationPrefixListId
        gatewayId = r.gatewayId
        egressOnlyInternetGatewayId = r.egressOnlyInternetGatewayId
        natGatewayId = r.natGatewayId
        networkInterfaceId = r.networkInterfaceId
        instanceId = r.instanceId
        vpcPeeringConnectionId = r.vpcPeeringConnectionId
        transitGatewayId = r.transitGatewayId
        unsupported = Self.unsupported(r.vpcEndpointId, r.localGatewayId, r.carrierGatewayId,
                                       r.coreNetworkArn, r.odbNetworkArn)
    }

    static func unsupported(_ endpoint: String?, _ localGateway: String?, _ carrierGateway: String?,
                            _ coreNetwork: String?, _ odbNetwork: String?) -> [(value: String?, code: String, noun: String)] {
        [(endpoint, "InvalidVpcEndpointId.NotFound", "vpcEndpoint ID"),
         (localGateway, "InvalidLocalGatewayID.NotFound", "localGateway ID"),
         (carrierGateway, "InvalidCarrierGatewayID.NotFound", "carrierGateway ID"),
         (coreNetwork, "InvalidParameterValue", "core network"),
         (odbNetwork, "InvalidParameterValue", "ODB network")]
    }

    var targetCount: Int {
        ([gatewayId, egressOnlyInternetGatewayId, natGatewayId, networkInterfaceId, instanceId,
          vpcPeeringConnectionId, transitGatewayId] + unsupported.map(\.value)).compactMap { $0 }.count
    }
}

/// A route's destination, canonicalised, to find the route it names.
enum RouteDestination: Equatable, CustomStringConvertible {
    case ipv4(String), ipv6(String), prefixList(String)

    init(cidr: String?, ipv6: String?, prefixList: String?) throws {
        switch (cidr, ipv6, prefixList) {
        case (let v4?, nil, nil):
            guard let block = IPv4CIDR(v4) else {
                throw EC2Error("InvalidParameterValue", "Value (\(v4)) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.")
            }
            self = .ipv4(block.description)
        case (nil, let v6?, nil):
            guard let block = IPv6CIDR(v6) else {
                throw EC2Error("InvalidParameterValue", "Value (\(v6)) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.")
            }
            self = .ipv6(block.description)
        case (nil, nil, let pl?):
            self = .prefixList(pl)
        case (nil, nil, nil):
            throw EC2Error("MissingParameter",
                           "The request must contain the parameter destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId")
        default:
            throw EC2Error("InvalidParameterCombination",
                           "Only one of destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId may be specified.")
        }
    }

    init?(of route: EC2.Route) {
        if let v = route.destinationCidrBlock { self = .ipv4(v) }
        else if let v = route.destinationIpv6CidrBlock { self = .ipv6(v) }
        else if let v = route.destinationPrefixListId { self = .prefixList(v) }
        else { return nil }
    }

    /// The destination block itself (nil for a prefix list).
    var cidr: String? {
        switch self {
        case .ipv4(let v), .ipv6(let v): v
        case .prefixList: nil
        }
    }

    /// As AWS words it in InvalidRoute.NotFound: `destination-cidr-block 0.0.0.0/0`.
    var description: String {
        switch self {
        case .ipv4(let v): "destination-cidr-block \(v)"
        case .ipv6(let v): "destination-ipv6-cidr-block \(v)"
        case .prefixList(let v): "destination-prefix-list-id \(v)"
        }
    }

    func route() -> EC2.Route {
        switch self {
        case .ipv4(let v): EC2.Route(destinationCidrBlock: v)
        case .ipv6(let v): EC2.Route(destinationIpv6CidrBlock: v)
        case .prefixList(let v): EC2.Route(destinationPrefixListId: v)
        }
    }
}

extension Transaction {
    public mutating func createRouteTable(_ r: EC2.CreateRouteTableRequest) throws -> EC2.CreateRouteTableResult {
        let vpc = try state.vpcs.require(r.vpcId, .vpc)
        try checkQuota(state.routeTables.values.filter { $0.vpcId == vpc.id }.count, quotas.routeTablesPerVpc,
                       code: "RouteTableLimitExceeded", "The maximum number of route tables has been reached.")
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "route-table")
        let id = ResourceID.generate("rtb")
        let table = EC2.RouteTable(associations: [], propagatingVgws: [], routeTableId: id, routes: localRoutes(of: vpc),
                                   tags: tags ?? [], vpcId: vpc.id, ownerId: account)
        state.routeTables[id] = table
        return EC2.CreateRouteTableResult(routeTable: table, clientToken: r.clientToken)
    }

    /// The main table and a table with subnet or gateway associations can't go.
    public mutating func deleteRouteTable(_ r: EC2.DeleteRouteTableRequest) throws {
        let table = try state.routeTables.require(r.routeTableId, .routeTable)
        guard (table.associations ?? []).isEmpty else {
            throw EC2Error.dependencyViolation("The routeTable '\(r.routeTableId)' has dependencies and cannot be deleted.")
        }
        state.routeTables[r.routeTableId] = nil
    }

    public mutating func createRoute(_ r: EC2.CreateRouteRequest) throws -> EC2.CreateRouteResult {
        var table = try state.routeTables.require(r.routeTableId, .routeTable)
        let request = RouteRequest(r)
        let destination = try RouteDestination(cidr: r.destinationCidrBlock, ipv6: r.destinationIpv6CidrBlock,
                                               prefixList: r.destinationPrefixListId)
        var routes = table.routes ?? []
        if let existing = routes.first(where: { RouteDestination(of: $0) == destination }) {
            // Same destination as a `local` route: the VPC's own block, which only ReplaceRoute may retarget.
            guard existing.gatewayId != "local" else {
                throw EC2Error("InvalidParameterValue",
                               "The destination \(destination.description) is the local route of route table \(r.routeTableId) and cannot be created.")
            }
            throw EC2Error("RouteAlreadyExists", "The route identified by \(destination.description) already exists.")
        }
        // Amazon VPC quotas, "Routes per route table (non-propagated routes)"; local routes not counted.
        guard routes.filter({ $0.gatewayId != "local" }).count < quotas.routesPerRouteTable else {
            throw EC2Error("RouteLimitExceeded", "The maximum number of routes has been reached for \(r.routeTableId).")
        }
        routes.append(try route(to: destination, request, in: table))
        table.routes = routes
        state.routeTables[r.routeTableId] = table
        return EC2.CreateRouteResult(return: true)
    }

    public mutating func replaceRoute(_ r: EC2.ReplaceRouteRequest) throws {
        var table = try state.routeTables.require(r.routeTableId, .routeTable)
        let destination = try RouteDestination(cidr: r.destinationCidrBlock, ipv6: r.destinationIpv6CidrBlock,
                                               prefixList: r.destinationPrefixListId)
        var routes = table.routes ?? []
        let i = try routeIndex(in: routes, destination, table: r.routeTableId)
        let request = RouteRequest(r)
        if routes[i].gatewayId == "local" {
            // A local route keeps its target; LocalTarget=true (reset to local) is then a no-op.
            guard r.localTarget == true, request.targetCount == 0 else {
                throw EC2Error("InvalidParameterValue", "cannot replace local route \(destination.description) in route table \(r.routeTableId)")
            }
            return
        }
        guard r.localTarget != true else {
            throw EC2Error("InvalidParameterValue", "Only a local route can be reset to the local target.")
        }
        routes[i] = try route(to: destination, request, in: table)
        table.routes = routes
        state.routeTables[r.routeTableId] = table
    }

    public mutating func deleteRoute(_ r: EC2.DeleteRouteRequest) throws {
        var table = try state.routeTables.require(r.routeTableId, .routeTable)
        let destination = try RouteDestination(cidr: r.destinationCidrBlock, ipv6: r.destinationIpv6CidrBlock,
                                               prefixList: r.destinationPrefixListId)
        var routes = table.routes ?? []
        let i = try routeIndex(in: routes, destination, table: r.routeTableId)
        guard routes[i].gatewayId != "local" else {
            throw EC2Error("InvalidParameterValue", "cannot remove local route \(destination.description) in route table \(r.routeTableId)")
        }
        routes.remove(at: i)
        table.routes = routes
        state.routeTables[r.routeTableId] = table
    }

    func routeIndex(in routes: [EC2.Route], _ destination: RouteDestination, table: String) throws -> Int {
        guard let i = routes.firstIndex(where: { RouteDestination(of: $0) == destination }) else {
            throw EC2Error("InvalidRoute.NotFound", "no route with \(destination.description) in route table \(table)")
        }
        return i
    }

    /// The route to `destination` through the request's one target, checked to be in the table's VPC.
    func route(to destination: RouteDestination, _ r: RouteRequest, in table: EC2.RouteTable) throws -> EC2.Route {
        let tableId = table.routeTableId ?? ""
        func differentNetworks(_ target: String) -> EC2Error {
            EC2Error("InvalidParameterValue", "route table \(tableId) and network gateway \(target) belong to different networks")
        }
        guard r.targetCount == 1 else {
            if r.targetCount == 0 {
                throw EC2Error("MissingParameter", "The request must contain exactly one route target (gatewayId, egressOnlyInternetGatewayId, natGatewayId, networkInterfaceId, instanceId, vpcPeeringConnectionId or transitGatewayId)")
            }
            throw EC2Error("InvalidParameterCombination", "Only one route target may be specified.")
        }
        if case .prefixList(let id) = destination { _ = try state.prefixLists.require(id, .prefixList) }
        var route = destination.route()
        route.origin = "CreateRoute"
        route.state = "active"
        // Within the VPC's own blocks, a route may only go to an interface or an instance.
        if r.gatewayId != nil || r.egressOnlyInternetGatewayId != nil, let block = state.vpcBlock(containing: destination, vpcId: table.vpcId) {
            throw EC2Error("InvalidParameterValue",
                           "The destination CIDR block \(destination.cidr ?? "") is equal to or more specific than one of this VPC's CIDR blocks (\(block)). This route can target only an interface or an instance.")
        }
        // A route more specific than the local one covers exactly a subnet (traffic within a
        // subnet is never routed).
        if r.networkInterfaceId != nil || r.instanceId != nil, let block = state.vpcBlock(containing: destination, vpcId: table.vpcId),
           block != destination.cidr, !state.isSubnetBlock(destination, vpcId: table.vpcId) {
            throw EC2Error("InvalidParameterValue", "Route destination doesn't match any subnet CIDR blocks.")
        }
        if let id = r.gatewayId {
            guard id != "local" else {
                throw EC2Error("InvalidParameterValue", "The local target can only be used by the route of a VPC CIDR block.")
            }
            guard let igw = state.internetGateways[id] else {
                throw EC2Error("InvalidGatewayID.NotFound", "The gateway ID '\(id)' does not exist")
            }
            guard (igw.attachments ?? []).contains(where: { $0.vpcId == table.vpcId }) else { throw differentNetworks(id) }
            route.gatewayId = id
        } else if let id = r.egressOnlyInternetGatewayId {
            let gateway = try state.egressOnlyInternetGateways.require(id, .egressOnlyInternetGateway)
            guard (gateway.attachments ?? []).contains(where: { $0.vpcId == table.vpcId }) else { throw differentNetworks(id) }
            guard case .ipv6 = destination else {
                throw EC2Error("InvalidParameterValue", "An egress-only internet gateway can only be the target of an IPv6 destination.")
            }
            route.egressOnlyInternetGatewayId = id
        } else if let id = r.networkInterfaceId {
            let eni = try state.networkInterfaces.require(id, .networkInterface)
            guard eni.vpcId == table.vpcId else {
                throw EC2Error("InvalidParameterValue", "route table \(tableId) and interface \(id) belong to different networks")
            }
            route.networkInterfaceId = id
            route.instanceId = eni.attachment?.instanceId
            route.instanceOwnerId = eni.attachment?.instanceOwnerId
        } else if let id = r.instanceId {
            // The instance stands for its one interface (EC2 refuses one with several).
            let instance = try state.requireInstance(id)
            guard instance.vpcId == table.vpcId else {
                throw EC2Error("InvalidParameterValue", "route table \(tableId) and instance \(id) belong to different networks")
            }
            let interfaces = state.interfaces(of: id)
            guard let eni = interfaces.first else {
                throw EC2Error("IncorrectInstanceState", "The instance '\(id)' has no network interface to route to")
            }
            guard interfaces.count == 1 else {
                throw EC2Error("InvalidInstanceID", "There are multiple interfaces attached to instance '\(id)'. Please specify an interface ID for the operation instead.")
            }
            route.networkInterfaceId = eni.networkInterfaceId
            route.instanceId = id
            route.instanceOwnerId = eni.attachment?.instanceOwnerId
        } else if let id = r.natGatewayId {
            throw EC2Error("InvalidNatGatewayID.NotFound", "The natGateway ID '\(id)' does not exist")
        } else if let id = r.vpcPeeringConnectionId {
            throw EC2Error("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '\(id)' does not exist")
        } else if let id = r.transitGatewayId {
            throw EC2Error("InvalidTransitGatewayID.NotFound", "The transitGateway ID '\(id)' does not exist")
        } else if let u = r.unsupported.first(where: { $0.value != nil }) {
            throw EC2Error(u.code, u.code.hasSuffix(".NotFound") ? "The \(u.noun) '\(u.value ?? "")' does not exist"
                                                                 : "The \(u.noun) target is not supported")
        }
        return route
    }

    /// Associates the table with a subnet of its VPC, or with an internet gateway attached
    /// to it (a gateway route table); a subnet has at most one explicit association.
    public mutating func associateRouteTable(_ r: EC2.AssociateRouteTableRequest) throws -> EC2.AssociateRouteTableResult {
        var table = try state.routeTables.require(r.routeTableId, .routeTable)
        guard r.publicIpv4Pool == nil else {
            throw EC2Error("InvalidParameterCombination", "Public IPv4 pools are not supported")
        }
        var association = EC2.RouteTableAssociation(
            main: false, routeTableAssociationId: ResourceID.generate("rtbassoc"), routeTableId: r.routeTableId,
            associationState: EC2.RouteTableAssociationState(state: "associated"))
        switch (r.subnetId, r.gatewayId) {
        case (let subnetId?, nil):
            let subnet = try state.subnets.require(subnetId, .subnet)
            guard subnet.vpcId == table.vpcId else {
                throw EC2Error("InvalidParameterValue", "Route table \(r.routeTableId) and subnet \(subnetId) belong to different networks")
            }
            if let other = explicitAssociation(where: { $0.subnetId == subnetId }) {
                throw EC2Error("Resource.AlreadyAssociated",
                               "the specified association for route table \(other.routeTableId ?? "") conflicts with an existing association")
            }
            association.subnetId = subnetId
        case (nil, let gatewayId?):
            guard let igw = state.internetGateways[gatewayId] else {
                throw EC2Error("InvalidGatewayID.NotFound", "The gateway ID '\(gatewayId)' does not exist")
            }
            guard (igw.attachments ?? []).contains(where: { $0.vpcId == table.vpcId }) else {
                throw EC2Error("InvalidParameterValue", "Route table \(r.routeTableId) and gateway \(gatewayId) belong to different networks")
            }
            if let other = explicitAssociation(where: { $0.gatewayId == gatewayId }) {
                throw EC2Error("Resource.AlreadyAssociated",
                               "the specified association for route table \(other.routeTableId ?? "") conflicts with an existing association")
            }
            association.gatewayId = gatewayId
        case (nil, nil):
            throw EC2Error("MissingParameter", "The request must contain the parameter subnetId or gatewayId")
        default:
            throw EC2Error("InvalidParameterCombination", "Only one of subnetId or gatewayId may be specified.")
        }
        table.associations = (table.associations ?? []) + [association]
        state.routeTables[r.routeTableId] = table
        return EC2.AssociateRouteTableResult(associationId: association.routeTableAssociationId,
                                             associationState: association.associationState)
    }

    func explicitAssociation(where match: (EC2.RouteTableAssociation) -> Bool) -> EC2.RouteTableAssociation? {
        for table in state.routeTables.values {
            if let a = (table.associations ?? []).first(where: { $0.main != true && match($0) }) { return a }
        }
        return nil
    }

    /// The table holding an association, or InvalidAssociationID.NotFound.
    func routeTable(withAssociation id: String) throws -> (EC2.RouteTable, EC2.RouteTableAssociation) {
        for table in state.routeTables.values {
            if let a = (table.associations ?? []).first(where: { $0.routeTableAssociationId == id }) { return (table, a) }
        }
        throw EC2Error.notFound(.association, id)
    }

    public mutating func disassociateRouteTable(_ r: EC2.DisassociateRouteTableRequest) throws {
        var (table, association) = try routeTable(withAssociation: r.associationId)
        guard association.main != true else {
            throw EC2Error("InvalidParameterValue", "cannot disassociate the main route table association \(r.associationId)")
        }
        table.associations = table.associations?.filter { $0.routeTableAssociationId != r.associationId }
        state.routeTables[table.routeTableId!] = table
    }

    /// Moves an association (a subnet's, a gateway's, or the VPC's main one) to another
    /// table of the same VPC under a new id.
    public mutating func replaceRouteTableAssociation(
        _ r: EC2.ReplaceRouteTableAssociationRequest
    ) throws -> EC2.ReplaceRouteTableAssociationResult {
        var (current, association) = try routeTable(withAssociation: r.associationId)
        var target = try state.routeTables.require(r.routeTableId, .routeTable)
        guard target.vpcId == current.vpcId else {
            throw EC2Error("InvalidParameterValue",
                           "Route table \(r.routeTableId) and association \(r.associationId) belong to different networks")
        }
        current.associations = current.associations?.filter { $0.routeTableAssociationId != r.associationId }
        state.routeTables[current.routeTableId!] = current
        if current.routeTableId == target.routeTableId { target = current }
        association.routeTableAssociationId = ResourceID.generate("rtbassoc")
        association.routeTableId = r.routeTableId
        association.associationState = EC2.RouteTableAssociationState(state: "associated")
        target.associations = (target.associations ?? []) + [association]
        state.routeTables[r.routeTableId] = target
        return EC2.ReplaceRouteTableAssociationResult(newAssociationId: association.routeTableAssociationId,
                                                      associationState: association.associationState)
    }

    /// Routes through a target that left the VPC stay, in the `blackhole` state; they
    /// become active again if it comes back (Amazon VPC User Guide, "Route tables").
    /// `target` is a gateway, egress-only gateway, NAT gateway or network interface id.
    mutating func setRouteState(target: String, vpcId: String?, active: Bool) {
        func routesThrough(_ route: EC2.Route) -> Bool {
            [route.gatewayId, route.egressOnlyInternetGatewayId, route.natGatewayId, route.networkInterfaceId].contains(target)
        }
        for var table in state.routeTables.values where vpcId == nil || table.vpcId == vpcId {
            guard var routes = table.routes, routes.contains(where: routesThrough) else { continue }
            for i in routes.indices where routesThrough(routes[i]) {
                routes[i].state = active ? "active" : "blackhole"
            }
            table.routes = routes
            state.routeTables[table.routeTableId!] = table
        }
    }
}

extension RegionState {
    /// The VPC's associated block that contains `destination`, if any.
    func vpcBlock(containing destination: RouteDestination, vpcId: String?) -> String? {
        guard let vpc = vpcs[vpcId ?? ""]?.vpc else { return nil }
        switch destination {
        case .ipv4(let text):
            guard let d = IPv4CIDR(text) else { return nil }
            return (vpc.cidrBlockAssociationSet ?? []).filter { $0.cidrBlockState?.state == "associated" }
                .compactMap { $0.cidrBlock.flatMap(IPv4CIDR.init) }.first { $0.contains(d) }?.description
        case .ipv6(let text):
            guard let d = IPv6CIDR(text) else { return nil }
            return (vpc.ipv6CidrBlockAssociationSet ?? []).filter { $0.ipv6CidrBlockState?.state == "associated" }
                .compactMap { $0.ipv6CidrBlock.flatMap(IPv6CIDR.init) }.first { $0.contains(d) }?.description
        case .prefixList:
            return nil
        }
    }

    /// Whether `destination` is exactly the IPv4 or IPv6 block of a subnet of the VPC.
    func isSubnetBlock(_ destination: RouteDestination, vpcId: String?) -> Bool {
        subnets.values.contains { subnet in
            guard subnet.vpcId == vpcId else { return false }
            switch destination {
            case .ipv4(let text):
                return subnet.cidrBlock.flatMap(IPv4CIDR.init)?.description == text
            case .ipv6(let text):
                return (subnet.ipv6CidrBlockAssociationSet ?? []).contains {
                    $0.ipv6CidrBlockState?.state == "associated" && $0.ipv6CidrBlock.flatMap(IPv6CIDR.init)?.description == text
                }
            case .prefixList:
                return false
            }
        }
    }

    /// Whether a prefix-list entry may stand as a route of the VPC: outside the VPC's blocks,
    /// or, to a network interface, exactly a subnet's block (what CreateRoute requires of a
    /// CIDR destination; a list can change after the route is made). Unparseable: no.
    func routable(_ entry: String, vpcId: String?, toInterface: Bool) -> Bool {
        let v6 = entry.contains(":")
        guard let destination = try? RouteDestination(cidr: v6 ? nil : entry, ipv6: v6 ? entry : nil, prefixList: nil) else {
            return false
        }
        guard vpcBlock(containing: destination, vpcId: vpcId) != nil else { return true }
        return toInterface && isSubnetBlock(destination, vpcId: vpcId)
    }

    static let routeTableFilters: Set<String> = [
        "association.gateway-id", "association.route-table-association-id", "association.route-table-id",
        "association.subnet-id", "association.main", "owner-id", "route-table-id", "route.destination-cidr-block",
        "route.destination-ipv6-cidr-block", "route.destination-prefix-list-id", "route.egress-only-internet-gateway-id",
        "route.gateway-id", "route.instance-id", "route.nat-gateway-id", "route.transit-gateway-id", "route.origin",
        "route.state", "route.vpc-peering-connection-id", "vpc-id",
    ]

    public func describeRouteTables(_ r: EC2.DescribeRouteTablesRequest) throws -> EC2.DescribeRouteTablesResult {
        if let max = r.maxResults, !(5...100).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 100.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.routeTableFilters)
        let page = try describePage(
            routeTables.selected(r.routeTableIds, .routeTable).map(withCurrentInterfaceTargets), filter: filter, tags: \.tags,
            id: { $0.routeTableId ?? "" },
            values: { t, name in
                let a = t.associations ?? []
                let routes = t.routes ?? []
                switch name {
                case "association.gateway-id": return a.compactMap(\.gatewayId)
                case "association.route-table-association-id": return a.compactMap(\.routeTableAssociationId)
                case "association.route-table-id": return a.compactMap(\.routeTableId)
                case "association.subnet-id": return a.compactMap(\.subnetId)
                case "association.main": return a.flatMap { bool($0.main) }
                case "owner-id": return [account]
                case "route-table-id": return [t.routeTableId ?? ""]
                case "route.destination-cidr-block": return routes.compactMap(\.destinationCidrBlock)
                case "route.destination-ipv6-cidr-block": return routes.compactMap(\.destinationIpv6CidrBlock)
                case "route.destination-prefix-list-id": return routes.compactMap(\.destinationPrefixListId)
                case "route.egress-only-internet-gateway-id": return routes.compactMap(\.egressOnlyInternetGatewayId)
                case "route.gateway-id": return routes.compactMap(\.gatewayId)
                case "route.instance-id": return routes.compactMap(\.instanceId)
                case "route.nat-gateway-id": return routes.compactMap(\.natGatewayId)
                case "route.transit-gateway-id": return routes.compactMap(\.transitGatewayId)
                case "route.origin": return routes.compactMap(\.origin)
                case "route.state": return routes.compactMap(\.state)
                case "route.vpc-peering-connection-id": return routes.compactMap(\.vpcPeeringConnectionId)
                case "vpc-id": return [t.vpcId ?? ""]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeRouteTablesResult(routeTables: page.items, nextToken: page.nextToken)
    }

    /// `table` with each route to a network interface as it stands now: through the instance
    /// the interface is attached to, `active` while that instance is pending or running and
    /// `blackhole` otherwise (stopped, detached, or the interface deleted), as EC2 shows a
    /// route through a NAT instance.
    func withCurrentInterfaceTargets(_ table: EC2.RouteTable) -> EC2.RouteTable {
        guard var routes = table.routes, routes.contains(where: { $0.networkInterfaceId != nil }) else { return table }
        for i in routes.indices {
            guard let eniId = routes[i].networkInterfaceId else { continue }
            let attachment = networkInterfaces[eniId]?.attachment
            let instance = attachment?.instanceId.flatMap { instances[$0] }
            routes[i].instanceId = attachment?.instanceId
            routes[i].instanceOwnerId = attachment?.instanceOwnerId
            routes[i].state = instance.map { $0.state == "pending" || $0.state == "running" } == true ? "active" : "blackhole"
        }
        var current = table
        current.routes = routes
        return current
    }

    /// The route table a subnet's traffic uses: its explicit association, else its VPC's main table.
    public func routeTable(forSubnet subnetId: String) -> EC2.RouteTable? {
        if let table = routeTables.values.first(where: { t in
            (t.associations ?? []).contains { $0.subnetId == subnetId }
        }) { return table }
        guard let vpcId = subnets[subnetId]?.vpcId else { return nil }
        return routeTables.values.first { t in t.vpcId == vpcId && (t.associations ?? []).contains { $0.main == true } }
    }
}
