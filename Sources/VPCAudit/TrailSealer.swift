public import VPCStore
import Foundation
import Synchronization

/// Seals the trail in the background (the store chains records as it appends
/// them): every second it anchors the chain's head in `<trail dir>/HEAD`, and at
/// each digest interval it writes a signed digest over the interval's log files,
/// stores it and exports both under `<trail dir>/AWSLogs/…`.
public final class TrailSealer: Sendable {
    struct State {
        var lastSequence: Int64
        var lastHash: [UInt8]
        var lastDigest: AuditDigest?
        var lastDigestTime: Double
        var headWritten: TrailHead?
        var running = false
    }

    let store: any Store
    let key: TrailSigningKey
    let trailDirectory: String
    let layout: TrailLayout
    let digestInterval: Double
    let clock: @Sendable () -> Double
    let log: @Sendable (String) -> Void
    private let state: Mutex<State>
    private let wake = NSCondition()

    public init(store: any Store, key: TrailSigningKey, trailDirectory: String, layout: TrailLayout,
                digestInterval: Double, clock: (@Sendable () -> Double)? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.store = store
        self.key = key
        self.trailDirectory = trailDirectory
        self.layout = layout
        self.digestInterval = digestInterval
        let clock = clock ?? { Date().timeIntervalSince1970 }
        self.clock = clock
        self.log = log
        let head = try store.chainHead()
        let lastDigest = try store.loadDigests().last
        let written = try? TrailHead.read(trailDirectory: trailDirectory)
        state = Mutex(State(lastSequence: head?.sequence ?? 0, lastHash: head?.hash ?? RecordChain.genesis,
                            lastDigest: lastDigest, lastDigestTime: lastDigest?.endTime ?? clock(),
                            headWritten: written))
        if let written {
            var problems: [String] = []
            let newest = head?.sequence ?? 0
            if newest < written.lastSequence {
                problems.append("the store's records end at \(newest), HEAD named \(written.lastSequence)")
            } else if written.lastSequence > 0,
                      let at = try store.loadEvents(after: written.lastSequence - 1, limit: 1).first,
                      at.sequence == written.lastSequence, at.hash.map(Hex.encode) != written.lastHash {
                problems.append("record \(written.lastSequence)'s chain hash differs from HEAD's")
            }
            // HEAD may lag a digest (a stop between storing it and writing HEAD), never name a gone one.
            if let named = written.digestKey, try !store.loadDigests().contains(where: { $0.key == named }) {
                problems.append("HEAD named digest \(named), which the store no longer has")
            }
            for problem in problems { try conflict("at start: \(problem)", head: written) }
        }
        exportMissing()
    }

    /// Exports again every stored digest with a file missing under the trail directory
    /// (an export that failed, the directory restored without them): the store, whose
    /// digests are signed, is the original. A failure is logged, not fatal: the store
    /// keeps everything, and the verifier reports what is still missing.
    private func exportMissing() {
        let exists = { FileManager.default.fileExists(atPath: (self.trailDirectory as NSString).appendingPathComponent($0)) }
        do {
            for digest in try store.loadDigests()
            where !exists(digest.key) || !exists(digest.key + ".metadata.json") || !digest.logFiles.allSatisfy({ exists($0.key) }) {
                try export(digest)
                log("trail sealer: exported digest \(digest.key) and its log files again: a file was missing")
            }
        } catch {
            log("trail sealer: exporting missing trail files failed: \(error)")
        }
    }

    /// Keeps `problem` (with the HEAD it contradicts) in CONFLICTS, and logs it.
    private func conflict(_ problem: String, head: TrailHead?) throws {
        let was = head.map { "HEAD was lastSequence=\($0.lastSequence) lastHash=\($0.lastHash) digest=\($0.digestKey ?? "none")" } ?? ""
        let line = "\(UTCTime(clock()).iso8601) \(problem); \(was)"
        log("trail sealer: HEAD and the store disagree: \(line)")
        try TrailConflicts.record(line, trailDirectory: trailDirectory)
    }

    /// One pass: take the chain's head, write a digest if one is due (or `force`), update HEAD.
    public func runOnce(force: Bool = false) throws {
        try state.withLock { s in
            let chain = try store.chainHead()
            if (chain?.sequence ?? 0) < s.lastSequence {
                try conflict("the store's chain went back from record \(s.lastSequence) to \(chain?.sequence ?? 0)",
                             head: s.headWritten)
            }
            if let chain { (s.lastSequence, s.lastHash) = chain }
            let now = clock()
            if force || now - s.lastDigestTime >= digestInterval { try digest(&s, now: now) }
            let head = TrailHead(digestKey: s.lastDigest?.key, digestSignature: s.lastDigest?.signature,
                                 lastSequence: s.lastSequence, lastHash: Hex.encode(s.lastHash))
            if head != s.headWritten {
                // HEAD must not name records a power loss could still take back.
                try store.markSealed(through: s.lastSequence)
                try head.write(trailDirectory: trailDirectory)
                s.headWritten = head
            }
        }
    }

