// AWS Signature Version 4 verification (header-signed and presigned), as EC2 answers it.
//
// Error codes (EC2 wording; HTTP layer: AuthFailure → 401, the rest → 400):
// - MissingAuthenticationToken: no Authorization header and no X-Amz-Algorithm query parameter.
// - IncompleteSignature: the auth data cannot be parsed: unsupported algorithm, a missing
//   Credential/SignedHeaders/Signature (or X-Amz-* query parameter), a credential that is not
//   AKID/yyyymmdd/region/service/terminator, no X-Amz-Date/Date, a malformed date, both
//   mechanisms at once.
// - AuthFailure: it parses but is wrong: unknown access key, bad terminator, scope date not the
//   request's day, `host` not signed, X-Amz-Expires outside 1...604800, signature mismatch.
// - RequestExpired: header-signed and |now - date| > maxClockSkew; presigned and now > date +
//   X-Amz-Expires, or date more than maxClockSkew in the future.
//
// Checks run in that order: parse, access key, clock, scope, signature. The region and service
// of the scope are returned, not checked: the caller compares them with what it serves.
//
// The payload hash is always SHA-256 of the received body (no UNSIGNED-PAYLOAD for EC2). A signed
// X-Amz-Content-Sha256 header is canonicalized like any signed header, so it only verifies when it
// equals the real body hash.
//
// Compatibility fallbacks (tried only after the AWS-standard candidate fails, so they cost nothing
// on the normal path): the path without dot-segment/slash normalization (the suite's
// `normalize: false` cases), and for presigned requests a canonical query without
// X-Amz-Security-Token (clients that append the token after signing: `omit_session_token`).


public struct SigV4Verifier: Sendable {
    public var maxClockSkew: Double
    private let secretFor: @Sendable (String) -> String?
    private let cache: SigV4KeyCache

    public init(maxClockSkew: Double = 900, secretFor: @escaping @Sendable (String) -> String?) {
        self.maxClockSkew = maxClockSkew
        self.secretFor = secretFor
        self.cache = SigV4KeyCache()
    }

