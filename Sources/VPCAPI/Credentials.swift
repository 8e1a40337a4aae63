public import VPCStore
import Synchronization

/// The access keys the server accepts, kept in the store and cached here.
public final class Credentials: Sendable {
    private let keys: Mutex<[String: AccessKey]>
    private let store: any Store

    public init(store: any Store) throws {
        self.store = store
        keys = Mutex(Dictionary(try store.loadAccessKeys().map { ($0.accessKeyId, $0) }, uniquingKeysWith: { $1 }))
    }

    public func key(_ accessKeyId: String) -> AccessKey? { keys.withLock { $0[accessKeyId] } }

    public var isEmpty: Bool { keys.withLock { $0.isEmpty } }

    /// Stores a key durably and starts accepting it.
    public func provision(_ key: AccessKey) throws {
        try store.saveAccessKey(key)
        keys.withLock { $0[key.accessKeyId] = key }
    }
}
