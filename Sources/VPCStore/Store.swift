/// One durable record: a resource (or bookkeeping entry) of one account and region,
/// its body opaque bytes the control plane encodes.
public struct StoredRecord: Sendable, Equatable {
    public var account: String
    public var region: String
    public var kind: String
    public var id: String
    public var body: [UInt8]

    public init(account: String, region: String, kind: String, id: String, body: [UInt8]) {
        self.account = account
        self.region = region
        self.kind = kind
        self.id = id
        self.body = body
    }
}

/// One change in a commit: a record written whole, or removed.
public enum RecordChange: Sendable, Equatable {
    case put(StoredRecord)
    case delete(account: String, region: String, kind: String, id: String)
}

/// An access key the server accepts, and the account it acts for.
public struct AccessKey: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var account: String
    public var userName: String

    public init(accessKeyId: String, secretAccessKey: String, account: String, userName: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.account = account
        self.userName = userName
    }
}

/// The durable state behind the control plane. A `commit` either applies every
/// change or none, and returns only once they are durable: the API acknowledges
/// nothing before. SQLite is the embedded default; a shared backend (PostgreSQL)
/// implements the same protocol.
public protocol Store: Sendable {
    func loadRecords() throws -> [StoredRecord]
    /// Applies `changes` and appends `events` (their audit records, chained) in
    /// one transaction: no change without its record, no record without its change.
    func commit(_ changes: [RecordChange], events: [AuditEvent]) throws
    /// Removes every resource record (`/_vpc/reset`), and delivered flow-log lines; access keys stay.
    func deleteAllRecords() throws
    func loadAccessKeys() throws -> [AccessKey]
    func saveAccessKey(_ key: AccessKey) throws

    /// Appends records of calls that changed nothing (reads, failures), chained, durably,
    /// in one transaction. Appending (here and in `commit`) gives each record the next
    /// sequence and its `RecordChain` hash in the same transaction, so every stored record
    /// is chained.
    func appendEvents(_ events: [AuditEvent]) throws
    /// Records after `sequence`, in sequence order, at most `limit`.
    func loadEvents(after sequence: Int64, limit: Int) throws -> [AuditEvent]
    /// The newest record's sequence and chain hash (nil: no records yet).
    func chainHead() throws -> (sequence: Int64, hash: [UInt8])?
    /// LookupEvents: one account's matching records, newest first.
    func lookupEvents(_ query: AuditQuery) throws -> [AuditEvent]
    /// The resources LookupEvents searches by (ResourceType, ResourceName), by record
    /// sequence, as indexed apart from the records: the verifier checks them against each
    /// record's hashed body.
    func loadResourceIndex() throws -> [Int64: [AuditResource]]
    /// Makes the records up to `sequence` durable against power loss before the sealer
    /// names them in HEAD (`appendEvents` commits without an fsync of its own), and keeps
    /// `sequence` as the newest sealed record.
    func markSealed(through sequence: Int64) throws
    func saveDigest(_ digest: AuditDigest) throws
    /// Every digest, oldest first.
    func loadDigests() throws -> [AuditDigest]
    /// Upkeep that callers should not wait for, done by background threads (SQLite:
    /// folding the write-ahead log back into the database once it has grown). With
    /// `overdueOnly`, only upkeep long due: for a thread standing in for one fallen behind.
    func maintain(overdueOnly: Bool) throws
}

extension Store {
    public func commit(_ changes: [RecordChange]) throws { try commit(changes, events: []) }
    public func maintain(overdueOnly: Bool) throws {}
    public func markSealed(through sequence: Int64) throws {}
}
