import EC2Shapes
import Testing
@testable import VPCControlPlane
import VPCModel
import VPCStore

/// Placement only on hosts whose agents were heard from within the silence limit.
@Suite struct HostLivenessTests {
    let clock = ManualClock()
    let store = InMemoryStore()
    static let options: ControlPlaneOptions = {
        var options = ControlPlaneOptions()
        options.hostSilenceLimit = 30
        return options
    }()

    func controlPlane() throws -> ControlPlane {
        try ControlPlane(store: store, options: Self.options, uptime: { [clock] in clock.now })
    }

    func launch(_ cp: ControlPlane, _ subnet: String, count: Int = 1) throws -> [String] {
        try cp.write(account: Fixture.accountA, region: "us-east-1") { tx in
            try tx.runInstances(EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: count, minCount: count, subnetId: subnet))
        }.instances!.map { $0.instanceId! }
    }

    func hosts(_ cp: ControlPlane, _ ids: [String]) throws -> [String] {
        try cp.read(account: Fixture.accountA, region: "us-east-1") { state in ids.map { state.instances[$0]!.hostId } }
    }

    func subnet(_ cp: ControlPlane) throws -> String {
        try cp.write(account: Fixture.accountA, region: "us-east-1") { tx in
            let vpc = try tx.createVpc(EC2.CreateVpcRequest(cidrBlock: "10.0.0.0/16")).vpc!.vpcId!
            return try tx.createSubnet(EC2.CreateSubnetRequest(cidrBlock: "10.0.1.0/24", vpcId: vpc)).subnet!.subnetId!
        }
    }

    @Test func newInstancesGoOnlyToHostsHeardFromLately() async throws {
        let cp = try controlPlane()
        try cp.registerHost(HostRegistration(hostId: "h1", underlay: "192.0.2.1"))
        try cp.registerHost(HostRegistration(hostId: "h2", underlay: "192.0.2.2"))
        let subnet = try subnet(cp)
        clock.advance(20)
        _ = try cp.applyHostStatus(HostStatus(hostId: "h2", appliedVersion: cp.version, instances: []))
        clock.advance(15)  // h1 silent for 35 s, h2 for 15
        #expect(try hosts(cp, launch(cp, subnet, count: 3)) == ["h2", "h2", "h2"])
        clock.advance(20)  // both silent
        let refusal = #expect(throws: EC2Error.self) { try launch(cp, subnet) }
        #expect(refusal?.code == "InsufficientInstanceCapacity")
        #expect(refusal?.message.contains("No host's agent has been heard from lately") == true)
        #expect(try cp.read(account: Fixture.accountA, region: "us-east-1") { $0.instances.count } == 3)
        // A host in a feed poll is live however long the poll lasts, and for the limit after it.
        let during = try await cp.polling(host: "h1") {
            clock.advance(100)
            return try hosts(cp, launch(cp, subnet))
        }
        #expect(during == ["h1"])
        clock.advance(25)
        #expect(try hosts(cp, launch(cp, subnet)) == ["h1"])
        clock.advance(10)
        #expect(throws: EC2Error.self) { try launch(cp, subnet) }
        // An agent that registers again is heard from.
        try cp.registerHost(HostRegistration(hostId: "h2", underlay: "192.0.2.2"))
        #expect(try hosts(cp, launch(cp, subnet)) == ["h2"])
    }

    @Test func afterARestartEveryHostHasTheLimitToBeHeardFrom() throws {
        let first = try controlPlane()
        try first.registerHost(HostRegistration(hostId: "h1", underlay: "192.0.2.1"))
        let subnet = try subnet(first)
        clock.advance(1000)  // long silent, then the control plane restarts
        let cp = try controlPlane()
        #expect(try hosts(cp, launch(cp, subnet)) == ["h1"])
        clock.advance(31)
        #expect(throws: EC2Error.self) { try launch(cp, subnet) }
    }

    @Test func instancesOnASilentHostFailTheSystemStatusCheck() throws {
        let cp = try controlPlane()
        try cp.registerHost(HostRegistration(hostId: "h1", underlay: "192.0.2.1"))
        let id = try launch(cp, try subnet(cp))[0]
        func report() throws {
            _ = try cp.applyHostStatus(HostStatus(hostId: "h1", appliedVersion: cp.version, instances: [
                InstanceStatus(instanceId: id, state: "running", consoleOutput: nil)]))
        }
        func statuses(_ filters: [EC2.Filter]? = nil) throws -> [EC2.InstanceStatus] {
            let silent = cp.silentHosts()  // outside the read: it takes the same lock
            return try cp.read(account: Fixture.accountA, region: "us-east-1") { state in
                try state.describeInstanceStatus(.init(filters: filters), silentHosts: silent)
            }.instanceStatuses ?? []
        }
        try report()
        #expect(cp.silentHosts().isEmpty)
        #expect(try statuses().map { $0.systemStatus?.status } == ["ok"])
        clock.advance(31)
        #expect(cp.silentHosts() == ["h1"])
        let impaired = try #require(try statuses().first)
        #expect(impaired.systemStatus?.status == "impaired")
        #expect(impaired.systemStatus?.details?.map(\.status) == ["failed"])
        #expect(impaired.instanceStatus?.status == "insufficient-data")
        #expect(try statuses([EC2.Filter(name: "system-status.reachability", values: ["failed"])]).count == 1)
        try report()  // heard from again
        #expect(try statuses().map { $0.systemStatus?.status } == ["ok"])
    }
}
