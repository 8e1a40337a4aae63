import EC2Shapes
import Testing
@testable import VPCControlPlane
import VPCModel

/// The host documents and the deltas of the feed log.
@Suite struct HostFeedTests {
    /// Two VPCs with an instance each on h1, and a peer instance on h2 in the first VPC.
    struct World {
        let f: Fixture
        var log = HostFeedLog()
        let vpc1: String, vpc2: String, sg1: String, sg2: String
        let local1: String, local2: String, peer: String

        init() throws {
            f = try Fixture()
            try f.host("h1", underlay: "192.0.2.1")
            try f.host("h2", underlay: "192.0.2.2")
            vpc1 = try f.vpc("10.0.0.0/16")
            vpc2 = try f.vpc("10.1.0.0/16")
            let subnet1 = try f.subnet(vpc1, "10.0.1.0/24")
            let subnet2 = try f.subnet(vpc2, "10.1.1.0/24")
            let web = try f.securityGroup(vpcId: vpc1, name: "web")
            let db = try f.securityGroup(vpcId: vpc2, name: "db")
            (sg1, sg2) = (web, db)
            // Placement alternates h1, h2, h1.
            local1 = try f.run(subnet1) { $0.securityGroupIds = [web] }[0].instanceId!
            peer = try f.run(subnet1) { $0.securityGroupIds = [web] }[0].instanceId!
            local2 = try f.run(subnet2) { $0.securityGroupIds = [db] }[0].instanceId!
        }

        /// Compiles h1's documents now and returns the update from `since`.
        mutating func update(since: UInt64) -> HostFeedUpdate {
            log.record(f.documents("h1"), at: f.cp.version)
            return log.update(since: since)!
        }
    }

    @Test func documentsOfAHost() throws {
        let w = try World()
        #expect(try w.f.instance(w.peer)?.hostId == "h2")
        let docs = w.f.documents("h1")
        #expect(Set(docs.instances.keys) == [w.local1, w.local2])
        #expect(Set(docs.networks.keys) == [w.vpc1, w.vpc2])
        let spec = try #require(docs.instances[w.local1])
        #expect(spec.desiredState == "running" && spec.interfaces.count == 1)
        #expect(spec.interfaces[0].securityGroupIds == [w.sg1] && spec.interfaces[0].privateIpAddresses == ["10.0.1.4"])
        let net = try #require(docs.networks[w.vpc1])
        #expect(net.domainName == "ec2.internal" && net.cidrBlocks == ["10.0.0.0/16"])
        #expect(net.domainNameServers == ["AmazonProvidedDNS"] && net.ntpServers == [])
        #expect(net.endpoints.map(\.address) == ["10.0.1.4", "10.0.1.5"])
        #expect(net.endpoints.map(\.underlay) == ["192.0.2.1", "192.0.2.2"])
        #expect(net.subnets.count == 1 && net.networkAcls.count == 1 && net.routeTables.count == 1)
        #expect(net.subnets[0].routeTableId == net.routeTables[0].routeTableId)
        #expect(net.routeTables[0].routes.contains(RouteSpec(destination: "10.0.0.0/16", target: "local")))
        #expect(net.networkAcls[0].entries.contains { $0.ruleNumber == 32767 && !$0.allow })
        #expect(net.securityGroups.map(\.groupId) == [w.sg1])
        // h2 only hears about the first VPC.
        #expect(Set(w.f.documents("h2").networks.keys) == [w.vpc1])
    }

    @Test func revokingARuleResendsOnlyThatVPC() throws {
        var w = try World()
        try w.f.authorize(w.sg1, cidr: "10.9.0.0/16")
        let base = w.update(since: 0)
        #expect(base.full && base.networks.count == 2 && base.instances.count == 2)
        try w.f.revoke(w.sg1, cidr: "10.9.0.0/16")
        let delta = w.update(since: base.version)
        #expect(!delta.full && delta.version > base.version)
        #expect(delta.networks.map(\.vpcId) == [w.vpc1] && delta.instances.isEmpty)
        #expect(delta.removedInstances.isEmpty && delta.removedNetworks.isEmpty)
        let group = try #require(delta.networks[0].securityGroups.first { $0.groupId == w.sg1 })
        #expect(!group.ingress.contains { $0.cidrs == ["10.9.0.0/16"] })
        // Nothing since: an empty delta; an unknown base: everything.
        #expect(w.update(since: delta.version).isEmpty)
        #expect(w.log.update(since: delta.version + 100)!.full)
    }

