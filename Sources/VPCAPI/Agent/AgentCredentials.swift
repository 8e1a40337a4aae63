import Crypto
import VPCAudit
import VPCModel

/// Who is calling `/_vpc/agent/*` (docs/agent-protocol.md, "Credentials"): the operator,
/// holding the agent secret (`<data-dir>/agent-token`), who may act for every host; or
/// one host, holding its own token `<host id>.<hex HMAC-SHA256(secret, "vpc-agent-host:" +
/// host id)>`, who may act for itself alone. So an agent, or whoever takes its machine,
/// cannot read another host's feed (its instances' user data), report for another host's
/// instances or deliver flow records for them. A revoked host token (`HostTokenGenerations`)
/// is replaced by one of the next generation, `<host id>.<generation>.<hex HMAC-SHA256(secret,
/// "vpc-agent-host:" + host id + "#" + generation)>`; only the current generation is accepted.
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
    private let generations: HostTokenGenerations?

    /// `generations`: which token of each host is valid (nil: the first of every host).
    public init(secret: String, generations: HostTokenGenerations? = nil) {
        self.secret = Array(secret.utf8)
        self.generations = generations
    }

    /// The token of `hostId` at `generation`, which `vpc up` hands each agent it starts and
    /// `vpc agent-token` prints for an agent elsewhere.
    public func hostToken(_ hostId: String, generation: Int = 0) -> String {
        let message = generation == 0 ? "vpc-agent-host:" + hostId : "vpc-agent-host:\(hostId)#\(generation)"
        let mac = Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: secret)))
        return generation == 0 ? hostId + "." + mac : "\(hostId).\(generation).\(mac)"
    }

    /// The caller an `Authorization: Bearer …` header proves; nil when it proves none.
    /// Compared in constant time.
    public func caller(_ authorization: String?) -> Caller? {
        guard let authorization, authorization.hasPrefix("Bearer "), !secret.isEmpty else { return nil }
        let token = authorization.dropFirst("Bearer ".count)
        if Self.equal(Array(token.utf8), secret) { return .operator }
        guard let dot = token.lastIndex(of: "."), dot != token.startIndex else { return nil }
        // `<host>.<mac>`, or `<host>.<generation>.<mac>`: a host id may hold dots, so both
        // readings are tried; the MACs differ, so at most one matches.
        let front = token[..<dot]
        var readings = [(host: String(front), generation: 0)]
        if let second = front.lastIndex(of: "."), second != front.startIndex,
           let generation = Int(front[front.index(after: second)...]), generation > 0,
           String(generation) == front[front.index(after: second)...] {
            readings.append((String(front[..<second]), generation))
        }
        for reading in readings where HostRegistration.isValidHostId(reading.host)
            && Self.equal(Array(token.utf8), Array(hostToken(reading.host, generation: reading.generation).utf8)) {
            let valid = generations.map { $0.current(reading.host) } ?? 0
            return reading.generation == valid ? .host(reading.host) : nil
        }
        return nil
    }

    static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<expected.count { difference |= expected[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }
}
