import Foundation
import Testing
@testable import VPCAPI

/// Revoking one host's token: only its current generation is accepted, read from the file
/// `vpc agent-token --revoke` writes, while the server runs.
@Suite struct HostTokenGenerationTests {
    let directory: String
    let generations: HostTokenGenerations
    let credentials: AgentCredentials

    init() throws {
        directory = NSTemporaryDirectory() + "token-generations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        generations = HostTokenGenerations(path: directory + "/agent-token.generations")
        credentials = AgentCredentials(secret: "s3cret", generations: generations)
    }

    func caller(_ token: String) -> AgentCredentials.Caller? { credentials.caller("Bearer " + token) }

    @Test func aRevokedTokenIsRefusedAndTheNextAccepted() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = credentials.hostToken("h1")
        #expect(caller(first) == .host("h1"))
        #expect(try generations.revoke("h1") == 1)
        #expect(caller(first) == nil)
        let second = credentials.hostToken("h1", generation: 1)
        #expect(second.hasPrefix("h1.1."))
        #expect(caller(second) == .host("h1"))
        // Other hosts keep their tokens; the operator's secret is not a host token.
        #expect(caller(credentials.hostToken("h2")) == .host("h2"))
        #expect(caller("s3cret") == .operator)
        // A later generation than the current one is no good either, nor a forged one.
        #expect(caller(credentials.hostToken("h1", generation: 2)) == nil)
        #expect(caller(AgentCredentials(secret: "other").hostToken("h1", generation: 1)) == nil)
        #expect(try generations.revoke("h1") == 2)
        #expect(caller(second) == nil)
    }

    @Test func dottedHostIdsReadOneWayOnly() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // `a.1.<mac>` is host `a.1` at generation 0, or host `a` at generation 1: the MAC decides.
        let dotted = credentials.hostToken("a.1")
        let second = credentials.hostToken("a", generation: 1)
        #expect(caller(dotted) == .host("a.1"))
        #expect(caller(second) == nil)  // host `a` is still at generation 0
        _ = try generations.revoke("a")
        #expect(caller(second) == .host("a"))
        #expect(caller(dotted) == .host("a.1"))
    }

    /// `#` separates a generation in the signed message, so no host id may hold one: host
    /// `a#5` at generation 0 would sign what host `a` signs at generation 5.
    @Test func aHostIdWithTheGenerationSeparatorIsNoHost() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(caller(credentials.hostToken("a#5")) == nil)
        #expect(caller(credentials.hostToken("a b")) == nil)
    }

    @Test func anUnreadableFileRefusesEveryHostToken() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = credentials.hostToken("h1")
        #expect(caller(token) == .host("h1"))
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: generations.path))
        #expect(caller(token) == nil)
        #expect(caller("s3cret") == .operator)
        #expect(throws: (any Error).self) { try generations.revoke("h1") }
        try Data("{\"h1\": 0}".utf8).write(to: URL(fileURLWithPath: generations.path))
        #expect(caller(token) == .host("h1"))
    }
}
