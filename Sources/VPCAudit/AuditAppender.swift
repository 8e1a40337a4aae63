public import VPCStore
import Foundation
import Synchronization

/// Appends the records of calls that changed nothing (reads, failures,
/// authentication failures) in batches from a background thread, so an API
/// call only queues its record and never waits for a disk write. Flushes every
/// `interval` seconds, when `batchSize` records wait, and on `stop()`.
///
/// The thread runs at the lowest priority (`BackgroundPriority`). While it is
/// `backlogLimit` records behind (a machine saturated for long), each call that
/// queues a record writes the oldest `batchSize` itself unless the thread is
/// writing: the trail's memory stays bounded and no record is dropped; calls
/// slow down instead.
public final class AuditAppender: Sendable {
    private struct State {
        var pending: [CloudTrailRecord] = []
        var running = false
        var failures = 0
    }
    public let store: any Store
    private let interval: Double
    private let batchSize: Int
    private let backlogLimit: Int
    /// Records encoded or inserted between two pauses of the appender's thread.
    private let pauseEvery = 32
    private let state = Mutex(State())
    private let wake = NSCondition()
    private let flushing = Mutex(())

    public init(store: any Store, interval: Double = 0.05, batchSize: Int = 500, backlogLimit: Int = 20_000) {
        precondition(backlogLimit >= batchSize)
        self.store = store
        self.interval = interval
        self.batchSize = batchSize
        self.backlogLimit = backlogLimit
    }

    /// Queues a record (and writes the oldest batch first-hand when `backlogLimit` wait).
    public func append(_ record: CloudTrailRecord) {
        let waiting = state.withLock { s -> Int in
            s.pending.append(record)
            return s.pending.count
        }
        if waiting >= backlogLimit {
            // Not while the thread is writing: a caller waiting on a starved low-priority
            // thread would stall (measured: a 220 ms answer); that batch is progress anyway.
            _ = flushing.withLockIfAvailable { _ in writeBatch(upTo: batchSize, yielding: false) }
        } else if waiting >= batchSize {
            wake.lock(); wake.signal(); wake.unlock()
        }
    }

    /// Records queued and not yet written.
    public var backlog: Int { state.withLock { $0.pending.count } }

    /// Writes every queued record now.
    public func flush() { flush(yielding: false) }

    private func flush(yielding: Bool) {
        flushing.withLock { _ in
            while writeBatch(upTo: .max, yielding: yielding) {}
        }
    }

    /// Writes the oldest `limit` queued records (all, for `.max`) in one transaction,
    /// `yielding` the CPU between chunks of `pauseEvery` (the appender's thread: a request
    /// thread waiting for this CPU then waits for one chunk, ~0.3 ms, not for the rest of
    /// the batch, as it would behind a low-priority thread in the middle of its slice).
    /// Returns whether it wrote any. The caller holds `flushing`, so batches keep their order.
    private func writeBatch(upTo limit: Int, yielding: Bool) -> Bool {
        let batch = state.withLock { s -> [CloudTrailRecord] in
            if s.pending.count <= limit {
                defer { s.pending.removeAll(keepingCapacity: true) }
                return s.pending
            }
            defer { s.pending.removeFirst(limit) }
            return Array(s.pending.prefix(limit))
        }
        if batch.isEmpty { return false }
        do {
            let pause = yielding ? { _ = sched_yield() } : {}
            try store.appendEvents(events(batch, pause: pause), chunk: pauseEvery, pause: pause)
            return true
        } catch {
            // Keep them for the next flush rather than lose them.
            state.withLock { $0.pending.insert(contentsOf: batch, at: 0); $0.failures += 1 }
            return false
        }
    }

    /// The records as the store keeps them (their JSON), pausing as `appendEvents` does.
    private func events(_ batch: [CloudTrailRecord], pause: () -> Void) -> [AuditEvent] {
        var events: [AuditEvent] = []
        events.reserveCapacity(batch.count)
        for record in batch {
            if !events.isEmpty && events.count % pauseEvery == 0 { pause() }
            events.append(record.auditEvent())
        }
        return events
    }

    /// Starts the background flusher.
    public func start() {
        state.withLock { $0.running = true }
        let thread = Thread { [self] in
            BackgroundPriority.lower()
            while state.withLock({ $0.running }) {
                wake.lock()
                _ = wake.wait(until: Date(timeIntervalSinceNow: interval))
                wake.unlock()
                flush(yielding: true)
            }
        }
        thread.name = "audit-appender"
        thread.start()
    }

    /// Stops the flusher and writes what is queued.
    public func stop() {
        state.withLock { $0.running = false }
        wake.lock(); wake.signal(); wake.unlock()
        flush()
    }
}
