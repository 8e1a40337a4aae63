public import VPCStore
import GRDB
import Foundation

extension SQLiteStore: FlowLogStore {
    static func registerFlowLogMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v3-flow-logs") { db in
            try db.execute(sql: """
                CREATE TABLE flow_log_batches (
                    host TEXT NOT NULL, sequence INTEGER NOT NULL, stored_at REAL NOT NULL,
                    PRIMARY KEY (host, sequence)) WITHOUT ROWID;
                CREATE TABLE flow_log_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL,
                    flow_log_id TEXT NOT NULL, interface_id TEXT NOT NULL, log_group TEXT, log_stream TEXT NOT NULL,
                    timestamp INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL,
                    srcaddr TEXT, dstaddr TEXT, action TEXT);
                CREATE INDEX flow_log_events_group ON flow_log_events (account, region, log_group, timestamp, id);
                CREATE INDEX flow_log_events_interface ON flow_log_events (interface_id, timestamp);
                """)
        }
    }

    public func storeFlowLogBatch(host: String, sequence: UInt64, events: [FlowLogEvent],
                                  beforeCommit: () throws -> Void) throws -> Bool {
        try queue.write { db in
            let seen = try Bool.fetchOne(db, sql: "SELECT 1 FROM flow_log_batches WHERE host = ? AND sequence = ?",
                                         arguments: [host, Int64(bitPattern: sequence)]) ?? false
            if seen { return false }
            try db.execute(sql: "INSERT INTO flow_log_batches (host, sequence, stored_at) VALUES (?, ?, ?)",
                           arguments: [host, Int64(bitPattern: sequence), Date().timeIntervalSince1970])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO flow_log_events (account, region, flow_log_id, interface_id, log_group, log_stream,
                    timestamp, ingestion_time, message, srcaddr, dstaddr, action)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for e in events {
                try insert.execute(arguments: [e.account, e.region, e.flowLogId, e.interfaceId, e.logGroup, e.logStream,
                                               e.timestamp, e.ingestionTime, e.message, e.srcaddr, e.dstaddr, e.action])
            }
            try beforeCommit()
            return true
        }
    }

    public func flowLogEvents(_ q: FlowLogEventQuery) throws -> [StoredFlowLogEvent] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ sql: String, _ values: (any DatabaseValueConvertible)?...) { conditions.append(sql); arguments += values }
        if let v = q.account { add("account = ?", v) }
        if let v = q.region { add("region = ?", v) }
        if let v = q.logGroup { add("log_group = ?", v) }
        if let v = q.logStreams, !v.isEmpty {
            conditions.append("log_stream IN (\(v.map { _ in "?" }.joined(separator: ",")))")
            arguments += v.map { $0 as (any DatabaseValueConvertible)? }
        }
        if let v = q.logStreamPrefix { add("substr(log_stream, 1, ?) = ?", v.count, v) }
        if let v = q.interfaceId { add("interface_id = ?", v) }
        if let v = q.address { add("(srcaddr = ? OR dstaddr = ?)", v, v) }
        if let v = q.action { add("action = ?", v) }
        if let v = q.afterId { add("id > ?", v) }
        if let v = q.flowLogId { add("flow_log_id = ?", v) }
        if let v = q.startTime { add("timestamp >= ?", v) }
        if let v = q.endTime { add("timestamp < ?", v) }
        if let (t, id) = q.after {
            add(q.descending ? "(timestamp < ? OR (timestamp = ? AND id < ?))" : "(timestamp > ? OR (timestamp = ? AND id > ?))",
                t, t, id)
        }
        let order = q.descending ? "DESC" : "ASC"
        let sql = """
            SELECT id, account, region, flow_log_id, interface_id, log_group, log_stream, timestamp, ingestion_time,
                   message, srcaddr, dstaddr, action FROM flow_log_events
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY \(q.storingOrder ? "" : "timestamp \(order), ")id \(order) LIMIT ?
            """
        arguments.append(q.limit)
        return try queue.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                StoredFlowLogEvent(id: row[0], event: FlowLogEvent(
                    account: row[1], region: row[2], flowLogId: row[3], interfaceId: row[4], logGroup: row[5],
                    logStream: row[6], timestamp: row[7], ingestionTime: row[8], message: row[9], srcaddr: row[10],
                    dstaddr: row[11], action: row[12]))
            }
        }
    }

    public func flowLogStreams(account: String, region: String, logGroup: String) throws -> [FlowLogStreamSummary] {
        try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT log_stream, MIN(timestamp), MAX(timestamp), MAX(ingestion_time), SUM(LENGTH(message))
                FROM flow_log_events WHERE account = ? AND region = ? AND log_group = ?
                GROUP BY log_stream ORDER BY log_stream
                """, arguments: [account, region, logGroup]).map {
                FlowLogStreamSummary(name: $0[0], firstEventTimestamp: $0[1], lastEventTimestamp: $0[2],
                                     lastIngestionTime: $0[3], storedBytes: $0[4])
            }
        }
    }
}
