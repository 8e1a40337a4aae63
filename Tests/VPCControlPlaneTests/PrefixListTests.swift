import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct PrefixListTests {
    @Test func createDescribeAndGetEntries() throws {
        let f = try Fixture()
        let created = try f.write {
            try $0.createManagedPrefixList(.init(prefixListName: "office", entries: [
                .init(cidr: "10.1.2.3/16", description: "hq"), .init(cidr: "192.168.0.0/24")],
                maxEntries: 5, tagSpecifications: [.init(resourceType: "prefix-list", tags: [.init(key: "team", value: "net")])],
                addressFamily: "IPv4"))
        }.prefixList
        let list = try #require(created)
        let id = try #require(list.prefixListId)
        #expect(id.hasPrefix("pl-") && list.state == "create-in-progress" && list.version == 1)
        #expect(list.prefixListArn == "arn:aws:ec2:us-east-1:\(Fixture.accountA):prefix-list/\(id)")
        #expect(list.ownerId == Fixture.accountA && list.maxEntries == 5 && list.addressFamily == "IPv4")
        let described = try f.read { try $0.describeManagedPrefixLists(.init(prefixListIds: [id])) }.prefixLists
        #expect(described?.first?.state == "create-complete")
        #expect(described?.first?.tags == [.init(key: "team", value: "net")])
        let entries = try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: id)) }.entries
        #expect(entries == [.init(cidr: "10.1.0.0/16", description: "hq"), .init(cidr: "192.168.0.0/24")])
    }

    @Test(arguments: [
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", entries: [.init(cidr: "2001:db8::/32")], maxEntries: 5, addressFamily: "IPv4"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", entries: [.init(cidr: "10.0.0.0/8")], maxEntries: 5, addressFamily: "IPv6"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", maxEntries: 5, addressFamily: "ipv5"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", maxEntries: 0, addressFamily: "IPv4"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", maxEntries: 1001, addressFamily: "IPv4"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "com.amazonaws.mine", maxEntries: 5, addressFamily: "IPv4"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", entries: [.init(cidr: "10.0.0.0/8"), .init(cidr: "10.0.0.0/16")],
                                           maxEntries: 1, addressFamily: "IPv4"),
        EC2.CreateManagedPrefixListRequest(prefixListName: "x", entries: [.init(cidr: "10.0.0.0/8"), .init(cidr: "10.1.0.0/8")],
                                           maxEntries: 5, addressFamily: "IPv4"),
    ])
    func badCreatesAreInvalidAndChangeNothing(request: EC2.CreateManagedPrefixListRequest) throws {
        let f = try Fixture()
        #expect(errorCode { _ = try f.write { try $0.createManagedPrefixList(request) } } == "InvalidParameterValue")
        #expect(try f.read { $0.prefixLists.count } == 0)
    }

    @Test func modifyMakesVersionsAndKeepsHistory() throws {
        let f = try Fixture()
        let id = try f.prefixList(["10.0.0.0/8", "172.16.0.0/12"], maxEntries: 3)
        let renamed = try f.write { try $0.modifyManagedPrefixList(.init(prefixListId: id, prefixListName: "hq")) }.prefixList
        #expect(renamed?.prefixListName == "hq" && renamed?.version == 1 && renamed?.state == "modify-in-progress")
        let v2 = try f.write {
            try $0.modifyManagedPrefixList(.init(prefixListId: id, currentVersion: 1, addEntries: [.init(cidr: "192.168.0.0/16")],
                                                 removeEntries: [.init(cidr: "10.0.0.0/8")]))
        }.prefixList
        #expect(v2?.version == 2)
        #expect(try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: id)) }.entries?.compactMap(\.cidr)
            == ["172.16.0.0/12", "192.168.0.0/16"])
        #expect(try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: id, targetVersion: 1)) }.entries?.compactMap(\.cidr)
            == ["10.0.0.0/8", "172.16.0.0/12"])
        #expect(errorCode { _ = try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: id, targetVersion: 7)) } }
            == "InvalidParameterValue")

        let before = try f.read { $0.prefixLists[id] }
        func code(_ r: EC2.ModifyManagedPrefixListRequest) -> String? {
            errorCode { _ = try f.write { try $0.modifyManagedPrefixList(r) } }
        }
        #expect(code(.init(prefixListId: id, currentVersion: 1, addEntries: [.init(cidr: "10.0.0.0/8")])) == "PrefixListVersionMismatch")
        #expect(code(.init(prefixListId: id, addEntries: [.init(cidr: "10.0.0.0/8")], maxEntries: 5)) == "InvalidParameterCombination")
        #expect(code(.init(prefixListId: id, removeEntries: [.init(cidr: "10.0.0.0/8")])) == "InvalidPrefixListModification")
        #expect(code(.init(prefixListId: id, addEntries: [.init(cidr: "172.16.0.0/12")])) == "InvalidPrefixListModification")
        #expect(code(.init(prefixListId: id, addEntries: [.init(cidr: "10.0.0.0/8"), .init(cidr: "10.1.0.0/16")])) == "InvalidParameterValue")
        #expect(code(.init(prefixListId: id, addEntries: [.init(cidr: "2001:db8::/32")])) == "InvalidParameterValue")
        #expect(code(.init(prefixListId: id, maxEntries: 1)) == "InvalidParameterValue")
        #expect(code(.init(prefixListId: "pl-0000000000000000a", maxEntries: 5)) == "InvalidPrefixListID.NotFound")
        #expect(try f.read { $0.prefixLists[id] } == before)
        let resized = try f.write { try $0.modifyManagedPrefixList(.init(prefixListId: id, maxEntries: 10)) }.prefixList
        #expect(resized?.maxEntries == 10 && resized?.version == 2)
    }

    @Test func deleteIsBlockedWhileARuleUsesTheList() throws {
        let f = try Fixture()
        let id = try f.prefixList(["10.0.0.0/8"])
        let group = try f.group(try f.vpc())
        let rule = try #require(try f.ingress(group, [.init(ipProtocol: "-1", prefixListIds: [.init(prefixListId: id)])]).first)
        #expect(errorCode { _ = try f.write { try $0.deleteManagedPrefixList(.init(prefixListId: id)) } } == "DependencyViolation")
        _ = try f.write { try $0.revokeSecurityGroupIngress(.init(groupId: group, securityGroupRuleIds: [rule.securityGroupRuleId!])) }
        let deleted = try f.write { try $0.deleteManagedPrefixList(.init(prefixListId: id)) }.prefixList
        #expect(deleted?.state == "delete-in-progress")
        #expect(errorCode { _ = try f.read { try $0.describeManagedPrefixLists(.init(prefixListIds: [id])) } }
            == "InvalidPrefixListID.NotFound")
        #expect(errorCode { _ = try f.write { try $0.deleteManagedPrefixList(.init(prefixListId: id)) } } == "InvalidPrefixListID.NotFound")
    }

    @Test func deleteIsBlockedWhileARouteUsesTheList() throws {
        let f = try Fixture()
        let id = try f.prefixList(["192.168.0.0/16"])
        let vpc = try f.vpc()
        let table = try f.routeTableId(vpcId: vpc)
        let igw = try f.internetGateway(attachedTo: vpc)
        _ = try f.write { try $0.createRoute(.init(destinationPrefixListId: id, routeTableId: table, gatewayId: igw)) }
        #expect(errorCode { _ = try f.write { try $0.deleteManagedPrefixList(.init(prefixListId: id)) } } == "DependencyViolation")
        try f.write { try $0.deleteRoute(.init(destinationPrefixListId: id, routeTableId: table)) }
        #expect(try f.write { try $0.deleteManagedPrefixList(.init(prefixListId: id)) }.prefixList?.state == "delete-in-progress")
    }

    @Test func describeFiltersAndPagination() throws {
        let f = try Fixture()
        let a = try f.prefixList(["10.0.0.0/8"])
        let b = try f.prefixList(["2001:db8::/32", "2001:db9::/32"], family: "IPv6")
        _ = try f.write { try $0.modifyManagedPrefixList(.init(prefixListId: b, prefixListName: "v6")) }
        func ids(_ filters: [EC2.Filter]) throws -> Set<String> {
            Set(try f.read { try $0.describeManagedPrefixLists(.init(filters: filters)) }.prefixLists?.compactMap(\.prefixListId) ?? [])
        }
        #expect(try ids([.init(name: "prefix-list-name", values: ["v*"])]) == [b])
        #expect(try ids([.init(name: "prefix-list-id", values: [a])]) == [a])
        #expect(try ids([.init(name: "owner-id", values: [Fixture.accountA])]) == [a, b])
        #expect(errorCode { _ = try ids([.init(name: "address-family", values: ["IPv4"])]) } == "InvalidParameterValue")
        let page1 = try f.read { try $0.describeManagedPrefixLists(.init(maxResults: 1)) }
        let token = try #require(page1.nextToken)
        let page2 = try f.read { try $0.describeManagedPrefixLists(.init(maxResults: 1, nextToken: token)) }
        #expect(page1.prefixLists?.count == 1 && page2.prefixLists?.count == 1 && page2.nextToken == nil)
        #expect(errorCode { _ = try f.read { try $0.describeManagedPrefixLists(.init(maxResults: 101)) } } == "InvalidParameterValue")
        let entries1 = try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: b, maxResults: 1)) }
        #expect(entries1.entries?.map(\.cidr) == ["2001:db8::/32"])
        let entries2 = try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: b, maxResults: 1, nextToken: entries1.nextToken)) }
        #expect(entries2.entries?.map(\.cidr) == ["2001:db9::/32"] && entries2.nextToken == nil)
        #expect(errorCode { _ = try f.read { try $0.getManagedPrefixListEntries(.init(prefixListId: b, maxResults: 0)) } } == "InvalidParameterValue")
    }

    @Test func otherAccountsCannotSeeOrTouchAList() throws {
        let f = try Fixture()
        let id = try f.prefixList(["10.0.0.0/8"])
        let b = Fixture.accountB
        let notFound = "InvalidPrefixListID.NotFound"
        #expect(errorCode { _ = try f.read(b) { try $0.describeManagedPrefixLists(.init(prefixListIds: [id])) } } == notFound)
        #expect(errorCode { _ = try f.read(b) { try $0.getManagedPrefixListEntries(.init(prefixListId: id)) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.modifyManagedPrefixList(.init(prefixListId: id, prefixListName: "x")) } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.deleteManagedPrefixList(.init(prefixListId: id)) } } == notFound)
        let bGroup = try f.group(try f.vpc(account: b), account: b)
        #expect(errorCode { try f.ingress(bGroup, [.init(ipProtocol: "-1", prefixListIds: [.init(prefixListId: id)])], account: b) } == notFound)
        #expect(try f.read(b) { try $0.describeManagedPrefixLists(.init()) }.prefixLists == [])
    }
}
