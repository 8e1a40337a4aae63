public import VPCStore
import Crypto
import Synchronization

/// Who made a call, as far as it is known (an authentication failure may know
/// only the access key id, or nothing).
public struct CallerIdentity: Sendable {
    public var accessKeyId: String?
    public var account: String?
    public var userName: String?

    public init(accessKeyId: String? = nil, account: String? = nil, userName: String? = nil) {
        self.accessKeyId = accessKeyId
        self.account = account
        self.userName = userName
    }
}

/// One CloudTrail record (eventVersion 1.11) of an API call.
/// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
public struct CloudTrailRecord: Sendable {
    public var eventTime: Double
    public var caller: CallerIdentity
    public var eventSource = "ec2.amazonaws.com"
    public var eventName: String
    public var awsRegion: String
    public var sourceIPAddress: String
    public var userAgent: String
    public var requestParameters: [(String, String)]
    public var responseElements: JSONValue = .null
    public var errorCode: String?
    public var errorMessage: String?
    public var requestID: String
    public var eventID: String
    public var readOnly: Bool
    /// Resources found in the response (the request's are added when encoding).
    public var responseResources: [AuditResource] = []

    public init(eventTime: Double, caller: CallerIdentity, eventSource: String = "ec2.amazonaws.com",
                eventName: String, awsRegion: String, sourceIPAddress: String, userAgent: String,
                requestParameters: [(String, String)], requestID: String, eventID: String, readOnly: Bool) {
        self.eventTime = eventTime
        self.caller = caller
        self.eventSource = eventSource
        self.eventName = eventName
        self.awsRegion = awsRegion
        self.sourceIPAddress = sourceIPAddress
        self.userAgent = userAgent
        self.requestParameters = requestParameters
        self.requestID = requestID
        self.eventID = eventID
        self.readOnly = readOnly
    }

    /// Sets the result of a successful write: responseElements from its XML result.
    public mutating func setResult(xml: [UInt8]) {
        responseElements = ResponseElements.json(requestId: requestID, resultXML: xml)
        responseResources = ResourceIDs.collect([responseElements])
    }

    /// Writes `userIdentity`, remembered per caller: every record of the caller's calls has the same one.
    func writeUserIdentity(_ out: inout [UInt8]) {
        let key = IdentityKey(accessKeyId: caller.accessKeyId, account: caller.account, userName: caller.userName)
        if let known = Self.userIdentities.withLock({ $0[key] }) { return out.append(contentsOf: known) }
        var json: [UInt8] = []
        Self.writeUserIdentity(caller, &json)
        Self.userIdentities.withLock { known in
            if known.count >= 10_000 { known.removeAll() }
            known[key] = json
        }
        out.append(contentsOf: json)
    }

    private struct IdentityKey: Hashable {
        var accessKeyId: String?
        var account: String?
        var userName: String?
    }

    private static let userIdentities = Mutex<[IdentityKey: [UInt8]]>([:])

    /// `userIdentity`'s members, in sorted order.
    static func writeUserIdentity(_ caller: CallerIdentity, _ out: inout [UInt8]) {
        var o = JSONObjectWriter()
        guard let account = caller.account, let user = caller.userName else {
            if let key = caller.accessKeyId { o.string("accessKeyId", key, &out) }
            o.string("type", "Unknown", &out)
            return o.end(&out)
        }
        let root = user == "root"
        if let key = caller.accessKeyId { o.string("accessKeyId", key, &out) }
        o.string("accountId", account, &out)
        o.string("arn", root ? "arn:aws:iam::\(account):root" : "arn:aws:iam::\(account):user/\(user)", &out)
        o.string("principalId", root ? account : principalId(account: account, user: user), &out)
        o.string("type", root ? "Root" : "IAMUser", &out)
        if !root { o.string("userName", user, &out) }
        o.end(&out)
    }

    /// A stable IAM-style unique id (`AIDA…`) for a user.
    static func principalId(account: String, user: String) -> String {
        let digest = SHA256.hash(data: Array("\(account):\(user)".utf8))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return "AIDA" + String(digest.prefix(17).map { alphabet[Int($0 & 31)] })
    }

    /// The record's CloudTrail JSON in canonical form (keys sorted, no
    /// whitespace): the bytes the chain hashes; and the resources it names.
    /// Written member by member in sorted order rather than through a
    /// `JSONValue` tree: it runs once per call.
    func encode() -> (body: [UInt8], resources: [AuditResource]) {
        let account = caller.account ?? ""
        var out: [UInt8] = []
        out.reserveCapacity(2048)  // a DescribeVpcs record is ~1.2 KB: no regrowth
        var o = JSONObjectWriter()
        o.string("awsRegion", awsRegion, &out)
        if let errorCode { o.string("errorCode", errorCode, &out) }
        if let errorMessage { o.string("errorMessage", errorMessage, &out) }
        o.string("eventCategory", "Management", &out)
        o.string("eventID", eventID, &out)
        o.string("eventName", eventName, &out)
        o.string("eventSource", eventSource, &out)
        o.name("eventTime", &out)
        UTCTime(eventTime).writeISO8601JSON(to: &out)
        o.string("eventType", "AwsApiCall", &out)
        o.string("eventVersion", "1.11", &out)
        o.value("managementEvent", .bool(true), &out)
        o.value("readOnly", .bool(readOnly), &out)
        o.string("recipientAccountId", account, &out)
        o.string("requestID", requestID, &out)
        o.name("requestParameters", &out)
        var resources = ResourceIDs.Collector()
        RequestParameters.write(requestParameters, to: &out) { resources.add($0) }
        for r in responseResources { resources.add(r) }
        if !resources.resources.isEmpty {
            o.name("resources", &out)
            out.append(UInt8(ascii: "["))
            for (i, resource) in resources.resources.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                var r = JSONObjectWriter()
                r.name("ARN", &out)
                writeARN(resource, &out)
                r.string("accountId", account, &out)
                r.string("type", resource.type, &out)
                r.end(&out)
            }
            out.append(UInt8(ascii: "]"))
        }
        o.value("responseElements", readOnly ? .null : responseElements, &out)
        o.string("sourceIPAddress", sourceIPAddress, &out)
        o.string("userAgent", userAgent, &out)
        o.name("userIdentity", &out)
        writeUserIdentity(&out)
        o.end(&out)
        return (out, resources.resources)
    }

    /// `"arn:aws:ec2:<region>:<account>:<path>/<id>"`, as a JSON string.
    func writeARN(_ r: AuditResource, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: "arn:aws:ec2:".utf8)
        JSONValue.writeStringContents(awsRegion, to: &out)
        out.append(UInt8(ascii: ":"))
        JSONValue.writeStringContents(caller.account ?? "", to: &out)
        out.append(UInt8(ascii: ":"))
        JSONValue.writeStringContents(ResourceIDs.arnPath(of: r.name), to: &out)
        out.append(UInt8(ascii: "/"))
        JSONValue.writeStringContents(r.name, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// The record as the store keeps it.
    public func auditEvent() -> AuditEvent {
        let (body, resources) = encode()
        return AuditEvent(
            eventID: eventID, eventTime: eventTime, account: caller.account ?? "", region: awsRegion,
            eventName: eventName, eventSource: eventSource, readOnly: readOnly, username: caller.userName ?? "",
            accessKeyId: caller.accessKeyId ?? "", resources: resources,
            body: body)
    }
}
