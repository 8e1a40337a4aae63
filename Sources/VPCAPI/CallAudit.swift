import EC2Query
import Foundation
import VPCAudit
import VPCStore

/// What the audit record of one request knows before it is dispatched: the
/// caller as far as the credential scope names one (even when the signature
/// fails), the region, the client and the request id.
struct CallAudit: Sendable {
    var caller = CallerIdentity()
    var region = "us-east-1"
    var sourceIP: String
    var userAgent: String
    var requestId: String
    var eventTime: Double

    init(request: APIRequest, credentials: Credentials, requestId: String, now: Double) {
        sourceIP = request.sourceIP
        userAgent = request.header("user-agent") ?? ""
        self.requestId = requestId
        eventTime = now
        if let scope = Self.credentialScope(request) {
            caller.accessKeyId = scope.accessKeyId
            if !scope.region.isEmpty { region = scope.region }
            if let key = credentials.key(scope.accessKeyId) {
                caller.account = key.account
                caller.userName = key.userName
            }
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
        var record = CloudTrailRecord(
            eventTime: eventTime, caller: caller, eventSource: eventSource, eventName: action, awsRegion: region,
            sourceIPAddress: sourceIP, userAgent: userAgent,
            requestParameters: parameters.filter { !EC2Service.protocolParameters.contains($0.0) },
            requestID: requestId, eventID: RandomUUID.lowercased(), readOnly: readOnly)
        if let code = response.errorCode {
            record.errorCode = response.status >= 500 ? "Server.\(code)" : "Client.\(code)"
            record.errorMessage = response.errorMessage
        }
        return record
    }
}
