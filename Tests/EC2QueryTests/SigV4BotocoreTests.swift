// Cross-check against botocore 1.43.11 (botocore.auth.SigV4Auth / SigV4QueryAuth), clock fixed at
// 2026-11-27T03:04:05Z. Fixtures were captured with this snippet (also Scripts/sigv4_botocore_fixture.py
// in the standalone package) and pasted below; the Host header is what urllib3 adds on the wire.
//
//   import datetime; from unittest import mock; import botocore.auth, botocore.session
//   with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: datetime.datetime(2026, 11, 27, 3, 4, 5)):
//       c = botocore.session.get_session().create_client("ec2", region_name="us-east-1",
//           endpoint_url="http://127.0.0.1:4566", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
//           aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
//       c.meta.events.register("before-send.ec2.*", lambda request, **kw: print(request.headers, request.body))
//       c.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "x y"}]}])
//   (likewise describe_vpcs with aws_session_token, and SigV4QueryAuth(creds, "ec2", "eu-west-1", expires=300))

import Testing
@testable import EC2Query

@Suite("SigV4 vs botocore")
struct SigV4BotocoreTests {
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let now = 1_795_748_645.0  // 2026-11-27T03:04:05Z
    static let userAgent = "Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v657 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,D,Z,N,e cfg/retry-mode#legacy"
    let verifier = SigV4Verifier { $0 == SigV4BotocoreTests.accessKey ? SigV4BotocoreTests.secret : nil }

    /// boto3 CreateVpc: POST /, SignedHeaders=content-type;host;x-amz-date.
    static let createVpc = SigV4Request(
        method: "POST", path: "/", query: "",
        headers: [
            (name: "Host", value: "127.0.0.1:4566"),
            (name: "Accept-Encoding", value: "identity"),
            (name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
            (name: "User-Agent", value: userAgent),
            (name: "X-Amz-Date", value: "20261127T030405Z"),
            (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=570047a5c26e4e89f192ca4086c0ac9cd745a16f1425acd0b737b9efcc8185ae"),
            (name: "amz-sdk-invocation-id", value: "aff0d84d-c728-4c64-94cc-ce0186d62122"),
            (name: "amz-sdk-request", value: "attempt=1"),
            (name: "Content-Length", value: "164"),
        ],
        body: Array("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x+y".utf8))

    /// boto3 DescribeVpcs with a session token: SignedHeaders=content-type;host;x-amz-date;x-amz-security-token.
    static let describeVpcs = SigV4Request(
        method: "POST", path: "/", query: "",
        headers: [
            (name: "Host", value: "localhost:8080"),
            (name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
            (name: "User-Agent", value: userAgent),
            (name: "X-Amz-Date", value: "20261127T030405Z"),
            (name: "X-Amz-Security-Token", value: "FQoGZXIvYXdzEBYaDHNlc3Npb24tdG9rZW4="),
            (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261127/eu-west-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=d1382134add9a15298021ef92b065f64324c46f7d242511c10cd2cd0691e26c0"),
            (name: "amz-sdk-invocation-id", value: "92d3694e-22f7-4b27-9f9f-833389880542"),
            (name: "amz-sdk-request", value: "attempt=1"),
            (name: "Content-Length", value: "142"),
        ],
        body: Array("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=cidr-block-association.cidr-block&Filter.1.Value.1=10.0.0.0%2F16&Filter.1.Value.2=a+b%2Bc".utf8))

    /// SigV4QueryAuth presigned GET, expires=300.
    static let presigned = SigV4Request(
        method: "GET", path: "/",
        query: "Action=DescribeRegions&Version=2016-11-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261127%2Feu-west-1%2Fec2%2Faws4_request&X-Amz-Date=20261127T030405Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=2185a2a55b1e65bc064769cb0ecb54beb9b523252acd00baabf193cb920b221a",
        headers: [(name: "Host", value: "ec2.eu-west-1.amazonaws.com")])

    @Test func boto3CreateVpcIsAccepted() throws {
        let id = try verifier.verify(Self.createVpc, now: Self.now)
        #expect(id == SigV4Identity(accessKeyId: Self.accessKey, region: "us-east-1", service: "ec2", date: "20261127", presigned: false, sessionToken: nil))
        var body = Self.createVpc
        body.body[body.body.count - 1] = UInt8(ascii: "z")
        #expect(throws: SigV4Error.self) { try verifier.verify(body, now: Self.now) }
        // Unsigned headers (user agent, invocation id) may change freely.
        _ = try verifier.verify(Self.createVpc.replacingHeader("amz-sdk-request", with: "attempt=2"), now: Self.now)
        #expect(throws: SigV4Error.self) {
            try verifier.verify(Self.createVpc.replacingHeader("Host", with: "127.0.0.1:4567"), now: Self.now)
        }
    }

    @Test func boto3WithSessionTokenIsAccepted() throws {
        let id = try verifier.verify(Self.describeVpcs, now: Self.now)
        #expect(id.region == "eu-west-1" && id.sessionToken == "FQoGZXIvYXdzEBYaDHNlc3Npb24tdG9rZW4=" && !id.presigned)
    }

    @Test func botocorePresignedIsAccepted() throws {
        let id = try verifier.verify(Self.presigned, now: Self.now + 299)
        #expect(id == SigV4Identity(accessKeyId: Self.accessKey, region: "eu-west-1", service: "ec2", date: "20261127", presigned: true, sessionToken: nil))
        #expect(throws: SigV4Error(code: "RequestExpired", message: "Request has expired.")) {
            try verifier.verify(Self.presigned, now: Self.now + 301)
        }
    }

    @Test func ourSignerMatchesBotocore() throws {
        for (fixture, region, token) in [
            (Self.createVpc, "us-east-1", nil), (Self.describeVpcs, "eu-west-1", "FQoGZXIvYXdzEBYaDHNlc3Npb24tdG9rZW4="),
        ] as [(SigV4Request, String, String?)] {
            var r = fixture
            r.headers.removeAll { ["authorization", "x-amz-date", "x-amz-security-token"].contains($0.name.lowercased()) }
            SigV4Signer(
                credentials: SigV4Credentials(accessKeyId: Self.accessKey, secretAccessKey: Self.secret, sessionToken: token),
                region: region, service: "ec2"
            ).sign(&r, amzDate: "20261127T030405Z")
            #expect(r.header("Authorization") == fixture.header("Authorization"))
        }
        var p = SigV4Request(method: "GET", path: "/", query: "Action=DescribeRegions&Version=2016-11-15",
                             headers: [(name: "Host", value: "ec2.eu-west-1.amazonaws.com")])
        SigV4Signer(credentials: SigV4Credentials(accessKeyId: Self.accessKey, secretAccessKey: Self.secret),
                    region: "eu-west-1", service: "ec2").presign(&p, amzDate: "20261127T030405Z", expires: 300)
        #expect(p.queryParam("X-Amz-Signature") == Self.presigned.queryParam("X-Amz-Signature"))
    }
}
