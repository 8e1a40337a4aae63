import EC2Query
import FuzzSupport
import Foundation
import VPCAPI
import VPCAudit
import VPCControlPlane
import VPCStore

/// `EC2Service.handle` on any request, as a client on the network could send it, and the
/// trail record every call leaves (encoded by `flush`). The first byte picks the form:
///
/// - bit 0 clear: raw. Header lines (`Name: value`) up to the first NUL, the body after
///   it; nothing is signed, so this is what anyone can send before authentication.
/// - bit 0 set: the body after the first byte, signed by a known key as botocore signs
///   (bit 1: a CloudTrail or CloudWatch Logs JSON call, bit 2 picks which; else an EC2
///   query), so the actions themselves run on whatever parameters it names.
///
/// Every 1,024 inputs the store starts afresh (the fuzzer's writes would pile up).
final class Fixture {
    static let key = SigV4Credentials(accessKeyId: "AKIDFUZZ", secretAccessKey: "fuzz-secret")
    static let now = 1_790_000_000.0
    let service: EC2Service
    let audit: AuditAppender

    init() {
        let store = InMemoryStore()
        audit = AuditAppender(store: store)
        let credentials = try! Credentials(store: store)
        try! credentials.provision(AccessKey(accessKeyId: Self.key.accessKeyId, secretAccessKey: Self.key.secretAccessKey,
                                             account: "111111111111", userName: "fuzz"))
        let clock: @Sendable () -> Double = { Fixture.now }
        var limits = Throttle.Limits()
        limits.enabled = false
        service = EC2Service(controlPlane: try! ControlPlane(store: store, clock: clock), credentials: credentials,
                             throttle: Throttle(limits: limits), audit: audit, clock: clock)
    }
}

nonisolated(unsafe) var fixture = Fixture()
nonisolated(unsafe) var inputs = 0

let amzDate: String = {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return f.string(from: Date(timeIntervalSince1970: Fixture.now))
}()

func request(_ bytes: [UInt8]) -> APIRequest {
    let mode = bytes.first ?? 0
    let rest = Array(bytes.dropFirst())
    if mode & 1 == 0 {
        let split = rest.firstIndex(of: 0) ?? rest.count
        let headers = String(decoding: rest[..<split], as: UTF8.self).split(separator: "\n").compactMap {
            line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[colon...].dropFirst()))
        }
        return APIRequest(method: "POST", path: "/", query: "", headers: headers,
                          body: split < rest.count ? Array(rest[(split + 1)...]) : [], sourceIP: "127.0.0.1")
    }
    var headers: [(name: String, value: String)] = [("Host", "127.0.0.1:9001")]
    let service: String
    if mode & 2 != 0 {
        let (target, name) = mode & 4 != 0
            ? ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", "cloudtrail")
            : ("Logs_20140328." + ["DescribeLogGroups", "DescribeLogStreams", "GetLogEvents", "FilterLogEvents"][Int(mode >> 3) & 3], "logs")
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target)]
        service = name
    } else {
        headers.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
        service = "ec2"
    }
    var signed = SigV4Request(method: "POST", path: "/", query: "", headers: headers, body: rest)
    SigV4Signer(credentials: Fixture.key, region: "us-east-1", service: service).sign(&signed, amzDate: amzDate)
    return APIRequest(method: "POST", path: "/", query: "", headers: signed.headers, body: signed.body,
                      sourceIP: "127.0.0.1")
}

@main enum FuzzAPIRequest {
    static func main() {
        fuzzMain { data, size in
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            let response = fixture.service.handle(request(bytes))
            fuzzCheck(response.status >= 200 && response.status < 600, "HTTP status")
            // An error nobody threw on purpose: the in-memory store cannot fail.
            fuzzCheck(response.errorCode != "InternalError" && response.errorCode != "InternalFailure", "unexpected error")
            fixture.audit.flush()
            inputs += 1
            if inputs % 1024 == 0 { fixture = Fixture() }
            return 0
        }
    }
}
