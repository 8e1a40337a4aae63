public import VPCControlPlane
public import VPCModel
public import VPCStore
import Crypto
import EC2Shapes
import Foundation
import VPCAudit

/// `POST /_vpc/agent/flow-records` (docs/agent-protocol.md, "Flow logs"): turns an agent's
/// aggregated records into flow-log lines in each flow log's format and stores them — events
/// of the log group's `eni-…-<traffic type>` stream, or gzipped S3 objects under
/// `<data-dir>/s3/<bucket>/<prefix>/AWSLogs/…` — in one transaction with the batch's key, so
/// a batch resent after an agent restart is stored once. Independent of the HTTP framework.
public struct FlowLogDelivery: Sendable {
    public let controlPlane: ControlPlane
    public let store: any FlowLogStore
    let credentials: AgentCredentials
    /// Where the s3 destination's buckets are directories.
    public let s3Directory: String
    let clock: @Sendable () -> Double

    /// `token` is the agent secret (`<data-dir>/agent-token`, docs/agent-protocol.md);
    /// `generations`, which token of each host is valid.
    public init(controlPlane: ControlPlane, store: any FlowLogStore, token: String,
                generations: HostTokenGenerations? = nil, s3Directory: String,
                clock: (@Sendable () -> Double)? = nil) {
        self.controlPlane = controlPlane
        self.store = store
        credentials = AgentCredentials(secret: token, generations: generations)
        self.s3Directory = s3Directory
        self.clock = clock ?? { Date().timeIntervalSince1970 }
    }

    /// The HTTP exchange: 401 without credentials, 400 for a body that is not a batch (or has
    /// times outside `validTimes`), 403 for a batch of a host the credentials are not,
    /// 200 with a `FlowRecordBatchResult` (also returned, for the access log), 500 if it could
    /// not be stored (the agent retries).
    /// Whether `authorization` names an agent: checked from the request head, before its body is read.
    public func authorizes(_ authorization: String?) -> Bool { credentials.caller(authorization) != nil }

