import Foundation
import GRDB
import VPCStoreSQLite
import Testing
import VPCAudit
import VPCStore
import _CryptoExtras

@Suite struct TrailVerifierTests {
    func problems(_ f: TrailFixture) throws -> String { try f.verify().problems.joined(separator: "\n") }

    @Test func untouchedTrailVerifiesClean() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let report = try f.verify()
        #expect(report.problems == [])
        #expect(report.records == 14)
        #expect(report.digests == 3)
        // Exported like CloudTrail's S3 keys, and HEAD outside the store.
        let digest = try #require(try f.store.loadDigests().last)
        #expect(digest.key.hasPrefix("AWSLogs/123456789012/CloudTrail-Digest/us-east-1/"))
        #expect(FileManager.default.fileExists(atPath: f.trailDirectory + "/" + digest.key))
        #expect(FileManager.default.fileExists(atPath: f.trailDirectory + "/" + digest.logFiles[0].key))
        let head = try #require(try TrailHead.read(trailDirectory: f.trailDirectory))
        #expect(head.lastSequence == 14 && head.digestKey == digest.key)
    }

    @Test func editedRecordIsDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("UPDATE audit_events SET body = CAST(replace(CAST(body AS TEXT), 'alice', 'mallory') AS BLOB) WHERE seq = 6")
        let text = try problems(f)
        #expect(text.contains("record 6 (eventID"))
        #expect(text.contains("hash mismatch"))
    }

    /// The columns LookupEvents filters on sit outside the hashed body: an edit of any of
    /// them (moving a record to another account, renaming its event, its resources) is caught.
    @Test func anEditedSearchedColumnIsDetected() throws {
        let edits = [
            ("account", "UPDATE audit_events SET account = '999999999999' WHERE seq = 6"),
            ("region", "UPDATE audit_events SET region = 'eu-west-1' WHERE seq = 6"),
            ("eventName", "UPDATE audit_events SET event_name = 'DeleteVpc' WHERE seq = 6"),
            ("eventSource", "UPDATE audit_events SET event_source = 's3.amazonaws.com' WHERE seq = 6"),
            ("eventTime", "UPDATE audit_events SET event_time = event_time + 3600 WHERE seq = 6"),
            ("readOnly", "UPDATE audit_events SET read_only = 1 - read_only WHERE seq = 6"),
            ("username", "UPDATE audit_events SET username = 'mallory' WHERE seq = 6"),
            ("accessKeyId", "UPDATE audit_events SET access_key_id = 'AKIDB' WHERE seq = 6"),
            ("resources", "UPDATE audit_events SET resources = '' WHERE seq = 6"),
            ("resource index", "UPDATE audit_resources SET name = 'vpc-0000000000000000f' WHERE seq = 6"),
        ]
        for (column, edit) in edits {
            let f = try TrailFixture()
            try f.makeTrail()
            try f.sql(edit)
            let text = try problems(f)
            #expect(text.contains("record 6 (eventID") && text.contains("searched \(column) differ"), "\(column): \(text)")
        }
    }

    /// Root, a key with no user and no key at all: each identity's columns match its body.
    @Test func everyKindOfCallerVerifiesClean() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.store.appendEvents([
            f.record("CreateVpc", caller: CallerIdentity(accessKeyId: "AKIDR", account: "111111111111", userName: "root")),
            f.record("DescribeVpcs", caller: CallerIdentity(accessKeyId: "AKIDX", account: "111111111111")),
            f.record("DescribeVpcs", caller: CallerIdentity()),
            // An anonymous client's NULs in Action and the credential scope: text columns read back end at a NUL.
            CloudTrailRecord(eventTime: 1_790_000_500, caller: CallerIdentity(accessKeyId: "AKID\0X"), eventName: "Describe\0Vpcs",
                             awsRegion: "us-\0east-1", sourceIPAddress: "127.0.0.1", userAgent: "test", requestParameters: [],
                             requestID: UUID().uuidString, eventID: UUID().uuidString, readOnly: true),
        ].map { $0.auditEvent() })
        try f.sealer.runOnce(force: true)
        #expect(try f.verify().problems == [])
    }

    /// A region is whatever a client named in its credential scope, signed or not: as a log
    /// file's path segment it is escaped, so it cannot climb out of the trail directory.
    @Test func aRegionCannotClimbOutOfTheTrailDirectory() throws {
        let f = try TrailFixture()
        try f.store.appendEvents([
            CloudTrailRecord(eventTime: 1_790_000_500, caller: CallerIdentity(accessKeyId: "AKIDX"), eventName: "DescribeVpcs",
                             awsRegion: "x/../../../../../escaped", sourceIPAddress: "127.0.0.1", userAgent: "test",
                             requestParameters: [], requestID: UUID().uuidString, eventID: UUID().uuidString, readOnly: true),
        ].map { $0.auditEvent() })
        try f.sealer.runOnce(force: true)
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/escaped"))
        let digest = try #require(try f.store.loadDigests().first)
        let escaped = "x%2F%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fescaped"
        let key = try #require(digest.logFiles.first?.key)
        #expect(key.hasPrefix("AWSLogs/123456789012/CloudTrail/\(escaped)/2026/09/21/123456789012_CloudTrail_\(escaped)_"))
        #expect(!key.contains(".."))
        #expect(try f.verify().problems == [])
    }

    /// A record whose ARN uses an older path for its type (`i/` before `instance/`) is no edit.
    @Test func anOlderARNPathIsNoEdit() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("""
            UPDATE audit_events SET body = CAST(replace(CAST(body AS TEXT), ':vpc/vpc-', ':v/vpc-') AS BLOB) WHERE seq = 6
            """)
        let text = try problems(f)
        #expect(text.contains("record 6 (eventID") && text.contains("hash mismatch"))  // the body was edited here, but
        #expect(!text.contains("searched"))  // its type and id still match the columns
    }

    @Test func rehashedRecordIsCaughtByItsDigest() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        // Rewrite a record and recompute every hash after it: the chain is
        // self-consistent again, but the digest's log file and chain hash are not.
        try f.sql("UPDATE audit_events SET body = CAST(replace(CAST(body AS TEXT), 'alice', 'mallory') AS BLOB) WHERE seq = 2")
        var previous = RecordChain.genesis
        for e in try f.store.loadEvents(after: 0, limit: 100) {
            previous = RecordChain.link(previous, e.body)
            try f.sql("UPDATE audit_events SET hash = ? WHERE seq = ?", [Data(previous), e.sequence])
        }
        let text = try problems(f)
        #expect(text.contains("records altered"))
        #expect(text.contains("HEAD"))
    }

    @Test func editedDigestIsDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("UPDATE audit_digests SET body = CAST(replace(CAST(body AS TEXT), '111111111111', '333333333333') AS BLOB) WHERE seq = 1")
        #expect(try problems(f).contains("signature does not verify"))
    }

    @Test func deletedDigestIsDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("DELETE FROM audit_digests WHERE seq = 2")
        #expect(try problems(f).contains("is missing (digest deleted)"))
    }

    @Test func deletedNewestDigestIsDetectedByHead() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("DELETE FROM audit_digests WHERE seq = 3")
        #expect(try problems(f).contains("named by HEAD is missing (newest digests deleted)"))
    }

    @Test func swappedDigestsAreDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("""
            UPDATE audit_digests SET seq = -1 WHERE seq = 1;
            UPDATE audit_digests SET seq = 1 WHERE seq = 2;
            UPDATE audit_digests SET seq = 2 WHERE seq = -1;
            """)
        #expect(try problems(f).contains("out of order"))
    }

    @Test func digestSignedByForeignKeyIsDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let foreign = try TrailSigningKey(privateKey: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let digest = try #require(try f.store.loadDigests().last)
        var file = try JSONDecoder().decode(DigestFile.self, from: Data(digest.body))
        file.digestPublicKeyFingerprint = foreign.fingerprint
        let body = file.bytes
        let signature = try foreign.sign(DigestFile.signingString(
            endTime: file.digestEndTime, bucket: file.digestS3Bucket, key: file.digestS3Object, digestBytes: body,
            previousSignature: file.previousDigestSignature))
        try f.sql("UPDATE audit_digests SET body = ?, signature = ? WHERE seq = 3", [Data(body), signature])
        #expect(try problems(f).contains("signed by a foreign key"))
        // Claiming our fingerprint does not help: the signature itself fails.
        file.digestPublicKeyFingerprint = TrailFixture.key.fingerprint
        let forged = try foreign.sign(DigestFile.signingString(
            endTime: file.digestEndTime, bucket: file.digestS3Bucket, key: file.digestS3Object, digestBytes: file.bytes,
            previousSignature: file.previousDigestSignature))
        try f.sql("UPDATE audit_digests SET body = ?, signature = ? WHERE seq = 3", [Data(file.bytes), forged])
        #expect(try problems(f).contains("signature does not verify"))
    }

    @Test func deletedNewestRecordsAreDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("DELETE FROM audit_events WHERE seq > 12")
        #expect(try problems(f).contains("records 13...14 named by HEAD are missing (newest records deleted)"))
    }

    /// The running sealer rewrites HEAD from the store every second: deleting the newest
    /// records must leave evidence it cannot overwrite, while it runs and across a restart.
    @Test func deletingTheNewestRecordsUnderARunningOrRestartedSealerStaysDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("DELETE FROM audit_events WHERE seq > 12")
        try f.sealer.runOnce()
        #expect(try TrailHead.read(trailDirectory: f.trailDirectory)?.lastSequence == 12)  // HEAD follows the store...
        #expect(try problems(f).contains("the store's chain went back from record 14 to 12"))  // ...the evidence stays

        let g = try TrailFixture()
        try g.makeTrail()
        try g.sql("DELETE FROM audit_events WHERE seq > 12")
        try g.restartedSealer().runOnce()
        #expect(try problems(g).contains("at start: the store's records end at 12, HEAD named 14"))

        let h = try TrailFixture()
        try h.makeTrail()
        try h.sql("DELETE FROM audit_digests WHERE seq = 3")
        try h.restartedSealer().runOnce()
        #expect(try problems(h).contains("which the store no longer has"))
    }

    /// A restart that finds a digest HEAD does not name yet (stopped between the two) is no conflict.
    @Test func aHeadLaggingItsNewestDigestIsNoConflict() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        var head = try #require(try TrailHead.read(trailDirectory: f.trailDirectory))
        let digests = try f.store.loadDigests()
        head.digestKey = digests[1].key
        head.digestSignature = digests[1].signature
        try head.write(trailDirectory: f.trailDirectory)
        try f.restartedSealer().runOnce()
        #expect(try f.verify().problems == [])
    }

    /// A copy of HEAD kept elsewhere still names what a writer of the data directory deleted,
    /// HEAD and the evidence file included.
    @Test func aCopyOfHeadKeptElsewhereCatchesARewrittenHead() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let copy = f.dir + "-HEAD"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: TrailHead.path(trailDirectory: f.trailDirectory), toPath: copy)
        try f.sql("DELETE FROM audit_events WHERE seq > 12")
        try f.sealer.runOnce()
        try FileManager.default.removeItem(atPath: TrailConflicts.path(trailDirectory: f.trailDirectory))
        #expect(try f.verify().problems == [])  // consistent again in the directory itself
        #expect(try f.verify(headPath: copy).problems.joined().contains("records 13...14 named by HEAD are missing"))
    }

    /// Hostile numbers in records and digests are reported, never a trap or an endless loop.
    @Test func malformedRangesAndTimesAreReportedNotCrashedOn() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let digest = try #require(try f.store.loadDigests().first)
        var file = try JSONDecoder().decode(DigestFile.self, from: Data(digest.body))
        file.vpcChain.firstSequence = .min
        file.vpcChain.lastSequence = .max
        try f.sql("UPDATE audit_digests SET body = ? WHERE seq = 1", [Data(file.bytes)])
        file.vpcChain.firstSequence = 1
        file.vpcChain.lastSequence = 4_000_000_000_000_000_000
        try f.sql("UPDATE audit_digests SET body = ?, last_seq = 9223372036854775807, end_time = 1e300 WHERE seq = 2",
                  [Data(file.bytes)])
        try f.sql("UPDATE audit_events SET seq = 9223372036854775807 WHERE seq = 14")
        let text = try problems(f)
        #expect(text.contains("impossible record range"))
        #expect(text.contains("sequence gap") || text.contains("missing"))
    }

    /// A range ending at the largest sequence, after the first record: no wrap past the end.
    @Test func aRangeEndingAtTheLargestSequenceIsReported() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let digest = try f.store.loadDigests()[1]
        let file = try JSONDecoder().decode(DigestFile.self, from: Data(digest.body))
        #expect(file.vpcChain.firstSequence >= 2)
        // Written by hand: the canonical bytes go through a Double, which cannot hold Int64.max.
        let body = String(decoding: digest.body, as: UTF8.self)
            .replacingOccurrences(of: "\"lastSequence\":\(file.vpcChain.lastSequence)", with: "\"lastSequence\":\(Int64.max)")
        try f.sql("UPDATE audit_digests SET body = ? WHERE key = ?", [Data(body.utf8), digest.key])
        let text = try problems(f)
        #expect(text.contains("of its records \(file.vpcChain.firstSequence)...\(Int64.max) are missing"), "\(text)")
    }

    /// HEAD names only records the store has marked sealed in a synchronous commit, which
    /// makes the unsynced appends before it durable: a power loss cannot take back what HEAD names.
    @Test func headNamesOnlyRecordsSealedDurably() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.store.appendEvents([f.record("DescribeVpcs").auditEvent()])
        try f.sealer.runOnce()
        let head = try #require(try TrailHead.read(trailDirectory: f.trailDirectory))
        let queue = try DatabaseQueue(path: (f.dir as NSString).appendingPathComponent("vpc.sqlite"))
        let sealed = try queue.read { try Int64.fetchOne($0, sql: "SELECT last_seq FROM audit_sealed WHERE id = 1") }
        #expect(head.lastSequence == 15 && sealed == 15)
    }

    /// A copy of HEAD taken before the first digest names none; the digests made since are no problem.
    @Test func aCopyOfHeadFromBeforeTheFirstDigestVerifies() throws {
        let f = try TrailFixture()
        try f.store.appendEvents([f.record("DescribeVpcs").auditEvent()])
        try f.sealer.runOnce()
        #expect(try f.store.loadDigests().isEmpty)
        let copy = f.dir + "-HEAD"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: TrailHead.path(trailDirectory: f.trailDirectory), toPath: copy)
        try f.makeTrail()
        #expect(try f.verify(headPath: copy).problems == [])
    }

    @Test func recordsAreChainedAsTheyAreAppended() throws {
        let f = try TrailFixture()
        let memory = InMemoryStore()
        for store in [f.store, memory] as [any Store] {
            try store.appendEvents([f.record("DescribeVpcs").auditEvent(), f.record("DescribeSubnets").auditEvent()])
            try store.commit([], events: [f.record("CreateVpc").auditEvent()])
            try store.appendEvents([f.record("DescribeVpcs").auditEvent()])
            let events = try store.loadEvents(after: 0, limit: 10)
            #expect(events.map(\.sequence) == [1, 2, 3, 4])
            var previous = RecordChain.genesis
            for e in events {
                previous = RecordChain.link(previous, e.body)
                #expect(e.hash == previous)
            }
            let head = try #require(try store.chainHead())
            #expect(head.sequence == 4 && head.hash == previous)
        }
    }

    @Test func recordsAnOlderServerLeftUnchainedAreChainedOnUpgrade() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let chained = try f.store.loadEvents(after: 0, limit: 100)
        // As an older server left them: the newest records not yet sealed, the migration not run.
        try f.sql("UPDATE audit_events SET hash = NULL WHERE seq > 10")
        try f.sql("DELETE FROM grdb_migrations WHERE identifier = 'v4-audit-chained-on-append'")
        let reopened = try SQLiteStore(path: f.dir + "/vpc.sqlite")
        #expect(try reopened.loadEvents(after: 0, limit: 100) == chained)
        #expect(try problems(f) == "")
    }

    @Test func removedHashIsDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("UPDATE audit_events SET hash = NULL WHERE seq = 7")
        #expect(try problems(f).contains("record 7 (eventID"))
        #expect(try problems(f).contains("no chain hash"))
    }

    @Test func deletedMiddleRecordIsDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        try f.sql("DELETE FROM audit_events WHERE seq = 5")
        #expect(try problems(f).contains("records 5...5 are missing"))
    }
}

