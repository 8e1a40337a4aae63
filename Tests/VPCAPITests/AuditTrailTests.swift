import EC2Query
import Foundation
import Testing
import VPCAPI
import VPCAudit
import VPCStore

@Suite struct AuditTrailTests {
    func records(_ f: APIFixture) throws -> [[String: Any]] {
        try f.store.loadEvents(after: 0, limit: 1000).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any])
        }
    }

    /// Calls that fail authentication are recorded up to their source's rate; past it they
    /// are refused (RequestLimitExceeded), unrecorded and counted, and other sources and
    /// authenticated callers go on as before.
    @Test func failedAuthenticationPastItsSourceRateIsRefusedUnrecorded() throws {
        var limits = Throttle.Limits()
        limits.rates[.unauthenticated] = .init(capacity: 3, refillPerSecond: 0)
        limits.rates[.unauthenticatedTotal] = .init(capacity: 30, refillPerSecond: 0)
        let f = try APIFixture(limits: limits)
        func anonymous(from source: String, target: String? = nil) -> APIResponse {
            var headers = [("Host", "x")]
            if let target { headers.append(("X-Amz-Target", target)) }
            return f.service.handle(APIRequest(method: "POST", path: "/", query: "", headers: headers,
                                               body: Array("Action=DescribeVpcs".utf8), sourceIP: source))
        }
        #expect((0..<5).map { _ in anonymous(from: "192.0.2.7").status } == [401, 401, 401, 503, 503])
        #expect(anonymous(from: "192.0.2.7").errorCode == "RequestLimitExceeded")
        #expect(anonymous(from: "192.0.2.7", target: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
            .errorCode == "ThrottlingException")
        #expect(anonymous(from: "192.0.2.8").status == 401)
        // An IPv6 source is metered by its /64; an IPv4 client on a dual-stack socket by its address.
        #expect((0..<4).map { anonymous(from: "2001:db8::\($0)").status } == [401, 401, 401, 503])
        #expect(anonymous(from: "2001:db8:0:1::1").status == 401)
        #expect(anonymous(from: "::ffff:192.0.2.9").status == 401)
        #expect(f.call("DescribeVpcs").status == 200)
        #expect(f.service.throttle.unauthenticatedRefusals == 5)
        // All sources together get ten times one source's rate: 30 here, 9 of it taken.
        let many = (0..<30).map { anonymous(from: "198.51.100.\($0)").status }
        #expect(many.filter { $0 == 401 }.count == 21 && many.suffix(9).allSatisfy { $0 == 503 })
        f.audit.flush()
        let failures = try records(f).filter { $0["errorCode"] != nil }
        let recorded = 3 + 1 + 3 + 1 + 1 + 21  // the first three of each source, the others' one, and the rest of the total
        #expect(failures.count == recorded)
    }

    @Test func aWriteIsCommittedWithItsRecord() throws {
        let f = try APIFixture()
        let created = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16")])
        // No flush: the record went into the write's transaction.
        let written = try records(f).filter { $0["eventName"] as? String == "CreateVpc" }
        #expect(written.count == 1)
        #expect(written.first?["requestID"] as? String == created.requestId)
        #expect(written.first?["readOnly"] as? Bool == false)
        let response = try #require(written.first?["responseElements"] as? [String: Any])
        #expect((response["vpc"] as? [String: Any])?["vpcId"] as? String == created.value("vpcId"))
    }

    @Test func readsAndFailuresAreAppendedInBatches() throws {
        let f = try APIFixture()
        _ = f.call("DescribeVpcs")
        let bad = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/33")])
        let dry = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16"), ("DryRun", "true")])
        let wrongSecret = SigV4Credentials(accessKeyId: "AKIDA", secretAccessKey: "nope")
        let denied = f.call("DescribeSubnets", key: wrongSecret)
        #expect(denied.errorCode == "AuthFailure")
        #expect(try records(f).filter { $0["eventName"] as? String != "DescribeVpcs" }.isEmpty)
        f.audit.flush()
        let all = try records(f)
        func one(_ requestId: String) -> [String: Any]? { all.first { $0["requestID"] as? String == requestId } }
        #expect(all.contains { $0["eventName"] as? String == "DescribeVpcs" && $0["responseElements"] is NSNull })
        #expect(one(bad.requestId)?["errorCode"] as? String == "Client.InvalidParameterValue")
        #expect(one(dry.requestId)?["errorCode"] as? String == "Client.DryRunOperation")
        let auth = try #require(one(denied.requestId))
        #expect(auth["errorCode"] as? String == "Client.AuthFailure")
        #expect(auth["recipientAccountId"] as? String == "111111111111")
        #expect((auth["userIdentity"] as? [String: Any])?["accessKeyId"] as? String == "AKIDA")
    }

    /// A request whose signature did not verify proves nothing about its caller: its record
    /// goes to the key's account, but as an `Unknown` identity with no user, and without the
    /// parameters it claims (else anyone knowing a key id could write that user's events).
    @Test func anUnverifiedCallerIsRecordedAsUnknownWithoutItsParameters() throws {
        let f = try APIFixture()
        let forged = f.call("DeleteVpc", [("VpcId", "vpc-0123456789abcdef0")],
                            key: SigV4Credentials(accessKeyId: "AKIDA", secretAccessKey: "nope"))
        #expect(forged.errorCode == "AuthFailure")
        f.audit.flush()
        let record = try #require(try records(f).first { $0["requestID"] as? String == forged.requestId })
        #expect(record["recipientAccountId"] as? String == "111111111111")
        let identity = try #require(record["userIdentity"] as? [String: Any])
        #expect(identity["type"] as? String == "Unknown" && identity["accessKeyId"] as? String == "AKIDA")
        #expect(identity["userName"] == nil && identity["arn"] == nil)
        #expect(record["requestParameters"] is NSNull)
        #expect(!String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self).contains("vpc-0123456789abcdef0"))
    }

    /// What a client chooses freely (action name, region, access key id, user agent, and the
    /// error message that may repeat them) is cut short in its record: no request, signed
    /// or not, leaves a large record in the append-only trail.
    @Test func clientChosenFieldsAreCutShortInTheRecord() throws {
        let f = try APIFixture()
        let huge = String(repeating: "\u{1}", count: 20_000)
        let request = APIRequest(method: "POST", path: "/", query: "",
                                 headers: [("Host", "127.0.0.1:9001"), ("User-Agent", String(repeating: "u", count: 5000)),
                                           ("Authorization", "AWS4-HMAC-SHA256 Credential=\(String(repeating: "K", count: 3000))/20260101/\(String(repeating: "r", count: 3000))/ec2/aws4_request, SignedHeaders=host, Signature=00")],
                                 body: Array("Action=\(huge)&Version=2016-11-15".utf8), sourceIP: "127.0.0.1")
        let response = f.service.handle(request)
        #expect(response.status >= 400)
        f.audit.flush()
        let record = try #require(try records(f).first { $0["requestID"] as? String == response.requestId })
        #expect((record["eventName"] as? String)?.unicodeScalars.count == 128)
        #expect((record["userAgent"] as? String)?.count == 1024)
        #expect((record["awsRegion"] as? String)?.count == 64)
        #expect(((record["userIdentity"] as? [String: Any])?["accessKeyId"] as? String)?.count == 128)
        #expect(((record["errorMessage"] as? String)?.unicodeScalars.count ?? 0) <= 1024)
        #expect(try JSONSerialization.data(withJSONObject: record).count < 8_000)
    }

    /// Parameter names deeper or longer than any EC2 parameter's are refused, signed or not,
    /// and never reach the parameter tree or the record (a 500,000-part name overflowed the
    /// stack of the recursive writers).
    @Test func implausibleParameterNamesAreRefusedAndNotRecorded() throws {
        let f = try APIFixture()
        let deep = Array(repeating: "a", count: 200_000).joined(separator: ".")
        let long = String(repeating: "b", count: 300)
        for key in [APIFixture.keyA, SigV4Credentials(accessKeyId: "AKIDA", secretAccessKey: "nope")] {
            for name in [deep, long] {
                let r = f.call("DescribeVpcs", [(name, "1")], key: key)
                #expect(r.errorCode == (key.secretAccessKey == "nope" ? "AuthFailure" : "UnknownParameter"))
            }
        }
        #expect(f.call("DescribeVpcs", [("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", "vpc-1")]).status == 200)
        f.audit.flush()
        let all = try records(f)
        #expect(all.count == 5)
        #expect(all.prefix(4).allSatisfy { $0["requestParameters"] is NSNull })
    }

    func lookup(_ f: APIFixture, _ body: String, key: SigV4Credentials = APIFixture.keyA,
                region: String = "us-east-1", operation: String = "LookupEvents") -> APIResponse {
        var request = SigV4Request(
            method: "POST", path: "/", query: "",
            headers: [("Host", "127.0.0.1:9001"), ("Content-Type", "application/x-amz-json-1.1"),
                      ("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101." + operation)],
            body: Array(body.utf8))
        SigV4Signer(credentials: key, region: region, service: "cloudtrail")
            .sign(&request, amzDate: APIFixture.amzDate(f.now))
        return f.service.handle(APIRequest(method: "POST", path: "/", query: "", headers: request.headers,
                                           body: request.body, sourceIP: "127.0.0.1"))
    }

    /// The JSON calls are metered like EC2's Describe calls, per account.
    @Test func jsonCallsAreThrottled() throws {
        var limits = Throttle.Limits()
        limits.rates[.describe] = .init(capacity: 2, refillPerSecond: 0)
        let f = try APIFixture(limits: limits)
        #expect((0..<3).map { _ in lookup(f, "{}").errorCode } == [nil, nil, "ThrottlingException"])
        #expect(lookup(f, "{}", key: APIFixture.keyB).status == 200)
        // Unknown operations are metered too (each is recorded).
        #expect(lookup(f, "{}", key: APIFixture.keyB, operation: "Nope").errorCode == "UnknownOperationException")
        #expect(lookup(f, "{}", key: APIFixture.keyB, operation: "Nope").errorCode == "ThrottlingException")
    }

    @Test func lookupEventsOverJSON() throws {
        let f = try APIFixture()
        let created = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16")])
        _ = f.call("CreateVpc", [("CidrBlock", "10.1.0.0/16")], key: APIFixture.keyB)
        let found = lookup(f, #"{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateVpc"}]}"#)
        #expect(found.status == 200 && found.contentType == "application/x-amz-json-1.1")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(found.body)) as? [String: Any])
        let events = try #require(object["Events"] as? [[String: Any]])
        #expect(events.count == 1)  // account B's CreateVpc is not A's to see
        #expect(events.first?["EventName"] as? String == "CreateVpc")
        #expect((events.first?["CloudTrailEvent"] as? String)?.contains(created.requestId) == true)
        // Event history is per region: us-west-2's has no us-east-1 CreateVpc.
        let west = lookup(f, #"{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateVpc"}]}"#,
                          region: "us-west-2")
        let westEvents = try #require(try JSONSerialization.jsonObject(with: Data(west.body)) as? [String: Any])["Events"]
        #expect(west.status == 200 && (westEvents as? [Any])?.isEmpty == true)
        let two = lookup(f, #"{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"a"},{"AttributeKey":"Username","AttributeValue":"b"}]}"#)
        #expect(two.status == 400 && two.errorCode == "InvalidLookupAttributesException")
        #expect(String(decoding: two.body, as: UTF8.self).contains(#""__type":"InvalidLookupAttributesException""#))
        #expect(lookup(f, #"{"LookupAttributes":[{"AttributeKey":"Colour","AttributeValue":"a"}]}"#).errorCode
            == "InvalidLookupAttributesException")
        #expect(lookup(f, #"{"MaxResults":51}"#).errorCode == "InvalidMaxResultsException")
        #expect(lookup(f, #"{"NextToken":"!!"}"#).errorCode == "InvalidNextTokenException")
        // A token continues the request that produced it, and no other.
        _ = f.call("CreateVpc", [("CidrBlock", "10.2.0.0/16")])
        let page = lookup(f, #"{"MaxResults":1}"#)
        let pageObject = try #require(try JSONSerialization.jsonObject(with: Data(page.body)) as? [String: Any])
        let token = try #require(pageObject["NextToken"] as? String)
        #expect(lookup(f, #"{"MaxResults":1,"NextToken":"\#(token)"}"#).status == 200)
        #expect(lookup(f, #"{"MaxResults":1,"NextToken":"\#(token)","LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateVpc"}]}"#)
            .errorCode == "InvalidNextTokenException")
        #expect(lookup(f, #"{"MaxResults":1,"NextToken":"\#(token)","StartTime":1}"#).errorCode == "InvalidNextTokenException")
        // Insights events (none here) have the only category; ReadOnly is "true" or "false".
        let insights = lookup(f, #"{"EventCategory":"insight"}"#)
        #expect(insights.status == 200 && String(decoding: insights.body, as: UTF8.self) == #"{"Events":[]}"#)
        #expect(lookup(f, #"{"EventCategory":"management"}"#).errorCode == "InvalidEventCategoryException")
        #expect(lookup(f, #"{"EventCategory":"insight","MaxResults":500}"#).errorCode == "InvalidMaxResultsException")
        let writes = lookup(f, #"{"LookupAttributes":[{"AttributeKey":"ReadOnly","AttributeValue":"false"}]}"#)
        #expect(String(decoding: writes.body, as: UTF8.self).contains("CreateVpc"))
        let other = lookup(f, #"{"LookupAttributes":[{"AttributeKey":"ReadOnly","AttributeValue":"False"}]}"#)
        #expect(other.status == 200 && String(decoding: other.body, as: UTF8.self) == #"{"Events":[]}"#)
        #expect(lookup(f, #"{"StartTime":"nan"}"#).errorCode == "InvalidTimeRangeException")
        #expect(lookup(f, #"{"StartTime":-5}"#).errorCode == "InvalidTimeRangeException")
        #expect(lookup(f, #"{"EndTime":[1]}"#).errorCode == "SerializationException")
        let wrong = lookup(f, "{}", key: SigV4Credentials(accessKeyId: "AKIDA", secretAccessKey: "nope"))
        #expect(wrong.status == 400 && wrong.errorCode == "InvalidSignatureException")
    }
}
