import EC2Query
import Foundation
import Testing
import VPCAPI
import VPCAudit
import VPCControlPlane
import VPCStore
import VPCStoreSQLite

/// In-process cost of recording (no HTTP, no client): EC2Service.handle over a
/// SQLite store with and without the audit trail. Prints p50/p99 (timings on a
/// shared machine are too noisy to gate on); asserts that every call succeeded
/// and, with the trail on, left exactly one record once the appender stopped.
@Suite struct AuditLatencyTests {
    func measure(audit: Bool, describes: Int, creates: Int) throws -> (describe: [Double], create: [Double]) {
        let dir = NSTemporaryDirectory() + "vpc-audit-latency-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/vpc.sqlite")
        let credentials = try Credentials(store: store)
        try credentials.provision(AccessKey(accessKeyId: "AKIDA", secretAccessKey: "secret-a", account: "111111111111", userName: "a"))
        let appender = audit ? AuditAppender(store: store) : nil
        appender?.start()
        defer { appender?.stop() }  // also when a call below throws; stopping twice is harmless
        var limits = Throttle.Limits()
        limits.enabled = false
        let service = EC2Service(controlPlane: try ControlPlane(store: store), credentials: credentials,
                                 throttle: Throttle(limits: limits), audit: appender)
        func call(_ params: [(String, String)]) -> (Double, APIResponse) {
            let body = ([("Action", params[0].1), ("Version", "2016-11-15")] + params.dropFirst())
                .map { "\($0.0)=\(APIFixture.escape($0.1))" }.joined(separator: "&")
            var request = SigV4Request(method: "POST", path: "/", query: "",
                                       headers: [("Host", "127.0.0.1:9001"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                                       body: Array(body.utf8))
            SigV4Signer(credentials: APIFixture.keyA, region: "us-east-1", service: "ec2")
                .sign(&request, amzDate: APIFixture.amzDate(Date().timeIntervalSince1970))
            let api = APIRequest(method: "POST", path: "/", query: "", headers: request.headers, body: request.body, sourceIP: "127.0.0.1")
            let start = ContinuousClock.now
            let response = service.handle(api)
            let d = ContinuousClock.now - start
            return (Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15, response)
        }
        var statuses: [Int] = [call([("Action", "DescribeVpcs")]).1.status]
        var describe: [Double] = [], create: [Double] = []
        for _ in 0..<describes {
            let (t, r) = call([("Action", "DescribeVpcs")])
            describe.append(t)
            statuses.append(r.status)
        }
        for _ in 0..<creates {
            let (t, r) = call([("Action", "CreateVpc"), ("CidrBlock", "10.0.0.0/16")])
            create.append(t)
            statuses.append(call([("Action", "DeleteVpc"), ("VpcId", r.value("vpcId") ?? "")]).1.status)
            statuses.append(r.status)
        }
        #expect(statuses.allSatisfy { $0 == 200 })
        if let appender {
            #expect(appender.stop() == 0)
            let records = try store.loadEvents(after: 0, limit: statuses.count + 1)
            #expect(records.count == statuses.count)
            #expect(Set(records.map(\.eventID)).count == records.count)
        }
        return (describe, create)
    }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s[min(s.count - 1, Int((p / 100 * Double(s.count - 1)).rounded()))]
    }

    @Test func recordingCost() throws {
        let n = Int(ProcessInfo.processInfo.environment["VPC_AUDIT_LATENCY_N"] ?? "300") ?? 300
        var results: [Bool: (describe: [Double], create: [Double])] = [false: ([], []), true: ([], [])]
        for _ in 0..<2 {
            for audit in [false, true] {
                let r = try measure(audit: audit, describes: n, creates: n / 5)
                results[audit]!.describe += r.describe
                results[audit]!.create += r.create
            }
        }
        for audit in [false, true] {
            let r = results[audit]!
            print(String(format: "audit-latency audit=%@ DescribeVpcs p50=%.3fms p99=%.3fms CreateVpc p50=%.3fms p99=%.3fms (n=%d/%d)",
                         audit ? "on " : "off", Self.percentile(r.describe, 50), Self.percentile(r.describe, 99),
                         Self.percentile(r.create, 50), Self.percentile(r.create, 99), r.describe.count, r.create.count))
        }
    }
}
