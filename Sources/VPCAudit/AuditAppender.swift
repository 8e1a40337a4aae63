public import VPCStore
import Foundation
import Synchronization

/// Appends the records of calls that changed nothing (reads, failures,
/// authentication failures) from a background thread, so an API call only
/// queues its record and never waits for a disk write. The thread wakes every
/// `interval` seconds, and when `batchSize` more records wait; it writes them
/// in batches of at most `batchSize`, one transaction each, so an API write
/// waits for one batch at most (in records: a starved thread may take a while
/// over it). `stop()` writes the rest.
///
/// The thread runs under SCHED_IDLE (`BackgroundPriority.idle`): it takes
/// little more than the CPU time request handling leaves. On a saturated machine
/// it falls behind; while `backlogLimit` records wait, each call that queues a
/// record writes the oldest `inlineBatchSize` itself unless a batch is being
/// written, and past twice that it waits its turn to write them (its CPU may
/// then go to the starved thread). So memory stays bounded: at most twice
/// `backlogLimit` records waiting, and as many written but not yet released
/// (those of the array a writer took last). No record is dropped; calls slow
/// down instead (at 32 connections, p99 ~5 ms against ~3.5 ms when memory was
/// let grow). A few records at a time: a request thread writing 256 held up
/// every connection it serves for ~2.5 ms.
public final class AuditAppender: Sendable {
    private struct Queue {
        var records: [CloudTrailRecord] = []
        var running = false
    }

    /// Records moved out of the queue by whoever writes (holding `writer`),
    /// oldest first; those before `next` are written.
    private struct Taken {
        var records: [CloudTrailRecord] = []
        var next = 0
    }

    public let store: any Store
    private let interval: Double
    private let batchSize: Int
    private let inlineBatchSize: Int
    private let backlogLimit: Int
    private let queue = Mutex(Queue())
    private let writer = Mutex(Taken())
    /// Records appended and not yet written (queued or taken).
    private let waiting = Atomic<Int>(0)
    private let wake = NSCondition()

    public init(store: any Store, interval: Double = 0.05, batchSize: Int = 256, inlineBatchSize: Int = 32,
                backlogLimit: Int = 20_000) {
        precondition(batchSize > 0 && inlineBatchSize > 0 && backlogLimit >= batchSize)
        self.store = store
        self.interval = interval
        self.batchSize = batchSize
        self.inlineBatchSize = inlineBatchSize
        self.backlogLimit = backlogLimit
    }

    /// Queues a record (and writes the oldest few first-hand when `backlogLimit` wait).
    public func append(_ record: CloudTrailRecord) {
        let count = queue.withLock { q in
            q.records.append(record)
            return waiting.add(1, ordering: .relaxed).newValue  // counted before a writer can take it
        }
        if count >= 2 * backlogLimit {
            writer.withLock { _ = writeBatch(&$0, upTo: inlineBatchSize) }
        } else if count >= backlogLimit {
            // Not while a batch is being written: a caller waiting on a starved writer would
            // stall with it; that batch is progress anyway.
            _ = writer.withLockIfAvailable { writeBatch(&$0, upTo: inlineBatchSize) }
        } else if count % batchSize == 0 {
            wake.lock(); wake.signal(); wake.unlock()
        }
    }

    /// Records queued and not yet written.
    public var backlog: Int { waiting.load(ordering: .relaxed) }

    /// Writes every queued record now, a batch at a time (others may write batches in between).
    public func flush() {
        while writer.withLock({ writeBatch(&$0, upTo: batchSize) }) {}
    }

    /// Writes the oldest `limit` records in one transaction; whether it wrote any.
    /// Records that fail to be written stay first in line for the next attempt.
    private func writeBatch(_ taken: inout Taken, upTo limit: Int) -> Bool {
        if taken.next == taken.records.count {
            // Capacity kept (at most twice `backlogLimit`): regrowing a long queue on a
            // request thread copies megabytes there (p99.9 at 32 connections 6-8 -> 8-13 ms).
            taken.records.removeAll(keepingCapacity: true)
            taken.next = 0
            queue.withLock { swap(&taken.records, &$0.records) }
        }
        let end = min(taken.next + limit, taken.records.count)
        guard taken.next < end else { return false }
        do {
            try store.appendEvents(taken.records[taken.next..<end].map { $0.auditEvent() })
        } catch {
            return false
        }
        waiting.subtract(end - taken.next, ordering: .relaxed)
        taken.next = end
        return true
    }

    /// Starts the background writer.
    public func start() {
        queue.withLock { $0.running = true }
        let thread = Thread { [self] in
            BackgroundPriority.name("audit-appender")
            BackgroundPriority.idle()
            while queue.withLock({ $0.running }) {
                wake.lock()
                _ = wake.wait(until: Date(timeIntervalSinceNow: interval))
                wake.unlock()
                flush()
                // The checkpoint the batches made due, here rather than in a request's commit.
                // A failed one leaves the log to the next attempt.
                try? store.maintain(overdueOnly: false)
            }
        }
        thread.start()
    }

    /// Stops the background writer and writes what is queued; returns how many
    /// records the store refused (0 unless it is failing).
    @discardableResult
    public func stop() -> Int {
        queue.withLock { $0.running = false }
        wake.lock(); wake.signal(); wake.unlock()
        flush()
        return backlog
    }
}