    public func handle(authorization: String?, body: [UInt8]) -> (status: Int, body: [UInt8], result: FlowRecordBatchResult?) {
        guard let caller = credentials.caller(authorization) else { return (401, [], nil) }
        guard let batch = try? JSONDecoder().decode(FlowRecordBatch.self, from: Data(body)) else {
            return (400, Array(#"{"message":"the body is not a FlowRecordBatch"}"#.utf8), nil)
        }
        guard !batch.hostId.isEmpty, batch.hostId.utf8.count <= 128 else {
            return (400, Array(#"{"message":"hostId must be 1 to 128 characters"}"#.utf8), nil)
        }
        guard caller.mayActAs(batch.hostId) else {
            return (403, Array(#"{"message":"these credentials are not the batch's host's"}"#.utf8), nil)
        }
        guard batch.windows.allSatisfy({ w in
            Self.validTimes.contains(w.start) && Self.validTimes.contains(w.end)
                && w.records.allSatisfy { Self.validTimes.contains($0.start) && Self.validTimes.contains($0.end) }
        }) else {
            return (400, Array(#"{"message":"times must be Unix seconds from 0 to 253402300799"}"#.utf8), nil)
        }
        do {
            let result = try deliver(batch, from: caller)
            return (200, Array(try JSONEncoder().encode(result)), result)
        } catch {
            return (500, Array(#"{"message":"the batch could not be stored"}"#.utf8), nil)
        }
    }

    /// Times a window or record may have: Unix seconds up to the end of year 9999 (in
    /// milliseconds, as events count, far from overflowing).
    static let validTimes: ClosedRange<Int64> = 0...253_402_300_799

    /// An S3 object to write before the batch commits.
    struct S3Object {
        var path: String
        var lines: [String]
        var header: String
    }

    /// Stores `batch`; a host `caller`'s windows count only for ENIs that may be on it
    /// (`RegionState.interface(_:mayBeOn:)`), the others are dropped.
    public func deliver(_ batch: FlowRecordBatch, from caller: AgentCredentials.Caller = .operator) throws -> FlowRecordBatchResult {
        var index: [String: RegionState] = [:]
        for state in controlPlane.snapshot() {
            for id in state.flowLogs.rows.keys { index[id] = state }
        }
        let ingestion = Int64(clock() * 1000)
        var events: [FlowLogEvent] = []
        var objects: [String: S3Object] = [:]
        var dropped = 0, failed = 0
        for window in batch.windows {
            guard let state = index[window.flowLogId], let flowLog = state.flowLogs[window.flowLogId],
                  state.flowLog(flowLog, covers: window.networkInterfaceId),
                  caller == .operator || state.interface(window.networkInterfaceId, mayBeOn: batch.hostId),
                  let destination = FlowLogDestination(flowLog),
                  let format = try? FlowLogFormat(parsing: flowLog.logFormat ?? FlowLogFormat.default.text),
                  Self.validTimes.contains(window.start), Self.validTimes.contains(window.end), window.start <= window.end else {
                dropped += 1 + window.records.count
                continue
            }
            let trafficType = flowLog.trafficType ?? "ALL"
            let context = state.flowLogContext(networkInterfaceId: window.networkInterfaceId,
                                               catalog: controlPlane.options.catalog)
            var lines: [(line: String, timestamp: Int64, record: FlowRecord?)] = []
            for record in window.records {
                guard Self.isValid(record), trafficType == "ALL" || record.action.rawValue == trafficType else {
                    dropped += 1
                    continue
                }
                lines.append((format.line(record, context), record.start * 1000, record))
            }
            if window.logStatus != .ok {
                lines.append((format.statusLine(window.logStatus, start: window.start, end: window.end, context),
                              window.start * 1000, nil))
            }
            guard !lines.isEmpty else { continue }
            let stream = window.networkInterfaceId + "-" + trafficType.lowercased()
            var group: String?
            switch destination {
            case .logGroup(let name):
                group = name
            case .s3(let bucket, let prefix):
                let path = Self.objectPath(root: s3Directory, bucket: bucket, prefix: prefix, account: state.account,
                                           region: state.region, flowLogId: window.flowLogId, end: window.end,
                                           host: batch.hostId, sequence: batch.sequence)
                // A destination that can never be written fails this window only (a 500
                // would have the agent resend the batch, and hold back every later one, forever).
                switch Self.makeDirectories((path as NSString).deletingLastPathComponent) {
                case 0: break
                case ENAMETOOLONG, ENOTDIR: failed += 1; continue
                case let error: throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO)
                }
                objects[path, default: S3Object(path: path, lines: [], header: format.header)].lines += lines.map(\.line)
            }
            for l in lines {
                events.append(FlowLogEvent(
                    account: state.account, region: state.region, flowLogId: window.flowLogId,
                    interfaceId: window.networkInterfaceId, logGroup: group, logStream: stream, timestamp: l.timestamp,
                    ingestionTime: ingestion, message: l.line, srcaddr: l.record?.srcaddr, dstaddr: l.record?.dstaddr,
                    action: l.record?.action.rawValue))
            }
        }
        let stored = try store.storeFlowLogBatch(host: batch.hostId, sequence: batch.sequence, events: events) {
            for object in objects.values.sorted(by: { $0.path < $1.path }) {
                try Self.writeDurably(path: object.path,
                                      Gzip.compress(Array(([object.header] + object.lines).joined(separator: "\n").utf8) + [10]))
            }
        }
        return FlowRecordBatchResult(stored: stored ? events.count : 0, duplicate: !stored, dropped: stored ? dropped : 0,
                                     failed: stored ? failed : 0)
    }

    /// Addresses that parse, ports and protocol in range, first packet not after the last,
    /// times in `validTimes`.
    static func isValid(_ r: FlowRecord) -> Bool {
        func address(_ a: String) -> Bool { IPv4(a) != nil || IPv6(a) != nil }
        return address(r.srcaddr) && address(r.dstaddr) && (0...65535).contains(r.srcport)
            && (0...65535).contains(r.dstport) && (0...255).contains(r.protocol) && r.start <= r.end
            && validTimes.contains(r.start) && validTimes.contains(r.end)
            && (0...255).contains(r.tcpFlags)
    }

    /// `<root>/<bucket>/<prefix>/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/
    /// <account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`, the time
    /// being the interval's end rounded down to 5 minutes, the hash derived from the batch key
    /// so that writing a batch again writes the same object.
    static func objectPath(root: String, bucket: String, prefix: String, account: String, region: String,
                           flowLogId: String, end: Int64, host: String, sequence: UInt64) -> String {
        let t = UTCTime(Double(end - end % 300))
        let day = String(format: "%04d/%02d/%02d", t.year, t.month, t.day)
        let stamp = String(format: "%04d%02d%02dT%02d%02dZ", t.year, t.month, t.day, t.hour, t.minute)
        let digest = SHA256.hash(data: Data("\(host)\n\(sequence)\n\(flowLogId)\n\(end - end % 300)".utf8))
        let hash = digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        var parts = [root, bucket]
        if !prefix.isEmpty { parts.append(prefix) }
        parts += ["AWSLogs", account, "vpcflowlogs", region, day,
                  "\(account)_vpcflowlogs_\(region)_\(flowLogId)_\(stamp)_\(hash).log.gz"]
        return parts.joined(separator: "/")
    }

    /// Creates `directory` and its missing parents, syncing the parent of each it creates;
    /// 0, or the errno of the failure (`ENAMETOOLONG`, `ENOTDIR`: it can never exist).
    static func makeDirectories(_ directory: String) -> Int32 {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) { return isDirectory.boolValue ? 0 : ENOTDIR }
        let parent = (directory as NSString).deletingLastPathComponent
        if mkdir(directory, 0o755) != 0 {
            guard errno == ENOENT, !parent.isEmpty, parent != directory else { return errno == EEXIST ? 0 : errno }
            let error = makeDirectories(parent)
            guard error == 0 else { return error }
            guard mkdir(directory, 0o755) == 0 || errno == EEXIST else { return errno }
        }
        syncDirectory(parent.isEmpty ? "." : parent)
        return 0
    }

    /// fsyncs a directory, so the entries just made in it last.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Writes to a temporary file, syncs it, renames it into place and syncs the directory,
    /// so the object lasts before the batch's key commits.
    static func writeDurably(path: String, _ bytes: [UInt8]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard makeDirectories(directory) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory]) }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
