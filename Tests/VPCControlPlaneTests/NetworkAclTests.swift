import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct NetworkAclTests {
    typealias Entry = EC2.CreateNetworkAclEntryRequest

    @Test func newAclOnlyDenies() throws {
        let f = try Fixture()
        let v4 = try f.vpc("10.0.0.0/16")
        let v6 = try f.vpc("10.1.0.0/16", ipv6: true)
        let acl = try f.write {
            try $0.createNetworkAcl(.init(tagSpecifications: [.init(resourceType: "network-acl", tags: [.init(key: "Name", value: "web")])],
                                          clientToken: "t1", vpcId: v4))
        }
        #expect(acl.clientToken == "t1")
        #expect(acl.networkAcl?.isDefault == false)
        #expect(acl.networkAcl?.tags == [.init(key: "Name", value: "web")])
        #expect(acl.networkAcl?.entries?.map { "\($0.egress!)/\($0.ruleNumber!)/\($0.ruleAction!)" }.sorted()
            == ["false/32767/deny", "true/32767/deny"])
        let acl6 = try #require(try f.networkAcl(f.networkAclId(vpcId: v6)))
        #expect(Set(acl6.entries!.map { $0.ruleNumber! }) == [32767, 32768])
        #expect(acl6.entries!.allSatisfy { $0.ruleAction == "deny" })
        #expect(errorCode { _ = try f.networkAclId(vpcId: "vpc-0000000000000000f") } == "InvalidVpcID.NotFound")
        #expect(errorCode { _ = try f.write { try $0.createNetworkAcl(.init(
            tagSpecifications: [.init(resourceType: "vpc", tags: [])], vpcId: v4)) } } == "InvalidParameterValue")
    }

    @Test func quotaPerVpcCountsTheDefaultAcl() throws {
        var options = ControlPlaneOptions()
        options.quotas.networkAclsPerVpc = 2
        let f = try Fixture(options: options)
        let vpc = try f.vpc()
        _ = try f.networkAclId(vpcId: vpc)
        #expect(errorCode { _ = try f.networkAclId(vpcId: vpc) } == "NetworkAclLimitExceeded")
        #expect(try f.read { s in s.networkAcls.values.filter { $0.vpcId == vpc }.count } == 2)
    }

    @Test func everySubnetIsAssociatedWithTheDefaultAcl() throws {
        let f = try Fixture()
        try f.read { s in
            let defaultVpc = try #require(s.meta["region"]?.defaultVpcId)
            let acl = try #require(s.networkAcls.values.first { $0.vpcId == defaultVpc && $0.isDefault == true })
            #expect(acl.associations?.count == 6)
            #expect(acl.associations!.allSatisfy { $0.networkAclAssociationId!.hasPrefix("aclassoc-") })
        }
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let acl = try #require(try f.read { $0.networkAcl(forSubnet: subnet) })
        #expect(acl.isDefault == true && acl.vpcId == vpc)
        #expect(acl.associations?.map(\.subnetId) == [subnet])
        try f.write { try $0.deleteSubnet(.init(subnetId: subnet)) }
        #expect(try f.networkAcl(acl.networkAclId!)?.associations == [])
        #expect(try f.read { $0.networkAcl(forSubnet: subnet) } == nil)
    }

    @Test func entriesAreValidatedAndCanonicalised() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try f.networkAclId(vpcId: vpc)
        try f.write {
            try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: 100, protocol: "tcp", ruleAction: "allow", egress: false,
                                               cidrBlock: "10.0.3.7/16", portRange: .init(from: 443, to: 443)))
            try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: 110, protocol: "1", ruleAction: "deny", egress: false,
                                               ipv6CidrBlock: "2001:DB8:0:0::/32", icmpTypeCode: .init(code: -1, type: 8)))
            try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: 100, protocol: "-1", ruleAction: "allow", egress: true,
                                               cidrBlock: "0.0.0.0/0", portRange: .init(from: 1, to: 2)))
        }
        let entries = try #require(try f.networkAcl(id)?.entries)
        #expect(entries.map { "\($0.egress!)/\($0.ruleNumber!)" } == ["true/100", "true/32767", "false/100", "false/110", "false/32767"])
        let tcp = try #require(entries.first { $0.ruleNumber == 100 && $0.egress == false })
        #expect(tcp.protocol == "6" && tcp.cidrBlock == "10.0.0.0/16" && tcp.portRange == .init(from: 443, to: 443))
        let icmp = try #require(entries.first { $0.ruleNumber == 110 })
        #expect(icmp.ipv6CidrBlock == "2001:db8::/32" && icmp.icmpTypeCode == .init(code: -1, type: 8))
        #expect(entries.first { $0.ruleNumber == 100 && $0.egress == true }?.portRange == nil)

        let bad: [(Entry, String)] = [
            (Entry(networkAclId: id, ruleNumber: 100, protocol: "6", ruleAction: "deny", egress: false, cidrBlock: "1.0.0.0/8",
                   portRange: .init(from: 1, to: 2)), "NetworkAclEntryAlreadyExists"),
            (Entry(networkAclId: id, ruleNumber: 0, protocol: "-1", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8"),
             "InvalidParameterValue"),
            (Entry(networkAclId: id, ruleNumber: 32767, protocol: "-1", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8"),
             "InvalidParameterValue"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "-1", ruleAction: "permit", egress: false, cidrBlock: "1.0.0.0/8"),
             "InvalidParameterValue"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "300", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8"),
             "InvalidParameterValue"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "-1", ruleAction: "allow", egress: false, cidrBlock: "1.0.0/8"),
             "InvalidParameterValue"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "-1", ruleAction: "allow", egress: false), "MissingParameter"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "-1", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8",
                   ipv6CidrBlock: "::/0"), "InvalidParameterCombination"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "udp", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8"),
             "MissingParameter"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "udp", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8",
                   portRange: .init(from: 10, to: 70000)), "InvalidParameterValue"),
            (Entry(networkAclId: id, ruleNumber: 5, protocol: "icmp", ruleAction: "allow", egress: false, cidrBlock: "1.0.0.0/8"),
             "MissingParameter"),
            (Entry(networkAclId: "acl-0000000000000000f", ruleNumber: 5, protocol: "-1", ruleAction: "allow", egress: false,
                   cidrBlock: "1.0.0.0/8"), "InvalidNetworkAclID.NotFound"),
        ]
        for (request, code) in bad {
            #expect(errorCode { try f.write { try $0.createNetworkAclEntry(request) } } == code, "\(request)")
        }
        #expect(try f.networkAcl(id)?.entries == entries)
        // ICMPv6 needs a type and code with an IPv6 block only; with an IPv4 block it is all of it.
        #expect(errorCode { try f.write { try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: 6, protocol: "58",
            ruleAction: "allow", egress: false, ipv6CidrBlock: "::/0")) } } == "MissingParameter")
        try f.write { try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: 6, protocol: "58", ruleAction: "allow",
                                                         egress: false, cidrBlock: "1.0.0.0/8")) }
        #expect(try f.networkAcl(id)?.entries?.first { $0.ruleNumber == 6 }?.icmpTypeCode == nil)
    }

    @Test func replaceAndDeleteEntries() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try f.networkAclId(vpcId: vpc)
        try f.write {
            try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: 100, protocol: "-1", ruleAction: "allow", egress: true,
                                               cidrBlock: "0.0.0.0/0"))
            try $0.replaceNetworkAclEntry(.init(networkAclId: id, ruleNumber: 100, protocol: "udp", ruleAction: "deny", egress: true,
                                                cidrBlock: "10.0.0.0/8", portRange: .init(from: 53, to: 53)))
        }
        let replaced = try #require(try f.networkAcl(id)?.entries?.first { $0.ruleNumber == 100 })
        #expect(replaced.protocol == "17" && replaced.ruleAction == "deny" && replaced.cidrBlock == "10.0.0.0/8")
        #expect(errorCode { try f.write { try $0.replaceNetworkAclEntry(.init(networkAclId: id, ruleNumber: 100, protocol: "-1",
                                                                            ruleAction: "allow", egress: false, cidrBlock: "0.0.0.0/0")) } }
            == "InvalidNetworkAclEntry.NotFound")
        #expect(errorCode { try f.write { try $0.deleteNetworkAclEntry(.init(networkAclId: id, ruleNumber: 100, egress: false)) } }
            == "InvalidNetworkAclEntry.NotFound")
        #expect(errorCode { try f.write { try $0.deleteNetworkAclEntry(.init(networkAclId: id, ruleNumber: 32767, egress: true)) } }
            == "InvalidParameterValue")
        try f.write { try $0.deleteNetworkAclEntry(.init(networkAclId: id, ruleNumber: 100, egress: true)) }
        #expect(try f.networkAcl(id)?.entries?.map(\.ruleNumber) == [32767, 32767])
    }

    @Test func entryLimitIsPerDirectionAndCountsTheDenyRule() throws {
        var options = ControlPlaneOptions()
        options.quotas.rulesPerNetworkAcl = 3
        let f = try Fixture(options: options)
        let id = try f.networkAclId(vpcId: try f.vpc())
        func add(_ n: Int, egress: Bool) throws {
            try f.write { try $0.createNetworkAclEntry(Entry(networkAclId: id, ruleNumber: n, protocol: "-1", ruleAction: "allow",
                                                             egress: egress, cidrBlock: "10.0.0.0/8")) }
        }
        try add(1, egress: false)
        try add(2, egress: false)
        #expect(errorCode { try add(3, egress: false) } == "NetworkAclEntryLimitExceeded")
        try add(3, egress: true)
        #expect(try f.networkAcl(id)?.entries?.count == 5)
    }

    @Test func associationsMoveAndBlockDeletion() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let other = try f.vpc("10.9.0.0/16")
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let custom = try f.networkAclId(vpcId: vpc)
        let foreign = try f.networkAclId(vpcId: other)
        let defaultAcl = try #require(try f.read { $0.networkAcl(forSubnet: subnet) })
        let first = try #require(defaultAcl.associations?.first?.networkAclAssociationId)

        #expect(errorCode { _ = try f.write { try $0.replaceNetworkAclAssociation(.init(associationId: first, networkAclId: foreign)) } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.replaceNetworkAclAssociation(
            .init(associationId: "aclassoc-0000000000000000f", networkAclId: custom)) } } == "InvalidAssociationID.NotFound")
        #expect(try f.read { $0.networkAcl(forSubnet: subnet) }?.networkAclId == defaultAcl.networkAclId)

        let moved = try f.write { try $0.replaceNetworkAclAssociation(.init(associationId: first, networkAclId: custom)) }
        let second = try #require(moved.newAssociationId)
        #expect(second != first && second.hasPrefix("aclassoc-"))
        #expect(try f.read { $0.networkAcl(forSubnet: subnet) }?.networkAclId == custom)
        #expect(try f.networkAcl(defaultAcl.networkAclId!)?.associations == [])
        #expect(errorCode { _ = try f.write { try $0.replaceNetworkAclAssociation(.init(associationId: first, networkAclId: custom)) } }
            == "InvalidAssociationID.NotFound")

        #expect(errorCode { try f.write { try $0.deleteNetworkAcl(.init(networkAclId: custom)) } } == "DependencyViolation")
        #expect(errorCode { try f.write { try $0.deleteNetworkAcl(.init(networkAclId: defaultAcl.networkAclId!)) } }
            == "InvalidParameterValue")
        _ = try f.write { try $0.replaceNetworkAclAssociation(.init(associationId: second, networkAclId: defaultAcl.networkAclId!)) }
        try f.write { try $0.deleteNetworkAcl(.init(networkAclId: custom)) }
        #expect(try f.networkAcl(custom) == nil)
        #expect(errorCode { try f.write { try $0.deleteNetworkAcl(.init(networkAclId: custom)) } } == "InvalidNetworkAclID.NotFound")
    }

    @Test func describeFiltersAndPages() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let tagged = try f.write {
            try $0.createNetworkAcl(.init(tagSpecifications: [.init(resourceType: "network-acl", tags: [.init(key: "tier", value: "db")])],
                                          vpcId: vpc)).networkAcl!.networkAclId!
        }
        try f.write {
            try $0.createNetworkAclEntry(Entry(networkAclId: tagged, ruleNumber: 200, protocol: "tcp", ruleAction: "allow", egress: false,
                                               cidrBlock: "10.0.0.0/16", portRange: .init(from: 5432, to: 5433)))
        }
        func ids(_ filters: EC2.Filter...) throws -> Set<String> {
            Set(try f.read { try $0.describeNetworkAcls(.init(filters: filters)) }.networkAcls?.compactMap(\.networkAclId) ?? [])
        }
        let defaultAcl = try #require(try f.read { $0.networkAcl(forSubnet: subnet) }?.networkAclId)
        #expect(try ids(ec2Filter("vpc-id", vpc)) == [tagged, defaultAcl])
        #expect(try ids(ec2Filter("vpc-id", vpc), ec2Filter("default", "true")) == [defaultAcl])
        #expect(try ids(ec2Filter("association.subnet-id", subnet)) == [defaultAcl])
        #expect(try ids(ec2Filter("entry.protocol", "tcp")) == [tagged])
        #expect(try ids(ec2Filter("entry.protocol", "6")) == [tagged])
        #expect(try ids(ec2Filter("entry.port-range.from", "5432"), ec2Filter("entry.port-range.to", "5433")) == [tagged])
        #expect(try ids(ec2Filter("entry.rule-number", "200"), ec2Filter("entry.egress", "false"),
                        ec2Filter("entry.rule-action", "allow"), ec2Filter("entry.cidr", "10.0.0.0/16")) == [tagged])
        #expect(try ids(ec2Filter("tag:tier", "d*")) == [tagged])
        #expect(try ids(ec2Filter("network-acl-id", tagged), ec2Filter("owner-id", Fixture.accountA)) == [tagged])
        #expect(try ids(ec2Filter("association.network-acl-id", defaultAcl)) == [defaultAcl])
        #expect(try ids(ec2Filter("entry.ipv6-cidr", "::/0")).isEmpty)
        #expect(try ids(ec2Filter("entry.icmp.type", "8")).isEmpty)
        #expect(errorCode { _ = try ids(ec2Filter("entry.colour", "red")) } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeNetworkAcls(.init(maxResults: 4)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeNetworkAcls(.init(networkAclIds: [tagged, "acl-0000000000000000f"])) } }
            == "InvalidNetworkAclID.NotFound")

        for _ in 0..<4 { _ = try f.networkAclId(vpcId: vpc) }
        let all = try f.read { try $0.describeNetworkAcls(.init()) }.networkAcls ?? []
        #expect(all.count == 7)
        let page1 = try f.read { try $0.describeNetworkAcls(.init(maxResults: 5)) }
        let page2 = try f.read { try $0.describeNetworkAcls(.init(nextToken: page1.nextToken, maxResults: 5)) }
        #expect(page1.networkAcls?.count == 5 && page2.networkAcls?.count == 2 && page2.nextToken == nil)
        #expect((page1.networkAcls ?? []) + (page2.networkAcls ?? []) == all)
    }

    @Test func otherAccountsGetNotFound() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let acl = try f.networkAclId(vpcId: vpc)
        let association = try #require(try f.read { $0.networkAcl(forSubnet: subnet) }?.associations?.first?.networkAclAssociationId)
        let b = Fixture.accountB
        #expect(errorCode { _ = try f.networkAclId(vpcId: vpc, account: b) } == "InvalidVpcID.NotFound")
        #expect(errorCode { _ = try f.read(b) { try $0.describeNetworkAcls(.init(networkAclIds: [acl])) } } == "InvalidNetworkAclID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.deleteNetworkAcl(.init(networkAclId: acl)) } } == "InvalidNetworkAclID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.createNetworkAclEntry(Entry(networkAclId: acl, ruleNumber: 1, protocol: "-1",
                                                                            ruleAction: "allow", egress: true, cidrBlock: "0.0.0.0/0")) } }
            == "InvalidNetworkAclID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.replaceNetworkAclEntry(.init(networkAclId: acl, ruleNumber: 1, protocol: "-1",
                                                                             ruleAction: "allow", egress: true, cidrBlock: "0.0.0.0/0")) } }
            == "InvalidNetworkAclID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.deleteNetworkAclEntry(.init(networkAclId: acl, ruleNumber: 1, egress: true)) } }
            == "InvalidNetworkAclID.NotFound")
        #expect(errorCode { _ = try f.write(b) { try $0.replaceNetworkAclAssociation(.init(associationId: association, networkAclId: acl)) } }
            == "InvalidAssociationID.NotFound")
        #expect(try f.read(b) { $0.networkAcl(forSubnet: subnet) } == nil)
    }
}
