import GRDB
import GRDBSQLite
import Synchronization

/// When the write-ahead log is folded back into the database. SQLite's own
/// automatic checkpoint runs in whichever commit reaches 1,000 pages, so a
/// request thread that appends a few audit records could wait for a checkpoint
/// and its two fsyncs (DescribeVpcs p99 at 32 connections 5.2-6.7 ms with it,
/// 3.6-4.4 without). Instead background threads checkpoint
/// (`SQLiteStore.maintain`) from `checkpointPages` on, and a commit checkpoints
/// itself only from `inlinePages` on, when they have fallen that far behind.
final class WriteAheadLog: Sendable {
    let checkpointPages: Int
    let inlinePages: Int
    private let latest = Atomic<Int>(0)

    init(checkpointPages: Int, inlinePages: Int) {
        self.checkpointPages = checkpointPages
        self.inlinePages = inlinePages
    }

    /// Pages in the log after the latest commit (0 right after a checkpoint).
    var pages: Int { latest.load(ordering: .relaxed) }

    func checkpointed() { latest.store(0, ordering: .relaxed) }

    /// Replaces the connection's automatic checkpoint with this policy. The hook's
    /// context is `self` unretained: the store keeps it, and GRDB keeps it in the
    /// `prepareDatabase` closure, for as long as the connection is open.
    func watch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, pages in
            let log = Unmanaged<WriteAheadLog>.fromOpaque(context!).takeUnretainedValue()
            log.latest.store(Int(pages), ordering: .relaxed)
            guard Int(pages) >= log.inlinePages else { return SQLITE_OK }
            // What SQLite's automatic checkpoint does; its failure (SQLITE_BUSY) is not the commit's.
            if sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK {
                log.checkpointed()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
