import Foundation
import Synchronization
import Testing
import VPCAudit
import VPCStore
import VPCStoreSQLite

@Suite struct AuditAppenderTests {
    static func record(_ n: Int) -> CloudTrailRecord {
        CloudTrailRecord(
            eventTime: 1_790_000_000, caller: CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
            eventName: "DescribeVpcs", awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "test",
            requestParameters: [], requestID: "req-\(n)", eventID: "ev-\(n)", readOnly: true)
    }

    /// With no background thread to write them (as when it is starved), the queue stops
    /// growing at the limit: each call that reaches it writes the oldest few, in order.
    @Test func aFullBacklogIsWrittenByTheCallerNotDropped() throws {
        let store = InMemoryStore()
        let appender = AuditAppender(store: store, batchSize: 8, inlineBatchSize: 4, backlogLimit: 10)
        for n in 0..<9 { appender.append(Self.record(n)) }
        #expect(appender.backlog == 9)
        #expect(try store.loadEvents(after: 0, limit: 100).isEmpty)
        appender.append(Self.record(9))
        #expect(appender.backlog == 6)
        #expect(try store.loadEvents(after: 0, limit: 100).map(\.eventID) == (0..<4).map { "ev-\($0)" })
        for n in 10..<25 { appender.append(Self.record(n)) }
        #expect((7...9).contains(appender.backlog))
        appender.flush()
        let written = try store.loadEvents(after: 0, limit: 100)
        #expect(written.map(\.eventID) == (0..<25).map { "ev-\($0)" })
    }

    /// A flush writes batches of `batchSize`, each its own transaction, every record
    /// chained to the one before it across batches.
    @Test func batchesAreSeparateTransactionsOfOneChain() throws {
        let f = try TrailFixture()
        let appender = AuditAppender(store: f.store, batchSize: 32, backlogLimit: 1000)
        for n in 0..<70 { appender.append(Self.record(n)) }
        appender.flush()
        #expect(appender.backlog == 0)
        #expect(try f.store.loadEvents(after: 0, limit: 100).map(\.eventID) == (0..<70).map { "ev-\($0)" })
        try f.sealer.runOnce(force: true)
        let report = try f.verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    /// Records the store refuses stay queued, first in line, and are written in order
    /// once it accepts them again.
    @Test func recordsAStoreRefusesAreKeptInOrder() throws {
        let f = try TrailFixture()
        let appender = AuditAppender(store: f.store, batchSize: 4, backlogLimit: 1000)
        for n in 0..<6 { appender.append(Self.record(n)) }
        try f.sql("CREATE TRIGGER refuse BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        appender.flush()
        #expect(appender.backlog == 6)
        for n in 6..<10 { appender.append(Self.record(n)) }
        try f.sql("DROP TRIGGER refuse")
        appender.flush()
        #expect(appender.backlog == 0)
        #expect(try f.store.loadEvents(after: 0, limit: 100).map(\.eventID) == (0..<10).map { "ev-\($0)" })
    }

    /// Past twice the limit a call waits for the writer instead of queueing more: with a
    /// write stuck in the store, the queue stops at the hard bound; once the write goes
    /// through, the waiting call writes and returns, and every record is stored in order.
    @Test func pastTwiceTheLimitACallWaitsForTheWriter() throws {
        let store = GatedStore()
        let appender = AuditAppender(store: store, batchSize: 4, inlineBatchSize: 2, backlogLimit: 4)
        for n in 0..<3 { appender.append(Self.record(n)) }
        store.closeGate()
        let flusher = Thread { appender.flush() }  // takes the writer and sticks in the store
        flusher.start()
        store.entered.wait()
        let appended = Count()
        let caller = Thread {
            for n in 3..<8 {  // 3...7: the limit (4) passes while the writer is busy; 8 is the bound
                appender.append(Self.record(n))
                appended.value.add(1, ordering: .relaxed)
            }
        }
        caller.start()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(appended.value.load(ordering: .relaxed) == 4)  // the fifth waits for the writer
        #expect(appender.backlog == 8)
        store.openGate()
        while appended.value.load(ordering: .relaxed) < 5 { Thread.sleep(forTimeInterval: 0.01) }
        appender.flush()
        #expect(appender.backlog == 0)
        #expect(try store.loadEvents(after: 0, limit: 100).map(\.eventID) == (0..<8).map { "ev-\($0)" })
    }

    /// Stopping says how many records a failing store left unwritten.
    @Test func stopCountsWhatTheStoreRefused() throws {
        let f = try TrailFixture()
        let appender = AuditAppender(store: f.store, batchSize: 4, backlogLimit: 1000)
        for n in 0..<3 { appender.append(Self.record(n)) }
        #expect(appender.stop() == 0)
        for n in 3..<8 { appender.append(Self.record(n)) }
        try f.sql("CREATE TRIGGER refuse BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        #expect(appender.stop() == 5)
    }
}

/// A counter threads share.
final class Count: Sendable {
    let value = Atomic<Int>(0)
}

/// An in-memory store whose `appendEvents` can be held at a gate, as a write stuck on a busy disk.
final class GatedStore: Store, @unchecked Sendable {
    private let inner = InMemoryStore()
    private let gate = NSCondition()
    private var closed = false
    /// Signalled when an `appendEvents` reaches the closed gate.
    let entered = DispatchSemaphore(value: 0)

    func closeGate() { gate.lock(); closed = true; gate.unlock() }
    func openGate() { gate.lock(); closed = false; gate.broadcast(); gate.unlock() }

    func appendEvents(_ events: [AuditEvent]) throws {
        gate.lock()
        if closed { entered.signal() }
        while closed { gate.wait() }
        gate.unlock()
        try inner.appendEvents(events)
    }

    func loadRecords() throws -> [StoredRecord] { try inner.loadRecords() }
    func commit(_ changes: [RecordChange], events: [AuditEvent]) throws { try inner.commit(changes, events: events) }
    func deleteAllRecords() throws { try inner.deleteAllRecords() }
    func loadAccessKeys() throws -> [AccessKey] { try inner.loadAccessKeys() }
    func saveAccessKey(_ key: AccessKey) throws { try inner.saveAccessKey(key) }
    func loadEvents(after sequence: Int64, limit: Int) throws -> [AuditEvent] { try inner.loadEvents(after: sequence, limit: limit) }
    func chainHead() throws -> (sequence: Int64, hash: [UInt8])? { try inner.chainHead() }
    func lookupEvents(_ query: AuditQuery) throws -> [AuditEvent] { try inner.lookupEvents(query) }
    func loadResourceIndex() throws -> [Int64: [AuditResource]] { try inner.loadResourceIndex() }
    func saveDigest(_ digest: AuditDigest) throws { try inner.saveDigest(digest) }
    func loadDigests() throws -> [AuditDigest] { try inner.loadDigests() }
}
