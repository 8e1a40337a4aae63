// AWS Signature Version 4 signing, for our own clients, the load generator and tests.
// Same canonicalization code as the verifier.

internal import Crypto

public struct SigV4Signer: Sendable {
    public var credentials: SigV4Credentials
    public var region: String
    public var service: String

    public init(credentials: SigV4Credentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Adds X-Amz-Date (replacing any), X-Amz-Security-Token (when the credentials have a session
    /// token) and Authorization. Signs host, x-amz-date, and content-type, x-amz-content-sha256 and
    /// x-amz-security-token when present; with `signAllHeaders`, every header present.
    public func sign(_ request: inout SigV4Request, amzDate: String) {
        sign(&request, amzDate: amzDate, signAllHeaders: false, normalizePath: true)
    }

    public func sign(_ request: inout SigV4Request, amzDate: String, signAllHeaders: Bool, normalizePath: Bool = true) {
        request.headers.removeAll {
            sigV4ASCIIEqualsIgnoringCase($0.name, "authorization") || sigV4ASCIIEqualsIgnoringCase($0.name, "x-amz-date")
        }
        request.headers.append((name: "X-Amz-Date", value: amzDate))
        if let token = credentials.sessionToken, request.headerValues("x-amz-security-token").isEmpty {
            request.headers.append((name: "X-Amz-Security-Token", value: token))
        }
        let names = signedHeaderNames(request, all: signAllHeaders, defaults: ["host", "x-amz-date", "content-type", "x-amz-content-sha256", "x-amz-security-token"])
        let (scope, sig) = signature(request, amzDate: amzDate, signedHeaders: names, query: SigV4Canonical.parseQuery(request.query), normalizePath: normalizePath)
        request.headers.append((
            name: "Authorization",
            value: "\(SigV4Bytes.algorithm) Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(names.joined(separator: ";")), Signature=\(sig)"
        ))
    }

    /// Appends X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires,
    /// X-Amz-Security-Token (with a session token) and X-Amz-Signature to the query. Signs `host`
    /// (with `signAllHeaders`, every header present).
    public func presign(_ request: inout SigV4Request, amzDate: String, expires: Int) {
        presign(&request, amzDate: amzDate, expires: expires, signAllHeaders: false, normalizePath: true)
    }

    public func presign(_ request: inout SigV4Request, amzDate: String, expires: Int, signAllHeaders: Bool, normalizePath: Bool = true) {
        let names = signedHeaderNames(request, all: signAllHeaders, defaults: ["host"])
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/\(SigV4Bytes.terminator)"
        var params: [(String, String)] = [
            ("X-Amz-Algorithm", SigV4Bytes.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope)"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-SignedHeaders", names.joined(separator: ";")),
            ("X-Amz-Expires", String(expires)),
        ]
        if let token = credentials.sessionToken { params.append(("X-Amz-Security-Token", token)) }
        var query = request.query
        for (k, v) in params {
            if !query.isEmpty { query += "&" }
            query += k + "=" + SigV4Bytes.encoded(v)
        }
        request.query = query
        let (_, sig) = signature(request, amzDate: amzDate, signedHeaders: names, query: SigV4Canonical.parseQuery(query), normalizePath: normalizePath)
        request.query += "&X-Amz-Signature=" + sig
    }

    // MARK: - Internals

    private func signedHeaderNames(_ request: SigV4Request, all: Bool, defaults: [String]) -> [String] {
        var names = Set<String>()
        for h in request.headers {
            let lower = String(decoding: h.name.utf8.map(SigV4Bytes.lower), as: UTF8.self)
            if lower == "authorization" { continue }
            if all || defaults.contains(lower) { names.insert(lower) }
        }
        names.insert("host")
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Canonical request for `request` as this signer builds it (tests, debugging).
    func canonicalRequest(
        _ request: SigV4Request, signedHeaders: [String], query: [SigV4QueryPair], normalizePath: Bool
    ) -> [UInt8] {
        SigV4Canonical.canonicalRequest(
            method: request.method, path: request.path, normalizePath: normalizePath, query: query,
            headers: request.headers, signedHeaders: SigV4SignedHeaders(names: signedHeaders),
            payloadHash: SigV4Bytes.hexSHA256(request.body))
    }

    private func signature(
        _ request: SigV4Request, amzDate: String, signedHeaders: [String], query: [SigV4QueryPair], normalizePath: Bool
    ) -> (scope: String, signature: String) {
        let date = amzDate.prefix(8)
        let scope = "\(date)/\(region)/\(service)/\(SigV4Bytes.terminator)"
        let cr = canonicalRequest(request, signedHeaders: signedHeaders, query: query, normalizePath: normalizePath)
        let sts = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope.utf8, canonicalRequest: cr)
        let key = SigV4Canonical.signingKey(
            secret: credentials.secretAccessKey, date: date, region: region[...], service: service[...])
        return (scope, SigV4Canonical.hex(SigV4Canonical.signature(key: key, stringToSign: sts)))
    }
}
