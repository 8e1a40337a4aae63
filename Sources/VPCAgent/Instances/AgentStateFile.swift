import Foundation

/// `<state-dir>/agent.json`: which instances this agent runs, their ENIs' port indices and
/// the boot whose user data was started, so a restarted agent reattaches to its own
/// `vpc-i-…` namespaces (and not to another agent's on the same machine); and the
/// terminations not yet reported, so a restart does not lose them.
struct AgentStateFile: Codable, Equatable {
    struct Instance: Codable, Equatable {
        var bootedCount: UInt32?
        var userDataPID: Int32?
        /// ENI id → port index.
        var ports: [String: Int]
    }

    var hostId: String
    var instances: [String: Instance] = [:]
    /// Instances torn down whose `terminated` no status report has delivered yet.
    var terminated: [String]?

    static func path(_ dir: String) -> String { "\(dir)/agent.json" }

    static func load(_ dir: String) -> AgentStateFile? {
        guard let d = FileManager.default.contents(atPath: path(dir)) else { return nil }
        return try? JSONDecoder().decode(AgentStateFile.self, from: d)
    }

    func save(_ dir: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(self).write(to: URL(fileURLWithPath: AgentStateFile.path(dir)), options: .atomic)
    }
}
