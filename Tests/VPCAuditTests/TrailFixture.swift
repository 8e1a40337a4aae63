import Foundation
import GRDB
import Synchronization
import VPCAudit
import VPCStore
import VPCStoreSQLite
import _CryptoExtras

/// A trail in a temporary data directory: records appended, sealed and digested
/// on a fake clock, and raw SQL for tampering with it.
final class TrailFixture {
    static let key = try! TrailSigningKey(privateKey: _RSA.Signing.PrivateKey(keySize: .bits2048))
    let dir: String
    let store: SQLiteStore
    let layout = TrailLayout(ownerAccount: "123456789012")
    let clock = FakeClock()
    var trailDirectory: String { (dir as NSString).appendingPathComponent("trail") }
    private(set) var sealer: TrailSealer!

    init() throws {
        dir = NSTemporaryDirectory() + "vpc-trail-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(path: (dir as NSString).appendingPathComponent("vpc.sqlite"))
        let clock = self.clock
        sealer = try TrailSealer(store: store, key: Self.key, trailDirectory: trailDirectory, layout: layout,
                                 digestInterval: 3600, clock: { clock.time.withLock { $0 } })
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func record(_ name: String, account: String = "111111111111", vpc: String = "vpc-0123456789abcdef0",
                caller: CallerIdentity? = nil) -> CloudTrailRecord {
        let now = clock.time.withLock { $0 += 1; return $0 }
        var r = CloudTrailRecord(
            eventTime: now, caller: caller ?? CallerIdentity(accessKeyId: "AKIDA", account: account, userName: "alice"),
            eventName: name, awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "test",
            requestParameters: [("VpcId", vpc)], requestID: UUID().uuidString, eventID: UUID().uuidString,
            readOnly: name.hasPrefix("Describe"))
        if !r.readOnly { r.setResult(xml: Array("<vpc><vpcId>\(vpc)</vpcId></vpc>".utf8)) }
        return r
    }

    /// `digests` digests of `perDigest` records each, then `tail` sealed records after the last digest.
    func makeTrail(digests: Int = 3, perDigest: Int = 4, tail: Int = 2) throws {
        for d in 0..<digests {
            try store.appendEvents((0..<perDigest).map { record($0 % 2 == 0 ? "CreateVpc" : "DescribeVpcs", account: d % 2 == 0 ? "111111111111" : "222222222222").auditEvent() })
            try sealer.runOnce(force: true)
        }
        try store.commit([], events: (0..<tail).map { _ in record("DeleteVpc").auditEvent() })
        try sealer.runOnce()
    }

    func verify(publicKey: _RSA.Signing.PublicKey = TrailFixture.key.privateKey.publicKey,
                headPath: String? = nil) throws -> TrailVerifier.Report {
        try TrailVerifier(store: store, publicKey: publicKey, trailDirectory: trailDirectory, layout: layout,
                          headPath: headPath).verify()
    }

    /// A sealer over the same store and directory, as after a restart of the server.
    func restartedSealer() throws -> TrailSealer {
        let clock = self.clock
        return try TrailSealer(store: store, key: Self.key, trailDirectory: trailDirectory, layout: layout,
                               digestInterval: 3600, clock: { clock.time.withLock { $0 } })
    }

    func sql(_ text: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: (dir as NSString).appendingPathComponent("vpc.sqlite"))
        try queue.write { try $0.execute(sql: text, arguments: arguments) }
    }
}

final class FakeClock: Sendable {
    let time = Mutex<Double>(1_790_000_000)
}
