public import VPCStore
public import _CryptoExtras
import Foundation

/// Checks a trail end to end: the record chain, every digest's signature and
/// log-file hashes, the digest chain, and the HEAD anchor kept outside the store.
public struct TrailVerifier {
    public struct Report: Sendable {
        public var problems: [String] = []
        public var records = 0
        public var digests = 0
    }

    let store: any Store
    let publicKey: _RSA.Signing.PublicKey
    let trailDirectory: String
    let layout: TrailLayout
    let headPath: String

    /// `headPath`: HEAD, or a copy of it kept where whoever can write the data directory
    /// cannot (default the trail directory's own).
    public init(store: any Store, publicKey: _RSA.Signing.PublicKey, trailDirectory: String, layout: TrailLayout,
                headPath: String? = nil) {
        self.store = store
        self.publicKey = publicKey
        self.trailDirectory = trailDirectory
        self.layout = layout
        self.headPath = headPath ?? TrailHead.path(trailDirectory: trailDirectory)
    }

    public func verify() throws -> Report {
        var report = Report()
        var events: [AuditEvent] = []
        while true {
            let page = try store.loadEvents(after: events.last?.sequence ?? 0, limit: 5000)
            if page.isEmpty { break }
            events += page
        }
        report.records = events.count
        let bySequence = Dictionary(events.map { ($0.sequence, $0) }, uniquingKeysWith: { a, _ in a })
        checkChain(events, &report)
        checkSearchedColumns(events, try store.loadResourceIndex(), &report)
        let digests = try store.loadDigests()
        report.digests = digests.count
        checkDigests(digests, events, bySequence, &report)
        try checkHead(events, bySequence, digests, &report)
        for line in TrailConflicts.read(trailDirectory: trailDirectory) {
            report.problems.append("the sealer found HEAD and the store disagreeing: \(line)")
        }
        return report
    }

    /// Each record's hash must follow from the previous hash and its bytes (the
    /// store chains every record as it appends it); sequences have no gaps.
    func checkChain(_ events: [AuditEvent], _ report: inout Report) {
        var previous = RecordChain.genesis
        var expected: Int64 = 1
        for e in events {
            if e.sequence != expected {
                report.problems.append("records \(expected)...\(e.sequence &- 1) are missing (sequence gap before record \(e.sequence))")
            }
            expected = e.sequence &+ 1
            guard let hash = e.hash else {
                report.problems.append("record \(e.sequence) (eventID \(e.eventID)): no chain hash — the record or its hash was altered")
                continue
            }
            if RecordChain.link(previous, e.body) != hash {
                report.problems.append("record \(e.sequence) (eventID \(e.eventID)): hash mismatch — the record or its hash was altered")
            }
            previous = hash
        }
    }

    /// What LookupEvents filters on and answers with is kept beside each record, outside
    /// its hashed body: the account (whose events they are), region, name, source, time,
    /// user, access key, read-only flag and resources. Each must say what the body says, or
    /// an edit there would hide a record from its account or show it to another unseen.
    func checkSearchedColumns(_ events: [AuditEvent], _ resourceIndex: [Int64: [AuditResource]],
                              _ report: inout Report) {
        let decoder = JSONDecoder()
        for e in events {
            let name = "record \(e.sequence) (eventID \(e.eventID))"
            guard let body = try? decoder.decode(SearchedFields.self, from: Data(e.body)) else {
                report.problems.append("\(name): its body is not a readable CloudTrail record")
                continue
            }
            let identity = body.userIdentity
            // Type and id: the ARN's path for a type has changed between versions.
            let bodyResources = (body.resources ?? []).map { [$0.type, String($0.ARN.split(separator: "/").last ?? "")] }
            let differing = [
                ("account", e.account == body.recipientAccountId),
                ("region", e.region == body.awsRegion),
                ("eventID", e.eventID == body.eventID),
                ("eventName", e.eventName == body.eventName),
                ("eventSource", e.eventSource == body.eventSource),
                ("eventTime", UTCTime(e.eventTime).iso8601 == body.eventTime),
                ("readOnly", e.readOnly == body.readOnly),
                ("username", e.username == (identity.type == "Root" ? "root" : identity.userName ?? "")),
                ("accessKeyId", e.accessKeyId == identity.accessKeyId ?? ""),
                ("resources", e.resources.map { [$0.type, $0.name] } == bodyResources),
                ("resource index", (resourceIndex[e.sequence] ?? []).map { [$0.type, $0.name] } == bodyResources),
            ].filter { !$0.1 }.map(\.0)
            if !differing.isEmpty {
                report.problems.append("\(name): its searched \(differing.joined(separator: ", ")) differ from its hashed body — edited after it was recorded")
            }
        }
    }

