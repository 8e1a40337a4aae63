public import VPCStore
import GRDB
import Foundation

/// The audit trail's tables: records (sequence = rowid in commit order), their
/// resources (for LookupEvents), digests and the log files they list.
extension SQLiteStore {
    /// Text columns are read as blobs: read as text they would end at a NUL, which a client
    /// may send (in `Action`, in its credential scope) and the record keeps.
    static let eventColumns = """
        seq, CAST(event_id AS BLOB), event_time, CAST(account AS BLOB), CAST(region AS BLOB),
        CAST(event_name AS BLOB), CAST(event_source AS BLOB), read_only, CAST(username AS BLOB),
        CAST(access_key_id AS BLOB), CAST(resources AS BLOB), body, hash
        """

    /// Appends `events` in the caller's transaction, each chained to the one
    /// before it: the chain head is read in the same transaction, so the
    /// sequence order (SQLite's single writer) is the chain order.
    static func insert(_ events: [AuditEvent], _ db: Database) throws {
        guard !events.isEmpty else { return }
        var previous = try chainHead(db)?.hash ?? RecordChain.genesis
        let insert = try db.cachedStatement(sql: """
            INSERT INTO audit_events (event_id, event_time, account, region, event_name, event_source, read_only,
                username, access_key_id, resources, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let resource = try db.cachedStatement(sql: "INSERT INTO audit_resources (seq, type, name) VALUES (?, ?, ?)")
        var row = BoundInsert(insert)
        for e in events {
            previous = RecordChain.link(previous, e.body)
            row.bind(e.eventID)
            row.bind(e.eventTime)
            row.bind(e.account)
            row.bind(e.region)
            row.bind(e.eventName)
            row.bind(e.eventSource)
            row.bind(e.readOnly)
            row.bind(e.username)
            row.bind(e.accessKeyId)
            row.bind(e.resources.isEmpty ? "" : e.resources.map { "\($0.type)\t\($0.name)" }.joined(separator: "\n"))
            row.bind(e.body)
            row.bind(previous)
            try row.run(db)
            guard !e.resources.isEmpty else { continue }
            let seq = db.lastInsertedRowID
            for r in e.resources { try resource.execute(arguments: [seq, r.type, r.name]) }
        }
    }

    /// The newest record's sequence and hash. A record without a hash can only
    /// have been edited after the fact (the verifier reports it); the chain
    /// then continues from the genesis hash.
    static func chainHead(_ db: Database) throws -> (sequence: Int64, hash: [UInt8])? {
        let newest = try db.cachedStatement(sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        guard let row = try Row.fetchOne(newest) else { return nil }
        let hash: Data? = row[1]
        return (row[0], hash.map { [UInt8]($0) } ?? RecordChain.genesis)
    }

    /// The sealed mark: `markSealed`'s one row.
    static func registerSealedMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5-audit-sealed") { db in
            try db.execute(sql: "CREATE TABLE audit_sealed (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL)")
        }
    }

    /// Chains the records a background sealer had not chained yet (before
    /// records were chained as they were appended).
    static func registerChainOnAppendMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v4-audit-chained-on-append") { db in
            // The old sealer chained in sequence order: everything after its newest hash is unchained.
            let sealed = try Row.fetchOne(db, sql: """
                SELECT seq, hash FROM audit_events WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1
                """)
            var after: Int64 = sealed?[0] ?? 0
            var previous = (sealed?[1] as Data?).map { [UInt8]($0) } ?? RecordChain.genesis
            while true {  // a page at a time, not the whole trail in memory
                let rows = try Row.fetchAll(db, sql: "SELECT seq, body FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 1000",
                                            arguments: [after])
                if rows.isEmpty { break }
                for row in rows {
                    let body: Data = row[1]
                    previous = RecordChain.link(previous, [UInt8](body))
                    after = row[0]
                    try db.execute(sql: "UPDATE audit_events SET hash = ? WHERE seq = ?", arguments: [Data(previous), after])
                }
            }
        }
    }

    /// A text column selected `AS BLOB`, whole (NULs included).
    static func text(_ row: Row, _ column: Int) -> String {
        String(decoding: (row[column] as Data?) ?? Data(), as: UTF8.self)
    }

    static func event(_ row: Row) -> AuditEvent {
        func text(_ column: Int) -> String { Self.text(row, column) }
        let resources = text(10)
        let body: Data = row[11]
        let hash: Data? = row[12]
        return AuditEvent(
            sequence: row[0], eventID: text(1), eventTime: row[2], account: text(3), region: text(4),
            eventName: text(5), eventSource: text(6), readOnly: row[7], username: text(8), accessKeyId: text(9),
            resources: resources.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: "\t", maxSplits: 1)
                return parts.count == 2 ? AuditResource(type: String(parts[0]), name: String(parts[1])) : nil
            },
            body: [UInt8](body), hash: hash.map { [UInt8]($0) })
    }

    /// A transaction committed without its own fsync (synchronous=NORMAL): it
    /// survives a process crash, and the next synchronous commit makes it
    /// durable against power loss too. For what can be lost or redone — the
    /// batched records of calls that changed nothing — so API writes never
    /// queue behind an extra fsync.
    func writeWithoutSync(_ body: (Database) throws -> Void) throws {
        try queue.inDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.inTransaction {
                try body(db)
                return .commit
            }
        }
    }

    public func appendEvents(_ events: [AuditEvent]) throws {
        guard !events.isEmpty else { return }
        try writeWithoutSync { db in try Self.insert(events, db) }
    }

    public func loadEvents(after sequence: Int64, limit: Int) throws -> [AuditEvent] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [sequence, limit]).map(Self.event)
        }
    }

    public func chainHead() throws -> (sequence: Int64, hash: [UInt8])? {
        try queue.read { db in try Self.chainHead(db) }
    }

    public func lookupEvents(_ query: AuditQuery) throws -> [AuditEvent] {
        var sql = "SELECT \(Self.eventColumns) FROM audit_events WHERE account = ?"
        var arguments: StatementArguments = [query.account]
        if let region = query.region { sql += " AND region = ?"; arguments += [region] }
        if let before = query.beforeSequence { sql += " AND seq < ?"; arguments += [before] }
        if let start = query.startTime { sql += " AND event_time >= ?"; arguments += [start] }
        if let end = query.endTime { sql += " AND event_time <= ?"; arguments += [end] }
        if let (key, value) = query.attribute {
            switch key {
            case .eventId: sql += " AND event_id = ?"
            case .eventName: sql += " AND event_name = ?"
            case .username: sql += " AND username = ?"
            case .eventSource: sql += " AND event_source = ?"
            case .accessKeyId: sql += " AND access_key_id = ?"
            case .readOnly: sql += " AND read_only = (? = 'true')"
            case .resourceType: sql += " AND seq IN (SELECT seq FROM audit_resources WHERE type = ?)"
            case .resourceName: sql += " AND seq IN (SELECT seq FROM audit_resources WHERE name = ?)"
            }
            arguments += [value]
        }
        sql += " ORDER BY seq DESC LIMIT ?"
        arguments += [query.limit]
        return try queue.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.event) }
    }

    public func loadResourceIndex() throws -> [Int64: [AuditResource]] {
        try queue.read { db in
            var index: [Int64: [AuditResource]] = [:]
            let sql = "SELECT seq, CAST(type AS BLOB), CAST(name AS BLOB) FROM audit_resources ORDER BY rowid"
            for row in try Row.fetchAll(db, sql: sql) {
                index[row[0], default: []].append(AuditResource(type: Self.text(row, 1), name: Self.text(row, 2)))
            }
            return index
        }
    }

    /// A synchronous commit: its fsync of the write-ahead log takes every frame before it,
    /// those of `appendEvents` included.
    public func markSealed(through sequence: Int64) throws {
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO audit_sealed (id, last_seq) VALUES (1, ?)
                ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq
                """, arguments: [sequence])
        }
    }

    public func saveDigest(_ digest: AuditDigest) throws {
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO audit_digests (key, end_time, first_seq, last_seq, body, signature)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [digest.key, digest.endTime, digest.firstSequence, digest.lastSequence,
                                 Data(digest.body), digest.signature])
            for file in digest.logFiles {
                try db.execute(sql: "INSERT INTO audit_log_files (digest_key, key, body) VALUES (?, ?, ?)",
                               arguments: [digest.key, file.key, Data(file.bytes)])
            }
        }
    }

    public func loadDigests() throws -> [AuditDigest] {
        try queue.read { db in
            var files: [String: [AuditLogFile]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT digest_key, key, body FROM audit_log_files ORDER BY rowid") {
                let body: Data = row[2]
                files[row[0], default: []].append(AuditLogFile(key: row[1], bytes: [UInt8](body)))
            }
            return try Row.fetchAll(db, sql: """
                SELECT key, end_time, first_seq, last_seq, body, signature FROM audit_digests ORDER BY seq
                """).map { row in
                let body: Data = row[4]
                let key: String = row[0]
                return AuditDigest(key: key, endTime: row[1], firstSequence: row[2], lastSequence: row[3],
                                   body: [UInt8](body), signature: row[5], logFiles: files[key] ?? [])
            }
        }
    }
}
