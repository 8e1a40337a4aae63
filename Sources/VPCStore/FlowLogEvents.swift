/// One delivered flow-log line: a CloudWatch Logs event of a log group's stream, or a line
/// of an S3 object (then `logGroup` is nil). The structured columns serve `vpc flow-logs query`.
public struct FlowLogEvent: Sendable, Equatable {
    public var account: String
    public var region: String
    public var flowLogId: String
    public var interfaceId: String
    /// The log group (cloud-watch-logs destination); nil for the s3 destination.
    public var logGroup: String?
    /// `eni-…-all`, `eni-…-accept` or `eni-…-reject`.
    public var logStream: String
    /// The record's `start` (or its interval's for NODATA/SKIPDATA), milliseconds since 1970.
    public var timestamp: Int64
    /// When the control plane stored it, milliseconds since 1970.
    public var ingestionTime: Int64
    public var message: String
    public var srcaddr: String?
    public var dstaddr: String?
    /// `ACCEPT`, `REJECT`, or nil for NODATA/SKIPDATA lines.
    public var action: String?

    public init(account: String, region: String, flowLogId: String, interfaceId: String, logGroup: String?,
                logStream: String, timestamp: Int64, ingestionTime: Int64, message: String,
                srcaddr: String? = nil, dstaddr: String? = nil, action: String? = nil) {
        self.account = account; self.region = region; self.flowLogId = flowLogId; self.interfaceId = interfaceId
        self.logGroup = logGroup; self.logStream = logStream; self.timestamp = timestamp
        self.ingestionTime = ingestionTime; self.message = message; self.srcaddr = srcaddr; self.dstaddr = dstaddr
        self.action = action
    }
}

/// A stored event and its position (unique, grows in storing order).
public struct StoredFlowLogEvent: Sendable, Equatable {
    public var id: Int64
    public var event: FlowLogEvent

    public init(id: Int64, event: FlowLogEvent) { self.id = id; self.event = event }
}

/// Which events to read, in (timestamp, id) order; every condition is optional but the account.
public struct FlowLogEventQuery: Sendable {
    public var account: String?
    public var region: String?
    public var logGroup: String?
    public var logStreams: [String]?
    public var logStreamPrefix: String?
    public var interfaceId: String?
    /// Source or destination address.
    public var address: String?
    public var action: String?
    /// Milliseconds: inclusive start, exclusive end.
    public var startTime: Int64?
    public var endTime: Int64?
    /// Only events stored after the one with this id (for following new events).
    public var afterId: Int64?
    public var flowLogId: String?
    /// Continue after this (timestamp, id) position.
    public var after: (timestamp: Int64, id: Int64)?
    /// Newest first instead of oldest first.
    public var descending = false
    /// In storing order (by id) instead of by timestamp.
    public var storingOrder = false
    public var limit = 10_000

    public init(account: String?) { self.account = account }
}

/// A log stream's summary (DescribeLogStreams).
public struct FlowLogStreamSummary: Sendable, Equatable {
    public var name: String
    public var firstEventTimestamp: Int64
    public var lastEventTimestamp: Int64
    public var lastIngestionTime: Int64
    /// Bytes of the stream's messages.
    public var storedBytes: Int64

    public init(name: String, firstEventTimestamp: Int64, lastEventTimestamp: Int64, lastIngestionTime: Int64,
                storedBytes: Int64) {
        self.name = name; self.firstEventTimestamp = firstEventTimestamp; self.lastEventTimestamp = lastEventTimestamp
        self.lastIngestionTime = lastIngestionTime; self.storedBytes = storedBytes
    }
}

/// Durable storage of delivered flow-log lines, with exactly-once batches.
public protocol FlowLogStore: Sendable {
    /// Stores a batch's events with its key `(host, sequence)` in one transaction, unless that
    /// key is already stored: then stores nothing and returns false. `beforeCommit` runs in the
    /// transaction before it commits (writing the S3 objects); if it throws, nothing is stored.
    func storeFlowLogBatch(host: String, sequence: UInt64, events: [FlowLogEvent],
                           beforeCommit: () throws -> Void) throws -> Bool
    func flowLogEvents(_ query: FlowLogEventQuery) throws -> [StoredFlowLogEvent]
    /// The streams of one log group that have events, by name.
    func flowLogStreams(account: String, region: String, logGroup: String) throws -> [FlowLogStreamSummary]
}
