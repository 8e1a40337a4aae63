import Synchronization

/// Rendered answers of read actions, reused while the caller's region has not
/// changed: a Describe of an unchanged region skips selection and XML encoding.
/// Keyed by account, region, action and canonical parameters; an entry is valid
/// only for the region version it was rendered at. Bounded: when full it starts over.
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

    private let entries = Mutex<[Key: Entry]>([:])
    private let capacity: Int

    public init(capacity: Int = 4096) { self.capacity = capacity }

    func lookup(_ key: Key, version: UInt64) -> [UInt8]? {
        entries.withLock { all in
            guard let entry = all[key], entry.version == version else { return nil }
            return entry.bytes
        }
    }

    func store(_ key: Key, version: UInt64, bytes: [UInt8]) {
        entries.withLock { all in
            if all.count >= capacity && all[key] == nil { all.removeAll(keepingCapacity: true) }
            all[key] = Entry(version: version, bytes: bytes)
        }
    }
}
