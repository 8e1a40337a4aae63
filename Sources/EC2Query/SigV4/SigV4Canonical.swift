// AWS Signature Version 4: canonical request, string to sign, signing key.
// Byte-level and Foundation-free: this runs on every API request.
//
// Canonical request (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
//   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexPayloadHash
// - URI: the raw (already percent-encoded) path, optionally dot-segment/duplicate-slash normalized
//   (botocore's remove_dot_segments), then URI-encoded once more, '/' kept: the non-S3 double encoding.
// - Query: every pair percent-decoded then re-encoded (RFC 3986 unreserved kept, uppercase hex),
//   sorted by encoded key then encoded value; a key without '=' gets an empty value.
// - Headers: lowercase names in SignedHeaders order; values trimmed, runs of whitespace collapsed
//   to one space, repeated headers joined with ",".

internal import Crypto
import EC2Shapes

enum SigV4Bytes {
    static let slash = UInt8(ascii: "/")
    static let newline = UInt8(ascii: "\n")
    static let hexLower: [UInt8] = Array("0123456789abcdef".utf8)
    static let hexUpper: [UInt8] = Array("0123456789ABCDEF".utf8)
    static let algorithm = "AWS4-HMAC-SHA256"
    static let algorithmBytes: [UInt8] = Array(algorithm.utf8)
    static let terminator = "aws4_request"
    static let emptyBodyHash: [UInt8] = Array("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".utf8)

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b &- 65) < 26 ? b | 0x20 : b }

    @inline(__always) static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// URI-encodes `bytes` (RFC 3986 unreserved kept, uppercase hex), optionally keeping '/'.
    @inline(__always)
    static func appendEncoded(_ bytes: some Collection<UInt8>, keepSlash: Bool, to buf: inout [UInt8]) {
        for b in bytes {
            if isUnreserved(b) || (keepSlash && b == slash) {
                buf.append(b)
            } else {
                buf.append(UInt8(ascii: "%"))
                buf.append(hexUpper[Int(b >> 4)])
                buf.append(hexUpper[Int(b & 0xF)])
            }
        }
    }

    static func encoded(_ s: String, keepSlash: Bool = false) -> String {
        var buf: [UInt8] = []
        buf.reserveCapacity(s.utf8.count)
        appendEncoded(s.utf8, keepSlash: keepSlash, to: &buf)
        return String(decoding: buf, as: UTF8.self)
    }

    /// Percent-decodes; a '%' not followed by two hex digits stays literal. '+' stays '+'.
    static func percentDecoded(_ s: Substring.UTF8View) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i != s.endIndex {
            let b = s[i]
            if b == UInt8(ascii: "%") {
                let j = s.index(after: i)
                if j != s.endIndex, let hi = hexValue(s[j]) {
                    let k = s.index(after: j)
                    if k != s.endIndex, let lo = hexValue(s[k]) {
                        out.append(hi << 4 | lo)
                        i = s.index(after: k)
                        continue
                    }
                }
            }
            out.append(b)
            i = s.index(after: i)
        }
        return out
    }

    /// Re-encodes a raw query component canonically (decode, then encode).
    @inline(__always)
    static func canonicalComponent(_ raw: Substring) -> [UInt8] {
        var out: [UInt8] = []
        // Fast path: nothing to decode and nothing to encode.
        var clean = true
        for b in raw.utf8 where !isUnreserved(b) { clean = false; break }
        if clean { out.append(contentsOf: raw.utf8); return out }
        let decoded = percentDecoded(raw.utf8)
        out.reserveCapacity(decoded.count + 8)
        appendEncoded(decoded, keepSlash: false, to: &out)
        return out
    }

    @inline(__always)
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var h = SHA256()
        h.update(bufferPointer: bytes)
        return h.finalize()
    }

    /// 32-byte digest → 64 lowercase hex bytes.
    static func hex(_ digest: SHA256Digest) -> [UInt8] {
        digest.withUnsafeBytes { d in
            [UInt8](unsafeUninitializedCapacity: d.count * 2) { out, n in
                for i in 0..<d.count {
                    out[2 * i] = hexLower[Int(d[i] >> 4)]
                    out[2 * i + 1] = hexLower[Int(d[i] & 0xF)]
                }
                n = d.count * 2
            }
        }
    }

    static func appendHex(_ bytes: UnsafeRawBufferPointer, to buf: inout [UInt8]) {
        for b in bytes {
            buf.append(hexLower[Int(b >> 4)])
            buf.append(hexLower[Int(b & 0xF)])
        }
    }

    static func hexSHA256(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.isEmpty { return emptyBodyHash }
        let digest = bytes.withUnsafeBytes { SigV4Bytes.sha256($0) }
        return hex(digest)
    }

    /// Splits on an ASCII byte, keeping empty pieces. Works on UTF-8, not Characters.
    static func split(_ s: Substring, _ separator: UInt8) -> [Substring] {
        var out: [Substring] = []
        let u = s.utf8
        var start = u.startIndex
        var i = start
        while i != u.endIndex {
            if u[i] == separator {
                out.append(s[start..<i])
                start = u.index(after: i)
            }
            u.formIndex(after: &i)
        }
        out.append(s[start..<u.endIndex])
        return out
    }

    /// Index of the first `byte`, or nil.
    @inline(__always)
    static func firstIndex(_ s: Substring, _ byte: UInt8) -> Substring.Index? {
        s.utf8.firstIndex(of: byte)
    }

    /// Lowercase-hex → bytes; nil unless exactly `count` bytes of lowercase hex.
    static func decodeLowerHex(_ u: ArraySlice<UInt8>, count: Int) -> [UInt8]? {
        guard u.count == count * 2 else { return nil }
        return u.withUnsafeBufferPointer { src -> [UInt8]? in
            var ok = true
            let out = [UInt8](unsafeUninitializedCapacity: count) { dst, n in
                @inline(__always) func nibble(_ b: UInt8) -> UInt8 {
                    let d = b &- UInt8(ascii: "0")
                    if d < 10 { return d }
                    let l = b &- UInt8(ascii: "a")
                    if l < 6 { return l + 10 }
                    ok = false
                    return 0
                }
                for i in 0..<count { dst[i] = nibble(src[2 * i]) << 4 | nibble(src[2 * i + 1]) }
                n = count
            }
            return ok ? out : nil
        }
    }
}

