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
    /// growing at the limit: each call that reaches it writes the oldest batch, in order.
    @Test func aFullBacklogIsWrittenByTheCallerNotDropped() throws {
        let store = InMemoryStore()
        let appender = AuditAppender(store: store, batchSize: 4, backlogLimit: 10)
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

    /// The appender's thread pauses between chunks of a batch; the batch is still one
    /// transaction, each record chained to the one before it.
    @Test func pausesBetweenChunksOfOneChainedBatch() throws {
        let f = try TrailFixture()
        var pauses = 0
        let events = (0..<70).map { Self.record($0).auditEvent() }
        try f.store.appendEvents(events, chunk: 32, pause: { pauses += 1 })
        #expect(pauses == 2)  // after 32 and after 64
        #expect(try f.store.loadEvents(after: 0, limit: 100).map(\.eventID) == (0..<70).map { "ev-\($0)" })
        try f.sealer.runOnce(force: true)
        let report = try f.verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}

