import Crypto
import VPCAudit

/// Who is calling `/_vpc/agent/*` (docs/agent-protocol.md, "Credentials"): the operator,
/// holding the agent secret (`<data-dir>/agent-token`), who may act for every host; or
/// one host, holding its own token `<host id>.<hex HMAC-SHA256(secret, "vpc-agent-host:" +
/// host id)>`, who may act for itself alone. So an agent, or whoever takes its machine,
/// cannot read another host's feed (its instances' user data), report for another host's
/// instances or deliver flow records for them.
public struct AgentCredentials: Sendable {
    public enum Caller: Equatable, Sendable {
        case `operator`
        case host(String)

        /// The one host this caller may act as; nil for the operator (every host).
        public var host: String? { if case .host(let own) = self { own } else { nil } }

        /// Whether this caller may act as `hostId`.
        public func mayActAs(_ hostId: String) -> Bool { host.map { $0 == hostId } ?? true }
    }

    private let secret: [UInt8]

    public init(secret: String) { self.secret = Array(secret.utf8) }

    /// The token of `hostId`, which `vpc up` hands each agent it starts and `vpc agent-token`
    /// prints for an agent elsewhere.
    public func hostToken(_ hostId: String) -> String {
        hostId + "." + Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(("vpc-agent-host:" + hostId).utf8),
                                                                              using: SymmetricKey(data: secret)))
    }

    /// The caller an `Authorization: Bearer …` header proves; nil when it proves none.
    /// Compared in constant time.
    public func caller(_ authorization: String?) -> Caller? {
        guard let authorization, authorization.hasPrefix("Bearer "), !secret.isEmpty else { return nil }
        let token = authorization.dropFirst("Bearer ".count)
        if Self.equal(Array(token.utf8), secret) { return .operator }
        guard let dot = token.lastIndex(of: "."), dot != token.startIndex else { return nil }
        let hostId = String(token[..<dot])
        return Self.equal(Array(token.utf8), Array(hostToken(hostId).utf8)) ? .host(hostId) : nil
    }

    static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<expected.count { difference |= expected[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }
}
