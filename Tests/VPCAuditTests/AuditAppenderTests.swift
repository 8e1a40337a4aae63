import Testing
import VPCAudit
import VPCStore

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
}
