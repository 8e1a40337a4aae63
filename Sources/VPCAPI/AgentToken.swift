import Foundation

/// The bearer token host agents present on `/_vpc/agent/*` (docs/agent-protocol.md):
/// `<data-dir>/agent-token`, 0600, 32 random bytes in hex, created on first start.
public struct AgentToken: Sendable {
    let value: [UInt8]

    public init(_ value: String) { self.value = Array(value.utf8) }

    /// Reads the token at `path`, creating it when the file does not exist.
    public static func loadOrCreate(path: String) throws -> AgentToken {
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { return AgentToken(text) }
        }
        var rng = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return AgentToken(hex)
    }

    /// Whether an `Authorization` header carries this token; compares in constant time.
    public func accepts(authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let given = Array(authorization.utf8.dropFirst(7))
        var difference = UInt8(given.count == value.count ? 0 : 1)
        for i in 0..<value.count { difference |= value[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }
}
