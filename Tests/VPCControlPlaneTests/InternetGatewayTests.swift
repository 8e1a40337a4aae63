import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct InternetGatewayTests {
    @Test func lifecycle() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let created = try f.write {
            try $0.createInternetGateway(.init(tagSpecifications: [.init(resourceType: "internet-gateway",
                                                                         tags: [.init(key: "Name", value: "edge")])]))
        }
        let igw = try #require(created.internetGateway)
        let id = try #require(igw.internetGatewayId)
        #expect(id.hasPrefix("igw-") && igw.attachments == [] && igw.ownerId == Fixture.accountA)
        #expect(igw.tags == [.init(key: "Name", value: "edge")])
        try f.write { try $0.attachInternetGateway(.init(internetGatewayId: id, vpcId: vpc)) }
        let attached = try f.read { try $0.describeInternetGateways(.init(internetGatewayIds: [id])) }.internetGateways?.first
        #expect(attached?.attachments == [.init(state: "available", vpcId: vpc)])
        #expect(errorCode { try f.write { try $0.deleteInternetGateway(.init(internetGatewayId: id)) } } == "DependencyViolation")
        try f.write { try $0.detachInternetGateway(.init(internetGatewayId: id, vpcId: vpc)) }
        try f.write { try $0.deleteInternetGateway(.init(internetGatewayId: id)) }
        #expect(errorCode { _ = try f.read { try $0.describeInternetGateways(.init(internetGatewayIds: [id])) } }
            == "InvalidInternetGatewayID.NotFound")
        #expect(errorCode { try f.write { try $0.deleteInternetGateway(.init(internetGatewayId: id)) } }
            == "InvalidInternetGatewayID.NotFound")
    }

    @Test func attachmentRules() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let other = try f.vpc("10.1.0.0/16")
        let igw = try f.internetGateway(attachedTo: vpc)
        let second = try f.internetGateway()
        #expect(errorCode { try f.write { try $0.attachInternetGateway(.init(internetGatewayId: igw, vpcId: other)) } }
            == "Resource.AlreadyAssociated")
        #expect(errorCode { try f.write { try $0.attachInternetGateway(.init(internetGatewayId: second, vpcId: vpc)) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.attachInternetGateway(.init(internetGatewayId: second, vpcId: "vpc-0000000000000000f")) } }
            == "InvalidVpcID.NotFound")
        #expect(errorCode { try f.write { try $0.detachInternetGateway(.init(internetGatewayId: igw, vpcId: other)) } }
            == "Gateway.NotAttached")
        #expect(errorCode { try f.write { try $0.detachInternetGateway(.init(internetGatewayId: second, vpcId: vpc)) } }
            == "Gateway.NotAttached")
        #expect(try f.read { $0.internetGateways[second]?.attachments } == [])
        #expect(errorCode { try f.write { try $0.deleteVpc(.init(vpcId: vpc)) } } == "DependencyViolation")

        // A VPC with a public address mapped keeps its gateway.
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        _ = try f.networkInterface(subnetId: subnet, vpcId: vpc, publicIp: "198.18.0.9")
        #expect(errorCode { try f.write { try $0.detachInternetGateway(.init(internetGatewayId: igw, vpcId: vpc)) } }
            == "DependencyViolation")
        #expect(try f.read { $0.internetGateways[igw]?.attachments?.count } == 1)
    }

    @Test func quotaCountsTheDefaultVpcGateway() throws {
        var options = ControlPlaneOptions()
        options.quotas.internetGatewaysPerRegion = 2
        let f = try Fixture(options: options)
        _ = try f.internetGateway()
        #expect(errorCode { _ = try f.internetGateway() } == "InternetGatewayLimitExceeded")
        #expect(try f.read { $0.internetGateways.count } == 2)
    }

    @Test func describeFiltersAndPages() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let attached = try f.internetGateway(attachedTo: vpc)
        let loose = try f.internetGateway()
        func ids(_ filters: EC2.Filter...) throws -> Set<String> {
            Set(try f.read { try $0.describeInternetGateways(.init(filters: filters)) }.internetGateways?.compactMap(\.internetGatewayId) ?? [])
        }
        #expect(try ids(ec2Filter("attachment.vpc-id", vpc)) == [attached])
        #expect(try ids(ec2Filter("attachment.state", "available")).count == 2)
        #expect(try ids(ec2Filter("internet-gateway-id", loose), ec2Filter("owner-id", Fixture.accountA)) == [loose])
        #expect(try ids(ec2Filter("tag-key", "*")).isEmpty)
        #expect(errorCode { _ = try ids(ec2Filter("vpc-id", vpc)) } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeInternetGateways(.init(maxResults: 1001)) } } == "InvalidParameterValue")
        _ = try f.internetGateway()
        _ = try f.internetGateway()
        let all = try f.read { try $0.describeInternetGateways(.init()) }.internetGateways ?? []
        #expect(all.count == 5)
        let page1 = try f.read { try $0.describeInternetGateways(.init(maxResults: 5)) }
        #expect(page1.internetGateways == all && page1.nextToken == nil)
    }

    @Test func egressOnlyGateways() throws {
        let f = try Fixture()
        let vpc = try f.vpc("10.0.0.0/16", ipv6: true)
        let created = try f.write {
            try $0.createEgressOnlyInternetGateway(.init(clientToken: "tok", vpcId: vpc, tagSpecifications: [
                .init(resourceType: "egress-only-internet-gateway", tags: [.init(key: "k", value: "v")])]))
        }
        #expect(created.clientToken == "tok")
        let gateway = try #require(created.egressOnlyInternetGateway)
        let id = try #require(gateway.egressOnlyInternetGatewayId)
        #expect(id.hasPrefix("eigw-") && gateway.attachments == [.init(state: "attached", vpcId: vpc)])
        #expect(errorCode { _ = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: "vpc-0000000000000000f")) } }
            == "InvalidVpcID.NotFound")
        #expect(errorCode { try f.write { try $0.deleteVpc(.init(vpcId: vpc)) } } == "DependencyViolation")

        let other = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: vpc)) }.egressOnlyInternetGateway!
        func ids(_ r: EC2.DescribeEgressOnlyInternetGatewaysRequest) throws -> [String] {
            try f.read { try $0.describeEgressOnlyInternetGateways(r) }.egressOnlyInternetGateways?.compactMap(\.egressOnlyInternetGatewayId) ?? []
        }
        #expect(try ids(.init(filters: [ec2Filter("tag:k", "v")])) == [id])
        #expect(try ids(.init(filters: [ec2Filter("egress-only-internet-gateway-id", other.egressOnlyInternetGatewayId!)]))
            == [other.egressOnlyInternetGatewayId!])
        #expect(try Set(ids(.init())) == [id, other.egressOnlyInternetGatewayId!])
        #expect(errorCode { _ = try ids(.init(filters: [ec2Filter("vpc-id", vpc)])) } == "InvalidParameterValue")
        #expect(errorCode { _ = try ids(.init(maxResults: 256)) } == "InvalidParameterValue")
        #expect(errorCode { _ = try ids(.init(egressOnlyInternetGatewayIds: ["eigw-0000000000000000f"])) } == "InvalidGatewayID.NotFound")
        #expect(try ids(.init(maxResults: 255)).count == 2)

        #expect(try f.write { try $0.deleteEgressOnlyInternetGateway(.init(egressOnlyInternetGatewayId: id)) }.returnCode == true)
        #expect(errorCode { _ = try f.write { try $0.deleteEgressOnlyInternetGateway(.init(egressOnlyInternetGatewayId: id)) } }
            == "InvalidGatewayID.NotFound")
        #expect(try ids(.init()) == [other.egressOnlyInternetGatewayId!])
    }

    @Test func egressOnlyQuota() throws {
        var options = ControlPlaneOptions()
        options.quotas.egressOnlyInternetGatewaysPerRegion = 1
        let f = try Fixture(options: options)
        let vpc = try f.vpc()
        _ = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: vpc)) }
        #expect(errorCode { _ = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: vpc)) } }
            == "EgressOnlyInternetGatewayLimitExceeded")
    }

    @Test func otherAccountsGetNotFound() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let igw = try f.internetGateway(attachedTo: vpc)
        let loose = try f.internetGateway()
        let eigw = try f.write { try $0.createEgressOnlyInternetGateway(.init(vpcId: vpc)) }.egressOnlyInternetGateway!.egressOnlyInternetGatewayId!
        let b = Fixture.accountB
        let bVpc = try f.vpc(account: b)
        let notFound = "InvalidInternetGatewayID.NotFound"
        #expect(errorCode { _ = try f.read(b) { try $0.describeInternetGateways(.init(internetGatewayIds: [igw])) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.attachInternetGateway(.init(internetGatewayId: loose, vpcId: bVpc)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.detachInternetGateway(.init(internetGatewayId: igw, vpcId: vpc)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.deleteInternetGateway(.init(internetGatewayId: loose)) } } == notFound)
        let bIgw = try f.internetGateway(account: b)
        #expect(errorCode { try f.write(b) { try $0.attachInternetGateway(.init(internetGatewayId: bIgw, vpcId: vpc)) } }
            == "InvalidVpcID.NotFound")
        #expect(errorCode { _ = try f.write(b) { try $0.createEgressOnlyInternetGateway(.init(vpcId: vpc)) } } == "InvalidVpcID.NotFound")
        #expect(errorCode { _ = try f.read(b) { try $0.describeEgressOnlyInternetGateways(.init(egressOnlyInternetGatewayIds: [eigw])) } }
            == "InvalidGatewayID.NotFound")
        #expect(errorCode { _ = try f.write(b) { try $0.deleteEgressOnlyInternetGateway(.init(egressOnlyInternetGatewayId: eigw)) } }
            == "InvalidGatewayID.NotFound")
    }
}