    /// The members of a record's body that its searched columns repeat.
    struct SearchedFields: Decodable {
        struct Identity: Decodable {
            var type: String
            var userName: String?
            var accessKeyId: String?
        }
        struct Resource: Decodable {
            var ARN: String
            var type: String
        }
        var awsRegion, eventID, eventName, eventSource, eventTime, recipientAccountId: String
        var readOnly: Bool
        var userIdentity: Identity
        var resources: [Resource]?
    }

    /// `sorted` are the records in sequence order, `events` the same by sequence.
    func checkDigests(_ digests: [AuditDigest], _ sorted: [AuditEvent], _ events: [Int64: AuditEvent],
                      _ report: inout Report) {
        let fingerprint = TrailSigningKey.fingerprint(publicKey)
        let position = Dictionary(digests.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, digest) in digests.enumerated() {
            guard let file = try? JSONDecoder().decode(DigestFile.self, from: Data(digest.body)) else {
                report.problems.append("digest \(digest.key): not a readable digest file")
                continue
            }
            // Signature.
            let message = DigestFile.signingString(
                endTime: file.digestEndTime, bucket: file.digestS3Bucket, key: file.digestS3Object,
                digestBytes: digest.body, previousSignature: file.previousDigestSignature)
            if file.digestPublicKeyFingerprint != fingerprint {
                report.problems.append("digest \(digest.key): signed by a foreign key (fingerprint \(file.digestPublicKeyFingerprint), expected \(fingerprint))")
            } else if !TrailSigningKey.isValid(signature: digest.signature, message: message, key: publicKey) {
                report.problems.append("digest \(digest.key): signature does not verify — the digest was altered or signed by another key")
            }
            if file.digestS3Object != digest.key {
                report.problems.append("digest \(digest.key): its file names itself \(file.digestS3Object)")
            }
            // Digest chain.
            let previous = i > 0 ? digests[i - 1] : nil
            if let named = file.previousDigestS3Object {
                if let previous, named == previous.key {
                    if file.previousDigestSignature != previous.signature || file.previousDigestHashValue != Hex.sha256(previous.body) {
                        report.problems.append("digest \(digest.key): previous digest \(previous.key) does not match its recorded hash or signature")
                    }
                } else if let at = position[named], at > i {
                    report.problems.append("digest \(digest.key): out of order — its previous digest \(named) comes after it (digests swapped)")
                } else if position[named] == nil {
                    report.problems.append("digest \(digest.key): its previous digest \(named) is missing (digest deleted)")
                } else {
                    report.problems.append("digest \(digest.key): names \(named) as previous, but \(previous?.key ?? "none") precedes it")
                }
            } else if let previous {
                report.problems.append("digest \(digest.key): claims to be the first digest, but \(previous.key) precedes it")
            }
            // Record range and log files.
            let (first, last) = (file.vpcChain.firstSequence, file.vpcChain.lastSequence)
            guard first >= 1, last >= first - 1, digest.endTime.isFinite, (0...253_402_300_799).contains(digest.endTime)
            else {
                report.problems.append("digest \(digest.key): impossible record range \(first)...\(last) or end time \(digest.endTime)")
                continue
            }
            if first != (previous?.lastSequence ?? 0) &+ 1, previous != nil, position[file.previousDigestS3Object ?? ""] == i - 1 {
                report.problems.append("digest \(digest.key): records \(first)... do not follow the previous digest's \(previous!.lastSequence)")
            }
            let end = last == .max ? sorted.count : Self.firstIndex(in: sorted, atLeast: last + 1)
            let covered = Array(sorted[Self.firstIndex(in: sorted, atLeast: first)..<end])
            let expected = last - first + 1  // last ≥ first - 1 ≥ 0: no overflow
            if Int64(covered.count) != expected {
                report.problems.append("digest \(digest.key): \(expected - Int64(covered.count)) of its records \(first)...\(last) are missing")
            }
            if let last = events[file.vpcChain.lastSequence], last.hash.map(Hex.encode) != file.vpcChain.lastRecordHash {
                report.problems.append("digest \(digest.key): chain hash of record \(file.vpcChain.lastSequence) differs from the digest's (records rewritten)")
            }
            let rebuilt = Dictionary(layout.logFiles(of: covered, endTime: digest.endTime, unique: file.vpcChain.lastSequence)
                .map { ($0.file.key, $0.file.bytes) }, uniquingKeysWith: { a, _ in a })
            let stored = Dictionary(digest.logFiles.map { ($0.key, $0.bytes) }, uniquingKeysWith: { a, _ in a })
            for log in file.logFiles {
                if !(rebuilt[log.s3Object].map { TrailLayout.logFile($0, hasHash: log.hashValue) } ?? false) {
                    report.problems.append("log file \(log.s3Object): its records no longer hash to the digest's value (records altered)")
                }
                if let s = stored[log.s3Object], !TrailLayout.logFile(s, hasHash: log.hashValue) {
                    report.problems.append("log file \(log.s3Object): stored copy does not match the digest's hash")
                }
                checkExport(log.s3Object, "log file", "exported copy does not match the digest's hash", &report) {
                    TrailLayout.logFile($0, hasHash: log.hashValue)
                }
            }
            checkExport(digest.key, "digest", "exported copy differs from the stored digest", &report) {
                $0 == Gzip.compress(digest.body)
            }
            checkExport(digest.key + ".metadata.json", "digest", "does not hold the digest's signature", &report) {
                String(decoding: $0, as: UTF8.self).contains("\"signature\":\"\(digest.signature)\"")
            }
            if Set(rebuilt.keys) != Set(file.logFiles.map(\.s3Object)) {
                report.problems.append("digest \(digest.key): lists \(file.logFiles.count) log files, its records make \(rebuilt.count)")
            }
        }
    }

