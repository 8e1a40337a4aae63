import EC2Query
import Foundation
import VPCAudit
import VPCStore

/// What the audit record of one request knows before it is dispatched: the
/// client, the request id and the time; then the caller, from the verified
/// SigV4 identity or, when the signature failed, as far as the credential scope
/// names one.
struct CallAudit: Sendable {
    private var caller = CallerIdentity()
    private var region = "us-east-1"
    /// False until `identify` or `identifyFromScope` ran.
    private var identified = false
    private let request: APIRequest
    private let credentials: Credentials
    private let requestId: String
    private let eventTime: Double

    init(request: APIRequest, credentials: Credentials, requestId: String, now: Double) {
        self.request = request
        self.credentials = credentials
        self.requestId = requestId
        eventTime = now
    }

    /// The caller of a request whose signature verified (the key may still be unknown).
    mutating func identify(_ identity: SigV4Identity, key: AccessKey?) {
        caller.accessKeyId = identity.accessKeyId
        if !identity.region.isEmpty { region = identity.region }
        caller.account = key?.account
        caller.userName = key?.userName
        identified = true
    }

    /// The caller as far as the credential scope names one: for requests that
    /// failed before their signature verified (parsed only then, not for every call).
    private mutating func identifyFromScope() {
        identified = true
        guard let scope = Self.credentialScope(request) else { return }
        caller.accessKeyId = scope.accessKeyId
        if !scope.region.isEmpty { region = scope.region }
        if let key = credentials.key(scope.accessKeyId) {
            caller.account = key.account
            caller.userName = key.userName
        }
    }

    /// `AKID/date/region/service/aws4_request` from the Authorization header or X-Amz-Credential.
    static func credentialScope(_ request: APIRequest) -> (accessKeyId: String, region: String)? {
        var credential: Substring.UTF8View?
        if let auth = request.header("authorization"), let rest = Self.utf8(after: "Credential=", in: auth) {
            credential = rest.prefix { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") }
        } else if let q = FormDecoding.pairs(request.query).first(where: { $0.0 == "X-Amz-Credential" }) {
            credential = Substring(q.1).utf8
        }
        guard let parts = credential?.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false),
              let key = parts.first, !key.isEmpty else { return nil }
        return (String(Substring(key)), parts.count > 2 ? String(Substring(parts[2])) : "")
    }

    /// What follows the first `marker` in `text`, scanning bytes (the stdlib's
    /// generic `firstRange(of:)` costs more than the rest of this record).
    static func utf8(after marker: StaticString, in text: String) -> Substring.UTF8View? {
        let offset = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            let m = UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount)
            guard bytes.count >= m.count else { return nil }
            for i in 0...(bytes.count - m.count) where bytes[i] == m[0] {
                if UnsafeBufferPointer(rebasing: bytes[i..<(i + m.count)]).elementsEqual(m) { return i + m.count }
            }
            return nil
        } ?? nil
        guard let offset else { return nil }
        return Substring(text).utf8.dropFirst(offset)
    }

    func record(action: String, parameters: [(String, String)], readOnly: Bool, response: APIResponse,
                eventSource: String = "ec2.amazonaws.com") -> CloudTrailRecord {
        var call = self
        if !call.identified { call.identifyFromScope() }
        var record = CloudTrailRecord(
            eventTime: eventTime, caller: call.caller, eventSource: eventSource, eventName: action, awsRegion: call.region,
            sourceIPAddress: request.sourceIP, userAgent: request.header("user-agent") ?? "",
            requestParameters: parameters.filter { !EC2Service.protocolParameters.contains($0.0) },
            requestID: requestId, eventID: RandomUUID.lowercased(), readOnly: readOnly)
        if let code = response.errorCode {
            record.errorCode = response.status >= 500 ? "Server.\(code)" : "Client.\(code)"
            record.errorMessage = response.errorMessage
        }
        return record
    }
}
