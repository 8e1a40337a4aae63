import EC2Query
import Foundation
import VPCAudit
import VPCModel
import VPCStore

/// The JSON 1.1 protocol on the EC2 endpoint (CloudTrail here, CloudWatch Logs in
/// CloudWatchLogs.swift), and CloudTrail's LookupEvents over it
/// (`X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`,
/// SigV4 service `cloudtrail`). Each account sees only its own records of calls to the
/// request's region, newest first.
/// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
extension EC2Service {
    static let cloudTrailTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

    struct JSONError: Error {
        var type: String
        var message: String
        var status = 400

        static let throttled = JSONError(type: "ThrottlingException", message: "Rate exceeded")
    }

    /// The JSON 1.1 services on this endpoint, by `X-Amz-Target` prefix: SigV4 service name
    /// and CloudTrail event source.
    static let jsonServices: [(target: String, service: String, eventSource: String)] = [
        (cloudTrailTarget, "cloudtrail", "cloudtrail.amazonaws.com"),
        (logsTarget, "logs", "logs.amazonaws.com"),
    ]

    func handleJSON(_ request: APIRequest, target: String) -> APIResponse {
        let requestId = RandomUUID.lowercased()
        var response = APIResponse(status: 200, body: [], requestId: requestId)
        response.contentType = "application/x-amz-json-1.1"
        let service = Self.jsonServices.first { target.hasPrefix($0.target) }
        let action = service.map { String(target.dropFirst($0.target.count)) } ?? target
        response.action = action
        var call = CallAudit(request: request, credentials: credentials, requestId: requestId, now: clock())
        var parameters: [(String, String)] = []
        var unrecorded = false
        defer {
            if !unrecorded {
                audit?.append(call.record(action: action, parameters: parameters, readOnly: true, response: response,
                                          eventSource: service?.eventSource ?? "cloudtrail.amazonaws.com"))
            }
        }
        do {
            let identity: SigV4Identity, key: AccessKey
            switch authenticate(request, service: service?.service ?? "cloudtrail", call: &call) {
            case .success(let found): (identity, key) = found
            case .failure(.throttled):
                unrecorded = true
                throw JSONError.throttled
            case .failure(.unverified(let error)):
                throw JSONError(type: error.code == "RequestExpired" ? "ExpiredTokenException" : "InvalidSignatureException",
                                message: error.message)
            case .failure(.unknownKey):
                throw JSONError(type: "UnrecognizedClientException", message: "The security token included in the request is invalid.")
            }
            response.account = key.account
            let known = switch service?.service {
            case "cloudtrail": action == "LookupEvents"
            case "logs": Self.logsActions.contains(action)
            default: false
            }
            // Metered as EC2's Describe calls (every action here reads), unknown ones too: each is recorded.
            guard throttle.admit(account: key.account, region: identity.region, bucket: .describe, now: clock()) else {
                throw JSONError.throttled
            }
            guard known else { throw JSONError(type: "UnknownOperationException", message: "Unknown operation \(target)") }
            guard let object = (request.body.isEmpty ? [:] : try? JSONSerialization.jsonObject(with: Data(request.body)))
                    as? [String: Any] else {
                throw JSONError(type: "SerializationException", message: "The request body is not a JSON object")
            }
            parameters = object.keys.sorted().compactMap { k in
                (object[k] as? String).map { (k, $0) } ?? (object[k] as? NSNumber).map { (k, $0.stringValue) }
            }
            if service?.service == "logs" {
                response.body = try logs(action, object, account: key.account, region: identity.region)
            } else {
                response.body = try lookupEvents(object, account: key.account,
                                                 region: identity.region.isEmpty ? CallAudit.defaultRegion : identity.region)
            }
        } catch let error as JSONError {
            response.status = error.status
            response.errorCode = error.type
            response.errorMessage = error.message
            response.body = JSONValue.object(["__type": .string(error.type), "message": .string(error.message)]).bytes
        } catch let error as EC2Error {  // from the control plane (e.g. a region it does not serve)
            response.status = error.httpStatus
            response.errorCode = error.code
            response.errorMessage = error.message
            response.body = JSONValue.object(["__type": .string(error.code), "message": .string(error.message)]).bytes
        } catch {
            response.status = 500
            response.errorCode = "InternalFailure"
            response.errorMessage = "An internal error has occurred"
            response.body = Array(#"{"__type":"InternalFailure","message":"An internal error has occurred"}"#.utf8)
        }
        return response
    }

    func lookupEvents(_ input: [String: Any], account: String, region: String) throws -> [UInt8] {
        var query = AuditQuery(account: account)
        query.region = region
        // Set when the request, checked whole, can match no event.
        var matchesNothing = false
        if let category = input["EventCategory"] {
            // Only Insights events have a category; none are recorded here.
            guard category as? String == "insight" else {
                throw JSONError(type: "InvalidEventCategoryException", message: "EventCategory is not valid.")
            }
            matchesNothing = true
        }
        if let attributes = input["LookupAttributes"] {
            guard let list = attributes as? [[String: Any]], list.count <= 1 else {
                throw JSONError(type: "InvalidLookupAttributesException",
                                message: "You cannot specify more than one lookup attribute.")
            }
            if let a = list.first {
                guard let name = a["AttributeKey"] as? String, let key = AuditLookupKey(rawValue: name) else {
                    throw JSONError(type: "InvalidLookupAttributesException",
                                    message: "Invalid attribute key: \(a["AttributeKey"] ?? "none"). Valid keys: \(AuditLookupKey.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let value = a["AttributeValue"] as? String, !value.isEmpty, value.count <= 2000 else {
                    throw JSONError(type: "InvalidLookupAttributesException",
                                    message: "AttributeValue must be 1 to 2000 characters.")
                }
                // ReadOnly is "true" or "false"; any other value, like any other unknown
                // value, matches no event.
                if key == .readOnly && value != "true" && value != "false" { matchesNothing = true }
                query.attribute = (key, value)
            }
        }
        query.startTime = try Self.time(input["StartTime"], "StartTime")
        query.endTime = try Self.time(input["EndTime"], "EndTime")
        if let start = query.startTime, let end = query.endTime, start > end {
            throw JSONError(type: "InvalidTimeRangeException", message: "Start time must be before end time.")
        }
        if let max = input["MaxResults"] {
            guard let n = max as? Int, (1...50).contains(n) else {
                throw JSONError(type: "InvalidMaxResultsException", message: "MaxResults must be between 1 and 50.")
            }
            query.limit = n
        }
        // A token continues the request that produced it: it names its parameters too.
        let parameters = Self.tokenFingerprint(query)
        if let token = input["NextToken"] {
            guard let text = (token as? String).flatMap({ Data(base64Encoded: $0) }).map({ String(decoding: $0, as: UTF8.self) }),
                  let colon = text.firstIndex(of: ":"), let seq = Int64(text[..<colon]), seq > 0 else {
                throw JSONError(type: "InvalidNextTokenException", message: "Invalid NextToken.")
            }
            guard text[text.index(after: colon)...] == parameters else {
                throw JSONError(type: "InvalidNextTokenException",
                                message: "The NextToken was used in a request with different parameters.")
            }
            query.beforeSequence = seq
        }
        guard let store = audit?.store, !matchesNothing else { return Array(#"{"Events":[]}"#.utf8) }
        var fetch = query
        fetch.limit = query.limit + 1
        var events = try store.lookupEvents(fetch)
        var members: [String: JSONValue] = [:]
        if events.count > query.limit {
            events.removeLast()
            members["NextToken"] = .string(Data("\(events.last!.sequence):\(parameters)".utf8).base64EncodedString())
        }
        members["Events"] = .array(events.map { e in
            .object([
                "EventId": .string(e.eventID), "EventName": .string(e.eventName),
                "ReadOnly": .string(e.readOnly ? "true" : "false"), "AccessKeyId": .string(e.accessKeyId),
                "EventTime": .number(e.eventTime.rounded(.down)), "EventSource": .string(e.eventSource),
                "Username": .string(e.username),
                "Resources": .array(e.resources.map { .object(["ResourceType": .string($0.type), "ResourceName": .string($0.name)]) }),
                "CloudTrailEvent": .string(String(decoding: e.body, as: UTF8.self)),
            ])
        })
        return JSONValue.object(members).bytes
    }

    /// What a NextToken must have been issued for: the lookup attribute and the time range
    /// (FNV-1a, hex: stable across restarts, and tokens are not secrets).
    static func tokenFingerprint(_ q: AuditQuery) -> String {
        let text = [q.region ?? "", q.attribute?.key.rawValue ?? "", q.attribute?.value ?? "",
                    q.startTime.map { "\($0)" } ?? "", q.endTime.map { "\($0)" } ?? ""]
            .joined(separator: "\u{0}")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// botocore sends timestamps as epoch seconds; ISO 8601 strings are accepted too. A
    /// value of another type is a serialization error, as the JSON protocol has it.
    static func time(_ value: Any?, _ name: String) throws -> Double? {
        guard let value else { return nil }
        let seconds: Double?
        if let n = value as? NSNumber {
            seconds = n.doubleValue
        } else if let s = value as? String {
            seconds = Double(s) ?? ISO8601DateFormatter().date(from: s)?.timeIntervalSince1970
        } else {
            throw JSONError(type: "SerializationException", message: "\(name) must be a timestamp.")
        }
        guard let seconds, seconds.isFinite, seconds >= 0 else {
            throw JSONError(type: "InvalidTimeRangeException", message: "\(name) is not a valid timestamp.")
        }
        return seconds
    }
}
