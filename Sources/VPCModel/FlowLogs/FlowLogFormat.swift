/// A field of a flow-log record, versions 2 to 5 (Amazon VPC User Guide, "Flow log
/// records — Available fields"), named as `LogFormat` writes it: `${srcaddr}`.
public enum FlowLogField: String, CaseIterable, Sendable {
    case version, accountId = "account-id", interfaceId = "interface-id", srcaddr, dstaddr, srcport, dstport,
         `protocol`, packets, bytes, start, end, action, logStatus = "log-status"
    case vpcId = "vpc-id", subnetId = "subnet-id", instanceId = "instance-id", tcpFlags = "tcp-flags", type,
         pktSrcaddr = "pkt-srcaddr", pktDstaddr = "pkt-dstaddr"
    case region, azId = "az-id", sublocationType = "sublocation-type", sublocationId = "sublocation-id"
    case pktSrcAwsService = "pkt-src-aws-service", pktDstAwsService = "pkt-dst-aws-service",
         flowDirection = "flow-direction", trafficPath = "traffic-path"

    /// The record version that introduced the field.
    public var version: Int {
        switch self {
        case .version, .accountId, .interfaceId, .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets,
             .bytes, .start, .end, .action, .logStatus: 2
        case .vpcId, .subnetId, .instanceId, .tcpFlags, .type, .pktSrcaddr, .pktDstaddr: 3
        case .region, .azId, .sublocationType, .sublocationId: 4
        case .pktSrcAwsService, .pktDstAwsService, .flowDirection, .trafficPath: 5
        }
    }
}

/// Why a `LogFormat` was refused; `message` is the text of the InvalidParameter error.
public struct FlowLogFormatError: Error, Equatable, Sendable {
    public var message: String
}

/// A flow log's record format: its fields in order. Renders records as AWS prints them,
/// space-separated, `-` for a value that does not apply or is unknown.
public struct FlowLogFormat: Sendable, Equatable {
    public let fields: [FlowLogField]

    /// The default format (version 2).
    public static let `default` = FlowLogFormat(fields: [
        .version, .accountId, .interfaceId, .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets, .bytes,
        .start, .end, .action, .logStatus,
    ])

    public init(fields: [FlowLogField]) { self.fields = fields }

    /// Parses `${field} ${field} …` (fields separated by spaces, each one of v2–v5).
    public init(parsing text: String) throws(FlowLogFormatError) {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true)
        guard !tokens.isEmpty else { throw FlowLogFormatError(message: "LogFormat must specify at least one field.") }
        var fields: [FlowLogField] = []
        var unknown: [String] = []
        for token in tokens {
            guard token.hasPrefix("${"), token.hasSuffix("}"), token.count > 3 else {
                throw FlowLogFormatError(message: "Invalid LogFormat: '\(token)'. Specify fields as ${field-id} separated by spaces.")
            }
            let name = String(token.dropFirst(2).dropLast())
            if let field = FlowLogField(rawValue: name) { fields.append(field) } else { unknown.append(name) }
        }
        guard unknown.isEmpty else {
            throw FlowLogFormatError(message: "Unknown fields provided: \(unknown.joined(separator: ", ")).")
        }
        self.fields = fields
    }

    /// The `LogFormat` string DescribeFlowLogs shows.
    public var text: String { fields.map { "${\($0.rawValue)}" }.joined(separator: " ") }

    /// The value of `${version}`: 2 for the default format, else the highest version of its fields.
    public var version: Int { fields.map(\.version).max() ?? 2 }

    /// The first line of an S3 log file: the field names.
    public var header: String { fields.map(\.rawValue).joined(separator: " ") }

    /// One record's line.
    public func line(_ r: FlowRecord, _ c: FlowLogContext) -> String {
        fields.map { value($0, r, c) }.joined(separator: " ")
    }

    /// The line of an interval with no traffic (`NODATA`) or with records lost to capacity
    /// (`SKIPDATA`): the interface's fields and the interval, `-` for every traffic field.
    public func statusLine(_ status: FlowLogStatusLine, start: Int64, end: Int64, _ c: FlowLogContext) -> String {
        fields.map { field -> String in
            switch field {
            case .start: String(start)
            case .end: String(end)
            case .logStatus: status.rawValue
            case .version, .accountId, .interfaceId, .vpcId, .subnetId, .instanceId, .region, .azId:
                contextValue(field, c)
            default: "-"
            }
        }.joined(separator: " ")
    }

    func contextValue(_ field: FlowLogField, _ c: FlowLogContext) -> String {
        switch field {
        case .version: String(version)
        case .accountId: c.accountId
        case .interfaceId: c.interfaceId
        case .vpcId: c.vpcId ?? "-"
        case .subnetId: c.subnetId ?? "-"
        case .instanceId: c.instanceId ?? "-"
        case .region: c.region
        case .azId: c.azId ?? "-"
        default: "-"
        }
    }

    func value(_ field: FlowLogField, _ r: FlowRecord, _ c: FlowLogContext) -> String {
        switch field {
        case .srcaddr: r.srcaddr
        case .dstaddr: r.dstaddr
        case .srcport: String(r.srcport)
        case .dstport: String(r.dstport)
        case .protocol: String(r.protocol)
        case .packets: String(r.packets)
        case .bytes: String(r.bytes)
        case .start: String(r.start)
        case .end: String(r.end)
        case .action: r.action.rawValue
        case .logStatus: FlowLogStatusLine.ok.rawValue
        case .tcpFlags: String(r.tcpFlags)
        case .type: r.srcaddr.contains(":") ? "IPv6" : "IPv4"
        case .pktSrcaddr: r.pktSrcaddr ?? r.srcaddr
        case .pktDstaddr: r.pktDstaddr ?? r.dstaddr
        case .sublocationType, .sublocationId, .pktSrcAwsService, .pktDstAwsService: "-"
        case .flowDirection: r.flowDirection.rawValue
        // AWS reports the path of egress traffic only.
        case .trafficPath: r.flowDirection == .egress ? r.trafficPath.map(String.init) ?? "-" : "-"
        default: contextValue(field, c)
        }
    }
}

/// `log-status` of a record.
public enum FlowLogStatusLine: String, Codable, Sendable {
    case ok = "OK", noData = "NODATA", skipData = "SKIPDATA"
}

/// What the record says about the interface it was captured on; the control plane fills
/// it from its own state.
public struct FlowLogContext: Sendable, Equatable {
    public var accountId: String
    public var interfaceId: String
    public var vpcId: String?
    public var subnetId: String?
    public var instanceId: String?
    public var region: String
    public var azId: String?

    public init(accountId: String, interfaceId: String, vpcId: String?, subnetId: String?, instanceId: String?,
                region: String, azId: String?) {
        self.accountId = accountId; self.interfaceId = interfaceId; self.vpcId = vpcId; self.subnetId = subnetId
        self.instanceId = instanceId; self.region = region; self.azId = azId
    }
}
