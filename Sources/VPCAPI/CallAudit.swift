import EC2Query
import Foundation
import VPCAudit
import VPCStore

/// What the audit record of one request knows before it is dispatched: the
/// client, the request id and the time; then the caller, from the verified
/// SigV4 identity or, when the signature failed, as far as the credential scope
/// names one.
struct CallAudit: Sendable {
    /// The caller and region from the verified SigV4 identity; nil until `identify` ran
    /// (the record then takes them from the credential scope).
    private var verified: (caller: CallerIdentity, region: String)?
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

    /// Records the caller of a request whose signature verified and returns its access
    /// key, if this server knows it.
    mutating func identify(_ identity: SigV4Identity) -> AccessKey? {
        let key = credentials.key(identity.accessKeyId)
        verified = (CallerIdentity(accessKeyId: identity.accessKeyId, account: key?.account, userName: key?.userName),
                    identity.region.isEmpty ? Self.defaultRegion : identity.region)
        return key
    }

    static let defaultRegion = "us-east-1"

    /// The caller as far as the credential scope names one: for requests that
    /// failed before their signature verified (parsed only then, not for every call).
    /// The access key's account gets the record (someone tried its key), but the
    /// identity stays `Unknown`: no user name or ARN, since nobody proved to be that
    /// user; `record` leaves out such a request's parameters for the same reason.
    private func callerFromScope() -> (caller: CallerIdentity, region: String) {
        guard let scope = Self.credentialScope(request) else { return (CallerIdentity(), Self.defaultRegion) }
        let key = credentials.key(scope.accessKeyId)
        return (CallerIdentity(accessKeyId: scope.accessKeyId, account: key?.account),
                scope.region.isEmpty ? Self.defaultRegion : scope.region)
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

    /// The call's record; `parameters` are the action's, without the protocol's own
    /// (Action, Version, signature).
    func record(action: String, parameters: [(String, String)], readOnly: Bool, response: APIResponse,
                eventSource: String = "ec2.amazonaws.com") -> CloudTrailRecord {
        var (caller, region) = verified ?? callerFromScope()
        // What a client chose freely is cut to a bounded length, so that no request, signed
        // or not, can leave a large record in the append-only trail.
        caller.accessKeyId = caller.accessKeyId.map { Self.capped($0, 128) }
        var record = CloudTrailRecord(
            eventTime: eventTime, caller: caller, eventSource: eventSource, eventName: Self.capped(action, 128),
            awsRegion: Self.capped(region, 64), sourceIPAddress: request.sourceIP,
            userAgent: Self.capped(request.header("user-agent") ?? "", 1024),
            requestParameters: verified == nil ? [] : parameters,
            requestID: requestId, eventID: RandomUUID.lowercased(), readOnly: readOnly)
        if let code = response.errorCode {
            record.errorCode = response.status >= 500 ? "Server.\(code)" : "Client.\(code)"
            record.errorMessage = response.errorMessage.map { Self.capped($0, 1024) }
        }
        return record
    }

    /// `text`'s first `limit` Unicode scalars.
    static func capped(_ text: String, _ limit: Int) -> String {
        text.unicodeScalars.count <= limit ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit)))
    }
}
