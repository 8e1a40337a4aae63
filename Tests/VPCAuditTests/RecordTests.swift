import Foundation
import Testing
import VPCAudit
import VPCStore

@Suite struct RecordTests {
    @Test func requestParametersNest() {
        var json: [UInt8] = []
        RequestParameters.write([
            ("CidrBlock", "10.0.0.0/16"), ("TagSpecification.1.ResourceType", "vpc"),
            ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", "a\"b"),
            ("TagSpecification.1.Tag.2.Key", "Env"), ("X-Amz-Signature", "secret"),
        ], to: &json)
        #expect(String(decoding: json, as: UTF8.self) == #"{"cidrBlock":"10.0.0.0/16","tagSpecification":[{"resourceType":"vpc","tag":[{"key":"Name","value":"a\"b"},{"key":"Env"}]}]}"#)
    }

    @Test func responseElementsFromXML() {
        let xml = Array("<vpc><vpcId>vpc-0123456789abcdef0</vpcId><cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock></item></cidrBlockAssociationSet><isDefault>false</isDefault></vpc>".utf8)
        let json = ResponseElements.json(requestId: "r-1", resultXML: xml)
        #expect(String(decoding: json.bytes, as: UTF8.self) == #"{"requestId":"r-1","vpc":{"cidrBlockAssociationSet":{"items":[{"cidrBlock":"10.0.0.0/16"}]},"isDefault":"false","vpcId":"vpc-0123456789abcdef0"}}"#)
    }

    @Test func recordHasCloudTrailFields() throws {
        var r = CloudTrailRecord(
            eventTime: 1_790_000_000, caller: CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
            eventName: "CreateVpc", awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "boto3",
            requestParameters: [("CidrBlock", "10.0.0.0/16")], requestID: "req-1", eventID: "ev-1", readOnly: false)
        r.setResult(xml: Array("<vpc><vpcId>vpc-0123456789abcdef0</vpcId></vpc>".utf8))
        let event = r.auditEvent()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.body)) as? [String: Any])
        #expect(object["eventVersion"] as? String == "1.11")
        #expect(object["eventTime"] as? String == "2026-09-21T14:13:20Z")
        #expect(object["requestID"] as? String == "req-1")
        #expect(object["eventType"] as? String == "AwsApiCall")
        let identity = try #require(object["userIdentity"] as? [String: Any])
        #expect(identity["arn"] as? String == "arn:aws:iam::111111111111:user/alice")
        #expect(identity["type"] as? String == "IAMUser")
        #expect(event.resources == [AuditResource(type: "AWS::EC2::VPC", name: "vpc-0123456789abcdef0")])
        #expect(event.account == "111111111111" && event.username == "alice")
    }

    @Test func flowLogIdsAreResources() {
        let found = ResourceIDs.collect([.object(["flowLogIdSet": .array([.string("fl-0123456789abcdef0")]),
                                                  "resourceId": .string("vpc-0123456789abcdef0")])])
        #expect(found == [AuditResource(type: "AWS::EC2::FlowLog", name: "fl-0123456789abcdef0"),
                          AuditResource(type: "AWS::EC2::VPC", name: "vpc-0123456789abcdef0")])
    }

    /// Resources carry AWS's ARN resource path for their kind.
    @Test func resourceARNs() throws {
        let ids = ["vpc-0123456789abcdef0", "sg-0123456789abcdef0", "i-0123456789abcdef0", "fl-0123456789abcdef0",
                   "eni-attach-0123456789abcdef0", "eni-0123456789abcdef0"]
        let r = CloudTrailRecord(
            eventTime: 1_790_000_000, caller: CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
            eventName: "DescribeInstances", awsRegion: "eu-west-1", sourceIPAddress: "127.0.0.1", userAgent: "boto3",
            requestParameters: ids.enumerated().map { ("Id.\($0.offset + 1)", $0.element) }, requestID: "req-1",
            eventID: "ev-1", readOnly: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.auditEvent().body)) as? [String: Any])
        let arns = try #require(object["resources"] as? [[String: Any]]).compactMap { $0["ARN"] as? String }
        let prefix = "arn:aws:ec2:eu-west-1:111111111111:"
        #expect(Set(arns) == Set(["vpc/vpc-0123456789abcdef0", "security-group/sg-0123456789abcdef0",
                                  "instance/i-0123456789abcdef0", "vpc-flow-log/fl-0123456789abcdef0",
                                  "eni-attach/eni-attach-0123456789abcdef0",
                                  "network-interface/eni-0123456789abcdef0"].map { prefix + $0 }))
    }

    /// The record body is written member by member; it must be exactly the
    /// canonical rendering (sorted keys, same escapes) of the JSON it holds.
    @Test(arguments: [
        CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
        CallerIdentity(accessKeyId: "AKIDR", account: "111111111111", userName: "root"),
        CallerIdentity(accessKeyId: "AKIDUNKNOWN"),
        CallerIdentity(),
    ])
    func recordBodyIsCanonical(caller: CallerIdentity) throws {
        var write = CloudTrailRecord(
            eventTime: 1_790_000_000.75, caller: caller, eventName: "CreateVpc", awsRegion: "eu-west-1",
            sourceIPAddress: "127.0.0.1", userAgent: "boto3 \"quoted\" back\\slash\nnew\u{1}line é",
            requestParameters: [("CidrBlock", "10.0.0.0/16"), ("TagSpecification.1.ResourceType", "vpc"),
                                ("TagSpecification.1.Tag.1.Key", "Name"), ("X-Amz-Signature", "secret")],
            requestID: "req-1", eventID: "ev-1", readOnly: false)
        write.setResult(xml: Array("<vpc><vpcId>vpc-0123456789abcdef0</vpcId><dhcpOptionsId>dopt-0123456789abcdef0</dhcpOptionsId></vpc>".utf8))
        var failedRead = CloudTrailRecord(
            eventTime: 1_790_000_000, caller: caller, eventName: "DescribeVpcs", awsRegion: "us-east-1",
            sourceIPAddress: "::1", userAgent: "", requestParameters: [], requestID: "req-2", eventID: "ev-2",
            readOnly: true)
        failedRead.errorCode = "Client.AuthFailure"
        failedRead.errorMessage = "AWS was not able to validate the provided access credentials"
        for record in [write, failedRead] {
            let body = record.auditEvent().body
            let parsed = try JSONSerialization.jsonObject(with: Data(body))
            #expect(String(decoding: Self.jsonValue(parsed).bytes, as: UTF8.self) == String(decoding: body, as: UTF8.self))
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(write.auditEvent().body)) as? [String: Any])
        #expect((object["resources"] as? [Any])?.count == 2)
        #expect(object["readOnly"] as? Bool == false && object["managementEvent"] as? Bool == true)
    }

    /// A JSONSerialization result as a JSONValue (records hold no numbers, so NSNumbers are booleans).
    static func jsonValue(_ any: Any) -> JSONValue {
        switch any {
        case let s as String: .string(s)
        case let n as NSNumber: .bool(n.boolValue)
        case let a as [Any]: .array(a.map(jsonValue))
        case let o as [String: Any]: .object(o.mapValues(jsonValue))
        default: .null
        }
    }

    @Test func storedGzipInflatesAndRefusesAnythingElse() throws {
        for n in [0, 5, 65535, 70_000] {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            #expect(Gzip.decompressStored(Gzip.compress(data)) == data)
        }
        let gz = Gzip.compress(Array(#"{"Records":[{"eventName":"DescribeVpcs"}]}"#.utf8))
        #expect(Gzip.decompressStored(Array(gz.dropLast())) == nil)  // truncated
        var altered = gz
        altered[20] ^= 1  // one content bit: the CRC no longer matches
        #expect(Gzip.decompressStored(altered) == nil)
        #expect(Gzip.decompressStored(gz + [0]) == nil)  // trailing bytes
        // A real deflate stream (gzip -n of the same content) is not ours to read.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", #"printf '%s' '{"Records":[{"eventName":"DescribeVpcs"}]}' | gzip -n"#]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let deflated = [UInt8](out.fileHandleForReading.readDataToEndOfFile())
        p.waitUntilExit()
        #expect(deflated.count > 18 && Gzip.decompressStored(deflated) == nil)
    }

    /// A digest lists a log file by the SHA-256 of its uncompressed content, as CloudTrail's
    /// do; digests written before that listed the gzip bytes' hash, and still verify.
    @Test func logFileHashIsOfTheUncompressedContent() {
        let json = Array(#"{"Records":[]}"#.utf8)
        let gz = Gzip.compress(json)
        #expect(TrailLayout.logFile(gz, hasHash: Hex.sha256(json)))
        #expect(TrailLayout.logFile(gz, hasHash: Hex.sha256(gz)))
        #expect(!TrailLayout.logFile(gz, hasHash: Hex.sha256(Array(#"{"Records":[{}]}"#.utf8))))
        let layout = TrailLayout(ownerAccount: "123456789012")
        let event = AuditEvent(eventID: "e-1", eventTime: 1_700_000_000, account: "123456789012", region: "us-east-1",
                               eventName: "DescribeVpcs", eventSource: "ec2.amazonaws.com", readOnly: true, username: "u",
                               accessKeyId: "AKID", resources: [], body: Array(#"{"eventName":"DescribeVpcs"}"#.utf8))
        for f in layout.logFiles(of: [event], endTime: 1_700_000_100, unique: 1) {
            #expect(f.hashValue == Hex.sha256(Gzip.decompressStored(f.file.bytes) ?? []))
        }
    }

    @Test func gzipIsValidAndDeterministic() throws {
        #expect(Gzip.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        let data = [UInt8](repeating: 65, count: 70_000)
        #expect(Gzip.compress(data) == Gzip.compress(data))
        let dir = NSTemporaryDirectory() + "gz-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(Gzip.compress(data)).write(to: URL(fileURLWithPath: dir + "/a.gz"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -t \(dir)/a.gz && test $(gzip -dc \(dir)/a.gz | wc -c) -eq 70000"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test func utcTime() {
        let t = UTCTime(951_782_400)  // 2000-02-29
        #expect(t.iso8601 == "2000-02-29T00:00:00Z")
        #expect(t.compact(seconds: false) == "20000229T0000Z")
    }
}
