// AWS Signature Version 4: public value types shared by the verifier and the signer.

/// What the HTTP layer received (or what a client is about to send).
public struct SigV4Request: Sendable {
    /// "GET", "POST", ...
    public var method: String
    /// Raw path as received, percent-encoded, e.g. "/" or "/foo%20bar". Never decoded by us:
    /// the canonical URI encodes it once more (AWS's non-S3 "double encoding" rule).
    public var path: String
    /// Raw query string without "?" ("" if none).
    public var query: String
    /// In received order, duplicates allowed. Names compare case-insensitively.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String, path: String, query: String = "",
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Values of every header named `name` (case-insensitive), in received order.
    public func headerValues(_ name: String) -> [String] {
        headers.compactMap { sigV4ASCIIEqualsIgnoringCase($0.name, name) ? $0.value : nil }
    }
}

public struct SigV4Credentials: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    /// STS session token; the signer sends it as X-Amz-Security-Token when set.
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// Who signed a verified request, and the credential scope they used.
public struct SigV4Identity: Sendable, Equatable {
    public var accessKeyId: String
    public var region: String
    public var service: String
    /// Credential-scope date, yyyymmdd.
    public var date: String
    /// True for query-string (presigned) authentication.
    public var presigned: Bool
    /// X-Amz-Security-Token (header or query), signed or not; the caller validates it.
    public var sessionToken: String?

    public init(
        accessKeyId: String, region: String, service: String, date: String,
        presigned: Bool, sessionToken: String?
    ) {
        self.accessKeyId = accessKeyId
        self.region = region
        self.service = service
        self.date = date
        self.presigned = presigned
        self.sessionToken = sessionToken
    }
}

/// A verification failure. `code` is the EC2 error code (`AuthFailure`, `RequestExpired`,
/// `MissingAuthenticationToken`, `IncompleteSignature`); the HTTP layer maps it to a status.
public struct SigV4Error: Error, Equatable, Sendable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func authFailure(_ message: String) -> SigV4Error {
        SigV4Error(code: "AuthFailure", message: message)
    }
    static func incomplete(_ message: String) -> SigV4Error {
        SigV4Error(code: "IncompleteSignature", message: message)
    }
    static let expired = SigV4Error(code: "RequestExpired", message: "Request has expired.")
    static let missing = SigV4Error(
        code: "MissingAuthenticationToken", message: "Request is missing Authentication Token")
    static let unknownKey = SigV4Error.authFailure(
        "AWS was not able to validate the provided access credentials")
    static let mismatch = SigV4Error.authFailure(
        "The request signature we calculated does not match the signature you provided. "
            + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

@inline(__always)
func sigV4ASCIIEqualsIgnoringCase(_ a: String, _ b: String) -> Bool {
    var ia = a.utf8.makeIterator()
    var ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return true
        case let (x?, y?):
            if x != y && SigV4Bytes.lower(x) != SigV4Bytes.lower(y) { return false }
        default: return false
        }
    }
}