    /// Writes a digest over the records up to the chain's head since the previous one (none if there are none).
    private func digest(_ s: inout State, now: Double) throws {
        let first = (s.lastDigest?.lastSequence ?? 0) + 1
        guard s.lastSequence >= first else { s.lastDigestTime = now; return }
        var events: [AuditEvent] = []
        while (events.last?.sequence ?? first - 1) < s.lastSequence {
            let page = try store.loadEvents(after: events.last?.sequence ?? first - 1,
                                            limit: Int(s.lastSequence - (events.last?.sequence ?? first - 1)))
            // A gap in the sequence (rows deleted) must not pull in records past the head.
            let inRange = page.filter { $0.sequence <= s.lastSequence }
            if inRange.isEmpty { break }
            events += inRange
        }
        let endTime = max(now.rounded(.down), (s.lastDigest?.endTime ?? 0) + 1)
        let files = layout.logFiles(of: events, endTime: endTime, unique: s.lastSequence)
        let previous = s.lastDigest.flatMap { try? JSONDecoder().decode(DigestFile.self, from: Data($0.body)) }
        let digestKey = layout.digestKey(endTime: endTime)
        let file = DigestFile(
            awsAccountId: layout.ownerAccount,
            digestStartTime: UTCTime(s.lastDigest?.endTime ?? s.lastDigestTime).iso8601,
            digestEndTime: UTCTime(endTime).iso8601,
            digestS3Bucket: layout.bucket, digestS3Object: digestKey,
            digestPublicKeyFingerprint: key.fingerprint, digestSignatureAlgorithm: "SHA256withRSA",
            newestEventTime: events.map(\.eventTime).max().map { UTCTime($0).iso8601 },
            oldestEventTime: events.map(\.eventTime).min().map { UTCTime($0).iso8601 },
            previousDigestS3Bucket: previous?.digestS3Bucket, previousDigestS3Object: previous?.digestS3Object,
            previousDigestHashValue: s.lastDigest.map { Hex.sha256($0.body) },
            previousDigestHashAlgorithm: s.lastDigest == nil ? nil : "SHA-256",
            previousDigestSignature: s.lastDigest?.signature,
            logFiles: files.map {
                .init(s3Bucket: layout.bucket, s3Object: $0.file.key, hashValue: $0.hashValue,
                      hashAlgorithm: "SHA-256", newestEventTime: UTCTime($0.newest).iso8601,
                      oldestEventTime: UTCTime($0.oldest).iso8601)
            },
            vpcChain: .init(firstSequence: first, lastSequence: s.lastSequence, lastRecordHash: Hex.encode(s.lastHash)))
        let body = file.bytes
        let signature = try key.sign(DigestFile.signingString(
            endTime: file.digestEndTime, bucket: layout.bucket, key: digestKey, digestBytes: body,
            previousSignature: s.lastDigest?.signature))
        let digest = AuditDigest(key: digestKey, endTime: endTime, firstSequence: first, lastSequence: s.lastSequence,
                                 body: body, signature: signature, logFiles: files.map(\.file))
        try store.saveDigest(digest)
        s.lastDigest = digest
        s.lastDigestTime = now
        try export(digest)
        log("trail checkpoint digest=\(digestKey) records=\(first)...\(s.lastSequence) lastHash=\(Hex.encode(s.lastHash)) signature=\(signature)")
    }

    /// Writes the digest (gzipped, signature in a `.metadata.json` beside it, as
    /// S3 object metadata would hold it) and its log files under the trail directory.
    private func export(_ digest: AuditDigest) throws {
        func path(_ key: String) -> String { (trailDirectory as NSString).appendingPathComponent(key) }
        for f in digest.logFiles { try FileOutput.writeAtomically(Data(f.bytes), to: path(f.key)) }
        try FileOutput.writeAtomically(Data(Gzip.compress(digest.body)), to: path(digest.key))
        let metadata = #"{"signature":"\#(digest.signature)","signature-algorithm":"SHA256withRSA"}"# + "\n"
        try FileOutput.writeAtomically(Data(metadata.utf8), to: path(digest.key) + ".metadata.json")
    }

    /// Runs `runOnce` at once (HEAD appears as the server starts) and then every
    /// `interval` seconds on a background thread.
    public func start(interval: Double = 1) {
        state.withLock { $0.running = true }
        let thread = Thread { [self] in
            BackgroundPriority.name("trail-sealer")
            BackgroundPriority.lower()
            do { try runOnce() } catch { log("trail sealer: \(error)") }
            while state.withLock({ $0.running }) {
                wake.lock()
                _ = wake.wait(until: Date(timeIntervalSinceNow: interval))
                wake.unlock()
                guard state.withLock({ $0.running }) else { break }
                do { try runOnce() } catch { log("trail sealer: \(error)") }
            }
        }
        thread.start()
    }

    /// Stops the background thread and writes a final checkpoint (digest and HEAD).
    public func stop() throws {
        state.withLock { $0.running = false }
        wake.lock(); wake.signal(); wake.unlock()
        try runOnce(force: true)
    }
}
