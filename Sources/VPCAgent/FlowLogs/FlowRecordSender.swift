import CVPCLinux
import Foundation
public import Logging
import Synchronization
import VPCModel

/// Delivers flow records (docs/agent-protocol.md, "Flow logs") on its own thread: takes
/// the intervals the data plane closes, builds their windows, persists them as numbered
/// batches in the spool, and POSTs the spooled batches in sequence order, each until it is
/// acknowledged (200, stored or duplicate) or refused (400, or 403 for a batch of another
/// host, spooled before the state directory got another `--host-id`: dropped and logged); other
/// answers and connection errors are retried with backoff (0.5 s doubling to 10 s).
/// Batches left in the spool by an earlier run go first.
public final class FlowRecordSender: @unchecked Sendable {
    /// Records per batch: a full interval of the aggregator stays far below 16 MiB per body.
    static let recordsPerBatch = 10_000

    let spool: FlowRecordSpool
    let deliver: @Sendable ([UInt8]) throws -> Int
    let logger: Logger
    private let queue = Mutex<[FlowLogDrain]>([])
    private let signal = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)
    /// Batches spooled, acknowledged, refused (400 or 403, dropped); windows lost because the spool
    /// could not be written.
    let spooled = Atomic<UInt64>(0), delivered = Atomic<UInt64>(0), refused = Atomic<UInt64>(0)
    let lostWindows = Atomic<UInt64>(0)

    /// `deliver` POSTs one batch body and returns the HTTP status (throws on connection errors).
    public init(spool: FlowRecordSpool, logger: Logger, deliver: @escaping @Sendable ([UInt8]) throws -> Int) {
        self.spool = spool; self.logger = logger; self.deliver = deliver
    }

    /// Takes a closed interval (from the data-plane thread: only queues it).
    public func submit(_ drain: FlowLogDrain) {
        queue.withLock { $0.append(drain) }
        signal.signal()
    }

    public func start() {
        let t = Thread { [self] in
            _ = vpc_name_thread("vpc-flow-record")
            loop()
            finished.signal()
        }
        t.start()
    }

    /// Persists what was submitted, then stops after the batch being sent (if any).
    public func stop() {
        running.store(false, ordering: .releasing)
        signal.signal()
        finished.wait()
    }

    func loop() {
        var backoff = 0.5
        while true {
            persistQueued()
            guard running.load(ordering: .acquiring) else { return }
            if sendPending() {
                backoff = 0.5
                _ = signal.wait(timeout: .now() + 1)
            } else {
                _ = signal.wait(timeout: .now() + backoff)
                backoff = min(backoff * 2, 10)
            }
        }
    }

    /// Builds and spools the queued intervals' windows.
    func persistQueued() {
        let drains = queue.withLock { q -> [FlowLogDrain] in let d = q; q.removeAll(); return d }
        for d in drains {
            for windows in FlowRecordSender.batches(FlowLogWindows.build(d)) {
                do {
                    try spool.add(windows)
                    spooled.add(1, ordering: .relaxed)
                } catch {
                    lostWindows.add(UInt64(windows.count), ordering: .relaxed)
                    logger.error("flow records lost: spooling failed", metadata: ["windows": "\(windows.count)", "error": "\(error)"])
                }
            }
        }
    }

    /// Sends the spooled batches in order; false when one must be retried later. Intervals
    /// submitted meanwhile are spooled before each send, not held in memory behind a backlog.
    func sendPending() -> Bool {
        let sequences: [UInt64]
        do { sequences = try spool.pending() } catch {
            logger.error("reading the flow-record spool failed", metadata: ["error": "\(error)"])
            return false
        }
        for s in sequences {
            guard running.load(ordering: .acquiring) else { return true }
            persistQueued()
            do {
                let status = try deliver(try spool.body(s))
                switch status {
                case 200:
                    try spool.remove(s)
                    delivered.add(1, ordering: .relaxed)
                case 400, 403:
                    logger.error("flow-record batch refused, dropped", metadata: ["sequence": "\(s)", "status": "\(status)"])
                    try spool.remove(s)
                    refused.add(1, ordering: .relaxed)
                default:
                    logger.warning("flow-record delivery failed", metadata: ["sequence": "\(s)", "status": "\(status)"])
                    return false
                }
            } catch {
                logger.warning("flow-record delivery failed", metadata: ["sequence": "\(s)", "error": "\(error)"])
                return false
            }
        }
        return true
    }

    /// The counters, named as the agent's metrics (without `vpc_agent_`).
    public func counters() -> [String: UInt64] {
        ["flow_record_batches_spooled_total": spooled.load(ordering: .relaxed),
         "flow_record_batches_delivered_total": delivered.load(ordering: .relaxed),
         "flow_record_batches_refused_total": refused.load(ordering: .relaxed),
         "flow_record_windows_lost_total": lostWindows.load(ordering: .relaxed)]
    }

    /// Splits windows into batches of at most `recordsPerBatch` records; a larger window
    /// is split into several windows of the same flow log, ENI and interval.
    static func batches(_ windows: [FlowLogWindow]) -> [[FlowLogWindow]] {
        var out: [[FlowLogWindow]] = []
        var current: [FlowLogWindow] = []
        var count = 0
        for w in windows {
            var rest = w.records[...]
            repeat {
                let room = recordsPerBatch - count
                var part = w
                part.records = Array(rest.prefix(room))
                rest = rest.dropFirst(room)
                current.append(part)
                count += part.records.count
                if count >= recordsPerBatch { out.append(current); current = []; count = 0 }
            } while !rest.isEmpty
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
