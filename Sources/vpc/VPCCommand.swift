import ArgumentParser

/// `vpc`: one binary for the server and the operator commands.
@main
struct VPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpc",
        abstract: "A virtual private cloud you run yourself, speaking the EC2 API.",
        subcommands: [Serve.self, Up.self, Check.self, Trail.self, Agent.self, AgentToken.self, Exec.self, FlowLogs.self])
}