extension TrailVerifierTests {
    @Test func editedExportsAreDetected() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let digest = try #require(try f.store.loadDigests().first)
        try Data(Gzip.compress(Array("{}".utf8))).write(to: URL(fileURLWithPath: f.trailDirectory + "/" + digest.key))
        try Data(Gzip.compress(Array(#"{"Records":[]}"#.utf8)))
            .write(to: URL(fileURLWithPath: f.trailDirectory + "/" + digest.logFiles[0].key))
        let text = try problems(f)
        #expect(text.contains("exported copy differs from the stored digest"))
        #expect(text.contains("exported copy does not match the digest's hash"))
    }

    /// Deleted exports are reported; a restarted sealer writes them again from the store.
    @Test func deletedExportsAreDetectedThenRestored() throws {
        let f = try TrailFixture()
        try f.makeTrail()
        let digest = try #require(try f.store.loadDigests().last)
        try FileManager.default.removeItem(atPath: f.trailDirectory + "/" + digest.key)
        try FileManager.default.removeItem(atPath: f.trailDirectory + "/" + digest.logFiles[0].key)
        let text = try problems(f)
        #expect(text.contains("digest \(f.trailDirectory)/\(digest.key): exported copy is missing"))
        #expect(text.contains("log file \(f.trailDirectory)/\(digest.logFiles[0].key): exported copy is missing"))
        try FileManager.default.removeItem(atPath: f.trailDirectory + "/" + digest.key + ".metadata.json")
        #expect(try problems(f).contains("\(digest.key).metadata.json: exported copy is missing"))
        _ = try f.restartedSealer()
        #expect(try f.verify().problems == [])
    }
}