    /// The index of the first record of `sorted` whose sequence is at least `sequence`.
    /// The exported copy of `key` under the trail directory: missing, or `wrong` unless its bytes `match`.
    func checkExport(_ key: String, _ kind: String, _ wrong: String, _ report: inout Report,
                     match: ([UInt8]) -> Bool) {
        let path = (trailDirectory as NSString).appendingPathComponent(key)
        guard let bytes = FileManager.default.contents(atPath: path) else {
            return report.problems.append("\(kind) \(path): exported copy is missing")
        }
        if !match([UInt8](bytes)) { report.problems.append("\(kind) \(path): \(wrong)") }
    }

    static func firstIndex(in sorted: [AuditEvent], atLeast sequence: Int64) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid].sequence < sequence { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// HEAD names the newest checkpoint: its records and digest must still be there. Digests
    /// after the one it names (or after none) are later checkpoints: HEAD lags a digest until
    /// the sealer's next pass, and a copy kept elsewhere lags as long as it is not renewed.
    func checkHead(_ events: [AuditEvent], _ bySequence: [Int64: AuditEvent], _ digests: [AuditDigest],
                   _ report: inout Report) throws {
        guard let head = try TrailHead.read(path: headPath) else {
            if !digests.isEmpty || !events.isEmpty {
                report.problems.append("HEAD (\(headPath)) is missing but the store has records")
            }
            return
        }
        let newest = events.last?.sequence ?? 0
        if newest < head.lastSequence {
            report.problems.append("records \(newest &+ 1)...\(head.lastSequence) named by HEAD are missing (newest records deleted)")
        } else if head.lastSequence > 0 {
            if let e = bySequence[head.lastSequence], e.hash.map(Hex.encode) != head.lastHash {
                report.problems.append("record \(head.lastSequence): chain hash differs from HEAD's \(head.lastHash)")
            } else if bySequence[head.lastSequence] == nil {
                report.problems.append("record \(head.lastSequence) named by HEAD is missing")
            }
        }
        if let key = head.digestKey {
            if let d = digests.first(where: { $0.key == key }) {
                if d.signature != head.digestSignature {
                    report.problems.append("digest \(key): signature differs from HEAD's")
                }
            } else {
                report.problems.append("digest \(key) named by HEAD is missing (newest digests deleted)")
            }
        }
    }
}
