import ArgumentParser
import Foundation
import VPCAPI
import VPCModel

/// `vpc agent-token`: prints one host's own token, for an agent started by hand (another
/// machine): it lets that agent act for its host alone (docs/agent-protocol.md, "Credentials").
/// `--revoke` first invalidates the host's current token: the running server refuses it from
/// the next request on, and the token printed is the host's next one.
struct AgentToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-token",
        abstract: "Print a host's own agent token, for `vpc agent --host-id ID --token-file FILE`.")

    @Option(help: "The server's data directory (its agent secret is <data-dir>/agent-token).")
    var dataDir = DataDirectory.defaultPath

    @Option(help: "File holding the agent secret (default <data-dir>/agent-token).")
    var agentTokenFile: String?

    @Option(help: "The host the token is for.")
    var hostId: String

    @Flag(help: "Revoke the host's current token (the server refuses it at once) and print its next one.")
    var revoke = false

    func validate() throws {
        guard HostRegistration.isValidHostId(hostId) else { throw ValidationError("--host-id must be 1 to 128 of A-Z a-z 0-9 . _ -") }
    }

    func run() throws {
        let path = agentTokenFile ?? DataDirectory.agentTokenPath(dataDir)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("no agent secret at \(path): start `vpc serve` once to create it")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let generations = DataDirectory.tokenGenerations(secretPath: path)
        let generation = revoke ? try generations.revoke(hostId) : generations.current(hostId)
        guard let generation else { throw ValidationError("cannot read \(generations.path)") }
        print(AgentCredentials(secret: secret).hostToken(hostId, generation: generation))
    }
}
