import ArgumentParser
import Foundation
import VPCAPI

/// `vpc agent-token`: prints one host's own token, for an agent started by hand (another
/// machine): it lets that agent act for its host alone (docs/agent-protocol.md, "Credentials").
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

    func validate() throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...128).contains(hostId.utf8.count), hostId.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ValidationError("--host-id must be 1 to 128 of A-Z a-z 0-9 . _ -")
        }
    }

    func run() throws {
        let path = agentTokenFile ?? DataDirectory.agentTokenPath(dataDir)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("no agent secret at \(path): start `vpc serve` once to create it")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        print(AgentCredentials(secret: secret).hostToken(hostId))
    }
}
