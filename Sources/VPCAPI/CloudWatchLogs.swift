import Foundation
import VPCAudit
import VPCControlPlane
import VPCModel
import VPCStore

/// The CloudWatch Logs calls that read flow logs, over the JSON 1.1 protocol on the EC2
/// endpoint (`X-Amz-Target: Logs_20140328.<Action>`, SigV4 service `logs`): DescribeLogGroups,
/// DescribeLogStreams, GetLogEvents and FilterLogEvents, so `aws logs … --endpoint-url` works.
/// Each account sees only its own log groups, in the request's region.
/// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
extension EC2Service {
    static let logsTarget = "Logs_20140328."
    static let logsActions: Set<String> = ["DescribeLogGroups", "DescribeLogStreams", "GetLogEvents", "FilterLogEvents"]

    func logs(_ action: String, _ input: [String: Any], account: String, region: String) throws -> [UInt8] {
        let groups = try controlPlane.read(account: account, region: region) { $0.logGroups.sorted }
        func invalid(_ message: String) -> JSONError { JSONError(type: "InvalidParameterException", message: message) }
        func int(_ name: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
            guard let raw = input[name] else { return value }
            guard let n = raw as? Int, range.contains(n) else {
                throw invalid("1 validation error detected: Value '\(raw)' at '\(name)' failed to satisfy constraint: Member must have value between \(range.lowerBound) and \(range.upperBound)")
            }
            return n
        }
        func milliseconds(_ name: String) throws -> Int64? {
            guard let raw = input[name] else { return nil }
            guard let n = raw as? NSNumber, n.int64Value >= 0 else { throw invalid("\(name) must be a non-negative number of milliseconds") }
            return n.int64Value
        }
        /// `logGroupName`, or `logGroupIdentifier` (a name or an ARN of this account and region).
        func group(required: Bool = true) throws -> LogGroupRecord? {
            var name = input["logGroupName"] as? String
            if let identifier = input["logGroupIdentifier"] as? String {
                guard name == nil else { throw invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.") }
                let prefix = "arn:aws:logs:\(region):\(account):log-group:"
                name = identifier.hasPrefix(prefix) ? String(identifier.dropFirst(prefix.count)) : identifier
                if name?.hasSuffix(":*") == true { name = String(name!.dropLast(2)) }
            }
            guard let name else {
                if required { throw invalid("Either logGroupName or logGroupIdentifier must be specified.") }
                return nil
            }
            guard let found = groups.first(where: { $0.name == name }) else {
                throw JSONError(type: "ResourceNotFoundException", message: "The specified log group does not exist.")
            }
            return found
        }
        let arnPrefix = "arn:aws:logs:\(region):\(account):log-group:"
        guard let store = flowLogStore else { throw JSONError(type: "ServiceUnavailableException", message: "Flow-log storage is not configured.", status: 503) }

        switch action {
        case "DescribeLogGroups":
            let limit = try int("limit", 1...50, default: 50)
            var matching = groups
            if let prefix = input["logGroupNamePrefix"] as? String {
                guard input["logGroupNamePattern"] == nil else {
                    throw invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
                }
                matching = matching.filter { $0.name.hasPrefix(prefix) }
            }
            if let pattern = input["logGroupNamePattern"] as? String {
                matching = matching.filter { $0.name.contains(pattern) }  // a case-sensitive substring
            }
            if let token = input["nextToken"] {
                guard let after = (token as? String).flatMap(Self.decodeToken) else { throw invalid("The specified nextToken is invalid.") }
                matching = matching.filter { $0.name > after }
            }
            var members: [String: JSONValue] = [:]
            if matching.count > limit {
                matching = Array(matching.prefix(limit))
                members["nextToken"] = .string(Self.encodeToken(matching.last!.name))
            }
            members["logGroups"] = .array(try matching.map { g in
                let stored = try store.flowLogStreams(account: account, region: region, logGroup: g.name)
                    .reduce(Int64(0)) { $0 + $1.storedBytes }
                return .object([
                    "logGroupName": .string(g.name), "creationTime": .number(Double(g.creationTime)),
                    "metricFilterCount": .number(0), "arn": .string(arnPrefix + g.name + ":*"),
                    "logGroupArn": .string(arnPrefix + g.name), "storedBytes": .number(Double(stored)),
                    "logGroupClass": .string("STANDARD"),
                ])
            })
            return JSONValue.object(members).bytes

        case "DescribeLogStreams":
            let g = try group()!
            let limit = try int("limit", 1...50, default: 50)
            let orderBy = input["orderBy"] as? String ?? "LogStreamName"
            guard orderBy == "LogStreamName" || orderBy == "LastEventTime" else {
                throw invalid("1 validation error detected: Value '\(orderBy)' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]")
            }
            var streams = try store.flowLogStreams(account: account, region: region, logGroup: g.name)
            if let prefix = input["logStreamNamePrefix"] as? String {
                guard orderBy == "LogStreamName" else {
                    throw invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
                }
                streams = streams.filter { $0.name.hasPrefix(prefix) }
            }
            if orderBy == "LastEventTime" {
                streams.sort { ($0.lastEventTimestamp, $0.name) < ($1.lastEventTimestamp, $1.name) }
            }
            if input["descending"] as? Bool == true { streams.reverse() }
            var start = 0
            if let token = input["nextToken"] {
                guard let text = (token as? String).flatMap(Self.decodeToken), let n = Int(text), n >= 0 else {
                    throw invalid("The specified nextToken is invalid.")
                }
                start = min(n, streams.count)
            }
            let page = streams[start..<min(streams.count, start + limit)]
            var members: [String: JSONValue] = [:]
            if start + limit < streams.count { members["nextToken"] = .string(Self.encodeToken(String(start + limit))) }
            members["logStreams"] = .array(page.map { s in
                .object([
                    "logStreamName": .string(s.name), "creationTime": .number(Double(s.firstEventTimestamp)),
                    "firstEventTimestamp": .number(Double(s.firstEventTimestamp)),
                    "lastEventTimestamp": .number(Double(s.lastEventTimestamp)),
                    "lastIngestionTime": .number(Double(s.lastIngestionTime)),
                    // CloudWatch Logs reports 0 for a stream's storedBytes since 2019.
                    "arn": .string(arnPrefix + g.name + ":log-stream:" + s.name), "storedBytes": .number(0),
                ])
            })
            return JSONValue.object(members).bytes

        case "GetLogEvents":
            let g = try group()!
            guard let stream = input["logStreamName"] as? String else {
                throw invalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
            }
            let limit = try int("limit", 1...10_000, default: 10_000)
            guard try store.flowLogStreams(account: account, region: region, logGroup: g.name).contains(where: { $0.name == stream })
            else {
                throw JSONError(type: "ResourceNotFoundException", message: "The specified log stream does not exist.")
            }
            var query = FlowLogEventQuery(account: account)
            query.region = region
            query.logGroup = g.name
            query.logStreams = [stream]
            query.startTime = try milliseconds("startTime")
            query.endTime = try milliseconds("endTime")
            query.limit = limit
            var backward = !(input["startFromHead"] as? Bool ?? false)
            // Where an empty page leaves a reader: between events, so the way it came is
            // exhausted and the other way starts with the event it last read.
            var here = (forward: "0:0", backward: "0:0")
            if let token = input["nextToken"] {
                guard let text = token as? String, text.hasPrefix("f/") || text.hasPrefix("b/"),
                      let position = Self.position(String(text.dropFirst(2))) else {
                    throw invalid("The specified nextToken is invalid.")
                }
                backward = text.hasPrefix("b/")
                query.after = position
                let (t, id) = position
                here = backward ? ("\(t):\(id &- 1)", "\(t):\(id)") : ("\(t):\(id)", "\(t):\(id &+ 1)")
            }
            query.descending = backward
            var events = try store.flowLogEvents(query)
            if backward { events.reverse() }
            let first = events.first.map { "\($0.event.timestamp):\($0.id)" }
            let last = events.last.map { "\($0.event.timestamp):\($0.id)" }
            // No more events that way: the token comes back unchanged, which ends a reader's loop.
            let forward = "f/" + (last ?? here.forward)
            let backwardToken = "b/" + (first ?? here.backward)
            return JSONValue.object([
                "events": .array(events.map { e in
                    .object(["timestamp": .number(Double(e.event.timestamp)), "message": .string(e.event.message),
                             "ingestionTime": .number(Double(e.event.ingestionTime))])
                }),
                "nextForwardToken": .string(forward), "nextBackwardToken": .string(backwardToken),
            ]).bytes

        case "FilterLogEvents":
            let g = try group()!
            let limit = try int("limit", 1...10_000, default: 10_000)
            var query = FlowLogEventQuery(account: account)
            query.region = region
            query.logGroup = g.name
            if let names = input["logStreamNames"] {
                guard let list = names as? [String], (1...100).contains(list.count) else {
                    throw invalid("logStreamNames must list 1 to 100 stream names.")
                }
                guard input["logStreamNamePrefix"] == nil else {
                    throw invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
                }
                query.logStreams = list
            }
            query.logStreamPrefix = input["logStreamNamePrefix"] as? String
            query.startTime = try milliseconds("startTime")
            // FilterLogEvents includes events at endTime (GetLogEvents does not).
            query.endTime = try milliseconds("endTime").map { $0 == .max ? $0 : $0 + 1 }
            var pattern: LogFilterPattern?
            if let text = input["filterPattern"] as? String, !text.isEmpty {
                guard text.count <= 1024 else {
                    throw invalid("1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024")
                }
                do { pattern = try LogFilterPattern(text) } catch { throw invalid(error.message) }
            }
            if let token = input["nextToken"] {
                guard let position = (token as? String).flatMap(Self.decodeToken).flatMap(Self.position) else {
                    throw invalid("The specified nextToken is invalid.")
                }
                query.after = position
            }
            // Scan in pages until `limit` matches or `scanBudget` events (then a token continues
            // after the last one scanned, as CloudWatch Logs may return a short or empty page
            // with a token) or the group ends (then there is no token).
            var matched: [StoredFlowLogEvent] = []
            var scanned: StoredFlowLogEvent?
            var exhausted = false
            query.limit = 1000
            scan: for _ in 0 ..< Self.filterScanBudget / query.limit {
                let page = try store.flowLogEvents(query)
                for e in page {
                    scanned = e
                    if pattern?.matches(e.event.message) ?? true { matched.append(e) }
                    if matched.count == limit { break scan }
                }
                if page.count < query.limit { exhausted = true; break }
                query.after = (page.last!.event.timestamp, page.last!.id)
            }
            var members: [String: JSONValue] = [
                "events": .array(matched.map { e in
                    .object([
                        "logStreamName": .string(e.event.logStream), "timestamp": .number(Double(e.event.timestamp)),
                        "message": .string(e.event.message), "ingestionTime": .number(Double(e.event.ingestionTime)),
                        "eventId": .string(String(format: "%020lld", e.id)),
                    ])
                }),
                "searchedLogStreams": .array([]),
            ]
            if !exhausted, let s = scanned {
                members["nextToken"] = .string(Self.encodeToken("\(s.event.timestamp):\(s.id)"))
            }
            return JSONValue.object(members).bytes

        default:
            throw JSONError(type: "UnknownOperationException", message: "Unknown operation \(action)")
        }
    }

    /// The most events one FilterLogEvents call reads, matching or not: a rare pattern over
    /// a large group answers in pages instead of reading the whole group in one request.
    static let filterScanBudget = 10_000

    static func encodeToken(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static func decodeToken(_ token: String) -> String? {
        Data(base64Encoded: token).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `timestamp:id`.
    static func position(_ text: String) -> (timestamp: Int64, id: Int64)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let t = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        return (t, id)
    }
}
