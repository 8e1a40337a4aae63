public import VPCStore
import Foundation
import Synchronization

/// Appends the records of calls that changed nothing (reads, failures,
/// authentication failures) in batches from a background thread, so an API
/// call only queues its record and never waits for a disk write. Flushes every
/// `interval` seconds, when `batchSize` records wait, and on `stop()`.
public final class AuditAppender: Sendable {
    private struct State {
        var pending: [CloudTrailRecord] = []
        var running = false
        var failures = 0
    }
    public let store: any Store
    private let interval: Double
    private let batchSize: Int
    private let state = Mutex(State())
    private let wake = NSCondition()
    private let flushing = Mutex(())

    public init(store: any Store, interval: Double = 0.05, batchSize: Int = 500) {
        self.store = store
        self.interval = interval
        self.batchSize = batchSize
    }

    /// Queues a record.
    public func append(_ record: CloudTrailRecord) {
        let full = state.withLock { s -> Bool in
            s.pending.append(record)
            return s.pending.count >= batchSize
        }
        if full { wake.lock(); wake.signal(); wake.unlock() }
    }

    /// Writes every queued record now.
    public func flush() {
        flushing.withLock { _ in
            while true {
                let batch = state.withLock { s -> [CloudTrailRecord] in
                    defer { s.pending.removeAll(keepingCapacity: true) }
                    return s.pending
                }
                if batch.isEmpty { return }
                do {
                    try store.appendEvents(batch.map { $0.auditEvent() })
                } catch {
                    // Keep them for the next flush rather than lose them.
                    state.withLock { $0.pending.insert(contentsOf: batch, at: 0); $0.failures += 1 }
                    return
                }
            }
        }
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
                flush()
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
