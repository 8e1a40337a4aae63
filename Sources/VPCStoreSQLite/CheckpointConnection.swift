import GRDB
import GRDBSQLite
import Synchronization

/// A connection of its own for background checkpoints. A PASSIVE checkpoint on it
/// copies what it can while commits on the store's connection go on: run on the
/// store's own connection, a checkpoint would hold every commit and read for its
/// page copies and fsyncs, and more so on a starved SCHED_IDLE thread.
final class CheckpointConnection: @unchecked Sendable {  // the handle is used only under `lock`
    private let handle: OpaquePointer
    private let lock = Mutex(())

    /// Opens `path`, an existing database in WAL mode.
    init(path: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            sqlite3_close_v2(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot open \(path) to checkpoint it")
        }
        sqlite3_exec(handle, "PRAGMA synchronous = FULL", nil, nil, nil)  // both syncs of a checkpoint
        self.handle = handle
    }

    deinit { sqlite3_close_v2(handle) }

    /// Checkpoints the log (PASSIVE); whether every frame in it was copied.
    func checkpoint() throws -> Bool {
        try lock.withLock { _ in
            var frames: Int32 = 0
            var copied: Int32 = 0
            let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(handle)))
            }
            return frames == copied
        }
    }
}
