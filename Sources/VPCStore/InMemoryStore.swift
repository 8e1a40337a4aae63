import Synchronization

/// A store that keeps records in memory only: for tests and throwaway servers.
/// It honours the same contract except durability across restarts.
public final class InMemoryStore: Store {
    private struct Key: Hashable { var account, region, kind, id: String }
    private struct State {
        var records: [Key: StoredRecord] = [:]
        var events: [AuditEvent] = []
        var digests: [AuditDigest] = []
    }
    private let state = Mutex(State())
    private let keys = Mutex<[String: AccessKey]>([:])

    public init() {}

    public func loadRecords() throws -> [StoredRecord] { state.withLock { Array($0.records.values) } }

    public func commit(_ changes: [RecordChange], events: [AuditEvent]) throws {
        state.withLock { state in
            for change in changes {
                switch change {
                case .put(let r): state.records[Key(account: r.account, region: r.region, kind: r.kind, id: r.id)] = r
                case .delete(let account, let region, let kind, let id):
                    state.records[Key(account: account, region: region, kind: kind, id: id)] = nil
                }
            }
            Self.append(events, to: &state)
        }
    }

    private static func append(_ events: [AuditEvent], to state: inout State) {
        for var event in events {
            event.sequence = Int64(state.events.count + 1)
            event.hash = RecordChain.link(state.events.last?.hash ?? RecordChain.genesis, event.body)
            state.events.append(event)
        }
    }

    public func deleteAllRecords() throws { state.withLock { $0.records.removeAll() } }
    public func loadAccessKeys() throws -> [AccessKey] { keys.withLock { Array($0.values) } }
    public func saveAccessKey(_ key: AccessKey) throws { keys.withLock { $0[key.accessKeyId] = key } }

    public func appendEvents(_ events: [AuditEvent]) throws { state.withLock { Self.append(events, to: &$0) } }

    public func loadEvents(after sequence: Int64, limit: Int) throws -> [AuditEvent] {
        state.withLock { Array($0.events.dropFirst(Int(max(0, sequence))).prefix(limit)) }
    }

    public func chainHead() throws -> (sequence: Int64, hash: [UInt8])? {
        state.withLock { s in s.events.last.map { ($0.sequence, $0.hash ?? RecordChain.genesis) } }
    }

    public func lookupEvents(_ query: AuditQuery) throws -> [AuditEvent] {
        state.withLock { Array($0.events.reversed().lazy.filter(query.matches).prefix(query.limit)) }
    }

    public func loadResourceIndex() throws -> [Int64: [AuditResource]] {
        state.withLock { s in
            Dictionary(s.events.filter { !$0.resources.isEmpty }.map { ($0.sequence, $0.resources) },
                       uniquingKeysWith: { a, _ in a })
        }
    }

    public func saveDigest(_ digest: AuditDigest) throws { state.withLock { $0.digests.append(digest) } }
    public func loadDigests() throws -> [AuditDigest] { state.withLock { $0.digests } }
}
