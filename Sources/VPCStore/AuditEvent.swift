/// One audit-trail record as the store keeps it: the CloudTrail record JSON
/// (`body`, the canonical bytes the chain hashes) and the columns LookupEvents
/// searches. `sequence` and `hash` (the `RecordChain` link) are assigned by the
/// store as it appends the record, in commit order.
public struct AuditEvent: Sendable, Equatable {
    public var sequence: Int64
    public var eventID: String
    public var eventTime: Double
    /// The recipient account (whose LookupEvents sees the record).
    public var account: String
    public var region: String
    public var eventName: String
    public var eventSource: String
    public var readOnly: Bool
    public var username: String
    public var accessKeyId: String
    public var resources: [AuditResource]
    public var body: [UInt8]
    public var hash: [UInt8]?

    public init(sequence: Int64 = 0, eventID: String, eventTime: Double, account: String, region: String,
                eventName: String, eventSource: String, readOnly: Bool, username: String, accessKeyId: String,
                resources: [AuditResource], body: [UInt8], hash: [UInt8]? = nil) {
        self.sequence = sequence
        self.eventID = eventID
        self.eventTime = eventTime
        self.account = account
        self.region = region
        self.eventName = eventName
        self.eventSource = eventSource
        self.readOnly = readOnly
        self.username = username
        self.accessKeyId = accessKeyId
        self.resources = resources
        self.body = body
        self.hash = hash
    }
}

/// A resource a call touched: CloudTrail's `{ResourceType, ResourceName}`.
public struct AuditResource: Sendable, Hashable, Codable {
    public var type: String
    public var name: String

    public init(type: String, name: String) {
        self.type = type
        self.name = name
    }
}

/// The eight LookupEvents attribute keys.
public enum AuditLookupKey: String, Sendable, CaseIterable {
    case eventId = "EventId", eventName = "EventName", readOnly = "ReadOnly", username = "Username"
    case resourceType = "ResourceType", resourceName = "ResourceName", eventSource = "EventSource"
    case accessKeyId = "AccessKeyId"
}

/// A LookupEvents search over one account's records, newest first.
public struct AuditQuery: Sendable {
    public var account: String
    /// Only records of calls to this region (CloudTrail's event history is per region).
    public var region: String?
    public var attribute: (key: AuditLookupKey, value: String)?
    public var startTime: Double?
    public var endTime: Double?
    /// Only records with a smaller sequence (the NextToken).
    public var beforeSequence: Int64?
    public var limit: Int

    public init(account: String, attribute: (key: AuditLookupKey, value: String)? = nil, startTime: Double? = nil,
                endTime: Double? = nil, beforeSequence: Int64? = nil, limit: Int = 50) {
        self.account = account
        self.attribute = attribute
        self.startTime = startTime
        self.endTime = endTime
        self.beforeSequence = beforeSequence
        self.limit = limit
    }

    /// Whether `event` matches (the in-memory store's filter; SQLite does the same in SQL).
    public func matches(_ event: AuditEvent) -> Bool {
        guard event.account == account else { return false }
        if let region, event.region != region { return false }
        if let beforeSequence, event.sequence >= beforeSequence { return false }
        if let startTime, event.eventTime < startTime { return false }
        if let endTime, event.eventTime > endTime { return false }
        guard let (key, value) = attribute else { return true }
        switch key {
        case .eventId: return event.eventID == value
        case .eventName: return event.eventName == value
        case .readOnly: return event.readOnly == (value == "true")
        case .username: return event.username == value
        case .resourceType: return event.resources.contains { $0.type == value }
        case .resourceName: return event.resources.contains { $0.name == value }
        case .eventSource: return event.eventSource == value
        case .accessKeyId: return event.accessKeyId == value
        }
    }
}

/// A signed checkpoint: the digest file (uncompressed JSON, as signed), its
/// signature, the record range it covers and the log files it lists.
public struct AuditDigest: Sendable, Equatable {
    /// S3-style key of the digest file.
    public var key: String
    public var endTime: Double
    public var firstSequence: Int64
    public var lastSequence: Int64
    public var body: [UInt8]
    /// Hex SHA256withRSA signature.
    public var signature: String
    public var logFiles: [AuditLogFile]

    public init(key: String, endTime: Double, firstSequence: Int64, lastSequence: Int64, body: [UInt8],
                signature: String, logFiles: [AuditLogFile]) {
        self.key = key
        self.endTime = endTime
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.body = body
        self.signature = signature
        self.logFiles = logFiles
    }
}

/// One gzipped `{"Records":[…]}` log file and its S3-style key.
public struct AuditLogFile: Sendable, Equatable {
    public var key: String
    public var bytes: [UInt8]

    public init(key: String, bytes: [UInt8]) {
        self.key = key
        self.bytes = bytes
    }
}
