import Foundation
import Testing
@testable import VPCAgent
import VPCModel
#if canImport(Glibc)
import Glibc
#endif

/// The agent's reconciliation, state file and control-plane calls, with a real data plane
/// (and, where instances run, real namespaces: root).
@Suite(.serialized)
struct HostAgentTests {
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
