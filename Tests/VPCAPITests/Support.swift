import EC2Query
import Foundation
import VPCAPI
import VPCControlPlane
import VPCAudit
import VPCStore

/// An EC2Service over an in-memory store with two accounts, and a client that
/// signs requests the way boto3 does.
struct APIFixture {
    static let keyA = SigV4Credentials(accessKeyId: "AKIDA", secretAccessKey: "secret-a")
    static let keyB = SigV4Credentials(accessKeyId: "AKIDB", secretAccessKey: "secret-b")
    var service: EC2Service
    let store: InMemoryStore
    let audit: AuditAppender
    let now: Double

    init(limits: Throttle.Limits = { var l = Throttle.Limits(); l.enabled = false; return l }(),
         now: Double = 1_790_000_000) throws {
        let store = InMemoryStore()
        let audit = AuditAppender(store: store)
        self.store = store
        self.audit = audit
        let credentials = try Credentials(store: store)
        try credentials.provision(AccessKey(accessKeyId: "AKIDA", secretAccessKey: "secret-a",
                                            account: "111111111111", userName: "a"))
        try credentials.provision(AccessKey(accessKeyId: "AKIDB", secretAccessKey: "secret-b",
                                            account: "222222222222", userName: "b"))
        let clock: @Sendable () -> Double = { now }
        service = EC2Service(controlPlane: try ControlPlane(store: store, clock: clock), credentials: credentials,
                             throttle: Throttle(limits: limits), audit: audit, clock: clock)
        self.now = now
    }

    static func amzDate(_ t: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    /// A signed form POST, as botocore sends it.
    func signedRequest(_ params: [(String, String)], key: SigV4Credentials = keyA, region: String = "us-east-1",
                       at time: Double? = nil) -> APIRequest {
        let body = params.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        var request = SigV4Request(
            method: "POST", path: "/", query: "",
            headers: [("Host", "127.0.0.1:9001"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(body.utf8))
        SigV4Signer(credentials: key, region: region, service: "ec2").sign(&request, amzDate: Self.amzDate(time ?? now))
        return APIRequest(method: request.method, path: request.path, query: request.query, headers: request.headers,
                          body: request.body, sourceIP: "127.0.0.1")
    }

    func call(_ action: String, _ params: [(String, String)] = [], key: SigV4Credentials = keyA) -> APIResponse {
        service.handle(signedRequest([("Action", action), ("Version", "2016-11-15")] + params, key: key))
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}

extension APIResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The text of the first `<tag>` element.
    func value(_ tag: String) -> String? {
        guard let open = text.range(of: "<\(tag)>"), let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
