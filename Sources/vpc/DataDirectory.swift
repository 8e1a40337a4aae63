import ArgumentParser
import Foundation
import VPCAPI
import VPCStore
import VPCStoreSQLite

/// The server's data directory: the SQLite store and the generated credentials file.
enum DataDirectory {
    static let defaultAccount = "123456789012"

    static var defaultPath: String {
        if let env = ProcessInfo.processInfo.environment["VPC_DATA_DIR"] { return env }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".vpc").path
    }

    /// `<dir>/trail`: the exported log files and digests, and HEAD.
    static func trailPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("trail") }


    /// `<dir>/s3`: flow logs with an s3 destination, one directory per bucket.
    static func s3Path(_ dir: String) -> String { (dir as NSString).appendingPathComponent("s3") }

    static func openStore(_ dir: String) throws -> SQLiteStore {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return try SQLiteStore(path: (dir as NSString).appendingPathComponent("vpc.sqlite"))
    }

    /// On a first start without `--credentials`, creates one admin key for the
    /// default account with a random secret, written to `<dir>/credentials` (0600)
    /// in the AWS CLI's format. Returns the file's path when it created one.
    static func ensureCredentials(_ credentials: Credentials, dir: String) throws -> String? {
        guard credentials.isEmpty else { return nil }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let keyId = "AKIA" + String((0..<16).map { _ in alphabet[Int(rng.next() % 32)] })
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let secret = String((0..<40).map { _ in secretAlphabet[Int(rng.next() % 64)] })
        try credentials.provision(AccessKey(accessKeyId: keyId, secretAccessKey: secret, account: defaultAccount,
                                            userName: "admin"))
        let path = (dir as NSString).appendingPathComponent("credentials")
        let text = "[default]\naws_access_key_id = \(keyId)\naws_secret_access_key = \(secret)\n# account \(defaultAccount)\n"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    static func agentTokenPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("agent-token") }

    /// Which generation of each host's token is valid: beside the agent secret at `secretPath`.
    static func tokenGenerations(secretPath: String) -> HostTokenGenerations {
        HostTokenGenerations(path: secretPath + ".generations")
    }

    /// The agent secret (docs/agent-protocol.md, "Credentials"): read from `path`, or (first
    /// start) 32 random bytes in hex written there with mode 0600.
    static func loadOrCreateAgentToken(at path: String) throws -> String {
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ValidationError("the agent token file \(path) is empty") }
            return token
        }
        var rng = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in
            let h = String(UInt8.random(in: 0...255, using: &rng), radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write the agent token to \(path)")
        }
        return token
    }

    /// Writes `hostId`'s own token (`AgentCredentials.hostToken`, its current generation) to
    /// `path`, mode 0600.
    static func writeHostToken(secret: String, generations: HostTokenGenerations, hostId: String, to path: String) throws {
        guard let generation = generations.current(hostId) else {
            throw ValidationError("cannot read \(generations.path)")
        }
        let token = AgentCredentials(secret: secret).hostToken(hostId, generation: generation)
        try? FileManager.default.removeItem(atPath: path)  // one left by another run may have other permissions
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write host \(hostId)'s agent token to \(path)")
        }
    }
}
