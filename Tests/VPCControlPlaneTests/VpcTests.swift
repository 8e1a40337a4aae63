import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct VpcTests {
    @Test func firstUseCreatesTheDefaultVpcWithItsDefaults() throws {
        let f = try Fixture()
        let vpcs = try f.read { try $0.describeVpcs(.init()) }.vpcs ?? []
        #expect(vpcs.count == 1)
        let vpc = try #require(vpcs.first)
        #expect(vpc.cidrBlock == "172.31.0.0/16")
        #expect(vpc.isDefault == true)
        let subnets = try f.read { try $0.describeSubnets(.init()) }.subnets ?? []
        #expect(subnets.count == 6)
        #expect(subnets.allSatisfy { $0.defaultForAz == true && $0.mapPublicIpOnLaunch == true })
        #expect(Set(subnets.map { $0.cidrBlock! }).contains("172.31.16.0/20"))
        #expect(subnets.allSatisfy { $0.availableIpAddressCount == 4091 })
    }

    @Test func createVpcMakesMainRouteTableDefaultAclAndGroup() throws {
        let f = try Fixture()
        let id = try f.vpc("10.1.0.0/16")
        try f.read { s in
            let tables = s.routeTables.values.filter { $0.vpcId == id }
            #expect(tables.count == 1)
            #expect(tables.first?.routes?.first?.destinationCidrBlock == "10.1.0.0/16")
            #expect(tables.first?.routes?.first?.gatewayId == "local")
            let acl = try #require(s.networkAcls.values.first { $0.vpcId == id })
            #expect(acl.isDefault == true)
            #expect(Set(acl.entries!.map { $0.ruleNumber! }) == [100, 32767])
            let sg = try #require(s.securityGroups.values.first { $0.vpcId == id })
            #expect(sg.groupName == "default")
            #expect(sg.rules.count == 2)
        }
    }

    @Test(arguments: [("10.0.0.0/8", "InvalidVpc.Range"), ("10.0.0.0/29", "InvalidVpc.Range"),
                      ("garbage", "InvalidParameterValue"), ("10.0.0.256/16", "InvalidParameterValue"),
                      // Reserved ranges: loopback, link-local, multicast, this network.
                      ("127.0.0.0/16", "InvalidVpc.Range"), ("169.254.0.0/16", "InvalidVpc.Range"),
                      ("224.1.0.0/16", "InvalidVpc.Range"), ("0.0.0.0/16", "InvalidVpc.Range")])
    func badCidrsAreRejectedAndChangeNothing(cidr: String, code: String) throws {
        let f = try Fixture()
        let before = try f.read { $0.vpcs.count }
        #expect(errorCode { _ = try f.vpc(cidr) } == code)
        #expect(try f.read { $0.vpcs.count } == before)
        #expect(try f.store.loadRecords().filter { $0.kind == "vpc" }.count == before)
    }

    @Test func quotaCountsTheDefaultVpc() throws {
        let f = try Fixture()
        for i in 0..<4 { _ = try f.vpc("10.\(i).0.0/16") }
        #expect(errorCode { _ = try f.vpc("10.9.0.0/16") } == "VpcLimitExceeded")
    }

    @Test func deleteVpcWithSubnetIsADependencyViolation() throws {
        let f = try Fixture()
        let id = try f.vpc()
        let subnet = try f.subnet(id, "10.0.1.0/24")
        #expect(errorCode { try f.write { try $0.deleteVpc(.init(vpcId: id)) } } == "DependencyViolation")
        try f.write { try $0.deleteSubnet(.init(subnetId: subnet)) }
        try f.write { try $0.deleteVpc(.init(vpcId: id)) }
        #expect(errorCode { _ = try f.read { try $0.describeVpcs(.init(vpcIds: [id])) } } == "InvalidVpcID.NotFound")
        #expect(try f.read { s in s.routeTables.values.filter { $0.vpcId == id }.count } == 0)
    }

    @Test func otherAccountsCannotSeeOrTouchAVpc() throws {
        let f = try Fixture()
        let id = try f.vpc()
        #expect(errorCode { _ = try f.read(Fixture.accountB) { try $0.describeVpcs(.init(vpcIds: [id])) } }
            == "InvalidVpcID.NotFound")
        #expect(errorCode { try f.write(Fixture.accountB) { try $0.deleteVpc(.init(vpcId: id)) } }
            == "InvalidVpcID.NotFound")
        let listed = try f.read(Fixture.accountB) { try $0.describeVpcs(.init()) }.vpcs ?? []
        #expect(!listed.contains { $0.vpcId == id })
    }

    @Test func filtersAndPagination() throws {
        let f = try Fixture()
        let id = try f.write {
            try $0.createVpc(.init(cidrBlock: "10.2.0.0/16", tagSpecifications: [
                .init(resourceType: "vpc", tags: [.init(key: "Name", value: "blue")])])).vpc!.vpcId!
        }
        _ = try f.vpc("10.3.0.0/16")
        let byTag = try f.read { try $0.describeVpcs(.init(filters: [.init(name: "tag:Name", values: ["bl*"])])) }
        #expect(byTag.vpcs?.map(\.vpcId) == [id])
        let byCidr = try f.read { try $0.describeVpcs(.init(filters: [.init(name: "cidr", values: ["10.3.0.0/16"])])) }
        #expect(byCidr.vpcs?.count == 1)
        #expect(errorCode { _ = try f.read { try $0.describeVpcs(.init(filters: [.init(name: "nope", values: ["x"])])) } }
            == "InvalidParameterValue")
        let many = [EC2.Filter(name: "cidr", values: (0..<150).map { "10.\($0).0.0/16" }),
                    EC2.Filter(name: "vpc-id", values: (0..<51).map { "vpc-\($0)" })]
        #expect(errorCode { _ = try f.read { try $0.describeVpcs(.init(filters: many)) } } == "FilterLimitExceeded")
        let first = try f.read { try $0.describeVpcs(.init(maxResults: 5)) }
        #expect(first.vpcs?.count == 3 && first.nextToken == nil)
        #expect(errorCode { _ = try f.read { try $0.describeVpcs(.init(nextToken: "zz")) } } == "InvalidPaginationToken")
        // A token continues the listing that issued it: same filters, same kind of resource.
        for i in 0..<6 {
            _ = try f.write { try $0.createSecurityGroup(.init(description: "g", groupName: "g\(i)", vpcId: id)) }
        }
        let page = try f.read { try $0.describeSecurityGroups(.init(maxResults: 5)) }
        let token = try #require(page.nextToken)
        let rest = try f.read { try $0.describeSecurityGroups(.init(nextToken: token, maxResults: 5)) }
        #expect(page.securityGroups!.count == 5 && !rest.securityGroups!.isEmpty)
        #expect(errorCode { _ = try f.read {
            try $0.describeSecurityGroups(.init(nextToken: token, filters: [.init(name: "vpc-id", values: [id])]))
        } } == "InvalidPaginationToken")
        #expect(errorCode { _ = try f.read { try $0.describeVpcs(.init(nextToken: token)) } } == "InvalidPaginationToken")
    }

    @Test func secondaryAndIPv6Blocks() throws {
        let f = try Fixture()
        let id = try f.vpc("10.0.0.0/16")
        let r = try f.write { try $0.associateVpcCidrBlock(.init(cidrBlock: "10.1.0.0/16", vpcId: id)) }
        #expect(r.cidrBlockAssociation?.cidrBlock == "10.1.0.0/16")
        #expect(errorCode { _ = try f.write { try $0.associateVpcCidrBlock(.init(cidrBlock: "192.168.0.0/16", vpcId: id)) } }
            == "InvalidVpc.Range")
        // A block covering a route's destination would shadow that route with its local one.
        let main = try f.routeTableId(vpcId: id)
        let igw = try f.internetGateway(attachedTo: id)
        _ = try f.write { try $0.createRoute(.init(routeTableId: main, destinationCidrBlock: "10.2.3.0/24", gatewayId: igw)) }
        #expect(errorCode { _ = try f.write { try $0.associateVpcCidrBlock(.init(cidrBlock: "10.2.0.0/16", vpcId: id)) } }
            == "InvalidVpc.Range")
        let v6 = try f.write { try $0.associateVpcCidrBlock(.init(vpcId: id, amazonProvidedIpv6CidrBlock: true)) }
        let block = try #require(v6.ipv6CidrBlockAssociation?.ipv6CidrBlock)
        #expect(block.hasSuffix("/56"))
        let prefix = IPv6CIDR(block)!
        let subnet64 = IPv6CIDR(network: prefix.network, prefixLength: 64).description
        _ = try f.subnet(id, "10.1.0.0/24", ipv6: subnet64)
        let tables = try f.read { s in s.routeTables.values.filter { $0.vpcId == id } }
        #expect(tables.first?.routes?.filter { $0.gatewayId == "local" }.count == 3)
    }

    @Test func stateSurvivesARestart() throws {
        let f = try Fixture()
        let id = try f.vpc()
        let again = try ControlPlane(store: f.store)
        let vpcs = try again.read(account: Fixture.accountA, region: "us-east-1") { try $0.describeVpcs(.init(vpcIds: [id])) }
        #expect(vpcs.vpcs?.first?.cidrBlock == "10.0.0.0/16")
    }
}
