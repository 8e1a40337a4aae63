import Foundation
import Synchronization
import Testing
@testable import VPCAgent
import VPCModel
import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// The agent's reconciliation, state file and control-plane calls, with a real data plane
/// (and, where instances run, real namespaces: root).
@Suite(.serialized)
struct HostAgentTests {
    @Test func aUserDataThatFailedToStartIsNotRecordedAsBooted() {
        let r = InstanceRuntime(instanceId: AgentHarness.instanceId(), stateDirectory: "/nonexistent-\(UInt64.random(in: 0...UInt64.max))")
        #expect(throws: (any Error).self) { try r.boot(Fixtures.instance()) }
        #expect(r.bootedCount == nil)
    }

    @Test func aBootIsRecordedBeforeItsUserDataStarts() {
        let r = InstanceRuntime(instanceId: AgentHarness.instanceId(), stateDirectory: "/nonexistent-\(UInt64.random(in: 0...UInt64.max))")
        var recorded: UInt32?
        #expect(throws: (any Error).self) { try r.boot(Fixtures.instance(boot: 3)) { recorded = r.bootedCount } }
        #expect(recorded == 3)
        #expect(r.bootedCount == nil)
    }

    @Test func aTerminationIsReportedAfterARestartUntilAStatusReportGoesThrough() throws {
        let server = try FakeControlPlane { _, _ in (200, "{}") }
        defer { server.close() }
        let h = try AgentHarness(controlPlane: server.url)
        defer { h.close() }
        let id = AgentHarness.instanceId()
        h.agent.apply(HostFeedUpdate(version: 1, full: true, instances: [Fixtures.instance(id, state: "stopped")],
                                     networks: [Fixtures.network()]))
        h.agent.apply(HostFeedUpdate(version: 2, full: false, removedInstances: [id]))
        let terminated = InstanceStatus(instanceId: id, state: "terminated", consoleOutput: nil)
        // The agent restarts before a status report got through: the termination is still to report.
        let restarted = try h.restarted()
        #expect(restarted.currentStatus().instances.contains(terminated))
        restarted.postStatus()
        #expect(server.count("POST /_vpc/agent/status") == 1)
        #expect(!(try h.restarted()).currentStatus().instances.contains(terminated))
    }
}

extension HostAgentTests {
    @Test func anUnknownHostRegistersAgain() throws {
        let registrations = Atomic<Int>(0)
        let server = try FakeControlPlane { _, path in
            switch path {
            case "/_vpc/agent/register":
                registrations.add(1, ordering: .relaxed)
                return (200, "{}")
            case "/_vpc/agent/feed" where registrations.load(ordering: .relaxed) < 2:
                return (404, #"{"error":"host h-test is not registered"}"#)
            case "/_vpc/agent/feed":
                Thread.sleep(forTimeInterval: 0.2)  // a long-poll that found nothing new
                return (200, #"{"version":1,"full":true,"instances":[],"removedInstances":[],"networks":[],"removedNetworks":[]}"#)
            default:
                return (200, "{}")
            }
        }
        defer { server.close() }
        let h = try AgentHarness(controlPlane: server.url)
        defer { h.close() }
        let done = DispatchSemaphore(value: 0)
        let feedThread = Thread { [agent = h.agent] in
            agent.followFeed()
            done.signal()
        }
        feedThread.start()
        var waited = 0.0
        while h.agent.lock.withLock({ h.agent.appliedVersion }) < 1 && waited < 10 {
            Thread.sleep(forTimeInterval: 0.1)
            waited += 0.1
        }
        h.agent.stopping.store(true, ordering: .releasing)
        done.wait()
        #expect(registrations.load(ordering: .relaxed) == 2)
        #expect(h.agent.lock.withLock { h.agent.appliedVersion } == 1)
    }
}

/// Instances in real namespaces.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: network namespaces and TAP devices"))
struct HostAgentInstanceTests {
    static let eniB = Fixtures.interface(Fixtures.eniB, ip: "10.0.1.11", mac: "02:00:00:00:00:0b")

    @Test func anENISwappedAtItsDeviceIndexInOneUpdateGetsTheTAP() throws {
        let h = try AgentHarness()
        defer { h.close() }
        let id = AgentHarness.instanceId()
        h.agent.apply(HostFeedUpdate(version: 1, full: true, instances: [Fixtures.instance(id)], networks: [Fixtures.network()]))
        h.agent.apply(HostFeedUpdate(version: 2, full: false, instances: [Fixtures.instance(id, interfaces: [Self.eniB])]))
        let taps = h.agent.lock.withLock { h.agent.runtimes[id].map { Array($0.taps.keys) } }
        #expect(taps == [Fixtures.eniB])
        let (mac, _) = try TAPDevice.linkInfo("eth0", in: NetworkNamespace(instanceId: id))
        #expect(mac == MACAddress("02:00:00:00:00:0b"))
    }
}

extension HostAgentInstanceTests {
    @Test func aFailedBringUpIsRetried() throws {
        let h = try AgentHarness()
        defer { h.close() }
        // A file where the instances' directory goes: bring-up fails.
        let blocker = h.stateDirectory + "/instances"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data()))
        let id = AgentHarness.instanceId()
        h.agent.apply(HostFeedUpdate(version: 1, full: true, instances: [Fixtures.instance(id)], networks: [Fixtures.network()]))
        #expect(h.agent.lock.withLock { h.agent.runtimes[id]?.running } == false)
        try FileManager.default.removeItem(atPath: blocker)
        h.agent.retryFailed()
        let (running, booted) = h.agent.lock.withLock { (h.agent.runtimes[id]?.running, h.agent.runtimes[id]?.bootedCount) }
        #expect(running == true)
        #expect(booted == 1)
    }
}

extension HostAgentInstanceTests {
    @Test func anInstanceIsInTheStateFileBeforeItsNamespaceIsMade() throws {
        let h = try AgentHarness(startDataplane: false)
        defer { h.close() }
        let id = AgentHarness.instanceId()
        // With the data plane not running, the reconciliation stops where it installs the
        // ports, after making the namespace and TAPs: as if the agent died there.
        let applied = DispatchSemaphore(value: 0)
        let update = HostFeedUpdate(version: 1, full: true, instances: [Fixtures.instance(id)], networks: [Fixtures.network()])
        let apply = Thread { [agent = h.agent] in
            agent.apply(update)
            applied.signal()
        }
        apply.start()
        var waited = 0.0
        while !ipLinkHasEth0(id) && waited < 10 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 0.05
        }
        let restarted = try h.restarted()
        #expect(restarted.runtimes[id] != nil, "a restarted agent would not adopt the instance's namespace")
        h.agent.worker.start()
        applied.wait()
    }

    func ipLinkHasEth0(_ id: String) -> Bool {
        (try? TAPDevice.linkInfo("eth0", in: NetworkNamespace(instanceId: id))) != nil
    }
}
