import ArgumentParser
import VPCAgent

/// How much a host's data plane holds, for `vpc agent` (and `vpc up`, for each agent).
/// Both tables are allocated when the agent starts (~94 bytes per tracked connection, ~192
/// per flow-log flow); past them new flows are refused (drop reason `conntrackTableFull`)
/// or go unrecorded (the interval's records say `SKIPDATA`).
struct DataplaneCapacities: ParsableArguments {
    static let range = 16...(1 << 26)

    @Option(help: "Connections the host tracks at once, all its ENIs together (each ENI at most 65,536).")
    var maxTrackedConnections = DataplaneWorker.defaultTrackedConnections

    @Option(help: "Flows one flow-log aggregation interval holds for the host.")
    var maxFlowLogFlows = DataplaneWorker.defaultFlowLogFlows

    func validate() throws {
        for (name, value) in [("--max-tracked-connections", maxTrackedConnections), ("--max-flow-log-flows", maxFlowLogFlows)]
        where !Self.range.contains(value) {
            throw ValidationError("\(name) must be between \(Self.range.lowerBound) and \(Self.range.upperBound), got \(value)")
        }
    }

    /// The same options, for an agent started by `vpc up`.
    var arguments: [String] {
        ["--max-tracked-connections", String(maxTrackedConnections), "--max-flow-log-flows", String(maxFlowLogFlows)]
    }
}
