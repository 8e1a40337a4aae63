import EC2Shapes
import Testing
@testable import VPCControlPlane
import VPCModel

/// Placement within the interfaces each host's data plane holds.
@Suite struct HostCapacityTests {
    func host(_ f: Fixture, _ id: String, capacity: Int) throws {
        try f.cp.registerHost(HostRegistration(hostId: id, underlay: "192.0.2.1", interfaceCapacity: capacity))
    }

    @Test func launchesStopWhereTheHostsAreFull() throws {
        let f = try Fixture()
        try host(f, "h1", capacity: 2)
        try host(f, "h2", capacity: 1)
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        // MaxCount is trimmed to the room left; MinCount over it is refused, nothing launched.
        let ids = try f.run(subnet) { $0.minCount = 1; $0.maxCount = 5 }.map { $0.instanceId! }
        #expect(try ids.map { try f.instance($0)!.hostId }.sorted() == ["h1", "h1", "h2"])
        #expect(errorCode { _ = try f.run(subnet) } == "InsufficientInstanceCapacity")
        #expect(try f.read { $0.instances.count } == 3)
        // A terminated instance gives its interface back.
        _ = try f.write { try $0.terminateInstances(.init(instanceIds: [ids[2]])) }
        #expect(errorCode { _ = try f.run(subnet) } == "InsufficientInstanceCapacity")  // still shutting down
        try f.report(ids[2], "terminated", host: try f.instance(ids[2])!.hostId)
        #expect(try f.run(subnet).count == 1)
        // Counts are rebuilt from the store after a restart.
        let again = try ControlPlane(store: f.store)
        #expect(errorCode {
            _ = try again.write(account: Fixture.accountA, region: "us-east-1") { tx in
                try tx.runInstances(EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 1, minCount: 1, subnetId: subnet))
            }
        } == "InsufficientInstanceCapacity")
    }

    @Test func anInstanceSInterfacesAllFitOnItsHost() throws {
        let f = try Fixture()
        try host(f, "h1", capacity: 1)
        try host(f, "h2", capacity: 1)
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        let twoInterfaces: (inout EC2.RunInstancesRequest) -> Void = { r in
            r.subnetId = nil
            r.networkInterfaces = [0, 1].map { EC2.InstanceNetworkInterfaceSpecification(deviceIndex: $0, subnetId: subnet) }
        }
        // Two hosts with one free port each are not one host with two.
        #expect(errorCode { _ = try f.run(nil, twoInterfaces) } == "InsufficientInstanceCapacity")
        try host(f, "h3", capacity: 2)
        #expect(try f.instance(try f.run(nil, twoInterfaces)[0].instanceId!)?.hostId == "h3")
    }

    @Test func attachingNeedsAPortOnTheInstanceSHost() throws {
        let f = try Fixture()
        try host(f, "h1", capacity: 2)
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        let instance = try f.run(subnet)[0].instanceId!
        let first = try f.eni(subnet).networkInterfaceId!
        let second = try f.eni(subnet).networkInterfaceId!
        let attachment = try f.write {
            try $0.attachNetworkInterface(.init(networkInterfaceId: first, instanceId: instance, deviceIndex: 1))
        }.attachmentId!
        #expect(errorCode {
            _ = try f.write { try $0.attachNetworkInterface(.init(networkInterfaceId: second, instanceId: instance, deviceIndex: 2)) }
        } == "AttachmentLimitExceeded")
        #expect(try f.describeENI(second).attachment == nil)
        try f.write { try $0.detachNetworkInterface(.init(attachmentId: attachment)) }
        _ = try f.write { try $0.attachNetworkInterface(.init(networkInterfaceId: second, instanceId: instance, deviceIndex: 2)) }
        // The host is full again: no launch fits.
        #expect(errorCode { _ = try f.run(subnet) } == "InsufficientInstanceCapacity")
    }

    @Test func aHostReportsACapacityInRange() throws {
        let f = try Fixture()
        for bad in [0, 4097] {
            #expect(errorCode { try host(f, "h1", capacity: bad) } == "InvalidParameterValue")
        }
        for badId in ["", "a#5", "a b", "h/1", String(repeating: "h", count: 129)] {
            #expect(errorCode { try f.cp.registerHost(HostRegistration(hostId: badId, underlay: "192.0.2.1")) } == "InvalidParameterValue")
        }
        // Agents that do not report one hold the old default.
        try f.host("h1")
        #expect(f.cp.versionedSnapshot().hosts["h1"]?.capacity == HostRegistration.defaultInterfaceCapacity)
    }
}
