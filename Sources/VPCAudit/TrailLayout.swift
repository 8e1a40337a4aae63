public import VPCStore
import Foundation

/// Where the trail's files go, laid out like CloudTrail's S3 keys:
/// `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`
/// and `AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/…_CloudTrail-Digest_….json.gz`.
public struct TrailLayout: Sendable {
    /// The trail's owner: the account its digests belong to.
    public var ownerAccount: String
    /// The trail's home region (where digests are written).
    public var homeRegion: String
    public var bucket = "vpc-trail"
    public var trailName = "vpc-trail"

    public init(ownerAccount: String, homeRegion: String = "us-east-1") {
        self.ownerAccount = ownerAccount
        self.homeRegion = homeRegion
    }

    public func digestKey(endTime: Double) -> String {
        let t = UTCTime(endTime)
        return "AWSLogs/\(ownerAccount)/CloudTrail-Digest/\(homeRegion)/\(t.datePath)/"
            + "\(ownerAccount)_CloudTrail-Digest_\(homeRegion)_\(trailName)_\(homeRegion)_\(t.compact(seconds: true)).json.gz"
    }

    /// `account` and `region` as path segments (`segment`): a record's region is whatever
    /// its client named in its credential scope, signed or not.
    public func logFileKey(account: String, region: String, endTime: Double, unique: Int64) -> String {
        let t = UTCTime(endTime)
        let (account, region) = (Self.segment(account), Self.segment(region))
        return "AWSLogs/\(account)/CloudTrail/\(region)/\(t.datePath)/"
            + "\(account)_CloudTrail_\(region)_\(t.compact(seconds: false))_\(String(unique, radix: 36)).json.gz"
    }

    /// Letters, digits and `-` as they are (every AWS region and account id), any other byte as
    /// `%XX`: no `/`, `.` or NUL, so a key cannot climb out of the trail directory or be cut short.
    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? ""
    }

    static let segmentCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")

    /// The log files of one interval: its records grouped by account and region,
    /// each gzipped `{"Records":[…]}` in sequence order, with the hash a digest lists for it
    /// (`hashValue`: hex SHA-256 of the uncompressed content, as CloudTrail's). Deterministic,
    /// so a verifier rebuilds them from the records.
    public func logFiles(of events: [AuditEvent], endTime: Double, unique: Int64)
        -> [(file: AuditLogFile, hashValue: String, oldest: Double, newest: Double)]
    {
        var groups: [String: [AuditEvent]] = [:]
        var order: [String] = []
        for e in events {
            let key = logFileKey(account: e.account.isEmpty ? ownerAccount : e.account, region: e.region,
                                 endTime: endTime, unique: unique)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(e)
        }
        return order.sorted().map { key in
            let records = groups[key]!
            var json = Array(#"{"Records":["#.utf8)
            for (i, e) in records.enumerated() {
                if i > 0 { json.append(UInt8(ascii: ",")) }
                json += e.body
            }
            json += Array("]}".utf8)
            return (AuditLogFile(key: key, bytes: Gzip.compress(json)), Hex.sha256(json),
                    records.map(\.eventTime).min() ?? endTime, records.map(\.eventTime).max() ?? endTime)
        }
    }

    /// Whether `hashValue`, from a digest's `logFiles`, is the hash of the log file `gz`:
    /// SHA-256 of its uncompressed content, as CloudTrail's digests give it and `aws cloudtrail
    /// validate-logs` checks it, or of its gzip bytes, as digests written before 2026-11-29 gave
    /// it (accepted from any digest: either way the signed digest binds the file).
    public static func logFile(_ gz: [UInt8], hasHash hashValue: String) -> Bool {
        if let content = Gzip.decompressStored(gz), Hex.sha256(content) == hashValue { return true }
        return Hex.sha256(gz) == hashValue
    }
}