/// The SignedHeaders value as sent (line 6 of the canonical request) and the ranges of its names.
struct SigV4SignedHeaders {
    var line: [UInt8]
    var ranges: [Range<Int>]

    /// Splits on ';'. Nil when a name is empty.
    init?(line: [UInt8]) {
        self.line = line
        ranges = []
        var start = 0
        for i in 0...line.count where i == line.count || line[i] == UInt8(ascii: ";") {
            if i == start { return nil }
            ranges.append(start..<i)
            start = i + 1
        }
    }

    init(names: [String]) {
        self.init(line: Array(names.joined(separator: ";").utf8))!
    }

    func contains(_ name: StaticString) -> Bool {
        let n = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return ranges.contains { line[$0].elementsEqual(n) }
    }
}

/// One query parameter, canonically encoded.
struct SigV4QueryPair {
    var key: [UInt8]
    var value: [UInt8]
    var rawValue: Substring
}

enum SigV4Canonical {
    /// Splits a raw query string into canonically encoded pairs (empty segments dropped).
    static func parseQuery(_ query: String) -> [SigV4QueryPair] {
        if query.isEmpty { return [] }
        var pairs: [SigV4QueryPair] = []
        for part in SigV4Bytes.split(query[...], UInt8(ascii: "&")) where !part.isEmpty {
            let rawKey: Substring
            let rawValue: Substring
            if let eq = SigV4Bytes.firstIndex(part, UInt8(ascii: "=")) {
                rawKey = part[..<eq]
                rawValue = part[part.utf8.index(after: eq)...]
            } else {
                rawKey = part
                rawValue = ""
            }
            pairs.append(SigV4QueryPair(
                key: SigV4Bytes.canonicalComponent(rawKey),
                value: SigV4Bytes.canonicalComponent(rawValue),
                rawValue: rawValue))
        }
        return pairs
    }

