// The official AWS SigV4 test suite (aws-c-auth, 38 cases × header-signed and presigned):
// acceptance, canonical request / string to sign, signer reproduction, one-byte mutations.

import Foundation
import Testing
@testable import EC2Query

enum SigV4Mode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case header, query
    var testDescription: String { rawValue }
    var prefix: String { rawValue }
}

private func verifier(for ctx: SigV4Suite.Context, maxClockSkew: Double = 900) -> SigV4Verifier {
    let key = ctx.credentials.access_key_id
    let secret = ctx.credentials.secret_access_key
    return SigV4Verifier(maxClockSkew: maxClockSkew) { $0 == key ? secret : nil }
}

private func expectError(
    _ code: String, _ body: () throws(SigV4Error) -> SigV4Identity, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let identity = try body()
        Issue.record("expected \(code), got accepted: \(identity)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    }
}

@Suite("SigV4 official test suite")
struct SigV4SuiteTests {
    @Test func suiteIsPresentWithAll38Cases() throws {
        let dir = try #require(SigV4Suite.directory, "set SIGV4_TEST_SUITE or put the suite at ../shared/sigv4-test-suite")
        #expect(SigV4Suite.caseNames.count == 38, "\(dir.path)")
    }

    @Test("signed request is accepted at its timestamp", arguments: SigV4Suite.caseNames, SigV4Mode.allCases)
    func accepted(name: String, mode: SigV4Mode) throws {
        let ctx = try SigV4Suite.context(name)
        let request = try SigV4Suite.request(name, "\(mode.prefix)-signed-request.txt")
        let identity = try verifier(for: ctx).verify(request, now: ctx.unixTime)
        let expectedToken = ctx.credentials.token  // present on the wire even when omitted from signing
        #expect(identity == SigV4Identity(
            accessKeyId: ctx.credentials.access_key_id, region: ctx.region, service: ctx.service,
            date: String(ctx.amzDate.prefix(8)), presigned: mode == .query, sessionToken: expectedToken))
    }

    @Test("canonical request and string to sign match the suite", arguments: SigV4Suite.caseNames, SigV4Mode.allCases)
    func canonical(name: String, mode: SigV4Mode) throws {
        let ctx = try SigV4Suite.context(name)
        let request = try SigV4Suite.request(name, "\(mode.prefix)-signed-request.txt")
        let (cr, sts) = try verifier(for: ctx).canonical(
            request, normalizePath: ctx.normalize, dropToken: mode == .query && ctx.omitToken)
        #expect(cr == (try SigV4Suite.file(name, "\(mode.prefix)-canonical-request.txt")))
        #expect(sts == (try SigV4Suite.file(name, "\(mode.prefix)-string-to-sign.txt")))
    }

    @Test("signer reproduces the suite's signatures", arguments: SigV4Suite.caseNames, SigV4Mode.allCases)
    func signer(name: String, mode: SigV4Mode) throws {
        let ctx = try SigV4Suite.context(name)
        var request = try SigV4Suite.request(name, "request.txt")
        let signer = SigV4Signer(
            credentials: SigV4Credentials(
                accessKeyId: ctx.credentials.access_key_id, secretAccessKey: ctx.credentials.secret_access_key,
                sessionToken: ctx.omitToken ? nil : ctx.credentials.token),
            region: ctx.region, service: ctx.service)
        let expected = try SigV4Suite.file(name, "\(mode.prefix)-signature.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        let signed = try SigV4Suite.request(name, "\(mode.prefix)-signed-request.txt")
        switch mode {
        case .header:
            if ctx.sign_body {
                request.headers.append((name: "x-amz-content-sha256", value: String(decoding: SigV4Bytes.hexSHA256(request.body), as: UTF8.self)))
            }
            signer.sign(&request, amzDate: ctx.amzDate, signAllHeaders: true, normalizePath: ctx.normalize)
            let auth = try #require(request.header("Authorization"))
            #expect(signatureIn(authorization: auth) == expected)
            #expect(auth == signed.header("Authorization"))
        case .query:
            signer.presign(&request, amzDate: ctx.amzDate, expires: ctx.expiration_in_seconds, signAllHeaders: true, normalizePath: ctx.normalize)
            #expect(request.queryParam("X-Amz-Signature") == expected)
            if !ctx.omitToken { #expect(request.query == signed.query) }
        }
        if ctx.omitToken, let token = ctx.credentials.token {  // the token goes on after signing
            switch mode {
            case .header: request.headers.append((name: "X-Amz-Security-Token", value: token))
            case .query: request.query += "&X-Amz-Security-Token=" + SigV4Bytes.encoded(token)
            }
        }
        _ = try verifier(for: ctx).verify(request, now: ctx.unixTime)
    }

    @Test("one-byte mutations are rejected", arguments: SigV4Suite.caseNames, SigV4Mode.allCases)
    func mutations(name: String, mode: SigV4Mode) throws {
        let ctx = try SigV4Suite.context(name)
        let request = try SigV4Suite.request(name, "\(mode.prefix)-signed-request.txt")
        let v = verifier(for: ctx)
        let now = ctx.unixTime
        _ = try v.verify(request, now: now)

        // Signature.
        switch mode {
        case .header:
            let auth = try #require(request.header("Authorization"))
            expectError("AuthFailure") { () throws(SigV4Error) in
                try v.verify(request.replacingHeader("Authorization", with: mutateLast(auth)), now: now)
            }
        case .query:
            let sig = try #require(request.queryParam("X-Amz-Signature"))
            expectError("AuthFailure") { () throws(SigV4Error) in
                try v.verify(request.replacingQueryParam("X-Amz-Signature", with: mutateLast(sig)), now: now)
            }
        }

        // Every signed header except the date (host at least).
        let signedNames: [String] = switch mode {
        case .header:
            String(request.header("Authorization")!.split(separator: "SignedHeaders=")[1].prefix { $0 != "," })
                .split(separator: ";").map(String.init)
        case .query:
            request.queryParam("X-Amz-SignedHeaders")!.replacingOccurrences(of: "%3B", with: ";")
                .split(separator: ";").map(String.init)
        }
        #expect(signedNames.contains("host"))
        for name in signedNames where name != "x-amz-date" {
            var mutated = request
            let i = try #require(mutated.headers.lastIndex { $0.name.lowercased() == name })
            mutated.headers[i].value = mutateLast(mutated.headers[i].value)
            expectError("AuthFailure") { () throws(SigV4Error) in try v.verify(mutated, now: now) }
        }

        // Date: one second later → same scope day, signature mismatch; the next day → outside the
        // clock window (RequestExpired), or, with a huge window, the scope date no longer matches.
        let secondLater = "20150830T123601Z", dayLater = "20150831T123600Z"
        func withDate(_ d: String) -> SigV4Request {
            mode == .header ? request.replacingHeader("X-Amz-Date", with: d) : request.replacingQueryParam("X-Amz-Date", with: d)
        }
        expectError("AuthFailure") { () throws(SigV4Error) in try v.verify(withDate(secondLater), now: now) }
        expectError("RequestExpired") { () throws(SigV4Error) in try v.verify(withDate(dayLater), now: now) }
        expectError("AuthFailure") { () throws(SigV4Error) in
            try verifier(for: ctx, maxClockSkew: 1e9).verify(withDate(dayLater), now: now)
        }

        // Body: one byte changed (or added, for the empty bodies).
        var bodyMutated = request
        if bodyMutated.body.isEmpty { bodyMutated.body = [UInt8(ascii: "a")] } else { bodyMutated.body[0] ^= 0x01 }
        expectError("AuthFailure") { () throws(SigV4Error) in try v.verify(bodyMutated, now: now) }

        // Unknown access key.
        let stranger = SigV4Verifier { _ in nil }
        do {
            _ = try stranger.verify(request, now: now)
            Issue.record("unknown key accepted")
        } catch {
            #expect(error == SigV4Error(code: "AuthFailure", message: "AWS was not able to validate the provided access credentials"))
        }

        // Clock: the window is inclusive; one second beyond → RequestExpired.
        switch mode {
        case .header:
            _ = try v.verify(request, now: now + 900)
            _ = try v.verify(request, now: now - 900)
            expectError("RequestExpired") { () throws(SigV4Error) in try v.verify(request, now: now + 901) }
            expectError("RequestExpired") { () throws(SigV4Error) in try v.verify(request, now: now - 901) }
        case .query:
            let expires = Double(ctx.expiration_in_seconds)
            _ = try v.verify(request, now: now + expires)
            _ = try v.verify(request, now: now - 900)
            expectError("RequestExpired") { () throws(SigV4Error) in try v.verify(request, now: now + expires + 1) }
            expectError("RequestExpired") { () throws(SigV4Error) in try v.verify(request, now: now - 901) }
        }
    }
}
