public import VPCModel
import EC2Shapes

extension ControlPlane {
    /// Applies a host agent's report: each instance it names that is placed on that host moves
    /// on (pending → running, stopping → stopped, shutting-down → terminated) and gets its
    /// console, one write per account and region that changes. Instances not on the host, and
    /// states it may not report, are ignored and counted.
    public func applyHostStatus(_ status: HostStatus) throws -> (changed: Int, ignored: Int) {
        heard(fromHost: status.hostId)
        let (_, regions, _) = versionedSnapshot()
        var byRegion: [RegionKey: [InstanceStatus]] = [:]
        var ignored = 0
        for report in status.instances {
            guard ["running", "stopped", "terminated"].contains(report.state),
                  let state = regions.first(where: { $0.instances[report.instanceId]?.hostId == status.hostId }),
                  let instance = state.instances[report.instanceId] else {
                ignored += 1
                continue
            }
            // Skip a write when the report changes nothing.
            var output = report.consoleOutput
            if let text = output, text.utf8.count > Self.consoleLimit {
                output = String(decoding: text.utf8.suffix(Self.consoleLimit), as: UTF8.self)
            }
            let moves = Self.reportCompletes(instance.state, report.state)
            guard moves || (output != nil && output != instance.consoleOutput) else { continue }
            byRegion[RegionKey(account: state.account, region: state.region), default: []]
                .append(InstanceStatus(instanceId: report.instanceId, state: report.state, consoleOutput: output))
        }
        var changed = 0
        for (key, reports) in byRegion.sorted(by: { ($0.key.account, $0.key.region) < ($1.key.account, $1.key.region) }) {
            changed += try write(account: key.account, region: key.region) { tx in
                reports.filter {
                    tx.applyReport(instanceId: $0.instanceId, hostId: status.hostId, reported: $0.state,
                                   consoleOutput: $0.consoleOutput)
                }.count
            }
        }
        return (changed, ignored)
    }

    /// Console output kept per instance (the newest bytes).
    static let consoleLimit = 64 * 1024

    static func reportCompletes(_ state: String, _ reported: String) -> Bool {
        switch (state, reported) {
        case ("pending", "running"), ("stopping", "stopped"), ("shutting-down", "terminated"): true
        default: false
        }
    }

    /// Removes instances terminated more than an hour ago from every region (run periodically).
    public func expireTerminatedInstances() throws {
        let now = self.now.secondsSince1970
        for state in versionedSnapshot().regions where state.hasExpiredInstances(now: now) {
            try write(account: state.account, region: state.region) { $0.expireTerminatedInstances() }
        }
    }
}
