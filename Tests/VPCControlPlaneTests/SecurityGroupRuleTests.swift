import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct SecurityGroupRuleTests {
    @Test func authorizeIngressGivesEachRuleAnId() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try f.group(vpc)
        let result = try f.write {
            try $0.authorizeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(22, "0.0.0.0/0", "10.0.0.5/16")]))
        }
        #expect(result.return == true)
        let rules = try #require(result.securityGroupRules)
        #expect(rules.count == 2)
        #expect(rules.allSatisfy { $0.securityGroupRuleId?.hasPrefix("sgr-") == true && $0.groupId == id && $0.isEgress == false })
        #expect(rules.map(\.cidrIpv4) == ["0.0.0.0/0", "10.0.0.0/16"])
        #expect(rules[0].securityGroupRuleArn == "arn:aws:ec2:us-east-1:\(Fixture.accountA):security-group-rule/\(rules[0].securityGroupRuleId!)")
        #expect(try f.rules(id).count == 3)
    }

    @Test func duplicatesAreRejectedWithEC2sMessage() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        try f.ingress(id, [tcp(22, "0.0.0.0/0")])
        let before = try f.rules(id)
        let e = ec2Error { try f.ingress(id, [tcp(80, "10.0.0.0/8"), tcp(22, "0.0.0.0/0")]) }
        #expect(e?.code == "InvalidPermission.Duplicate")
        #expect(e?.message == "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW\" already exists")
        #expect(try f.rules(id) == before)
        // Twice in one request, and the same rule spelled differently.
        #expect(errorCode { try f.ingress(id, [tcp(80, "10.0.0.0/8", "10.1.2.3/8")]) } == "InvalidPermission.Duplicate")
        #expect(errorCode { try f.ingress(id, [.init(ipProtocol: "6", fromPort: 22, toPort: 22, ipRanges: [.init(cidrIp: "0.0.0.0/0")])]) }
            == "InvalidPermission.Duplicate")
        let all = ec2Error { _ = try f.write { try $0.authorizeSecurityGroupEgress(.init(groupId: id, ipPermissions: [
            .init(ipProtocol: "all", fromPort: 5, toPort: 9, ipRanges: [.init(cidrIp: "0.0.0.0/0")])])) } }
        #expect(all?.message == "the specified rule \"peer: 0.0.0.0/0, ALL, ALLOW\" already exists")
    }

    @Test func protocolsAndPortsAreNormalised() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        let rules = try f.ingress(id, [
            .init(ipProtocol: "17", fromPort: 53, toPort: 53, ipRanges: [.init(cidrIp: "10.0.0.0/8")]),
            .init(ipProtocol: "ALL", fromPort: 1, toPort: 2, ipRanges: [.init(cidrIp: "10.1.0.0/16")]),
            .init(ipProtocol: "47", fromPort: 1, toPort: 2, ipRanges: [.init(cidrIp: "10.2.0.0/16")]),
            .init(ipProtocol: "icmp", fromPort: 8, toPort: -1, ipRanges: [.init(cidrIp: "10.3.0.0/16")]),
            .init(ipProtocol: "58", ipv6Ranges: [.init(cidrIpv6: "2001:DB8:0:0::1/64")]),
        ])
        #expect(rules.map(\.ipProtocol) == ["udp", "-1", "47", "icmp", "icmpv6"])
        #expect(rules.map(\.fromPort) == [53, -1, -1, 8, -1])
        #expect(rules.map(\.toPort) == [53, -1, -1, -1, -1])
        #expect(rules[4].cidrIpv6 == "2001:db8::/64")
        let shown = try #require(try f.describedGroup(id)?.ipPermissions)
        #expect(shown.first { $0.ipProtocol == "-1" }?.fromPort == nil)
        #expect(shown.first { $0.ipProtocol == "47" }?.toPort == nil)
        #expect(shown.first { $0.ipProtocol == "icmp" }?.fromPort == 8)
    }

    @Test(arguments: [
        EC2.IpPermission(ipProtocol: "tcp", fromPort: 22, ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "tcp", fromPort: 80, toPort: 70000, ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "udp", fromPort: 90, toPort: 80, ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "icmp", fromPort: -1, toPort: 3, ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "icmp", fromPort: 256, toPort: 0, ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "gre", ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "256", ipRanges: [.init(cidrIp: "0.0.0.0/0")]),
        EC2.IpPermission(ipProtocol: "tcp", fromPort: 1, toPort: 1, ipRanges: [.init(cidrIp: "10.0.0.0")]),
        EC2.IpPermission(ipProtocol: "tcp", fromPort: 1, toPort: 1, ipv6Ranges: [.init(cidrIpv6: "10.0.0.0/8")]),
        EC2.IpPermission(ipProtocol: "tcp", fromPort: 1, toPort: 1),
        EC2.IpPermission(ipProtocol: "tcp", fromPort: 1, toPort: 1, ipRanges: [.init(description: "naïve", cidrIp: "10.0.0.0/8")]),
    ])
    func badPermissionsAreInvalidAndChangeNothing(permission: EC2.IpPermission) throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        let before = try f.rules(id)
        #expect(errorCode { try f.ingress(id, [permission]) } == "InvalidParameterValue")
        #expect(try f.rules(id) == before)
    }

    @Test func missingParameters() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        #expect(errorCode { try f.ingress(id, [.init(fromPort: 1, toPort: 1, ipRanges: [.init(cidrIp: "10.0.0.0/8")])]) }
            == "MissingParameter")
        #expect(errorCode { try f.ingress(id, []) } == "MissingParameter")
        #expect(errorCode { _ = try f.write { try $0.authorizeSecurityGroupIngress(.init(ipPermissions: [tcp(1, "10.0.0.0/8")])) } }
            == "MissingParameter")
    }

    @Test func rulesWithTheSamePortsShareAnIpPermission() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let web = try f.group(vpc, "web")
        let lb = try f.group(vpc, "lb")
        let pl = try f.prefixList(["192.168.0.0/24"], maxEntries: 2)
        try f.ingress(web, [EC2.IpPermission(
            ipProtocol: "tcp", fromPort: 443, toPort: 443, userIdGroupPairs: [.init(description: "from lb", groupId: lb)],
            ipRanges: [.init(description: "office", cidrIp: "203.0.113.0/24"), .init(cidrIp: "198.51.100.0/24")],
            ipv6Ranges: [.init(cidrIpv6: "::/0")], prefixListIds: [.init(description: "vpn", prefixListId: pl)])])
        try f.ingress(web, [tcp(80, "0.0.0.0/0")])
        let permissions = try #require(try f.describedGroup(web)?.ipPermissions)
        #expect(permissions.count == 2)
        let https = try #require(permissions.first { $0.fromPort == 443 })
        #expect(https.ipRanges == [.init(description: "office", cidrIp: "203.0.113.0/24"), .init(cidrIp: "198.51.100.0/24")])
        #expect(https.ipv6Ranges == [.init(cidrIpv6: "::/0")])
        #expect(https.prefixListIds == [.init(description: "vpn", prefixListId: pl)])
        #expect(https.userIdGroupPairs == [.init(description: "from lb", userId: Fixture.accountA, groupId: lb)])
        #expect(try f.rules(web).filter { $0.isEgress == false }.count == 6)
    }

    @Test func referencesMustExistInTheSameVpc() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let web = try f.group(vpc, "web")
        let elsewhere = try f.group(nil, "elsewhere")
        func pair(_ p: EC2.UserIdGroupPair) -> [EC2.IpPermission] {
            [.init(ipProtocol: "tcp", fromPort: 1, toPort: 1, userIdGroupPairs: [p])]
        }
        let other = ec2Error { try f.ingress(web, pair(.init(groupId: elsewhere))) }
        #expect(other?.code == "InvalidGroup.NotFound")
        #expect(other?.message == "You have specified two resources that belong to different networks.")
        #expect(errorCode { try f.ingress(web, pair(.init(groupId: "sg-0000000000000000a"))) } == "InvalidGroup.NotFound")
        #expect(errorCode { try f.ingress(web, pair(.init(userId: Fixture.accountB, groupId: web))) } == "InvalidGroup.NotFound")
        // Names reference groups in the default VPC only.
        #expect(errorCode { try f.ingress(web, pair(.init(groupName: "default"))) } == "InvalidParameterValue")
        #expect(errorCode { try f.ingress(elsewhere, pair(.init(groupName: "nope"))) } == "InvalidGroup.NotFound")
        #expect(try f.ingress(elsewhere, pair(.init(groupName: "default"))).first?.referencedGroupInfo?.groupId != nil)
        #expect(errorCode { try f.ingress(web, [.init(ipProtocol: "-1", prefixListIds: [.init(prefixListId: "pl-0000000000000000a")])]) }
            == "InvalidPrefixListID.NotFound")
    }

    @Test func legacyIngressForm() throws {
        let f = try Fixture()
        let id = try f.group(nil, "legacy")
        let one = try f.write {
            try $0.authorizeSecurityGroupIngress(.init(cidrIp: "10.0.0.0/8", fromPort: 22, groupName: "legacy",
                                                       ipProtocol: "tcp", toPort: 22))
        }
        #expect(one.securityGroupRules?.first?.cidrIpv4 == "10.0.0.0/8")
        let three = try f.write {
            try $0.authorizeSecurityGroupIngress(.init(groupId: id, sourceSecurityGroupName: "default"))
        }.securityGroupRules ?? []
        #expect(three.map(\.ipProtocol) == ["icmp", "tcp", "udp"])
        #expect(three.map(\.toPort) == [-1, 65535, 65535])
        #expect(errorCode { _ = try f.write {
            try $0.authorizeSecurityGroupIngress(.init(cidrIp: "10.0.0.0/8", groupId: id, ipPermissions: [tcp(1, "10.0.0.0/8")]))
        } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.write {
            try $0.authorizeSecurityGroupEgress(.init(groupId: id, ipProtocol: "tcp", cidrIp: "10.0.0.0/8"))
        } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.write {
            try $0.authorizeSecurityGroupIngress(.init(cidrIp: "10.0.0.0/8", groupName: "nope", ipProtocol: "-1"))
        } } == "InvalidGroup.NotFound")
        let revoked = try f.write {
            try $0.revokeSecurityGroupIngress(.init(cidrIp: "10.0.0.0/8", fromPort: 22, groupId: id, ipProtocol: "tcp", toPort: 22))
        }
        #expect(revoked.revokedSecurityGroupRules?.first?.cidrIpv4 == "10.0.0.0/8")
    }

    @Test func rulesPerGroupQuotaCountsEachFamilyAndPrefixListSize() throws {
        var options = ControlPlaneOptions()
        options.quotas.rulesPerSecurityGroup = 3
        let f = try Fixture(options: options)
        let id = try f.group(try f.vpc())
        try f.ingress(id, [tcp(1, "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32")])
        #expect(errorCode { try f.ingress(id, [tcp(1, "10.0.0.4/32")]) } == "RulesPerSecurityGroupLimitExceeded")
        try f.ingress(id, [.init(ipProtocol: "tcp", fromPort: 1, toPort: 1,
                                 ipv6Ranges: [.init(cidrIpv6: "2001:db8::/64"), .init(cidrIpv6: "2001:db9::/64")])])
        // Outbound has its own quota: the default rule plus two.
        _ = try f.write { try $0.authorizeSecurityGroupEgress(.init(groupId: id, ipPermissions: [tcp(1, "10.0.0.1/32", "10.0.0.2/32")])) }
        #expect(errorCode { _ = try f.write { try $0.authorizeSecurityGroupEgress(.init(groupId: id, ipPermissions: [tcp(2, "10.0.0.1/32")])) } }
            == "RulesPerSecurityGroupLimitExceeded")
        // A prefix list counts as its MaxEntries, in both families.
        let other = try f.group(try f.read { $0.securityGroups[id]?.vpcId }, "other")
        let pl = try f.prefixList(["10.9.0.0/16"], maxEntries: 3)
        #expect(errorCode { _ = try f.write { try $0.authorizeSecurityGroupEgress(.init(groupId: other, ipPermissions: [
            .init(ipProtocol: "-1", prefixListIds: [.init(prefixListId: pl)])])) } } == "RulesPerSecurityGroupLimitExceeded")
        try f.ingress(other, [.init(ipProtocol: "-1", prefixListIds: [.init(prefixListId: pl)])])
        #expect(errorCode { try f.ingress(other, [.init(ipProtocol: "-1", ipv6Ranges: [.init(cidrIpv6: "::/0")])]) }
            == "RulesPerSecurityGroupLimitExceeded")
        #expect(errorCode { _ = try f.write { try $0.modifyManagedPrefixList(.init(prefixListId: pl, maxEntries: 4)) } }
            == "RulesPerSecurityGroupLimitExceeded")
        #expect(try f.read { $0.prefixLists[pl]?.list.maxEntries } == 3)
    }

    @Test func revokeByDefinitionAndById() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        let rules = try f.ingress(id, [tcp(22, "10.0.0.0/8", "192.168.0.0/16"), tcp(80, "0.0.0.0/0")])
        let byDefinition = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(22, "10.1.0.0/8")])) }
        #expect(byDefinition.return == true && byDefinition.unknownIpPermissions == nil)
        #expect(byDefinition.revokedSecurityGroupRules?.map(\.securityGroupRuleId) == [rules[0].securityGroupRuleId])
        // Outside a default VPC, one rule that does not match fails the call and revokes nothing.
        let before = try f.rules(id)
        let partial = ec2Error { _ = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(22, "192.168.0.0/16", "172.16.0.0/12")])) } }
        #expect(partial?.code == "InvalidPermission.NotFound")
        #expect(try f.rules(id) == before)
        let missing = ec2Error { _ = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(23, "10.0.0.0/8")])) } }
        #expect(missing?.code == "InvalidPermission.NotFound")
        #expect(errorCode { _ = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, securityGroupRuleIds: ["sgr-0000000000000000a"])) } }
            == "InvalidSecurityGroupRuleId.NotFound")
        // An ingress rule id is not an egress rule.
        #expect(errorCode { _ = try f.write { try $0.revokeSecurityGroupEgress(.init(securityGroupRuleIds: [rules[2].securityGroupRuleId!], groupId: id)) } }
            == "InvalidSecurityGroupRuleId.NotFound")
        #expect(try f.rules(id) == before)
        let byId = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, securityGroupRuleIds: [rules[2].securityGroupRuleId!])) }
        #expect(byId.revokedSecurityGroupRules?.first?.fromPort == 80)
        let egress = try f.write { try $0.revokeSecurityGroupEgress(.init(groupId: id, ipPermissions: [
            .init(ipProtocol: "-1", ipRanges: [.init(cidrIp: "0.0.0.0/0")])])) }
        #expect(egress.return == true)
        #expect(try f.rules(id).filter { $0.isEgress == false }.map(\.cidrIpv4) == ["192.168.0.0/16"])
        #expect(try f.describedGroup(id)?.ipPermissionsEgress == [])
    }

    /// In a default VPC's group, what matches is revoked and the rest listed, with no error.
    @Test func revokeInTheDefaultVpcListsWhatDidNotMatch() throws {
        let f = try Fixture()
        let id = try f.group(nil, "legacy")
        _ = try f.ingress(id, [tcp(22, "10.0.0.0/8")])
        let partial = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(22, "10.0.0.0/8", "172.16.0.0/12")])) }
        #expect(partial.return == true && partial.revokedSecurityGroupRules?.count == 1)
        #expect(partial.unknownIpPermissions == [EC2.IpPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: [.init(cidrIp: "172.16.0.0/12")])])
        let none = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(23, "10.0.0.0/8")])) }
        #expect(none.return == true && none.unknownIpPermissions?.count == 1 && none.revokedSecurityGroupRules?.isEmpty != false)
        // ICMP rules name a type and code; rule ids and permissions together are refused.
        #expect(errorCode { _ = try f.ingress(id, [.init(ipProtocol: "icmp", ipRanges: [.init(cidrIp: "10.0.0.0/8")])]) } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write {
            try $0.revokeSecurityGroupIngress(.init(cidrIp: "10.0.0.0/8", fromPort: 22, groupId: id, ipProtocol: "tcp", toPort: 22,
                                                    securityGroupRuleIds: ["sgr-0000000000000000a"]))
        } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.write {
            try $0.revokeSecurityGroupIngress(.init(groupId: id, sourceSecurityGroupOwnerId: Fixture.accountA,
                                                    securityGroupRuleIds: ["sgr-0000000000000000a"]))
        } } == "InvalidParameterCombination")
    }

    @Test func describeRulesByIdFilterTagAndPage() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        let tagged = try f.write {
            try $0.authorizeSecurityGroupIngress(.init(groupId: id, ipPermissions: [tcp(22, "10.0.0.0/8")], tagSpecifications: [
                .init(resourceType: "security-group-rule", tags: [.init(key: "purpose", value: "ssh")])]))
        }.securityGroupRules ?? []
        #expect(tagged.first?.tags == [.init(key: "purpose", value: "ssh")])
        try f.ingress(id, [tcp(80, "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.4/32", "10.0.0.5/32")])
        let ruleId = try #require(tagged.first?.securityGroupRuleId)
        let byId = try f.read { try $0.describeSecurityGroupRules(.init(securityGroupRuleIds: [ruleId])) }
        #expect(byId.securityGroupRules?.map(\.securityGroupRuleId) == [ruleId])
        #expect(byId.securityGroupRules?.first?.securityGroupRuleArn?.hasSuffix("security-group-rule/\(ruleId)") == true)
        let byGroup = try f.read { try $0.describeSecurityGroupRules(.init(filters: [.init(name: "group-id", values: [id])])) }
        #expect(byGroup.securityGroupRules?.count == 7)
        let byTag = try f.read { try $0.describeSecurityGroupRules(.init(filters: [.init(name: "tag:purpose", values: ["ssh"])])) }
        #expect(byTag.securityGroupRules?.map(\.securityGroupRuleId) == [ruleId])
        let byRuleFilter = try f.read { try $0.describeSecurityGroupRules(.init(filters: [.init(name: "security-group-rule-id", values: [ruleId])])) }
        #expect(byRuleFilter.securityGroupRules?.count == 1)
        let page1 = try f.read { try $0.describeSecurityGroupRules(.init(filters: [.init(name: "group-id", values: [id])], maxResults: 5)) }
        let token = try #require(page1.nextToken)
        let page2 = try f.read { try $0.describeSecurityGroupRules(.init(filters: [.init(name: "group-id", values: [id])], nextToken: token, maxResults: 5)) }
        #expect(page1.securityGroupRules?.count == 5 && page2.securityGroupRules?.count == 2 && page2.nextToken == nil)
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroupRules(.init(maxResults: 1001)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroupRules(.init(nextToken: "q")) } } == "InvalidPaginationToken")
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroupRules(.init(filters: [.init(name: "vpc-id", values: ["x"])])) } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeSecurityGroupRules(.init(securityGroupRuleIds: ["sgr-0000000000000000a"])) } }
            == "InvalidSecurityGroupRuleId.NotFound")
    }

    @Test func modifyRulesKeepsTheirIds() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        let rules = try f.ingress(id, [tcp(22, "10.0.0.0/8"), tcp(80, "10.0.0.0/8")])
        let ssh = try #require(rules.first?.securityGroupRuleId)
        let result = try f.write {
            try $0.modifySecurityGroupRules(.init(groupId: id, securityGroupRules: [.init(
                securityGroupRuleId: ssh, securityGroupRule: .init(ipProtocol: "tcp", fromPort: 2222, toPort: 2222,
                                                                   cidrIpv4: "192.168.0.0/16", description: "alt ssh"))]))
        }
        #expect(result.return == true)
        let changed = try #require(try f.rules(id).first { $0.securityGroupRuleId == ssh })
        #expect(changed.fromPort == 2222 && changed.cidrIpv4 == "192.168.0.0/16" && changed.description == "alt ssh"
            && changed.isEgress == false)
        let before = try f.rules(id)
        #expect(errorCode { _ = try f.write { try $0.modifySecurityGroupRules(.init(groupId: id, securityGroupRules: [.init(
            securityGroupRuleId: ssh, securityGroupRule: .init(ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "10.0.0.0/8"))])) } }
            == "InvalidPermission.Duplicate")
        #expect(errorCode { _ = try f.write { try $0.modifySecurityGroupRules(.init(groupId: id, securityGroupRules: [.init(
            securityGroupRuleId: "sgr-0000000000000000a", securityGroupRule: .init(ipProtocol: "-1", cidrIpv4: "10.0.0.0/8"))])) } }
            == "InvalidSecurityGroupRuleId.NotFound")
        #expect(errorCode { _ = try f.write { try $0.modifySecurityGroupRules(.init(groupId: id, securityGroupRules: [.init(
            securityGroupRuleId: ssh, securityGroupRule: .init(ipProtocol: "-1", cidrIpv4: "10.0.0.0/8", cidrIpv6: "::/0"))])) } }
            == "InvalidParameterCombination")
        #expect(try f.rules(id) == before)
    }

    @Test func updateDescriptionsByPermissionOrById() throws {
        let f = try Fixture()
        let id = try f.group(try f.vpc())
        let rules = try f.ingress(id, [tcp(22, "10.0.0.0/8")])
        let r1 = try f.write {
            try $0.updateSecurityGroupRuleDescriptionsIngress(.init(groupId: id, ipPermissions: [
                .init(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: [.init(description: "ssh", cidrIp: "10.0.0.0/8")])]))
        }
        #expect(r1.return == true)
        #expect(try f.describedGroup(id)?.ipPermissions?.first?.ipRanges?.first?.description == "ssh")
        let egressId = try #require(try f.rules(id).first { $0.isEgress == true }?.securityGroupRuleId)
        _ = try f.write {
            try $0.updateSecurityGroupRuleDescriptionsEgress(.init(groupId: id, securityGroupRuleDescriptions: [
                .init(securityGroupRuleId: egressId, description: "anywhere")]))
        }
        #expect(try f.describedGroup(id)?.ipPermissionsEgress?.first?.ipRanges?.first?.description == "anywhere")
        #expect(errorCode { _ = try f.write { try $0.updateSecurityGroupRuleDescriptionsIngress(.init(groupId: id, ipPermissions: [tcp(23, "10.0.0.0/8")])) } }
            == "InvalidPermission.NotFound")
        #expect(errorCode { _ = try f.write { try $0.updateSecurityGroupRuleDescriptionsEgress(.init(groupId: id, securityGroupRuleDescriptions: [
            .init(securityGroupRuleId: rules[0].securityGroupRuleId, description: "x")])) } } == "InvalidSecurityGroupRuleId.NotFound")
        #expect(try f.describedGroup(id)?.ipPermissions?.first?.ipRanges?.first?.description == "ssh")
    }
}
