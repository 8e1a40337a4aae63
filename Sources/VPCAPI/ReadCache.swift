import Synchronization

/// Rendered answers of read actions, reused while the caller's region has not
/// changed: a Describe of an unchanged region skips selection and XML encoding.
/// Keyed by account, region, action and canonical parameters; an entry is valid
/// only for the region version it was rendered at. Bounded in entries and in bytes (an
/// answer or request over `largestEntry` is not kept): when full it starts over.
public final class ReadCache: Sendable {
    struct Key: Hashable {
        var account: String
        var region: String
        var action: String
        var parameters: String
    }

    struct Entry {
        var version: UInt64
        var bytes: [UInt8]
    }

    private struct Contents {
        var entries: [Key: Entry] = [:]
        var bytes = 0
    }

    private let contents = Mutex(Contents())
    private let capacity: Int
    private let byteCapacity: Int
    /// The most bytes (parameters and answer) one entry may hold.
    static let largestEntry = 1 << 20

    public init(capacity: Int = 4096, byteCapacity: Int = 64 << 20) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
    }

    func lookup(_ key: Key, version: UInt64) -> [UInt8]? {
        contents.withLock { c in
            guard let entry = c.entries[key], entry.version == version else { return nil }
            return entry.bytes
        }
    }

    func store(_ key: Key, version: UInt64, bytes: [UInt8]) {
        let size = key.parameters.utf8.count + bytes.count
        guard size <= Self.largestEntry else { return }
        contents.withLock { c in
            if let old = c.entries[key] { c.bytes -= key.parameters.utf8.count + old.bytes.count }
            if (c.entries.count >= capacity && c.entries[key] == nil) || c.bytes + size > byteCapacity {
                c.entries.removeAll(keepingCapacity: true)
                c.bytes = 0
            }
            c.entries[key] = Entry(version: version, bytes: bytes)
            c.bytes += size
        }
    }

    /// Bytes held now (parameters and answers).
    var bytesHeld: Int { contents.withLock { $0.bytes } }
}