    /// botocore's remove_dot_segments: drops empty and "." segments, resolves "..", keeps a
    /// leading '/' and (if anything is left) a trailing '/'.
    static func normalizedPath(_ path: Substring.UTF8View) -> [ArraySlice<UInt8>]? {
        // Fast check: nothing to do when there is no "//" and no "." or ".." segment.
        var needs = false
        var prevSlash = false
        var segLen = 0
        var segDotsOnly = true
        for b in path {
            if b == SigV4Bytes.slash {
                if prevSlash || (segLen > 0 && segLen <= 2 && segDotsOnly) { needs = true; break }
                segLen = 0
                segDotsOnly = true
                prevSlash = true
            } else {
                prevSlash = false
                segLen += 1
                if b != UInt8(ascii: ".") { segDotsOnly = false }
            }
        }
        if segLen > 0 && segLen <= 2 && segDotsOnly { needs = true }
        if !needs { return nil }
        let bytes = Array(path)
        var out: [ArraySlice<UInt8>] = []
        for seg in bytes.split(separator: SigV4Bytes.slash, omittingEmptySubsequences: true) {
            if seg.count == 1 && seg.first == UInt8(ascii: ".") { continue }
            if seg.count == 2 && seg.allSatisfy({ $0 == UInt8(ascii: ".") }) {
                if !out.isEmpty { out.removeLast() }
                continue
            }
            out.append(seg)
        }
        return out
    }

    /// True when normalization changes the path (so an unnormalized signature is a distinct candidate).
    static func pathNeedsNormalization(_ path: String) -> Bool {
        normalizedPath(path.utf8[...]) != nil
    }

    static func appendCanonicalURI(_ path: String, normalize: Bool, to buf: inout [UInt8]) {
        let u = path.utf8
        if u.isEmpty { buf.append(SigV4Bytes.slash); return }
        if normalize, let segments = normalizedPath(u[...]) {
            let leading = u.first == SigV4Bytes.slash
            let trailing = u.last == SigV4Bytes.slash && !segments.isEmpty
            if leading { buf.append(SigV4Bytes.slash) }
            for (i, seg) in segments.enumerated() {
                if i > 0 { buf.append(SigV4Bytes.slash) }
                SigV4Bytes.appendEncoded(seg, keepSlash: true, to: &buf)
            }
            if trailing { buf.append(SigV4Bytes.slash) }
            if !leading && segments.isEmpty { buf.append(SigV4Bytes.slash) }
            return
        }
        SigV4Bytes.appendEncoded(u, keepSlash: true, to: &buf)
    }

    static func appendCanonicalQuery(_ pairs: [SigV4QueryPair], to buf: inout [UInt8]) {
        switch pairs.count {
        case 0: return
        case 1:
            buf.append(contentsOf: pairs[0].key)
            buf.append(UInt8(ascii: "="))
            buf.append(contentsOf: pairs[0].value)
        default:
            let sorted = pairs.sorted {
                $0.key == $1.key
                    ? $0.value.lexicographicallyPrecedes($1.value)
                    : $0.key.lexicographicallyPrecedes($1.key)
            }
            for (i, p) in sorted.enumerated() {
                if i > 0 { buf.append(UInt8(ascii: "&")) }
                buf.append(contentsOf: p.key)
                buf.append(UInt8(ascii: "="))
                buf.append(contentsOf: p.value)
            }
        }
    }

    /// Appends `value` trimmed, with runs of whitespace collapsed to one space.
    @inline(__always)
    static func appendHeaderValue(_ value: String, to buf: inout [UInt8]) {
        // Fast path (nearly every header): nothing to trim or collapse → one bulk copy.
        var clean = true
        var prevSpace = true  // a leading space is not clean
        for b in value.utf8 {
            if b == 0x20 {
                if prevSpace { clean = false; break }
                prevSpace = true
            } else if b == 0x09 || b == 0x0A || b == 0x0D {
                clean = false
                break
            } else {
                prevSpace = false
            }
        }
        if clean && (!prevSpace || value.isEmpty) {
            buf.append(contentsOf: value.utf8)
            return
        }
        var pendingSpace = false
        var started = false
        for b in value.utf8 {
            if SigV4Bytes.isSpace(b) {
                if started { pendingSpace = true }
            } else {
                if pendingSpace { buf.append(0x20); pendingSpace = false }
                buf.append(b)
                started = true
            }
        }
    }