    public func verify(_ request: SigV4Request, now: Double) throws(SigV4Error) -> SigV4Identity {
        let auth = try Self.parse(request)
        guard let secret = secretFor(auth.accessKeyId) else { throw .unknownKey }

        let t = Double(auth.requestTime)
        if auth.presigned {
            if t - now > maxClockSkew || now > t + Double(auth.expires) { throw .expired }
        } else if abs(now - t) > maxClockSkew {
            throw .expired
        }
        guard auth.amzDate.utf8.prefix(8).elementsEqual(auth.date.utf8) else {
            throw .authFailure(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(auth.date)' != '\(auth.amzDate.prefix(8))', from '\(auth.presigned ? "X-Amz-Date" : "x-amz-date")'.")
        }

        let key = cache.key(secret: secret, date: auth.date, region: auth.region, service: auth.service)
        let payloadHash = SigV4Bytes.hexSHA256(request.body)
        // Candidates: AWS-standard first; fallbacks only when they could differ (see top of file).
        let unnormalized = SigV4Canonical.pathNeedsNormalization(request.path)
        for attempt in 0..<4 {
            let normalize = attempt < 2
            let dropToken = attempt & 1 == 1
            if (!normalize && !unnormalized) || (dropToken && !auth.tokenInQuery) { continue }
            let sts = Self.stringToSign(request, auth, normalize: normalize, dropToken: dropToken, payloadHash: payloadHash)
            if SigV4Canonical.constantTimeEquals(SigV4Canonical.signature(key: key, stringToSign: sts), auth.signature) {
                return SigV4Identity(
                    accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service,
                    date: auth.date, presigned: auth.presigned, sessionToken: auth.sessionToken)
            }
        }
        throw .mismatch
    }

    /// The canonical request and string to sign the verifier computes for `request` (tests, debugging).
    func canonical(_ request: SigV4Request, normalizePath: Bool = true, dropToken: Bool = false)
        throws(SigV4Error) -> (canonicalRequest: String, stringToSign: String)
    {
        let auth = try Self.parse(request)
        let payloadHash = SigV4Bytes.hexSHA256(request.body)
        let cr = Self.canonicalRequest(request, auth, normalize: normalizePath, dropToken: dropToken, payloadHash: payloadHash)
        let sts = SigV4Canonical.stringToSign(amzDate: auth.amzDate, scope: auth.scope, canonicalRequest: cr)
        return (String(decoding: cr, as: UTF8.self), String(decoding: sts, as: UTF8.self))
    }

    // MARK: - Internals

    struct Parsed {
        var presigned: Bool
        var accessKeyId: String
        var scope: ArraySlice<UInt8>  // date/region/service/aws4_request
        var date: String
        var region: String
        var service: String
        var amzDate: String
        var requestTime: Int
        var expires: Int
        var signedHeaders: SigV4SignedHeaders
        var signature: ArraySlice<UInt8>  // 32 bytes
        var sessionToken: String?
        var tokenInQuery: Bool
        var query: [SigV4QueryPair]  // presigned: without X-Amz-Signature
    }

    private static func canonicalRequest(
        _ request: SigV4Request, _ auth: Parsed, normalize: Bool, dropToken: Bool, payloadHash: [UInt8]
    ) -> [UInt8] {
        let query = dropToken ? auth.query.filter { $0.key != QueryKey.token } : auth.query
        return SigV4Canonical.canonicalRequest(
            method: request.method, path: request.path, normalizePath: normalize, query: query,
            headers: request.headers, signedHeaders: auth.signedHeaders, payloadHash: payloadHash)
    }

    private static func stringToSign(
        _ request: SigV4Request, _ auth: Parsed, normalize: Bool, dropToken: Bool, payloadHash: [UInt8]
    ) -> [UInt8] {
        let cr = canonicalRequest(request, auth, normalize: normalize, dropToken: dropToken, payloadHash: payloadHash)
        return SigV4Canonical.stringToSign(amzDate: auth.amzDate, scope: auth.scope, canonicalRequest: cr)
    }

    enum QueryKey {
        static let algorithm = Array("X-Amz-Algorithm".utf8)
        static let credential = Array("X-Amz-Credential".utf8)
        static let date = Array("X-Amz-Date".utf8)
        static let expires = Array("X-Amz-Expires".utf8)
        static let signedHeaders = Array("X-Amz-SignedHeaders".utf8)
        static let signature = Array("X-Amz-Signature".utf8)
        static let token = Array("X-Amz-Security-Token".utf8)
    }

    static func parse(_ request: SigV4Request) throws(SigV4Error) -> Parsed {
        var authorization: String?
        var amzDateHeader: String?
        var dateHeader: String?
        var tokenHeader: String?
        for h in request.headers {
            switch h.name.utf8.count {
            case 13 where authorization == nil && sigV4ASCIIEqualsIgnoringCase(h.name, "authorization"):
                authorization = h.value
            case 10 where amzDateHeader == nil && sigV4ASCIIEqualsIgnoringCase(h.name, "x-amz-date"):
                amzDateHeader = h.value
            case 4 where dateHeader == nil && sigV4ASCIIEqualsIgnoringCase(h.name, "date"):
                dateHeader = h.value
            case 20 where tokenHeader == nil && sigV4ASCIIEqualsIgnoringCase(h.name, "x-amz-security-token"):
                tokenHeader = h.value
            default: break
            }
        }
        let query = SigV4Canonical.parseQuery(request.query)
        let queryAlgorithm = query.first { $0.key == QueryKey.algorithm }

        if let authorization {
            if queryAlgorithm != nil {
                throw .incomplete(
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
            }
            return try parseHeader(
                authorization, amzDateHeader: amzDateHeader, dateHeader: dateHeader,
                token: tokenHeader, query: query)
        }
        if let queryAlgorithm {
            return try parsePresigned(queryAlgorithm, query: query, tokenHeader: tokenHeader)
        }
        if query.contains(where: { $0.key == QueryKey.signature || $0.key == QueryKey.credential }) {
            throw .incomplete(missingQueryMessage)
        }
        throw .missing
    }

    private static let missingQueryMessage =
        "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires' and 'X-Amz-Signature'. Re-examine the query-string parameters."

    @inline(__always)
    private static func bytesEqual(_ a: ArraySlice<UInt8>, _ literal: StaticString) -> Bool {
        a.count == literal.utf8CodeUnitCount
            && a.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inline(__always)
    private static func bytesEqual(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard at + n <= p.count else { return false }
        let l = literal.utf8Start
        for k in 0..<n where p[at + k] != l[k] { return false }
        return true
    }

    /// "AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request, SignedHeaders=a;b, Signature=hex"
    /// (the ", " separators may also be bare ",").
    private static func parseHeader(
        _ authorization: String, amzDateHeader: String?, dateHeader: String?, token: String?,
        query: [SigV4QueryPair]
    ) throws(SigV4Error) -> Parsed {
        let a = Array(authorization.utf8)
        // One pass over the bytes, no bounds checks: ranges of the algorithm and the three components.
        let (alg, cred, sh, sig) = a.withUnsafeBufferPointer { p -> (Range<Int>, Range<Int>?, Range<Int>?, Range<Int>?) in
            var i = 0
            while i < p.count && p[i] == 0x20 { i += 1 }
            let algStart = i
            while i < p.count && p[i] != 0x20 { i += 1 }
            let alg = algStart..<i
            var cred: Range<Int>?
            var sh: Range<Int>?
            var sig: Range<Int>?
            while i < p.count {
                while i < p.count && (p[i] == 0x20 || p[i] == UInt8(ascii: ",")) { i += 1 }
                let start = i
                var eq = -1
                while i < p.count && p[i] != UInt8(ascii: ",") {
                    if eq < 0 && p[i] == UInt8(ascii: "=") { eq = i }
                    i += 1
                }
                var end = i
                while end > start && p[end - 1] == 0x20 { end -= 1 }
                guard eq >= 0 else { continue }
                let value = (eq + 1)..<end
                switch eq - start {
                case 10 where bytesEqual(p, start, "Credential"): cred = value
                case 13 where bytesEqual(p, start, "SignedHeaders"): sh = value
                case 9 where bytesEqual(p, start, "Signature"): sig = value
                default: break
                }
            }
            return (alg, cred, sh, sig)
        }
        guard bytesEqual(a[alg], "AWS4-HMAC-SHA256") else {
            throw .incomplete("Unsupported AWS 'algorithm': '\(String(decoding: a[alg], as: UTF8.self))'. Use 'AWS4-HMAC-SHA256'.")
        }
        let credential = cred.map { a[$0] }
        let signedHeaders = sh.map { a[$0] }
        let signature = sig.map { a[$0] }
        guard let credential, let signedHeaders, let signature else {
            var missing = ""
            if credential == nil { missing += "Authorization header requires 'Credential' parameter. " }
            if signedHeaders == nil { missing += "Authorization header requires 'SignedHeaders' parameter. " }
            if signature == nil { missing += "Authorization header requires 'Signature' parameter. " }
            throw .incomplete(missing + "Authorization=\(authorization)")
        }
        let amzDate: String
        if let amzDateHeader {
            amzDate = amzDateHeader
        } else if let dateHeader {
            guard let d = SigV4Time.amzDate(fromHTTPDate: dateHeader) else {
                throw .incomplete("Date must be in RFC 7231 format ('Sun, 30 Aug 2015 12:36:00 GMT'), got '\(dateHeader)'.")
            }
            amzDate = d
        } else {
            throw .incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=\(authorization)")
        }
        return try finish(
            presigned: false, credential: credential, amzDate: amzDate, expires: 0,
            signedHeaders: Array(signedHeaders), signature: signature, token: token, tokenInQuery: false, query: query)
    }

    private static func parsePresigned(
        _ algorithm: SigV4QueryPair, query: [SigV4QueryPair], tokenHeader: String?
    ) throws(SigV4Error) -> Parsed {
        func value(_ key: [UInt8]) -> [UInt8]? {
            guard let p = query.first(where: { $0.key == key }) else { return nil }
            return SigV4Bytes.percentDecoded(p.rawValue.utf8)
        }
        let alg = SigV4Bytes.percentDecoded(algorithm.rawValue.utf8)
        guard bytesEqual(alg[...], "AWS4-HMAC-SHA256") else {
            throw .incomplete("Unsupported AWS 'algorithm': '\(String(decoding: alg, as: UTF8.self))'. Use 'AWS4-HMAC-SHA256'.")
        }
        guard let credential = value(QueryKey.credential), let amzDate = value(QueryKey.date),
            let signedHeaders = value(QueryKey.signedHeaders), let signature = value(QueryKey.signature),
            let expiresBytes = value(QueryKey.expires)
        else { throw .incomplete(missingQueryMessage) }
        let expiresString = String(decoding: expiresBytes, as: UTF8.self)
        guard let expires = Int(expiresString), (1...604_800).contains(expires) else {
            throw .authFailure("X-Amz-Expires must be an integer number of seconds from 1 to 604800 (one week), got '\(expiresString)'.")
        }
        let queryToken = value(QueryKey.token).map { String(decoding: $0, as: UTF8.self) }
        return try finish(
            presigned: true, credential: credential[...], amzDate: String(decoding: amzDate, as: UTF8.self),
            expires: expires, signedHeaders: signedHeaders, signature: signature[...], token: queryToken ?? tokenHeader,
            tokenInQuery: queryToken != nil, query: query.filter { $0.key != QueryKey.signature })
    }

    private static func finish(
        presigned: Bool, credential: ArraySlice<UInt8>, amzDate: String, expires: Int, signedHeaders: [UInt8],
        signature: ArraySlice<UInt8>, token: String?, tokenInQuery: Bool, query: [SigV4QueryPair]
    ) throws(SigV4Error) -> Parsed {
        // Credential = AKID/yyyymmdd/region/service/aws4_request
        var slashes: [Int] = []
        slashes.reserveCapacity(4)
        for i in credential.indices where credential[i] == SigV4Bytes.slash { slashes.append(i) }
        let bounds = [credential.startIndex - 1] + slashes + [credential.endIndex]
        guard slashes.count == 4, !(0..<5).contains(where: { bounds[$0 + 1] - bounds[$0] <= 1 }) else {
            throw .incomplete(
                "Credential must have the form <AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request, got '\(String(decoding: credential, as: UTF8.self))'.")
        }
        func part(_ n: Int) -> ArraySlice<UInt8> { credential[(bounds[n] + 1)..<bounds[n + 1]] }
        guard bytesEqual(part(4), "aws4_request") else {
            throw .authFailure("Credential should be scoped with a valid terminator: 'aws4_request', not '\(String(decoding: part(4), as: UTF8.self))'.")
        }
        guard let requestTime = SigV4Time.parseAmzDate(amzDate[...]) else {
            throw .incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '\(amzDate)'.")
        }
        guard let names = SigV4SignedHeaders(line: signedHeaders) else {
            throw .incomplete("SignedHeaders must be a ';'-separated list of lowercase header names, got '\(String(decoding: signedHeaders, as: UTF8.self))'.")
        }
        guard names.contains("host") else {
            throw .authFailure("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        guard let sig = SigV4Bytes.decodeLowerHex(signature, count: 32) else { throw .mismatch }
        return Parsed(
            presigned: presigned, accessKeyId: String(decoding: part(0), as: UTF8.self),
            scope: credential[(bounds[1] + 1)...],
            date: String(decoding: part(1), as: UTF8.self), region: String(decoding: part(2), as: UTF8.self),
            service: String(decoding: part(3), as: UTF8.self),
            amzDate: amzDate, requestTime: requestTime, expires: expires,
            signedHeaders: names, signature: sig[...],
            sessionToken: token, tokenInQuery: tokenInQuery, query: query)
    }
}
