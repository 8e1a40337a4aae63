import ArgumentParser
import VPCAgent
import VPCModel

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

    @Option(help: "Network interfaces the host holds at once (its data-plane ports); the control plane places no more on it.")
    var maxInterfaces = HostRegistration.defaultInterfaceCapacity

    func validate() throws {
        for (name, value) in [("--max-tracked-connections", maxTrackedConnections), ("--max-flow-log-flows", maxFlowLogFlows)]
        where !Self.range.contains(value) {
            throw ValidationError("\(name) must be between \(Self.range.lowerBound) and \(Self.range.upperBound), got \(value)")
        }
        let interfaces = HostRegistration.interfaceCapacityRange
        guard interfaces.contains(maxInterfaces) else {
            throw ValidationError("--max-interfaces must be between \(interfaces.lowerBound) and \(interfaces.upperBound), got \(maxInterfaces)")
        }
    }

    /// The same options, for an agent started by `vpc up`.
    var arguments: [String] {
        ["--max-tracked-connections", String(maxTrackedConnections), "--max-flow-log-flows", String(maxFlowLogFlows),
         "--max-interfaces", String(maxInterfaces)]
    }
}
