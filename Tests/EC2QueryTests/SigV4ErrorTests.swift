// Error codes for malformed, missing and expired authentication, and the signer/verifier round trip.

import Foundation
import Testing
@testable import EC2Query

@Suite("SigV4 errors and round trips")
struct SigV4ErrorTests {
    static let key = "AKIDEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let amzDate = "20150830T123600Z"
    static let now = 1_440_938_160.0  // 2015-08-30T12:36:00Z
    let verifier = SigV4Verifier { $0 == SigV4ErrorTests.key ? SigV4ErrorTests.secret : nil }
    let signer = SigV4Signer(
        credentials: SigV4Credentials(accessKeyId: key, secretAccessKey: secret), region: "us-east-1", service: "ec2")

    /// boto3-shaped EC2 call: POST / with a form body.
    func ec2Request() -> SigV4Request {
        SigV4Request(
            method: "POST", path: "/",
            headers: [
                (name: "Host", value: "ec2.us-east-1.amazonaws.com"),
                (name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
                (name: "User-Agent", value: "Boto3/1.40.0"),
            ],
            body: Array("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16".utf8))
    }

    func signed() -> SigV4Request {
        var r = ec2Request()
        signer.sign(&r, amzDate: Self.amzDate)
        return r
    }

    func expectCode(_ code: String, _ r: SigV4Request, now: Double = now, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try verifier.verify(r, now: now)
            Issue.record("expected \(code), request accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func boto3ShapedRequestRoundTrips() throws {
        let r = signed()
        #expect(r.header("X-Amz-Date") == Self.amzDate)
        let auth = try #require(r.header("Authorization"))
        #expect(auth.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="))
        let id = try verifier.verify(r, now: Self.now)
        #expect(id == SigV4Identity(accessKeyId: Self.key, region: "us-east-1", service: "ec2", date: "20150830", presigned: false, sessionToken: nil))
        // Header names are case-insensitive and order-independent; unsigned headers don't matter.
        var shuffled = r
        shuffled.headers.reverse()
        shuffled.headers = shuffled.headers.map { (name: $0.name.uppercased(), value: $0.value) }
        shuffled.headers.append((name: "X-Forwarded-For", value: "10.0.0.1"))
        _ = try verifier.verify(shuffled, now: Self.now)
    }

    @Test func sessionTokenIsSignedAndReported() throws {
        let s = SigV4Signer(
            credentials: SigV4Credentials(accessKeyId: Self.key, secretAccessKey: Self.secret, sessionToken: "tok/en+=="),
            region: "eu-west-1", service: "ec2")
        var r = ec2Request()
        s.sign(&r, amzDate: Self.amzDate)
        #expect(r.header("Authorization")!.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"))
        #expect(try verifier.verify(r, now: Self.now).sessionToken == "tok/en+==")
        expectCode("AuthFailure", r.replacingHeader("X-Amz-Security-Token", with: "other"))

        var p = SigV4Request(method: "GET", path: "/", query: "Action=DescribeVpcs&Version=2016-11-15",
                             headers: [(name: "Host", value: "ec2.eu-west-1.amazonaws.com")])
        s.presign(&p, amzDate: Self.amzDate, expires: 60)
        let id = try verifier.verify(p, now: Self.now + 30)
        #expect(id.presigned && id.sessionToken == "tok/en+==" && id.region == "eu-west-1")
        expectCode("AuthFailure", p.replacingQueryParam("X-Amz-Security-Token", with: "other"))
    }

    @Test func missingAuthentication() {
        expectCode("MissingAuthenticationToken", ec2Request())
        var r = ec2Request()
        r.query = "Action=DescribeVpcs"
        expectCode("MissingAuthenticationToken", r)
    }

    @Test func wrongAlgorithm() throws {
        let r = signed()
        let auth = try #require(r.header("Authorization"))
        expectCode("IncompleteSignature", r.replacingHeader("Authorization", with: auth.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-HMAC-SHA512")))
        expectCode("IncompleteSignature", r.replacingHeader("Authorization", with: "AWS AKIDEXAMPLE:c2lnbmF0dXJl"))
        var p = ec2Request()
        signer.presign(&p, amzDate: Self.amzDate, expires: 60)
        expectCode("IncompleteSignature", p.replacingQueryParam("X-Amz-Algorithm", with: "AWS4-HMAC-SHA1"))
    }

    @Test func malformedAuthorization() throws {
        let r = signed()
        let auth = try #require(r.header("Authorization"))
        let sig = try #require(signatureIn(authorization: auth))
        func with(_ a: String) -> SigV4Request { r.replacingHeader("Authorization", with: a) }
        // Missing components → IncompleteSignature.
        expectCode("IncompleteSignature", with(auth.replacingOccurrences(of: ", Signature=\(sig)", with: "")))
        expectCode("IncompleteSignature", with(auth.replacingOccurrences(of: "SignedHeaders=", with: "Signed=")))
        expectCode("IncompleteSignature", with("AWS4-HMAC-SHA256"))
        // Credential not AKID/date/region/service/terminator → IncompleteSignature.
        expectCode("IncompleteSignature", with(auth.replacingOccurrences(of: "/us-east-1/", with: "/")))
        expectCode("IncompleteSignature", with(auth.replacingOccurrences(of: "/us-east-1/", with: "//")))
        // Parsed but wrong → AuthFailure.
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: "aws4_request", with: "aws5_request")))
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: "/20150830/", with: "/20150829/")))
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: "content-type;host;x-amz-date", with: "content-type;x-amz-date")))
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: sig, with: sig.uppercased())))
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: sig, with: String(sig.dropLast(2)))))
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: "us-east-1", with: "us-west-2")))
        expectCode("AuthFailure", with(auth.replacingOccurrences(of: "/ec2/", with: "/sts/")))
        // No date → IncompleteSignature; malformed date → IncompleteSignature.
        var noDate = r
        noDate.headers.removeAll { $0.name == "X-Amz-Date" }
        expectCode("IncompleteSignature", noDate)
        expectCode("IncompleteSignature", r.replacingHeader("X-Amz-Date", with: "2015-08-30T12:36:00Z"))
        // Both mechanisms at once.
        var both = r
        both.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        expectCode("IncompleteSignature", both)
        // Compact separators (no space after the commas) are accepted.
        _ = try verifier.verify(with(auth.replacingOccurrences(of: ", ", with: ",")), now: Self.now)
    }

    /// Signs by hand with `payloadHash` on the last line of the canonical request.
    func handSigned(_ r: SigV4Request, signedHeaders names: [String], payloadHash: String) -> SigV4Request {
        let cr = SigV4Canonical.canonicalRequest(
            method: r.method, path: r.path, normalizePath: true, query: SigV4Canonical.parseQuery(r.query),
            headers: r.headers, signedHeaders: SigV4SignedHeaders(names: names), payloadHash: Array(payloadHash.utf8))
        let sts = SigV4Canonical.stringToSign(amzDate: Self.amzDate, scope: "20150830/us-east-1/ec2/aws4_request".utf8, canonicalRequest: cr)
        let key = SigV4Canonical.signingKey(secret: Self.secret, date: "20150830", region: "us-east-1", service: "ec2")
        let sig = SigV4Canonical.hex(SigV4Canonical.signature(key: key, stringToSign: sts))
        var out = r
        out.headers.append((name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=\(names.joined(separator: ";")), Signature=\(sig)"))
        return out
    }

    @Test func dateHeaderInsteadOfXAmzDate() throws {
        // A client that signs `Date` (RFC 7231) rather than X-Amz-Date.
        var r = ec2Request()
        r.headers.append((name: "Date", value: "Sun, 30 Aug 2015 12:36:00 GMT"))
        let bodyHash = String(decoding: SigV4Bytes.hexSHA256(r.body), as: UTF8.self)
        let signedReq = handSigned(r, signedHeaders: ["content-type", "date", "host"], payloadHash: bodyHash)
        #expect(try verifier.verify(signedReq, now: Self.now).date == "20150830")
        expectCode("RequestExpired", signedReq, now: Self.now + 901)
        expectCode("AuthFailure", signedReq.replacingHeader("Date", with: "Sun, 30 Aug 2015 12:36:01 GMT"))
        expectCode("IncompleteSignature", signedReq.replacingHeader("Date", with: "yesterday"))
        // Out-of-range fields are malformed, not arithmetic: before the key is even looked up.
        for date in ["Sun, 30 Aug 9999999999999999 12:36:00 GMT", "Sun, 30 Aug 2015 99999999999999:00:00 GMT",
                     "Sun, -9223372036854775807 Aug 2015 12:36:00 GMT", "Sun, 30 Aug -2015 12:36:00 GMT",
                     "Sun, 30 Aug 2015 12:60:00 GMT", "Sun, 32 Aug 2015 12:36:00 GMT", "Sun, +3 Aug 2015 12:36:00 GMT"] {
            expectCode("IncompleteSignature", signedReq.replacingHeader("Date", with: date))
        }
    }

    @Test func clockSkewIsConfigurable() throws {
        let r = signed()
        let strict = SigV4Verifier(maxClockSkew: 60) { _ in Self.secret }
        _ = try strict.verify(r, now: Self.now + 60)
        #expect(throws: SigV4Error(code: "RequestExpired", message: "Request has expired.")) {
            try strict.verify(r, now: Self.now + 61)
        }
        expectCode("RequestExpired", r, now: Self.now + 15 * 60 + 1)
        _ = try verifier.verify(r, now: Self.now - 15 * 60)
    }

    @Test func presignExpiry() throws {
        var p = SigV4Request(method: "GET", path: "/", query: "Action=DescribeRegions&Version=2016-11-15",
                             headers: [(name: "Host", value: "ec2.us-east-1.amazonaws.com")])
        signer.presign(&p, amzDate: Self.amzDate, expires: 300)
        _ = try verifier.verify(p, now: Self.now + 300)
        expectCode("RequestExpired", p, now: Self.now + 301)
        expectCode("RequestExpired", p, now: Self.now - 901)  // from the future
        // A week is the maximum; 0 and more than a week are refused before anything else.
        for bad in ["0", "604801", "-5", "abc"] {
            expectCode("AuthFailure", p.replacingQueryParam("X-Amz-Expires", with: bad))
        }
        var week = SigV4Request(method: "GET", path: "/", headers: [(name: "Host", value: "h")])
        signer.presign(&week, amzDate: Self.amzDate, expires: 604_800)
        _ = try verifier.verify(week, now: Self.now + 604_800)
        // Tampering with Expires breaks the signature.
        expectCode("AuthFailure", p.replacingQueryParam("X-Amz-Expires", with: "301"))
        // Missing a required parameter.
        var missing = p
        missing.query = p.query.split(separator: "&").filter { !$0.hasPrefix("X-Amz-Credential=") }.joined(separator: "&")
        expectCode("IncompleteSignature", missing)
        var onlySig = ec2Request()
        onlySig.query = "X-Amz-Signature=00"
        expectCode("IncompleteSignature", onlySig)
    }

    @Test func unknownKeyAndSignatureMismatchMessages() throws {
        let r = signed()
        do {
            _ = try SigV4Verifier { _ in nil }.verify(r, now: Self.now)
            Issue.record("accepted")
        } catch {
            #expect(error == SigV4Error(code: "AuthFailure", message: "AWS was not able to validate the provided access credentials"))
        }
        do {
            _ = try SigV4Verifier { _ in "wrong secret" }.verify(r, now: Self.now)
            Issue.record("accepted")
        } catch {
            #expect(error.code == "AuthFailure")
            #expect(error.message.hasPrefix("The request signature we calculated does not match the signature you provided."))
        }
    }

    @Test func contentSha256HeaderMustMatchBody() throws {
        var r = ec2Request()
        r.headers.append((name: "X-Amz-Content-Sha256", value: String(decoding: SigV4Bytes.hexSHA256(r.body), as: UTF8.self)))
        signer.sign(&r, amzDate: Self.amzDate)
        #expect(r.header("Authorization")!.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,"))
        _ = try verifier.verify(r, now: Self.now)
        var tampered = r
        tampered.body.append(UInt8(ascii: "x"))
        expectCode("AuthFailure", tampered)
        // UNSIGNED-PAYLOAD is not accepted for EC2: the body hash is always computed.
        var unsigned = ec2Request()
        unsigned.headers.append((name: "X-Amz-Date", value: Self.amzDate))
        unsigned.headers.append((name: "X-Amz-Content-Sha256", value: "UNSIGNED-PAYLOAD"))
        let names = ["content-type", "host", "x-amz-content-sha256", "x-amz-date"]
        expectCode("AuthFailure", handSigned(unsigned, signedHeaders: names, payloadHash: "UNSIGNED-PAYLOAD"))
        let bodyHash = String(decoding: SigV4Bytes.hexSHA256(unsigned.body), as: UTF8.self)
        _ = try verifier.verify(handSigned(unsigned, signedHeaders: names, payloadHash: bodyHash), now: Self.now)
    }

    @Test func pathAndQueryCanonicalization() throws {
        // Encoded path segments are encoded again (non-S3 rule); query keys/values re-encoded and sorted.
        var r = SigV4Request(method: "GET", path: "/foo%20bar/./baz", query: "b=2&a=%7e&a=1&c&d=x+y",
                             headers: [(name: "Host", value: "h")])
        signer.sign(&r, amzDate: Self.amzDate)
        let (cr, _) = try verifier.canonical(r)
        let lines = cr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "/foo%2520bar/baz")
        #expect(lines[2] == "a=1&a=~&b=2&c=&d=x%2By")
        _ = try verifier.verify(r, now: Self.now)
        // Re-encoding the query differently on the wire (lowercase hex, encoded unreserved) still verifies.
        var r2 = r
        r2.query = "b=%32&a=~&a=1&c=&d=x%2by"
        _ = try verifier.verify(r2, now: Self.now)
        expectCode("AuthFailure", r.replacingQueryParam("b", with: "3"))
    }

    @Test func concurrentVerification() async throws {
        let r = signed()
        let v = verifier
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask {
                    var copy = r
                    if i % 2 == 1 { copy.body.append(0x20) }
                    for _ in 0..<200 {
                        let ok = (try? v.verify(copy, now: Self.now)) != nil
                        #expect(ok == (i % 2 == 0))
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
