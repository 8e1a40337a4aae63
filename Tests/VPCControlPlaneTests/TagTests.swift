import EC2Shapes
import Testing
@testable import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct TagTests {
    /// One resource of every taggable kind this account has from the start or can make here.
    func resources(_ f: Fixture) throws -> [String] {
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let eni = try f.eni(subnet).networkInterfaceId!
        let eip = try f.eip().allocationId!
        return try f.read { s in
            let group = s.securityGroups.values.first { $0.vpcId == vpc }!
            return [vpc, subnet, eni, eip, group.groupId, group.rules.first!.securityGroupRuleId!,
                    s.networkAcls.values.first { $0.vpcId == vpc }!.networkAclId!,
                    s.routeTables.values.first { $0.vpcId == vpc }!.routeTableId!,
                    s.internetGateways.values.first!.internetGatewayId!,
                    s.dhcpOptions.values.first!.dhcpOptionsId!]
        }
    }

    @Test func createTagsOnEveryKindMergesByKey() throws {
        let f = try Fixture()
        let ids = try resources(f)
        try f.write { try $0.createTags(.init(resources: ids, tags: [.init(key: "Name", value: "a"), .init(key: "env", value: "dev")])) }
        try f.write { try $0.createTags(.init(resources: ids, tags: [.init(key: "Name", value: "b")])) }
        for id in ids {
            #expect(try f.read { try $0.tags(of: id) } == [.init(key: "Name", value: "b"), .init(key: "env", value: "dev")])
        }
        let described = try f.read { try $0.describeTags(.init()) }.tags!
        #expect(described.count == 2 * ids.count)
        #expect(described.map { [$0.resourceId!, $0.key!] } == described.map { [$0.resourceId!, $0.key!] }.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(Set(described.compactMap(\.resourceType)) == [
            "vpc", "subnet", "network-interface", "elastic-ip", "security-group", "security-group-rule", "network-acl",
            "route-table", "internet-gateway", "dhcp-options",
        ])
        // The tags show on the resources' own Describe calls too.
        #expect(try f.read { try $0.describeVpcs(.init(vpcIds: [ids[0]])) }.vpcs?.first?.tags?.count == 2)
        #expect(try f.describeENI(ids[2]).tagSet?.count == 2)
        #expect(try f.describeEIP(ids[3]).tags?.count == 2)
    }

    @Test(arguments: [
        ("vpc-0000000000000000f", "InvalidVpcID.NotFound"), ("subnet-0000000000000000f", "InvalidSubnetID.NotFound"),
        ("eni-0000000000000000f", "InvalidNetworkInterfaceID.NotFound"), ("eipalloc-0000000000000000f", "InvalidAllocationID.NotFound"),
        ("sg-0000000000000000f", "InvalidGroup.NotFound"), ("sgr-0000000000000000f", "InvalidSecurityGroupRuleId.NotFound"),
        ("acl-0000000000000000f", "InvalidNetworkAclID.NotFound"), ("rtb-0000000000000000f", "InvalidRouteTableID.NotFound"),
        ("igw-0000000000000000f", "InvalidInternetGatewayID.NotFound"), ("eigw-0000000000000000f", "InvalidGatewayID.NotFound"),
        ("dopt-0000000000000000f", "InvalidDhcpOptionID.NotFound"), ("pl-0000000000000000f", "InvalidPrefixListID.NotFound"),
        ("i-0000000000000000f", "InvalidInstanceID.NotFound"), ("foo-0000000000000000f", "InvalidID"), ("nonsense", "InvalidID"),
        ("i-eCHmOTcEW0OZ9KbNe", "InvalidID"), ("vpc-", "InvalidID"),  // a known prefix on a malformed id
    ])
    func missingResourcesAreRejectedAndNothingIsTagged(id: String, code: String) throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [vpc, id], tags: [.init(key: "k", value: "v")])) } } == code)
        #expect(try f.read { try $0.tags(of: vpc) }.isEmpty)
        #expect(errorCode { try f.write { try $0.deleteTags(.init(resources: [id])) } } == code)
    }

    /// A batch of rule ids (found through one index of the region's rules) tags the rules of
    /// every group it names, and one missing rule id tags none of them.
    @Test func batchesOfSecurityGroupRuleIds() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let groups = try (0..<3).map { try f.group(vpc, "g\($0)") }
        for g in groups { try f.ingress(g, [tcp(22, "10.0.0.0/8"), tcp(443, "0.0.0.0/0")]) }
        let ids = try groups.flatMap { try f.rules($0).map { $0.securityGroupRuleId! } }
        #expect(ids.count == 9)  // two ingress rules and the default egress rule in each
        let tag = EC2.Tag(key: "team", value: "net")
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: ids + ["sgr-0000000000000000f"], tags: [tag])) } }
            == "InvalidSecurityGroupRuleId.NotFound")
        for id in ids { #expect(try f.read { try $0.tags(of: id) }.isEmpty) }
        try f.write { try $0.createTags(.init(resources: ids, tags: [tag])) }
        for id in ids { #expect(try f.read { try $0.tags(of: id) } == [tag]) }
        try f.write { try $0.deleteTags(.init(resources: Array(ids.prefix(5)), tags: [.init(key: "team")])) }
        #expect(try ids.map { id in try f.read { try $0.tags(of: id) }.count } == [0, 0, 0, 0, 0, 1, 1, 1, 1])
    }

    @Test func tagRules() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let many = (0..<49).map { EC2.Tag(key: "k\($0)", value: "v") }
        try f.write { try $0.createTags(.init(resources: [vpc], tags: many)) }
        // Overwriting keeps the count; a new key past 50 does not fit.
        try f.write { try $0.createTags(.init(resources: [vpc], tags: [.init(key: "k0", value: "w"), .init(key: "new", value: "v")])) }
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [vpc], tags: [.init(key: "one-more", value: "v")])) } }
            == "TagLimitExceeded")
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [vpc], tags: [.init(key: "aws:x", value: "v")])) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [vpc], tags: [])) } } == "MissingParameter")
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [], tags: [.init(key: "a", value: "b")])) } } == "MissingParameter")
        #expect(try f.read { try $0.tags(of: vpc) }.count == 50)
        // A key twice in one request, lengths in Unicode scalars, at most 1,000 resources.
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [vpc], tags: [.init(key: "k1", value: "a"), .init(key: "k1", value: "b")])) } }
            == "InvalidParameterValue")
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"  // one character, five scalars
        #expect(errorCode { try f.write { try $0.createTags(.init(resources: [vpc], tags: [.init(key: String(repeating: family, count: 30), value: "")])) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.deleteTags(.init(resources: Array(repeating: vpc, count: 1001))) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.createVpc(.init(cidrBlock: "10.9.0.0/16", tagSpecifications: [.init(tags: [.init(key: "a", value: "b")])])) } }
            == "InvalidParameterValue")
        #expect(try f.read { try $0.tags(of: vpc) }.count == 50)
    }

    @Test func deleteTagsByKeyByValueOrAll() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let tags: [EC2.Tag] = [.init(key: "a", value: "1"), .init(key: "b", value: "2"), .init(key: "c", value: ""),
                               .init(key: "d", value: "4")]
        try f.write { try $0.createTags(.init(resources: [vpc], tags: tags)) }
        func keys() throws -> [String] { try f.read { try $0.tags(of: vpc) }.compactMap(\.key) }
        try f.write { try $0.deleteTags(.init(resources: [vpc], tags: [.init(key: "a")])) }
        #expect(try keys() == ["b", "c", "d"])
        try f.write { try $0.deleteTags(.init(resources: [vpc], tags: [.init(key: "b", value: "other")])) }
        #expect(try keys() == ["b", "c", "d"])
        try f.write { try $0.deleteTags(.init(resources: [vpc], tags: [.init(key: "b", value: "2"), .init(key: "d", value: "")])) }
        #expect(try keys() == ["c", "d"])
        try f.write { try $0.deleteTags(.init(resources: [vpc], tags: [.init(key: "c", value: "")])) }
        #expect(try keys() == ["d"])
        try f.write { try $0.deleteTags(.init(resources: [vpc])) }
        #expect(try keys().isEmpty)
    }

    @Test func describeTagsFiltersAndPages() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        try f.write { try $0.createTags(.init(resources: [vpc, subnet], tags: [.init(key: "Name", value: "web"), .init(key: "env", value: "dev")])) }
        try f.write { try $0.createTags(.init(resources: [subnet], tags: [.init(key: "tier", value: "private"), .init(key: "az", value: "a")])) }
        func matching(_ filters: [EC2.Filter]) throws -> [String] {
            try f.read { try $0.describeTags(.init(filters: filters)) }.tags!.map { "\($0.resourceId!) \($0.key!)=\($0.value!)" }
        }
        #expect(try matching([.init(name: "key", values: ["tier"])]) == ["\(subnet) tier=private"])
        #expect(try matching([.init(name: "value", values: ["we?"])]).count == 2)
        #expect(try matching([.init(name: "resource-type", values: ["vpc"])]) == ["\(vpc) Name=web", "\(vpc) env=dev"])
        #expect(try matching([.init(name: "resource-id", values: [subnet]), .init(name: "key", values: ["env"])]) == ["\(subnet) env=dev"])
        #expect(try matching([.init(name: "tag:env", values: ["dev"])]).count == 2)
        #expect(errorCode { _ = try matching([.init(name: "nope", values: ["x"])]) } == "InvalidParameterValue")

        let first = try f.read { try $0.describeTags(.init(maxResults: 5)) }
        #expect(first.tags?.count == 5)
        let rest = try f.read { try $0.describeTags(.init(maxResults: 5, nextToken: first.nextToken)) }
        #expect(rest.tags?.count == 1)
        #expect(rest.nextToken == nil)
        #expect(errorCode { _ = try f.read { try $0.describeTags(.init(maxResults: 1001)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeTags(.init(nextToken: "xyz")) } } == "InvalidPaginationToken")
    }

    @Test func otherAccountsCannotSeeOrTouchTags() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        try f.write { try $0.createTags(.init(resources: [vpc], tags: [.init(key: "Name", value: "a")])) }
        let b = Fixture.accountB
        #expect(errorCode { try f.write(b) { try $0.createTags(.init(resources: [vpc], tags: [.init(key: "x", value: "y")])) } }
            == "InvalidVpcID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.deleteTags(.init(resources: [vpc])) } } == "InvalidVpcID.NotFound")
        #expect(try f.read(b) { try $0.describeTags(.init()) }.tags?.isEmpty == true)
        #expect(try f.read { try $0.tags(of: vpc) } == [.init(key: "Name", value: "a")])
    }
}
