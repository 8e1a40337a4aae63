import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct RouteTableTests {
    @Test func newTableHasTheLocalRoutes() throws {
        let f = try Fixture()
        let vpc = try f.vpc("10.0.0.0/16", ipv6: true)
        let r = try f.write {
            try $0.createRouteTable(.init(tagSpecifications: [.init(resourceType: "route-table", tags: [.init(key: "Name", value: "pub")])],
                                          clientToken: "c", vpcId: vpc))
        }
        let table = try #require(r.routeTable)
        #expect(r.clientToken == "c" && table.tags == [.init(key: "Name", value: "pub")])
        #expect(table.associations == [] && table.vpcId == vpc && table.ownerId == Fixture.accountA)
        #expect(table.routes?.count == 2 && table.routes!.allSatisfy { $0.gatewayId == "local" && $0.state == "active" })
        #expect(table.routes?.first?.destinationCidrBlock == "10.0.0.0/16")
        #expect(table.routes?.last?.destinationIpv6CidrBlock?.hasSuffix("/56") == true)
        #expect(errorCode { _ = try f.routeTableId(vpcId: "vpc-0000000000000000f") } == "InvalidVpcID.NotFound")
    }

    @Test func quotaCountsTheMainTable() throws {
        var options = ControlPlaneOptions()
        options.quotas.routeTablesPerVpc = 2
        let f = try Fixture(options: options)
        let vpc = try f.vpc()
        _ = try f.routeTableId(vpcId: vpc)
        #expect(errorCode { _ = try f.routeTableId(vpcId: vpc) } == "RouteTableLimitExceeded")
    }

    @Test func createRouteChecksDestinationAndTarget() throws {
        let f = try Fixture()
        let vpc = try f.vpc("10.0.0.0/16", ipv6: true)
        let other = try f.vpc("10.1.0.0/16")
        let table = try f.routeTableId(vpcId: vpc)
        let loose = try f.internetGateway()
        let elsewhere = try f.internetGateway(attachedTo: other)
        func create(_ r: EC2.CreateRouteRequest) -> String? { errorCode { _ = try f.write { try $0.createRoute(r) } } }
        func v4(_ dest: String = "0.0.0.0/0") -> EC2.CreateRouteRequest { .init(routeTableId: table, destinationCidrBlock: dest) }

        var r = v4(); r.gatewayId = loose
        #expect(create(r) == "InvalidParameterValue")
        r.gatewayId = elsewhere
        #expect(create(r) == "InvalidParameterValue")
        r.gatewayId = "igw-0000000000000000f"
        #expect(create(r) == "InvalidGatewayID.NotFound")
        r.gatewayId = "local"
        #expect(create(r) == "InvalidParameterValue")
        #expect(create(v4()) == "MissingParameter")
        #expect(create(.init(routeTableId: table, gatewayId: loose)) == "MissingParameter")
        r = v4(); r.natGatewayId = "nat-0000000000000000f"
        #expect(create(r) == "InvalidNatGatewayID.NotFound")
        r.transitGatewayId = "tgw-0000000000000000f"
        #expect(create(r) == "InvalidParameterCombination")
        r = v4(); r.transitGatewayId = "tgw-0000000000000000f"
        #expect(create(r) == "InvalidTransitGatewayID.NotFound")
        r = v4(); r.vpcPeeringConnectionId = "pcx-0000000000000000f"
        #expect(create(r) == "InvalidVpcPeeringConnectionID.NotFound")
        r = v4(); r.instanceId = "i-0000000000000000f"
        #expect(create(r) == "InvalidInstanceID.NotFound")
        r = v4(); r.vpcEndpointId = "vpce-0000000000000000f"
        #expect(create(r) == "InvalidVpcEndpointId.NotFound")
        r = v4("10.0.0.0/33")
        r.natGatewayId = "nat-0000000000000000f"
        #expect(create(r) == "InvalidParameterValue")
        r = .init(routeTableId: table, destinationCidrBlock: "1.0.0.0/8", destinationIpv6CidrBlock: "::/0")
        r.natGatewayId = "nat-0000000000000000f"
        #expect(create(r) == "InvalidParameterCombination")
        r = .init(destinationPrefixListId: "pl-0000000000000000f", routeTableId: table, natGatewayId: nil)
        r.egressOnlyInternetGatewayId = nil
        r.gatewayId = try f.internetGateway(attachedTo: vpc)
        #expect(create(r) == "InvalidPrefixListID.NotFound")
        #expect(try f.routeTable(table)?.routes?.count == 2)

        let igw = r.gatewayId!
        r = v4("0.0.0.9/0"); r.gatewayId = igw
        _ = try f.write { try $0.createRoute(r) }
        #expect(create(r) == "RouteAlreadyExists")
        r = v4("10.0.0.0/16"); r.gatewayId = igw
        #expect(create(r) == "InvalidParameterValue")
        // Inside the VPC's blocks only an interface or an instance may be the target.
        r = v4("10.0.1.0/24"); r.gatewayId = igw
        #expect(create(r) == "InvalidParameterValue")
        let routes = try #require(try f.routeTable(table)?.routes)
        #expect(routes.count == 3)
        #expect(routes.last == EC2.Route(destinationCidrBlock: "0.0.0.0/0", gatewayId: igw, origin: "CreateRoute", state: "active"))
    }

    @Test func egressOnlyAndInterfaceTargets() throws {
        let f = try Fixture()
        let vpc = try f.vpc("10.0.0.0/16", ipv6: true)
        let other = try f.vpc("10.1.0.0/16")
        let table = try f.routeTableId(vpcId: vpc)
        let eigw = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: vpc)) }
            .egressOnlyInternetGateway!.egressOnlyInternetGatewayId!
        let foreignEigw = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: other)) }
            .egressOnlyInternetGateway!.egressOnlyInternetGatewayId!
        #expect(errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0",
                                                                       egressOnlyInternetGatewayId: eigw)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationIpv6CidrBlock: "::/0",
                                                                       egressOnlyInternetGatewayId: foreignEigw)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationIpv6CidrBlock: "::/0",
                                                                       egressOnlyInternetGatewayId: "eigw-0000000000000000f")) } }
            == "InvalidGatewayID.NotFound")
        let created = try f.write { try $0.createRoute(.init(routeTableId: table, destinationIpv6CidrBlock: "::/0",
                                                             egressOnlyInternetGatewayId: eigw)) }
        #expect(created.return == true)

        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let otherSubnet = try f.subnet(other, "10.1.1.0/24")
        let eni = try f.networkInterface(subnetId: subnet, vpcId: vpc)
        let foreignEni = try f.networkInterface(subnetId: otherSubnet, vpcId: other)
        _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "192.168.0.0/16", networkInterfaceId: eni)) }
        #expect(errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "172.16.0.0/12",
                                                                       networkInterfaceId: foreignEni)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "172.16.0.0/12",
                                                                       networkInterfaceId: "eni-0000000000000000f")) } }
            == "InvalidNetworkInterfaceID.NotFound")
        let routes = try #require(try f.routeTable(table)?.routes)
        #expect(routes.contains { $0.destinationIpv6CidrBlock == "::/0" && $0.egressOnlyInternetGatewayId == eigw })
        #expect(routes.contains { $0.destinationCidrBlock == "192.168.0.0/16" && $0.networkInterfaceId == eni })

        // Deleting the egress-only gateway leaves its route, blackholed.
        let deleted = try f.write { try $0.deleteEgressOnlyInternetGateway(.init(egressOnlyInternetGatewayId: eigw)) }
        #expect(deleted.returnCode == true)
        #expect(try f.routeTable(table)?.routes?.first { $0.egressOnlyInternetGatewayId == eigw }?.state == "blackhole")
        // So does deleting the network interface.
        try f.write { try $0.deleteNetworkInterface(.init(networkInterfaceId: eni)) }
        #expect(try f.routeTable(table)?.routes?.first { $0.networkInterfaceId == eni }?.state == "blackhole")
    }

    @Test func routeLimitExcludesLocalRoutes() throws {
        var options = ControlPlaneOptions()
        options.quotas.routesPerRouteTable = 2
        let f = try Fixture(options: options)
        let vpc = try f.vpc()
        let igw = try f.internetGateway(attachedTo: vpc)
        let table = try f.routeTableId(vpcId: vpc)
        for dest in ["1.0.0.0/8", "2.0.0.0/8"] {
            _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: dest, gatewayId: igw)) }
        }
        #expect(errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "3.0.0.0/8",
                                                                       gatewayId: igw)) } } == "RouteLimitExceeded")
    }

    @Test func replaceAndDeleteRoutes() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let other = try f.vpc("10.1.0.0/16")
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let igw = try f.internetGateway(attachedTo: vpc)
        let eni = try f.networkInterface(subnetId: subnet, vpcId: vpc)
        let foreignEni = try f.networkInterface(subnetId: try f.subnet(other, "10.1.0.0/24"), vpcId: other)
        let table = try f.routeTableId(vpcId: vpc)
        _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw)) }

        try f.write { try $0.replaceRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: eni)) }
        let replaced = try #require(try f.routeTable(table)?.routes?.first { $0.destinationCidrBlock == "0.0.0.0/0" })
        #expect(replaced.networkInterfaceId == eni && replaced.gatewayId == nil && replaced.state == "active")
        let before = try f.routeTable(table)
        #expect(errorCode { try f.write { try $0.replaceRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0",
                                                                    networkInterfaceId: foreignEni)) } } == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.replaceRoute(.init(routeTableId: table, destinationCidrBlock: "8.8.8.8/32", gatewayId: igw)) } }
            == "InvalidRoute.NotFound")
        #expect(errorCode { try f.write { try $0.replaceRoute(.init(routeTableId: table, destinationCidrBlock: "10.0.0.0/16", gatewayId: igw)) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.replaceRoute(.init(localTarget: true, routeTableId: table, destinationCidrBlock: "0.0.0.0/0")) } }
            == "InvalidParameterValue")
        try f.write { try $0.replaceRoute(.init(localTarget: true, routeTableId: table, destinationCidrBlock: "10.0.0.0/16")) }
        #expect(try f.routeTable(table) == before)

        #expect(errorCode { try f.write { try $0.deleteRoute(.init(routeTableId: table, destinationCidrBlock: "10.0.0.0/16")) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.deleteRoute(.init(routeTableId: table, destinationIpv6CidrBlock: "::/0")) } }
            == "InvalidRoute.NotFound")
        #expect(errorCode { try f.write { try $0.deleteRoute(.init(routeTableId: table)) } } == "MissingParameter")
        try f.write { try $0.deleteRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0")) }
        #expect(try f.routeTable(table)?.routes?.map(\.gatewayId) == ["local"])
    }

    @Test func subnetAssociations() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let other = try f.vpc("10.1.0.0/16")
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let foreignSubnet = try f.subnet(other, "10.1.1.0/24")
        let main = try #require(try f.mainRouteTable(vpc)?.routeTableId)
        let table = try f.routeTableId(vpcId: vpc)
        let second = try f.routeTableId(vpcId: vpc)
        #expect(try f.read { $0.routeTable(forSubnet: subnet) }?.routeTableId == main)

        let association = try f.write { try $0.associateRouteTable(.init(subnetId: subnet, routeTableId: table)) }
        let associationId = try #require(association.associationId)
        #expect(associationId.hasPrefix("rtbassoc-") && association.associationState?.state == "associated")
        #expect(try f.read { $0.routeTable(forSubnet: subnet) }?.routeTableId == table)
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(subnetId: subnet, routeTableId: second)) } }
            == "Resource.AlreadyAssociated")
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(subnetId: foreignSubnet, routeTableId: second)) } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(routeTableId: second)) } } == "MissingParameter")
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(gatewayId: "igw-0000000000000000f", subnetId: subnet,
                                                                               routeTableId: second)) } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(subnetId: "subnet-0000000000000000f", routeTableId: second)) } }
            == "InvalidSubnetID.NotFound")
        #expect(errorCode { try f.write { try $0.deleteRouteTable(.init(routeTableId: table)) } } == "DependencyViolation")

        let replaced = try f.write { try $0.replaceRouteTableAssociation(.init(associationId: associationId, routeTableId: second)) }
        #expect(replaced.newAssociationId != associationId && replaced.associationState?.state == "associated")
        #expect(try f.read { $0.routeTable(forSubnet: subnet) }?.routeTableId == second)
        #expect(errorCode { try f.write { try $0.disassociateRouteTable(.init(associationId: associationId)) } }
            == "InvalidAssociationID.NotFound")
        try f.write { try $0.deleteRouteTable(.init(routeTableId: table)) }
        #expect(try f.routeTable(table) == nil)
        try f.write { try $0.disassociateRouteTable(.init(associationId: replaced.newAssociationId!)) }
        #expect(try f.read { $0.routeTable(forSubnet: subnet) }?.routeTableId == main)
        #expect(try f.routeTable(second)?.associations == [])
    }

    @Test func mainAssociationMoves() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let main = try #require(try f.mainRouteTable(vpc))
        let mainAssociation = try #require(main.associations?.first?.routeTableAssociationId)
        let table = try f.routeTableId(vpcId: vpc)
        let foreign = try f.routeTableId(vpcId: try f.vpc("10.1.0.0/16"))
        #expect(errorCode { try f.write { try $0.deleteRouteTable(.init(routeTableId: main.routeTableId!)) } } == "DependencyViolation")
        #expect(errorCode { try f.write { try $0.disassociateRouteTable(.init(associationId: mainAssociation)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.replaceRouteTableAssociation(.init(associationId: mainAssociation, routeTableId: foreign)) } }
            == "InvalidParameterValue")
        let moved = try f.write { try $0.replaceRouteTableAssociation(.init(associationId: mainAssociation, routeTableId: table)) }
        let newMain = try #require(try f.mainRouteTable(vpc))
        #expect(newMain.routeTableId == table)
        #expect(newMain.associations?.first?.routeTableAssociationId == moved.newAssociationId)
        #expect(try f.read { $0.routeTable(forSubnet: subnet) }?.routeTableId == table)
        try f.write { try $0.deleteRouteTable(.init(routeTableId: main.routeTableId!)) }
    }

    @Test func gatewayAssociationsAndBlackholes() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let other = try f.vpc("10.1.0.0/16")
        let igw = try f.internetGateway(attachedTo: vpc)
        let foreignIgw = try f.internetGateway(attachedTo: other)
        let edge = try f.routeTableId(vpcId: vpc)
        let main = try #require(try f.mainRouteTable(vpc)?.routeTableId)
        _ = try f.write { try $0.createRoute(.init(routeTableId: main, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw)) }

        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(gatewayId: foreignIgw, routeTableId: edge)) } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(gatewayId: "igw-0000000000000000f", routeTableId: edge)) } }
            == "InvalidGatewayID.NotFound")
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(publicIpv4Pool: "p", subnetId: "s", routeTableId: edge)) } }
            == "InvalidParameterCombination")
        let association = try f.write { try $0.associateRouteTable(.init(gatewayId: igw, routeTableId: edge)) }
        #expect(errorCode { _ = try f.write { try $0.associateRouteTable(.init(gatewayId: igw, routeTableId: main)) } }
            == "Resource.AlreadyAssociated")
        #expect(try f.routeTable(edge)?.associations?.first?.gatewayId == igw)
        let byGateway = try f.read { try $0.describeRouteTables(.init(filters: [ec2Filter("association.gateway-id", igw)])) }
        #expect(byGateway.routeTables?.map(\.routeTableId) == [edge])
        #expect(association.associationId != nil)

        try f.write { try $0.detachInternetGateway(.init(internetGatewayId: igw, vpcId: vpc)) }
        #expect(try f.routeTable(main)?.routes?.last?.state == "blackhole")
        let blackholed = try f.read { try $0.describeRouteTables(.init(filters: [ec2Filter("route.state", "blackhole")])) }
        #expect(blackholed.routeTables?.map(\.routeTableId) == [main])
        try f.write { try $0.attachInternetGateway(.init(internetGatewayId: igw, vpcId: vpc)) }
        #expect(try f.routeTable(main)?.routes?.last?.state == "active")
        try f.write { try $0.detachInternetGateway(.init(internetGatewayId: igw, vpcId: vpc)) }
        try f.write { try $0.deleteInternetGateway(.init(internetGatewayId: igw)) }
        #expect(try f.routeTable(edge)?.associations == [])
        #expect(try f.routeTable(main)?.routes?.last?.state == "blackhole")
    }

    @Test func describeFiltersAndPages() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let igw = try f.internetGateway(attachedTo: vpc)
        let table = try f.write {
            try $0.createRouteTable(.init(tagSpecifications: [.init(resourceType: "route-table", tags: [.init(key: "Name", value: "public")])],
                                          vpcId: vpc)).routeTable!.routeTableId!
        }
        _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw)) }
        let association = try f.write { try $0.associateRouteTable(.init(subnetId: subnet, routeTableId: table)) }.associationId!
        let main = try #require(try f.mainRouteTable(vpc)?.routeTableId)
        func ids(_ filters: EC2.Filter...) throws -> Set<String> {
            Set(try f.read { try $0.describeRouteTables(.init(filters: filters)) }.routeTables?.compactMap(\.routeTableId) ?? [])
        }
        #expect(try ids(ec2Filter("vpc-id", vpc)) == [table, main])
        #expect(try ids(ec2Filter("vpc-id", vpc), ec2Filter("association.main", "true")) == [main])
        #expect(try ids(ec2Filter("vpc-id", vpc), ec2Filter("association.main", "false")) == [table])
        #expect(try ids(ec2Filter("association.subnet-id", subnet)) == [table])
        #expect(try ids(ec2Filter("association.route-table-association-id", association)) == [table])
        #expect(try ids(ec2Filter("association.route-table-id", table)) == [table])
        #expect(try ids(ec2Filter("route.gateway-id", igw)) == [table])
        #expect(try ids(ec2Filter("vpc-id", vpc), ec2Filter("route.destination-cidr-block", "0.0.0.0/0")) == [table])
        #expect(try ids(ec2Filter("vpc-id", vpc), ec2Filter("route.origin", "CreateRouteTable")) == [table, main])
        #expect(try ids(ec2Filter("tag:Name", "pub*"), ec2Filter("route-table-id", table), ec2Filter("owner-id", Fixture.accountA))
            == [table])
        for name in ["route.destination-ipv6-cidr-block", "route.destination-prefix-list-id", "route.egress-only-internet-gateway-id",
                     "route.instance-id", "route.nat-gateway-id", "route.transit-gateway-id", "route.vpc-peering-connection-id"] {
            #expect(try ids(ec2Filter(name, "*")).isEmpty, "\(name)")
        }
        #expect(errorCode { _ = try ids(ec2Filter("route.colour", "x")) } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeRouteTables(.init(maxResults: 101)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeRouteTables(.init(routeTableIds: ["rtb-0000000000000000f"])) } }
            == "InvalidRouteTableID.NotFound")
        for _ in 0..<4 { _ = try f.routeTableId(vpcId: vpc) }
        let all = try f.read { try $0.describeRouteTables(.init()) }.routeTables ?? []
        #expect(all.count == 7)
        let page1 = try f.read { try $0.describeRouteTables(.init(maxResults: 5)) }
        let page2 = try f.read { try $0.describeRouteTables(.init(nextToken: page1.nextToken, maxResults: 5)) }
        #expect((page1.routeTables ?? []) + (page2.routeTables ?? []) == all && page2.nextToken == nil)
    }

    @Test func otherAccountsGetNotFound() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let igw = try f.internetGateway(attachedTo: vpc)
        let table = try f.routeTableId(vpcId: vpc)
        let association = try f.write { try $0.associateRouteTable(.init(subnetId: subnet, routeTableId: table)) }.associationId!
        let b = Fixture.accountB
        let bVpc = try f.vpc(account: b)
        let bTable = try f.routeTableId(vpcId: bVpc, account: b)
        let notFound = "InvalidRouteTableID.NotFound"
        #expect(errorCode { _ = try f.routeTableId(vpcId: vpc, account: b) } == "InvalidVpcID.NotFound")
        #expect(errorCode { _ = try f.read(b) { try $0.describeRouteTables(.init(routeTableIds: [table])) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.deleteRouteTable(.init(routeTableId: table)) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "0.0.0.0/0",
                                                                          gatewayId: igw)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.replaceRoute(.init(routeTableId: table, destinationCidrBlock: "10.0.0.0/16",
                                                                       gatewayId: igw)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.deleteRoute(.init(routeTableId: table, destinationCidrBlock: "10.0.0.0/16")) } }
            == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.associateRouteTable(.init(subnetId: subnet, routeTableId: table)) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.associateRouteTable(.init(subnetId: subnet, routeTableId: bTable)) } }
            == "InvalidSubnetID.NotFound")
        #expect(errorCode { _ = try f.write(b) { try $0.createRoute(.init(routeTableId: bTable, destinationCidrBlock: "0.0.0.0/0",
                                                                          gatewayId: igw)) } } == "InvalidGatewayID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.disassociateRouteTable(.init(associationId: association)) } }
            == "InvalidAssociationID.NotFound")
        #expect(errorCode { _ = try f.write(b) { try $0.replaceRouteTableAssociation(.init(associationId: association, routeTableId: bTable)) } }
            == "InvalidAssociationID.NotFound")
        #expect(try f.read(b) { $0.routeTable(forSubnet: subnet) } == nil)
    }
}
