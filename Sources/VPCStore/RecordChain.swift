import Crypto

/// The hash chain over audit records in sequence order:
/// `hash = SHA-256(previous hash ‖ record bytes)`, starting from 32 zero bytes.
/// A store extends it in the transaction that appends the records, so every
/// committed record carries its hash.
public enum RecordChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func link(_ previous: [UInt8], _ body: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(data: previous)
        h.update(data: body)
        return Array(h.finalize())
    }
}