    /// Case-insensitive match of a received header name against a lowercase signed name.
    @inline(__always)
    static func nameMatches(_ name: String, _ signed: ArraySlice<UInt8>) -> Bool {
        let a = name.utf8
        guard a.count == signed.count else { return false }
        var i = signed.startIndex
        for x in a {
            if SigV4Bytes.lower(x) != signed[i] { return false }
            i += 1
        }
        return true
    }

    /// Builds the full canonical request.
    static func canonicalRequest(
        method: String, path: String, normalizePath: Bool, query: [SigV4QueryPair],
        headers: [(name: String, value: String)], signedHeaders: SigV4SignedHeaders, payloadHash: [UInt8]
    ) -> [UInt8] {
        var capacity = method.utf8.count + path.utf8.count * 3 + signedHeaders.line.count * 2 + 80
        for p in query { capacity += p.key.count + p.value.count + 2 }
        for h in headers { capacity += h.value.utf8.count + 1 }
        var buf: [UInt8] = []
        buf.reserveCapacity(capacity)
        buf.append(contentsOf: method.utf8)
        buf.append(SigV4Bytes.newline)
        appendCanonicalURI(path, normalize: normalizePath, to: &buf)
        buf.append(SigV4Bytes.newline)
        appendCanonicalQuery(query, to: &buf)
        buf.append(SigV4Bytes.newline)
        let line = signedHeaders.line
        for r in signedHeaders.ranges {
            let name = line[r]
            buf.append(contentsOf: name)
            buf.append(UInt8(ascii: ":"))
            var first = true
            for h in headers where nameMatches(h.name, name) {
                if !first { buf.append(UInt8(ascii: ",")) }
                appendHeaderValue(h.value, to: &buf)
                first = false
            }
            buf.append(SigV4Bytes.newline)
        }
        buf.append(SigV4Bytes.newline)
        buf.append(contentsOf: line)
        buf.append(SigV4Bytes.newline)
        buf.append(contentsOf: payloadHash)
        return buf
    }

    static func stringToSign(amzDate: String, scope: some Collection<UInt8>, canonicalRequest: [UInt8]) -> [UInt8] {
        var buf: [UInt8] = []
        buf.reserveCapacity(17 + 17 + scope.count + 1 + 64)
        buf.append(contentsOf: SigV4Bytes.algorithmBytes)
        buf.append(SigV4Bytes.newline)
        buf.append(contentsOf: amzDate.utf8)
        buf.append(SigV4Bytes.newline)
        buf.append(contentsOf: scope)
        buf.append(SigV4Bytes.newline)
        buf.append(contentsOf: SigV4Bytes.hex(canonicalRequest.withUnsafeBytes { SigV4Bytes.sha256($0) }))
        return buf
    }

    /// HMAC chain "AWS4"+secret → date → region → service → "aws4_request".
    static func signingKey(secret: String, date: Substring, region: Substring, service: Substring) -> SigV4HMACKey {
        func step(_ key: SigV4HMACKey, _ data: Substring) -> SigV4HMACKey {
            var copy = data
            let mac = copy.withUTF8 { key.mac(UnsafeRawBufferPointer($0)) }
            return mac.withUnsafeBytes { SigV4HMACKey(key: $0) }
        }
        var k = SigV4HMACKey(key: Array(("AWS4" + secret).utf8))
        k = step(k, date)
        k = step(k, region)
        k = step(k, service)
        return step(k, Substring(SigV4Bytes.terminator))
    }

    static func signature(key: SigV4HMACKey, stringToSign: [UInt8]) -> SHA256Digest {
        stringToSign.withUnsafeBytes { key.mac($0) }
    }

