import GRDB
import GRDBSQLite

/// Runs a prepared INSERT with its values bound straight through SQLite's C
/// API. GRDB's `StatementArguments` box every value in an existential; for the
/// audit trail, one insert per API call, that boxing was a third of the insert.
struct BoundInsert: ~Copyable {
    private let statement: Statement
    private let sql: OpaquePointer
    private var index: Int32 = 0

    init(_ statement: Statement) {
        self.statement = statement
        sql = statement.sqliteStatement
        sqlite3_reset(sql)
        sqlite3_clear_bindings(sql)
    }

    mutating func bind(_ value: String) {
        index += 1
        let count = Int32(value.utf8.count)
        _ = value.withCString { sqlite3_bind_text(sql, index, $0, count, transient) }
    }

    mutating func bind(_ value: [UInt8]) {
        index += 1
        _ = value.withUnsafeBytes { bytes in
            // A zero-length blob, not NULL, when the buffer has no address.
            sqlite3_bind_blob(sql, index, bytes.baseAddress ?? UnsafeRawPointer(sql), Int32(bytes.count), transient)
        }
    }

    mutating func bind(_ value: Double) { index += 1; sqlite3_bind_double(sql, index, value) }
    mutating func bind(_ value: Int64) { index += 1; sqlite3_bind_int64(sql, index, value) }
    mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }

    /// Steps the statement once and resets it.
    consuming func run(_ db: Database) throws {
        let code = sqlite3_step(sql)
        sqlite3_reset(sql)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) },
                                sql: statement.sql)
        }
    }
}

/// SQLite copies the bound bytes before the call returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