    @Test func terminatingRemovesTheInstanceAndItsEndpointFromPeers() throws {
        var w = try World()
        var h2 = HostFeedLog()
        h2.record(w.f.documents("h2"), at: w.f.cp.version)
        let h2Base = w.f.cp.version
        let base = w.update(since: 0)
        _ = try w.f.write { try $0.terminateInstances(.init(instanceIds: [w.local1])) }
        let delta = w.update(since: base.version)
        #expect(delta.removedInstances == [w.local1])
        #expect(delta.removedNetworks == [w.vpc1])  // h1 has nothing left in it
        h2.record(w.f.documents("h2"), at: w.f.cp.version)
        let peerDelta = try #require(h2.update(since: h2Base))
        let net = try #require(peerDelta.networks.first)
        #expect(net.vpcId == w.vpc1 && net.endpoints.map(\.instanceId) == [w.peer])
        // The agent reports it gone: its interface is deleted, nothing more for h1.
        try w.f.report(w.local1, "terminated", host: "h1")
        #expect(try w.f.read { $0.interfaces(of: w.local1) }.isEmpty)
        #expect(w.update(since: delta.version).isEmpty)
    }

    @Test func referencedGroupMembershipIsResolved() throws {
        var w = try World()
        let app = try w.f.securityGroup(vpcId: w.vpc1, name: "app")
        try w.f.authorize(w.sg1, from: app, port: 8080)
        let base = w.update(since: 0)
        let rule = { (u: HostFeedUpdate) in
            u.networks.first { $0.vpcId == w.vpc1 }?.securityGroups.first { $0.groupId == w.sg1 }?
                .ingress.first { $0.referencedGroupId == app }
        }
        #expect(rule(base)?.cidrs == [])
        // A new member of the referenced group (on the other host) changes the resolved blocks.
        let subnet = try w.f.read { $0.subnets.values.first { $0.vpcId == w.vpc1 }!.subnetId! }
        let member = try w.f.run(subnet) { $0.securityGroupIds = [app] }[0]
        let delta = w.update(since: base.version)
        #expect(delta.networks.map(\.vpcId) == [w.vpc1])
        #expect(rule(delta)?.cidrs == [member.privateIpAddress! + "/32"])
        // Leaving the group re-resolves again.
        try w.f.write { try $0.modifyInstanceAttribute(.init(instanceId: member.instanceId!, groups: [w.sg1])) }
        let after = w.update(since: delta.version)
        #expect(rule(after)?.cidrs == [])
    }

    @Test func stoppedInstancesStayButLeaveTheEndpoints() throws {
        var w = try World()
        try w.f.report(w.local1, "running", host: "h1")
        let base = w.update(since: 0)
        _ = try w.f.write { try $0.stopInstances(.init(instanceIds: [w.local1])) }
        let delta = w.update(since: base.version)
        #expect(delta.instances.map(\.desiredState) == ["stopped"])
        #expect(delta.networks.first { $0.vpcId == w.vpc1 }?.endpoints.map(\.instanceId) == [w.peer])
    }

    @Test func lookupFindsAnyPlacedAddress() throws {
        let w = try World()
        let (_, regions, hosts) = w.f.cp.versionedSnapshot()
        let vni = try w.f.read { $0.vpcs[w.vpc1]!.networkID }
        let e = HostDocuments.endpoint(vni: vni, address: "10.0.1.5", regions: regions, hosts: hosts)
        #expect(e?.instanceId == w.peer && e?.hostId == "h2" && e?.underlay == "192.0.2.2")
        #expect(HostDocuments.endpoint(vni: vni, address: "10.0.1.99", regions: regions, hosts: hosts) == nil)
        #expect(HostDocuments.endpoint(vni: vni &+ 1, address: "10.0.1.5", regions: regions, hosts: hosts) == nil)
    }