    static func hex(_ mac: SHA256Digest) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        mac.withUnsafeBytes { SigV4Bytes.appendHex($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Constant-time comparison of a computed MAC with the 32 bytes the client sent.
    static func constantTimeEquals(_ mac: SHA256Digest, _ provided: ArraySlice<UInt8>) -> Bool {
        mac.withUnsafeBytes { computed -> Bool in
            guard computed.count == provided.count else { return false }
            var diff: UInt8 = 0
            var j = provided.startIndex
            for i in 0..<computed.count {
                diff |= computed[i] ^ provided[j]
                j += 1
            }
            return diff == 0
        }
    }
}

/// HMAC-SHA256 (RFC 2104) with the inner and outer pads already absorbed, so one MAC is two
/// hash-state copies and two finalizations. swift-crypto's HMAC<SHA256> re-derives the pads on
/// every call (about 3x slower on Linux), and this is the per-request hot path.
struct SigV4HMACKey: @unchecked Sendable {
    // SHA256 is a copy-on-write value: the cached states are never mutated, only copied.
    private let inner: SHA256
    private let outer: SHA256

    init(key: [UInt8]) {
        self = key.withUnsafeBytes { SigV4HMACKey(key: $0) }
    }

    init(key k: UnsafeRawBufferPointer) {
        var block = [UInt8](repeating: 0, count: 64)
        if k.count > 64 {
            SigV4Bytes.sha256(k).withUnsafeBytes { d in for i in 0..<d.count { block[i] = d[i] } }
        } else {
            for i in 0..<k.count { block[i] = k[i] }
        }
        var ipad = block
        var opad = block
        for i in 0..<64 {
            ipad[i] ^= 0x36
            opad[i] ^= 0x5c
        }
        var inner = SHA256()
        ipad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = SHA256()
        opad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    func mac(_ message: UnsafeRawBufferPointer) -> SHA256Digest {
        var i = inner
        i.update(bufferPointer: message)
        let innerDigest = i.finalize()
        var o = outer
        innerDigest.withUnsafeBytes { o.update(bufferPointer: $0) }
        return o.finalize()
    }
}

/// Fixed-format timestamps, without Foundation.
enum SigV4Time {
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int { EC2Timestamp.days(fromCivil: y, m, d) }

    static func civilFromDays(_ z: Int) -> (Int, Int, Int) { EC2Timestamp.civil(fromDays: z) }

    /// "yyyyMMdd'T'HHmmss'Z'" → unix seconds.
    static func parseAmzDate(_ s: Substring) -> Int? {
        var u: (UInt64, UInt64) = (0, 0)  // 16 bytes on the stack
        guard s.utf8.count == 16 else { return nil }
        withUnsafeMutableBytes(of: &u) { buf in
            for (i, b) in s.utf8.enumerated() { buf[i] = b }
        }
        return withUnsafeBytes(of: &u) { u -> Int? in
        guard u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                let c = u[i] &- UInt8(ascii: "0")
                guard c < 10 else { return nil }
                v = v * 10 + Int(c)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(4, 2), let d = num(6, 2),
            let h = num(9, 2), let mi = num(11, 2), let se = num(13, 2),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 61
        else { return nil }
        return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se
        }
    }

    /// RFC 7231 IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT") → amz date string, for clients that
    /// sign the `Date` header instead of `X-Amz-Date`.
    static func amzDate(fromHTTPDate s: String) -> String? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT" else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        /// Exactly `digits` decimal digits (no sign), so the arithmetic below cannot overflow.
        func number(_ s: Substring, digits: Int) -> Int? {
            guard s.utf8.count == digits, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int(s)
        }
        let t = parts[4].split(separator: ":")
        guard let d = number(parts[1], digits: 2), (1...31).contains(d),
            let mIdx = months.firstIndex(of: String(parts[2])), let y = number(parts[3], digits: 4),
            t.count == 3, let h = number(t[0], digits: 2), let mi = number(t[1], digits: 2),
            let se = number(t[2], digits: 2), h < 24, mi < 60, se < 61
        else { return nil }
        return format(daysFromCivil(y, mIdx + 1, d) * 86400 + h * 3600 + mi * 60 + se)
    }

    /// unix seconds → "yyyyMMdd'T'HHmmss'Z'".
    static func format(_ t: Int) -> String {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + pad(secs / 3600, 2) + pad(secs / 60 % 60, 2)
            + pad(secs % 60, 2) + "Z"
    }
}
