import Foundation
import Testing
import VPCAudit
import VPCStore
@testable import VPCStoreSQLite

/// Commits leave checkpoints to `maintain(overdueOnly: false)` (background threads) until the log
/// passes the inline limit; SQLite's own checkpoint at 1,000 pages is off.
@Suite struct WriteAheadLogTests {
    /// A ~2.3 KB record.
    static func record(_ n: Int) -> CloudTrailRecord {
        CloudTrailRecord(
            eventTime: 1_790_000_000 + Double(n), caller: CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
            eventName: "DescribeVpcs", awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1",
            userAgent: String(repeating: "u", count: 1_000), requestParameters: [("VpcId.1", "vpc-0123456789abcdef0")],
            requestID: "r-\(n)", eventID: "e-\(n)", readOnly: true)
    }

    static func withStore(_ body: (SQLiteStore) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "vpc-wal-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(try SQLiteStore(path: dir + "/vpc.sqlite", log: WriteAheadLog(checkpointPages: 50, inlinePages: 3_000)))
    }

    @Test func commitsCheckpointOnlyPastTheInlineLimit() throws { try Self.withStore { store in
        let fixture = (0..<256).map { Self.record($0).auditEvent() }
        // Past SQLite's automatic checkpoint (~150 pages a batch).
        for _ in 0..<20 where store.log.pages < 1_200 { try store.appendEvents(fixture) }
        #expect(store.log.pages >= 1_200 && store.log.pages < 3_000)
        try store.maintain(overdueOnly: false)
        #expect(store.log.pages == 0)
        try store.appendEvents(fixture)
        #expect(store.log.pages < 200, "the log starts over after a checkpoint")

        // A stand-in thread checkpoints only from 4 times the threshold (200 pages) on.
        let due = store.log.pages
        #expect(due >= 50)
        try store.maintain(overdueOnly: true)
        #expect(store.log.pages == due)
        for _ in 0..<5 where store.log.pages < 200 { try store.appendEvents(fixture) }
        try store.maintain(overdueOnly: true)
        #expect(store.log.pages == 0)
        try store.appendEvents(fixture)
        #expect(store.log.pages < 200, "the log starts over after a checkpoint")


        // Left alone, the log grows to the inline limit and the commit crossing it checkpoints.
        var last = 0
        for _ in 0..<40 where store.log.pages >= last {
            last = store.log.pages
            try store.appendEvents(fixture)
        }
        #expect(last >= 2_600 && last < 3_000)
        try store.appendEvents(fixture)
        #expect(store.log.pages < 400)
        #expect(try store.loadEvents(after: 0, limit: 100_000).count > 3_000)
    } }

    /// The appender checkpoints what its batches wrote.
    @Test func appenderCheckpoints() throws { try Self.withStore { store in
        let appender = AuditAppender(store: store, interval: 0.01)
        appender.start()
        defer { appender.stop() }
        for n in 0..<1_000 { appender.append(Self.record(n)) }  // ~570 pages
        // Its last batches may leave less than the threshold unchecked.
        let deadline = Date().addingTimeInterval(10)
        while (appender.backlog > 0 || store.log.pages >= 50) && Date() < deadline { usleep(10_000) }
        #expect(appender.backlog == 0)
        #expect(store.log.pages < 50)
        let stored = try store.loadEvents(after: 0, limit: 2_000)
        #expect(stored.count == 1_000)
    } }

    /// The maintenance thread checkpoints what is due, or with `overdueOnly` only from 4 times the threshold.
    @Test func maintenanceThreadCheckpoints() throws { try Self.withStore { store in
        let fixture = (0..<256).map { Self.record($0).auditEvent() }
        try store.appendEvents(fixture)
        let due = store.log.pages
        #expect(due >= 50 && due < 200)

        let overdueOnly = StoreMaintenance(store: store, overdueOnly: true, interval: 0.01)
        overdueOnly.start()
        usleep(200_000)
        overdueOnly.stop()
        #expect(store.log.pages == due)

        let all = StoreMaintenance(store: store, overdueOnly: false, interval: 0.01)
        all.start()
        defer { all.stop() }
        let deadline = Date().addingTimeInterval(10)
        while store.log.pages > 0 && Date() < deadline { usleep(10_000) }
        #expect(store.log.pages == 0)
    } }
}
