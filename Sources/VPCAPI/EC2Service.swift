public import EC2Query
public import EC2Shapes
public import VPCControlPlane
public import VPCModel
public import VPCAudit
import Foundation
public import VPCStore

/// An HTTP request as the EC2 endpoint sees it: what SigV4 signs, plus the caller.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var sourceIP: String

    public init(method: String, path: String, query: String, headers: [(name: String, value: String)],
                body: [UInt8], sourceIP: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.sourceIP = sourceIP
    }

    /// The first value of the header `name` (given in lowercase), whatever the case of the request's name.
    public func header(_ name: String) -> String? {
        headers.first { Self.equalsIgnoringCase($0.name, lowercased: name) }?.value
    }

    static func equalsIgnoringCase(_ name: String, lowercased: String) -> Bool {
        name.utf8.elementsEqual(lowercased.utf8) { a, b in
            (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
        }
    }
}

/// The answer, with what the access log and the audit trail record of it.
public struct APIResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var requestId: String
    public var action: String?
    public var account: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var contentType = "text/xml;charset=UTF-8"
}

/// The EC2 Query endpoint: authenticates, throttles, decodes, dispatches to the
/// control plane and renders the XML answer or the EC2 error envelope.
public struct EC2Service: Sendable {
    public let controlPlane: ControlPlane
    public let credentials: Credentials
    public let verifier: SigV4Verifier
    public let throttle: Throttle
    public let actions: ActionTable
    let readCache = ReadCache()
    /// Where calls that changed nothing are recorded (nil: no audit trail).
    public let audit: AuditAppender?
    /// Delivered flow-log lines, read by the CloudWatch Logs calls (nil: those calls fail).
    public let flowLogStore: (any FlowLogStore)?
    let clock: @Sendable () -> Double
    /// Told the version of each write once its response is produced (enforcement timing).
    public var writeResponded: (@Sendable (UInt64) -> Void)?

    /// Parameters that belong to the protocol, not to an action.
    static let protocolParameters: Set<String> = [
        "Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
        "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "AWSAccessKeyId",
    ]

    public init(controlPlane: ControlPlane, credentials: Credentials, maxClockSkew: Double = 900,
                throttle: Throttle = Throttle(), actions: ActionTable = .ec2, audit: AuditAppender? = nil,
                flowLogStore: (any FlowLogStore)? = nil, clock: (@Sendable () -> Double)? = nil) {
        self.controlPlane = controlPlane
        self.flowLogStore = flowLogStore
        self.audit = audit
        self.credentials = credentials
        self.throttle = throttle
        self.actions = actions
        self.clock = clock ?? { Date().timeIntervalSince1970 }
        self.verifier = SigV4Verifier(maxClockSkew: maxClockSkew) { [credentials] in
            credentials.key($0)?.secretAccessKey
        }
    }

    public func handle(_ request: APIRequest) -> APIResponse {
        if let target = request.header("x-amz-target") { return handleJSON(request, target: target) }
        return respond(request, parameters: Self.parameters(request))
    }

    /// Answers `request` if that needs no wait for the disk: a read, or a call
    /// that fails before it reaches the store. Nil for writes and JSON-protocol
    /// calls, which `handle` answers (it may wait for a commit).
    public func handleWithoutWaiting(_ request: APIRequest) -> APIResponse? {
        if request.header("x-amz-target") != nil { return nil }
        let parameters = Self.parameters(request)
        if let action = parameters.last(where: { $0.0 == "Action" })?.1, let entry = actions.entry(action),
           entry.category != .describe {
            return nil
        }
        return respond(request, parameters: parameters)
    }

    /// The query's parameters, then (for a POST) the form body's.
    static func parameters(_ request: APIRequest) -> [(String, String)] {
        var parameters = FormDecoding.pairs(request.query)
        if request.method == "POST" {
            parameters += FormDecoding.pairs(request.body)
        }
        return parameters
    }