    @Test func routeToAnInstanceNamesItsInterfaceAndTheFeedCarriesTheCheck() throws {
        let w = try World()
        let f = w.f
        let table = try #require(try f.mainRouteTable(w.vpc1)?.routeTableId)
        try f.write { try $0.modifyInstanceAttribute(.init(sourceDestCheck: .init(value: false), instanceId: w.peer)) }
        _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "192.168.50.0/24", instanceId: w.peer)) }
        let eni = try #require(try f.read { $0.interfaces(of: w.peer) }.first?.networkInterfaceId)
        let route = try #require(try f.routeTable(table)?.routes?.first { $0.destinationCidrBlock == "192.168.50.0/24" })
        #expect(route.networkInterfaceId == eni && route.instanceId == w.peer && route.instanceOwnerId == Fixture.accountA)
        #expect(route.state == "active")

        let net = try #require(f.documents("h1").networks[w.vpc1])
        #expect(net.routeTables[0].routes.contains(RouteSpec(destination: "192.168.50.0/24", target: eni)))
        #expect(net.endpoints.map(\.sourceDestCheck) == [nil, false])  // local1 checked (left out), peer not

        // An instance of another VPC, or with two interfaces, is refused; nothing changes.
        func create(_ dest: String, _ instance: String) -> String? {
            errorCode { _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: dest, instanceId: instance)) } }
        }
        #expect(create("192.168.51.0/24", w.local2) == "InvalidParameterValue")
        // Inside the VPC only a whole subnet's block may be routed to it.
        #expect(create("10.0.1.128/25", w.peer) == "InvalidParameterValue")
        #expect(create("10.0.1.0/24", w.peer) == nil)
        let extra = try f.eni(try #require(try f.instance(w.local1)?.subnetId))
        _ = try f.write { try $0.attachNetworkInterface(.init(networkInterfaceId: extra.networkInterfaceId!, instanceId: w.local1, deviceIndex: 1)) }
        #expect(create("192.168.52.0/24", w.local1) == "InvalidInstanceID")
        #expect(try f.routeTable(table)?.routes?.count == 3)

        // A prefix list routed to it: only entries outside the VPC or a whole subnet's block
        // are fed (the list can change after the route is made).
        let list = try f.prefixList(["172.20.0.0/16", "10.0.1.128/25", "10.0.1.0/24"])
        _ = try f.write { try $0.createRoute(.init(destinationPrefixListId: list, routeTableId: table, instanceId: w.peer)) }
        let fed = try #require(f.documents("h1").networks[w.vpc1]?.routeTables[0].routes.filter { $0.target == eni })
        #expect(fed.map(\.destination) == ["10.0.1.0/24", "10.0.1.0/24", "172.20.0.0/16", "192.168.50.0/24"])

        // Stopped, the instance is no target: the route shows and is fed as a blackhole.
        try f.report(w.peer, "running", host: "h2")
        _ = try f.write { try $0.stopInstances(.init(instanceIds: [w.peer])) }
        let shown = try f.read { try $0.describeRouteTables(.init(routeTableIds: [table])) }.routeTables?.first?.routes?
            .first { $0.destinationCidrBlock == "192.168.50.0/24" }
        #expect(shown?.state == "blackhole" && shown?.instanceId == w.peer && shown?.networkInterfaceId == eni)
        #expect(f.documents("h1").networks[w.vpc1]?.routeTables[0].routes
            .contains(RouteSpec(destination: "192.168.50.0/24", target: "blackhole")) == true)
    }

    @Test func deltasStartAnywhereTheLogRemembers() {
        func docs(_ ids: Range<Int>) -> HostDocuments {
            var d = HostDocuments()
            for i in ids {
                let id = ResourceID.make("i", UInt64(i))
                d.instances[id] = InstanceSpec(instanceId: id, accountId: "111111111111", region: "us-east-1",
                                               desiredState: "running", bootCount: 0, userData: nil, interfaces: [])
            }
            return d
        }
        var log = HostFeedLog()
        #expect(log.update(since: 0) == nil)
        log.record(docs(0..<3), at: 10)
        let unchanged = log.record(docs(0..<3), at: 11)  // nothing changed: 11 is a base like 10
        let stale = log.record(docs(0..<5), at: 11)  // not newer: ignored
        #expect(!unchanged && !stale)
        log.record(docs(1..<4), at: 12)
        #expect(log.update(since: 9)!.full)
        #expect(log.update(since: 13)!.full)
        let fromTen = log.update(since: 10)!
        #expect(fromTen.removedInstances == [ResourceID.make("i", 0)] && fromTen.instances.map(\.instanceId) == [ResourceID.make("i", 3)])
        #expect(log.update(since: 11) == fromTen)
        #expect(log.update(since: 12)!.isEmpty)
        // Thousands of removals: the oldest are forgotten and deltas from before them become full.
        for v in 0..<5000 {
            log.record(docs(4 + v..<5 + v), at: UInt64(13 + v))
        }
        #expect(log.update(since: 12)!.full)
        let recent = log.update(since: 5000)!
        #expect(!recent.full && recent.removedInstances.count == 12)
    }
}
