import GRDB
import GRDBSQLite

/// Runs a prepared INSERT once per row, its values bound straight through
/// SQLite's C API from one reused buffer. GRDB's `StatementArguments` box every
/// value in an existential, and a value bound as transient is copied into a
/// fresh allocation and freed again; for the audit trail, one row per API
/// call, both showed in profiles. The buffer stays put while the row is stepped,
/// so SQLite reads the values where they are.
struct BoundInsert: ~Copyable {
    private enum Value {
        case text(Range<Int>), blob(Range<Int>), real(Double), integer(Int64)
    }

    private let statement: Statement
    private var bytes: [UInt8] = []
    private var values: [Value] = []

    init(_ statement: Statement) {
        self.statement = statement
        bytes.reserveCapacity(4096)
        values.reserveCapacity(16)
    }

    mutating func bind(_ value: String) {
        let start = bytes.count
        bytes.append(contentsOf: value.utf8)
        values.append(.text(start..<bytes.count))
    }

    mutating func bind(_ value: [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: value)
        values.append(.blob(start..<bytes.count))
    }

    mutating func bind(_ value: Double) { values.append(.real(value)) }
    mutating func bind(_ value: Int64) { values.append(.integer(value)) }
    mutating func bind(_ value: Bool) { values.append(.integer(value ? 1 : 0)) }

    /// Inserts one row from the values bound since the last `run`.
    mutating func run(_ db: Database) throws {
        defer {
            bytes.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
        }
        bytes.append(0)  // never empty, so the buffer has an address even when every value is empty
        let sql = statement.sqliteStatement
        let (code, message) = bytes.withUnsafeBufferPointer { buffer -> (Int32, String?) in
            let base = buffer.baseAddress!
            var code = SQLITE_OK
            for (i, value) in values.enumerated() where code == SQLITE_OK {
                let index = Int32(i + 1)
                switch value {
                case .text(let r):
                    code = base.advanced(by: r.lowerBound).withMemoryRebound(to: CChar.self, capacity: r.count) {
                        sqlite3_bind_text(sql, index, $0, Int32(r.count), nil)
                    }
                case .blob(let r): code = sqlite3_bind_blob(sql, index, base.advanced(by: r.lowerBound), Int32(r.count), nil)
                case .real(let v): code = sqlite3_bind_double(sql, index, v)
                case .integer(let v): code = sqlite3_bind_int64(sql, index, v)
                }
            }
            if code == SQLITE_OK { code = sqlite3_step(sql) }
            // The message before the reset clears it.
            let message = code == SQLITE_DONE ? nil : db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
            // Unbind before the buffer is reused (nil destructor: SQLite did not copy it).
            sqlite3_reset(sql)
            sqlite3_clear_bindings(sql)
            return (code, message)
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}