    func respond(_ request: APIRequest, parameters: [(String, String)]) -> APIResponse {
        let requestId = RandomUUID.lowercased()
        var response = APIResponse(status: 200, body: [], requestId: requestId)
        var call = CallAudit(request: request, credentials: credentials, requestId: requestId, now: clock())
        let actionParameters = parameters.filter { !Self.protocolParameters.contains($0.0) }
        let malformedName = actionParameters.first { !Self.isPlausibleParameterName($0.0) }?.0
        var readOnly: Bool?
        var committed = false
        var unrecorded = false
        defer {
            if let audit, !committed, !unrecorded {
                audit.append(call.record(action: response.action ?? "",
                                         parameters: malformedName == nil ? actionParameters : [],
                                         readOnly: readOnly ?? Self.looksReadOnly(response.action),
                                         response: response))
            }
        }
        do {
            response.action = parameters.last { $0.0 == "Action" }?.1

            let identity: SigV4Identity, key: AccessKey
            switch authenticate(request, service: "ec2", call: &call) {
            case .success(let found): (identity, key) = found
            case .failure(.throttled):
                unrecorded = true
                throw EC2Error.throttled
            case .failure(.unverified(let error)):
                throw EC2Error(error.code, error.message, httpStatus: error.code == "RequestExpired" ? 400 : 401)
            case .failure(.unknownKey):
                throw EC2Error("AuthFailure", "AWS was not able to validate the provided access credentials",
                               httpStatus: 401)
            }
            response.account = key.account
            // Every authenticated call is metered, those that then fail too (each is recorded);
            // a missing or unknown action as a Describe.
            let found = response.action.flatMap(actions.entry)
            let bucket: Throttle.Bucket = switch found?.category {
            case .describe?: actionParameters.isEmpty ? .describeUnfiltered : .describe
            case .mutating?: .mutating
            case .securityGroupRules?: .securityGroupRules
            case nil: .describe
            }
            guard throttle.admit(account: key.account, region: identity.region, bucket: bucket, now: clock()) else {
                throw EC2Error.throttled
            }
            if let name = malformedName {
                throw EC2Error("UnknownParameter", "The parameter \(name.prefix(64))… is not recognized")
            }
            guard let action = response.action else { throw EC2Error.missingParameter("Action") }
            guard let entry = found else {
                throw EC2Error("InvalidAction", "The action \(action) is not valid for this web service.")
            }
            var keyed = actionParameters.filter { $0.0 != "ClientToken" && $0.0 != "DryRun" }
            if keyed.count > 1, Set(keyed.lazy.map(\.0)).count < keyed.count {
                // A name sent twice counts with its last value, as the decoders read it.
                var last: [String: String] = [:]
                for (name, value) in keyed { last[name] = value }
                keyed = last.map { ($0.key, $0.value) }
            }
            let canonical = keyed.map { $0.0 + "=" + $0.1 }.sorted().joined(separator: "&")
            readOnly = entry.category == .describe
            var context = CallContext(account: key.account, region: identity.region, canonicalParameters: canonical)
            if audit != nil, entry.category != .describe {
                let record = call.record(action: action, parameters: actionParameters, readOnly: false, response: response)
                context.audit = { xml in
                    var record = record
                    record.setResult(xml: xml)
                    return record.auditEvent()
                }
            }
            let result = try entry.run(QueryNode(parameters: actionParameters), context, controlPlane, readCache)
            committed = context.audit != nil  // a write's record went into its transaction
            response.body = EC2Response.success(action: action, requestId: requestId, result: result)
            if let version = context.receipt.version { writeResponded?(version) }
        } catch let error as EC2Error {
            response.status = error.httpStatus
            response.errorCode = error.code
            response.errorMessage = error.message
            response.body = EC2Response.error(code: error.code, message: error.message, requestId: requestId)
        } catch {
            response.status = 500
            response.errorCode = "InternalError"
            response.errorMessage = "An internal error has occurred"
            response.body = EC2Response.error(code: "InternalError", message: "An internal error has occurred",
                                              requestId: requestId)
        }
        return response
    }

    /// EC2's deepest parameter names have a handful of parts and well under 100 bytes
    /// (`LaunchTemplateData.NetworkInterface.1.Ipv4Prefix.1.Ipv4Prefix`). Longer or deeper
    /// ones are refused before anything builds a tree of them, or records them.
    static func isPlausibleParameterName(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.count <= 256 && utf8.lazy.filter { $0 == UInt8(ascii: ".") }.count < 16
    }

    /// Actions this server does not implement are read-only if their name says so.
    static func looksReadOnly(_ action: String?) -> Bool {
        guard let action else { return true }
        return action.hasPrefix("Describe") || action.hasPrefix("Get") || action.hasPrefix("List")
    }
}
