public import VPCStore
import Crypto

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

    var userIdentity: JSONValue {
        guard let account = caller.account, let user = caller.userName else {
            var members: [String: JSONValue] = ["type": .string("Unknown")]
            if let key = caller.accessKeyId { members["accessKeyId"] = .string(key) }
            return .object(members)
        }
        let root = user == "root"
        var members: [String: JSONValue] = [
            "type": .string(root ? "Root" : "IAMUser"),
            "principalId": .string(root ? account : Self.principalId(account: account, user: user)),
            "arn": .string(root ? "arn:aws:iam::\(account):root" : "arn:aws:iam::\(account):user/\(user)"),
            "accountId": .string(account),
        ]
        if let key = caller.accessKeyId { members["accessKeyId"] = .string(key) }
        if !root { members["userName"] = .string(user) }
        return .object(members)
    }

    /// A stable IAM-style unique id (`AIDA…`) for a user.
    static func principalId(account: String, user: String) -> String {
        let digest = SHA256.hash(data: Array("\(account):\(user)".utf8))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return "AIDA" + String(digest.prefix(17).map { alphabet[Int($0 & 31)] })
    }

    public var json: JSONValue {
        let parameters = RequestParameters.json(requestParameters)
        return json(parameters: parameters, resources: resources(parameters))
    }

    func json(parameters: JSONValue, resources: [AuditResource]) -> JSONValue {
        var members: [String: JSONValue] = [
            "eventVersion": .string("1.11"),
            "userIdentity": userIdentity,
            "eventTime": .string(UTCTime(eventTime).iso8601),
            "eventSource": .string(eventSource),
            "eventName": .string(eventName),
            "awsRegion": .string(awsRegion),
            "sourceIPAddress": .string(sourceIPAddress),
            "userAgent": .string(userAgent),
            "requestParameters": parameters,
            "responseElements": readOnly ? .null : responseElements,
            "requestID": .string(requestID),
            "eventID": .string(eventID),
            "readOnly": .bool(readOnly),
            "eventType": .string("AwsApiCall"),
            "managementEvent": .bool(true),
            "recipientAccountId": .string(caller.account ?? ""),
            "eventCategory": .string("Management"),
        ]
        if let errorCode { members["errorCode"] = .string(errorCode) }
        if let errorMessage { members["errorMessage"] = .string(errorMessage) }
        if !resources.isEmpty {
            members["resources"] = .array(resources.map {
                .object(["type": .string($0.type), "ARN": .string(arn($0)), "accountId": .string(caller.account ?? "")])
            })
        }
        return .object(members)
    }

    func resources(_ parameters: JSONValue) -> [AuditResource] {
        var all = ResourceIDs.collect([parameters])
        for r in responseResources where !all.contains(r) { all.append(r) }
        return all
    }

    func arn(_ r: AuditResource) -> String {
        let kind = r.name[..<(r.name.lastIndex(of: "-") ?? r.name.endIndex)]
        let path = ["vpc": "vpc", "subnet": "subnet", "sg": "security-group", "acl": "network-acl",
                    "rtb": "route-table", "igw": "internet-gateway", "eigw": "egress-only-internet-gateway",
                    "dopt": "dhcp-options", "eipalloc": "elastic-ip", "eni": "network-interface",
                    "pl": "prefix-list", "sgr": "security-group-rule"][String(kind)] ?? String(kind)
        return "arn:aws:ec2:\(awsRegion):\(caller.account ?? ""):\(path)/\(r.name)"
    }

    /// The record as the store keeps it.
    public func auditEvent() -> AuditEvent {
        let parameters = RequestParameters.json(requestParameters)
        let resources = resources(parameters)
        return AuditEvent(
            eventID: eventID, eventTime: eventTime, account: caller.account ?? "", region: awsRegion,
            eventName: eventName, eventSource: eventSource, readOnly: readOnly, username: caller.userName ?? "",
            accessKeyId: caller.accessKeyId ?? "", resources: resources,
            body: json(parameters: parameters, resources: resources).bytes)
    }
}
