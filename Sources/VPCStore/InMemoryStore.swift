import Synchronization

/// A store that keeps records in memory only: for tests and throwaway servers.
/// It honours the same contract except durability across restarts.
public final class InMemoryStore: Store {
    private struct Key: Hashable { var account, region, kind, id: String }
    private let records = Mutex<[Key: StoredRecord]>([:])
    private let keys = Mutex<[String: AccessKey]>([:])

    public init() {}

    public func loadRecords() throws -> [StoredRecord] { records.withLock { Array($0.values) } }

    public func commit(_ changes: [RecordChange]) throws {
        records.withLock { rows in
            for change in changes {
                switch change {
                case .put(let r): rows[Key(account: r.account, region: r.region, kind: r.kind, id: r.id)] = r
                case .delete(let account, let region, let kind, let id):
                    rows[Key(account: account, region: region, kind: kind, id: id)] = nil
                }
            }
        }
    }

    public func deleteAllRecords() throws { records.withLock { $0.removeAll() } }
    public func loadAccessKeys() throws -> [AccessKey] { keys.withLock { Array($0.values) } }
    public func saveAccessKey(_ key: AccessKey) throws { keys.withLock { $0[key.accessKeyId] = key } }
}
