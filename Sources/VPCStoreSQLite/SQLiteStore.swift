public import VPCStore
import GRDB
import Foundation

/// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a
/// commit that returned survives a crash or power loss.
public final class SQLiteStore: Store {
    let queue: DatabaseQueue
    let log: WriteAheadLog
    /// A connection of its own for background checkpoints: a PASSIVE checkpoint there
    /// copies what it can while commits on `queue` go on. On `queue` it would hold every
    /// commit and read for its page copies and fsyncs, longer on a starved SCHED_IDLE thread.
    private let checkpoints: DatabaseQueue

    /// Opens (creating if needed) the database at `path` and migrates it.
    public convenience init(path: String) throws {
        try self.init(path: path, log: WriteAheadLog(checkpointPages: 1_000, inlinePages: 16_000))
    }

    init(path: String, log: WriteAheadLog) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // The log file shrinks back after a checkpoint that let it grow past 16 MB.
            try db.execute(sql: "PRAGMA journal_size_limit = 16777216")
            log.watch(db)
        }
        queue = try DatabaseQueue(path: path, configuration: config)
        self.log = log
        try Self.migrator.migrate(queue)
        checkpoints = try DatabaseQueue(path: path)
    }

    /// Checkpoints the write-ahead log, on a connection of its own, once it holds
    /// `log.checkpointPages` (overdue: 4 times that).
    public func maintain(overdueOnly: Bool) throws {
        guard log.pages >= log.checkpointPages * (overdueOnly ? 4 : 1) else { return }
        let (frames, copied) = try checkpoints.writeWithoutTransaction { try $0.checkpoint(.passive) }
        if frames == copied { log.checkpointed() }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE records (
                    account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
                    body BLOB NOT NULL, PRIMARY KEY (account, region, kind, id)) WITHOUT ROWID;
                CREATE TABLE access_keys (
                    access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, account TEXT NOT NULL,
                    user_name TEXT NOT NULL);
                """)
        }
        m.registerMigration("v2-audit") { db in
            try db.execute(sql: """
                CREATE TABLE audit_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, event_time REAL NOT NULL,
                    account TEXT NOT NULL, region TEXT NOT NULL, event_name TEXT NOT NULL,
                    event_source TEXT NOT NULL, read_only INTEGER NOT NULL, username TEXT NOT NULL,
                    access_key_id TEXT NOT NULL, resources TEXT NOT NULL, body BLOB NOT NULL, hash BLOB);
                CREATE INDEX audit_events_account ON audit_events (account, seq);
                CREATE TABLE audit_resources (seq INTEGER NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL);
                CREATE INDEX audit_resources_name ON audit_resources (name);
                CREATE INDEX audit_resources_type ON audit_resources (type);
                CREATE TABLE audit_digests (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, end_time REAL NOT NULL,
                    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, body BLOB NOT NULL,
                    signature TEXT NOT NULL);
                CREATE TABLE audit_log_files (digest_key TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL);
                """)
        }
        registerFlowLogMigration(&m)
        registerChainOnAppendMigration(&m)
        registerSealedMigration(&m)
        return m
    }

    public func loadRecords() throws -> [StoredRecord] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT account, region, kind, id, body FROM records").map { row in
                let body: Data = row[4]
                return StoredRecord(account: row[0], region: row[1], kind: row[2], id: row[3], body: [UInt8](body))
            }
        }
    }

    public func commit(_ changes: [RecordChange], events: [AuditEvent]) throws {
        guard !changes.isEmpty || !events.isEmpty else { return }
        try queue.write { db in
            try Self.insert(events, db)
            let put = try db.cachedStatement(sql:
                "INSERT OR REPLACE INTO records (account, region, kind, id, body) VALUES (?, ?, ?, ?, ?)")
            let delete = try db.cachedStatement(sql:
                "DELETE FROM records WHERE account = ? AND region = ? AND kind = ? AND id = ?")
            for change in changes {
                switch change {
                case .put(let r):
                    try put.execute(arguments: [r.account, r.region, r.kind, r.id, Data(r.body)])
                case .delete(let account, let region, let kind, let id):
                    try delete.execute(arguments: [account, region, kind, id])
                }
            }
        }
    }

    public func deleteAllRecords() throws {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM records; DELETE FROM flow_log_events; DELETE FROM flow_log_batches")
        }
    }

    public func loadAccessKeys() throws -> [AccessKey] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT access_key_id, secret, account, user_name FROM access_keys").map {
                AccessKey(accessKeyId: $0[0], secretAccessKey: $0[1], account: $0[2], userName: $0[3])
            }
        }
    }

    public func saveAccessKey(_ key: AccessKey) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO access_keys VALUES (?, ?, ?, ?)",
                           arguments: [key.accessKeyId, key.secretAccessKey, key.account, key.userName])
        }
    }
}
