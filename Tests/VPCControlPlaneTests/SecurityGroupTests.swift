import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct SecurityGroupTests {
    @Test func createDescribeAndDelete() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let result = try f.write {
            try $0.createSecurityGroup(.init(description: "web servers", groupName: "web", vpcId: vpc, tagSpecifications: [
                .init(resourceType: "security-group", tags: [.init(key: "Name", value: "web")])]))
        }
        let id = try #require(result.groupId)
        #expect(id.hasPrefix("sg-") && id.count == 20)
        #expect(result.securityGroupArn == "arn:aws:ec2:us-east-1:\(Fixture.accountA):security-group/\(id)")
        #expect(result.tags == [.init(key: "Name", value: "web")])
        let g = try #require(try f.describedGroup(id))
        #expect(g.groupName == "web" && g.description == "web servers" && g.vpcId == vpc && g.ownerId == Fixture.accountA)
        #expect(g.ipPermissions == [])
        #expect(g.ipPermissionsEgress == [EC2.IpPermission(ipProtocol: "-1", userIdGroupPairs: [],
                                                           ipRanges: [.init(cidrIp: "0.0.0.0/0")], ipv6Ranges: [],
                                                           prefixListIds: [])])
        let deleted = try f.write { try $0.deleteSecurityGroup(.init(groupId: id)) }
        #expect(deleted.return == true && deleted.groupId == id)
        #expect(errorCode { _ = try f.describedGroup(id) } == "InvalidGroup.NotFound")
    }

    @Test func newGroupsInDualStackVpcsGetOnlyIPv4Egress() throws {
        let f = try Fixture()
        let vpc = try f.vpc(ipv6: true)
        let id = try f.group(vpc)
        let egress = try f.rules(id).filter { $0.isEgress == true }
        #expect(egress.map(\.cidrIpv4) == ["0.0.0.0/0"])
    }

    @Test func omittedVpcMeansTheDefaultVpc() throws {
        let f = try Fixture()
        let id = try f.group(nil)
        let defaultVpc = try f.read { $0.meta["region"]?.defaultVpcId }
        #expect(try f.describedGroup(id)?.vpcId == defaultVpc)
        try f.write { $0.state.meta["region"]?.defaultVpcId = nil }
        #expect(errorCode { _ = try f.group(nil, "other") } == "VPCIdNotSpecified")
    }

    @Test(arguments: [("default", "InvalidGroup.Reserved"), ("sg-web", "InvalidParameterValue"),
                      (String(repeating: "a", count: 256), "InvalidParameterValue"), ("", "MissingParameter"),
                      ("WEB", "InvalidGroup.Duplicate"), ("naïve", "InvalidParameterValue")])
    func badNamesAreRejectedAndChangeNothing(name: String, code: String) throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        _ = try f.group(vpc, "web")
        let before = try f.read { $0.securityGroups.count }
        #expect(errorCode { _ = try f.group(vpc, name) } == code)
        #expect(try f.read { $0.securityGroups.count } == before)
    }

    @Test func createErrors() throws {
        let f = try Fixture()
        #expect(errorCode { _ = try f.group("vpc-0000000000000000a") } == "InvalidVpcID.NotFound")
        let vpc = try f.vpc()
        #expect(errorCode {
            _ = try f.write { try $0.createSecurityGroup(.init(description: "", groupName: "x", vpcId: vpc)) }
        } == "MissingParameter")
        #expect(errorCode {
            _ = try f.write { try $0.createSecurityGroup(.init(description: "d", groupName: "x", vpcId: vpc, tagSpecifications: [
                .init(resourceType: "vpc", tags: [.init(key: "a", value: "b")])])) }
        } == "InvalidParameterValue")
    }

    @Test func groupQuotaPerVpc() throws {
        var options = ControlPlaneOptions()
        options.quotas.securityGroupsPerVpc = 2
        let f = try Fixture(options: options)
        let vpc = try f.vpc()
        _ = try f.group(vpc, "one")
        #expect(errorCode { _ = try f.group(vpc, "two") } == "SecurityGroupLimitExceeded")
    }

    @Test func deleteRules() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let defaultGroup = try #require(try f.read { s in s.securityGroups.values.first { $0.vpcId == vpc && $0.isDefault } })
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: defaultGroup.groupId)) } }
            == "CannotDelete")
        let app = try f.group(vpc, "app")
        let db = try f.group(vpc, "db")
        try f.ingress(db, [.init(ipProtocol: "tcp", fromPort: 5432, toPort: 5432, userIdGroupPairs: [.init(groupId: app)])])
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: app)) } } == "DependencyViolation")
        #expect(try f.describedGroup(app) != nil)
        // A group referencing itself can go.
        try f.ingress(db, [.init(ipProtocol: "-1", userIdGroupPairs: [.init(groupId: db)])])
        _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: db)) }
        _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: app)) }
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init()) } } == "MissingParameter")
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: app)) } } == "InvalidGroup.NotFound")
    }

    @Test func deleteGroupInUseByANetworkInterface() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try f.group(vpc)
        try f.write { $0.state.networkInterfaces["eni-01"] = Self.eni("eni-01", groups: [id], ips: ["10.0.1.5"]) }
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: id)) } } == "DependencyViolation")
    }

    @Test func deleteByNameInTheDefaultVpc() throws {
        let f = try Fixture()
        let id = try f.group(nil, "legacy")
        #expect(try f.write { try $0.deleteSecurityGroup(.init(groupName: "legacy")) }.groupId == id)
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupName: "legacy")) } } == "InvalidGroup.NotFound")
    }

    static func eni(_ id: String, groups: [String], ips: [String]) -> EC2.NetworkInterface {
        EC2.NetworkInterface(
            groups: groups.map { EC2.GroupIdentifier(groupId: $0) }, networkInterfaceId: id,
            privateIpAddress: ips.first,
            privateIpAddresses: ips.enumerated().map { EC2.NetworkInterfacePrivateIpAddress(primary: $0.offset == 0, privateIpAddress: $0.element) })
    }

    @Test func membersAreThePrivateAddressesOfTheGroupsInterfaces() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let web = try f.group(vpc, "web")
        let db = try f.group(vpc, "db")
        try f.write {
            $0.state.networkInterfaces["eni-01"] = Self.eni("eni-01", groups: [web], ips: ["10.0.1.5", "10.0.1.6"])
            $0.state.networkInterfaces["eni-02"] = Self.eni("eni-02", groups: [web, db], ips: ["10.0.2.7"])
            $0.state.networkInterfaces["eni-03"] = Self.eni("eni-03", groups: [db], ips: ["10.0.3.8"])
        }
        try f.read { s in
            #expect(s.securityGroupMembers(web) == ["10.0.1.5", "10.0.1.6", "10.0.2.7"])
            #expect(s.securityGroupMembers(db) == ["10.0.2.7", "10.0.3.8"])
            #expect(s.securityGroupMembers("sg-0000000000000000f") == [])
        }
    }

    @Test func describeFiltersAndPagination() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let web = try f.group(vpc, "web", tags: [.init(key: "tier", value: "front")])
        let db = try f.group(vpc, "db")
        try f.ingress(web, [tcp(443, "0.0.0.0/0")])
        try f.ingress(db, [.init(ipProtocol: "tcp", fromPort: 5432, toPort: 5432, userIdGroupPairs: [.init(groupId: web)])])
        func ids(_ filters: [EC2.Filter]) throws -> Set<String> {
            Set(try f.read { try $0.describeSecurityGroups(.init(filters: filters)) }.securityGroups?.compactMap(\.groupId) ?? [])
        }
        #expect(try ids([.init(name: "vpc-id", values: [vpc])]).count == 3)
        #expect(try ids([.init(name: "ip-permission.from-port", values: ["443"])]) == [web])
        #expect(try ids([.init(name: "ip-permission.cidr", values: ["0.0.0.0/0"]), .init(name: "vpc-id", values: [vpc])]) == [web])
        #expect(try ids([.init(name: "ip-permission.protocol", values: ["6"])]) == [web, db])
        #expect(try ids([.init(name: "ip-permission.group-id", values: [web])]) == [db])
        #expect(try ids([.init(name: "ip-permission.group-name", values: ["web"])]) == [db])
        #expect(try ids([.init(name: "ip-permission.user-id", values: [Fixture.accountA])]).contains(db))
        #expect(try ids([.init(name: "egress.ip-permission.cidr", values: ["0.0.0.0/0"]), .init(name: "vpc-id", values: [vpc])]).count == 3)
        #expect(try ids([.init(name: "egress.ip-permission.protocol", values: ["-1"]), .init(name: "group-name", values: ["d*"])]).contains(db))
        #expect(try ids([.init(name: "tag:tier", values: ["front"])]) == [web])
        #expect(try ids([.init(name: "description", values: ["test group"])]) == [web, db])
        #expect(try ids([.init(name: "owner-id", values: [Fixture.accountA]), .init(name: "group-id", values: [db])]) == [db])
        #expect(errorCode { _ = try ids([.init(name: "ip-permission.nope", values: ["x"])]) } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroups(.init(maxResults: 4)) } } == "InvalidParameterValue")
        let first = try f.read { try $0.describeSecurityGroups(.init(maxResults: 5)) }
        #expect(first.securityGroups?.count == 4 && first.nextToken == nil)
        for _ in 0..<3 { _ = try f.group(vpc, "g\(Int.random(in: 0..<1_000_000))") }
        let page1 = try f.read { try $0.describeSecurityGroups(.init(maxResults: 5)) }
        let token = try #require(page1.nextToken)
        let page2 = try f.read { try $0.describeSecurityGroups(.init(nextToken: token, maxResults: 5)) }
        #expect(page2.securityGroups?.count == 2)
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroups(.init(nextToken: "zz")) } } == "InvalidPaginationToken")
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroups(.init(groupIds: ["web"])) } } == "InvalidGroupId.Malformed")
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: "sg-xyz")) } } == "InvalidGroupId.Malformed")
        #expect(Set((page1.securityGroups ?? []).map(\.groupId)).isDisjoint(with: (page2.securityGroups ?? []).map(\.groupId)))
    }

    @Test func describeByNameLooksInTheDefaultVpc() throws {
        let f = try Fixture()
        let id = try f.group(nil, "legacy")
        let vpc = try f.vpc()
        _ = try f.group(vpc, "elsewhere")
        let found = try f.read { try $0.describeSecurityGroups(.init(groupNames: ["legacy", "default"])) }
        #expect(found.securityGroups?.count == 2)
        #expect(found.securityGroups?.contains { $0.groupId == id } == true)
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroups(.init(groupNames: ["elsewhere"])) } }
            == "InvalidGroup.NotFound")
    }

    @Test func otherAccountsCannotSeeOrTouchAGroup() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try f.group(vpc)
        let rule = try #require(try f.ingress(id, [tcp(22, "10.0.0.0/8")]).first?.securityGroupRuleId)
        let b = Fixture.accountB
        let notFound = "InvalidGroup.NotFound"
        #expect(errorCode { _ = try f.describedGroup(id, account: b) } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.deleteSecurityGroup(.init(groupId: id)) } } == notFound)
        #expect(errorCode { try f.ingress(id, [tcp(80, "0.0.0.0/0")], account: b) } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.authorizeSecurityGroupEgress(.init(groupId: id, ipPermissions: [tcp(80, "0.0.0.0/0")])) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.revokeSecurityGroupIngress(.init(groupId: id, securityGroupRuleIds: [rule])) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.revokeSecurityGroupEgress(.init(securityGroupRuleIds: [rule], groupId: id)) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.modifySecurityGroupRules(.init(groupId: id, securityGroupRules: [.init(securityGroupRuleId: rule)])) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.updateSecurityGroupRuleDescriptionsIngress(.init(groupId: id, securityGroupRuleDescriptions: [.init(securityGroupRuleId: rule, description: "x")])) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.updateSecurityGroupRuleDescriptionsEgress(.init(groupId: id, securityGroupRuleDescriptions: [.init(securityGroupRuleId: rule, description: "x")])) } } == notFound)
        #expect(errorCode { _ = try f.read(b) { try $0.describeSecurityGroupRules(.init(securityGroupRuleIds: [rule])) } }
            == "InvalidSecurityGroupRuleId.NotFound")
        // B's own group cannot reference A's group.
        let bVpc = try f.vpc(account: b)
        let bGroup = try f.group(bVpc, account: b)
        #expect(errorCode { try f.ingress(bGroup, [.init(ipProtocol: "tcp", fromPort: 1, toPort: 1, userIdGroupPairs: [.init(userId: Fixture.accountA, groupId: id)])], account: b) } == notFound)
        let listed = try f.read(b) { try $0.describeSecurityGroups(.init()) }.securityGroups ?? []
        #expect(!listed.contains { $0.groupId == id })
    }

    @Test func stateSurvivesARestart() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try f.group(vpc)
        try f.ingress(id, [tcp(22, "10.0.0.0/8")])
        let again = try ControlPlane(store: f.store)
        let g = try again.read(account: Fixture.accountA, region: "us-east-1") { try $0.describeSecurityGroups(.init(groupIds: [id])) }
        #expect(g.securityGroups?.first?.ipPermissions?.first?.ipRanges?.first?.cidrIp == "10.0.0.0/8")
    }
}
