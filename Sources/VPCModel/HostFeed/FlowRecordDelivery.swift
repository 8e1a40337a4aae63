/// `POST /_vpc/agent/flow-records` (docs/agent-protocol.md, "Flow logs"): aggregated flow
/// records an agent delivers. `(hostId, sequence)` is the idempotency key: the agent numbers
/// its batches with a counter it persists before sending, and resends a batch unchanged until
/// it is acknowledged, so a batch is stored exactly once even across agent restarts.
public struct FlowRecordBatch: Codable, Sendable, Equatable {
    public var hostId: String
    /// The agent's batch number: grows by one per new batch, survives agent restarts.
    public var sequence: UInt64
    public var windows: [FlowLogWindow]

    public init(hostId: String, sequence: UInt64, windows: [FlowLogWindow]) {
        self.hostId = hostId; self.sequence = sequence; self.windows = windows
    }
}

/// One aggregation interval of one flow log on one ENI.
public struct FlowLogWindow: Codable, Sendable, Equatable {
    public var flowLogId: String
    public var networkInterfaceId: String
    /// Interval bounds, Unix seconds (the `start`/`end` of NODATA and SKIPDATA records).
    public var start: Int64
    public var end: Int64
    /// `OK` (records follow), `NODATA` (no traffic; no records) or `SKIPDATA` (some flows
    /// were lost to capacity; the records that were kept follow).
    public var logStatus: FlowLogStatusLine
    public var records: [FlowRecord]

    public init(flowLogId: String, networkInterfaceId: String, start: Int64, end: Int64,
                logStatus: FlowLogStatusLine, records: [FlowRecord]) {
        self.flowLogId = flowLogId; self.networkInterfaceId = networkInterfaceId; self.start = start; self.end = end
        self.logStatus = logStatus; self.records = records
    }
}

/// One aggregated flow of one interval: the traffic fields of a record. The control plane
/// adds the account, interface, VPC, subnet, instance, region and zone.
public struct FlowRecord: Codable, Sendable, Equatable {
    public var srcaddr: String
    public var dstaddr: String
    /// 0 for protocols without ports (ICMP: AWS prints 0).
    public var srcport: Int
    public var dstport: Int
    /// IANA protocol number.
    public var `protocol`: Int
    public var packets: UInt64
    public var bytes: UInt64
    /// First and last packet of the flow in the interval, Unix seconds.
    public var start: Int64
    public var end: Int64
    public var action: FlowAction
    /// OR of the TCP flags seen (SYN 2, SYN-ACK 18, FIN 1, RST 4).
    public var tcpFlags: Int
    public var flowDirection: FlowDirection
    /// Original addresses when they differ from srcaddr/dstaddr (NAT); nil: the same.
    public var pktSrcaddr: String?
    public var pktDstaddr: String?
    /// Egress path code (1 = through another resource in the same VPC, 8 = internet gateway, …).
    public var trafficPath: Int?

    public init(srcaddr: String, dstaddr: String, srcport: Int, dstport: Int, protocol: Int, packets: UInt64,
                bytes: UInt64, start: Int64, end: Int64, action: FlowAction, tcpFlags: Int = 0,
                flowDirection: FlowDirection, pktSrcaddr: String? = nil, pktDstaddr: String? = nil,
                trafficPath: Int? = nil) {
        self.srcaddr = srcaddr; self.dstaddr = dstaddr; self.srcport = srcport; self.dstport = dstport
        self.protocol = `protocol`; self.packets = packets; self.bytes = bytes; self.start = start; self.end = end
        self.action = action; self.tcpFlags = tcpFlags; self.flowDirection = flowDirection
        self.pktSrcaddr = pktSrcaddr; self.pktDstaddr = pktDstaddr; self.trafficPath = trafficPath
    }
}

extension FlowRecord {
    enum CodingKeys: String, CodingKey {
        case srcaddr, dstaddr, srcport, dstport, `protocol`, packets, bytes, start, end, action, tcpFlags,
             flowDirection, pktSrcaddr, pktDstaddr, trafficPath
    }

    /// `tcpFlags` may be left out (non-TCP flows): it is then 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(srcaddr: try c.decode(String.self, forKey: .srcaddr), dstaddr: try c.decode(String.self, forKey: .dstaddr),
                  srcport: try c.decode(Int.self, forKey: .srcport), dstport: try c.decode(Int.self, forKey: .dstport),
                  protocol: try c.decode(Int.self, forKey: .protocol), packets: try c.decode(UInt64.self, forKey: .packets),
                  bytes: try c.decode(UInt64.self, forKey: .bytes), start: try c.decode(Int64.self, forKey: .start),
                  end: try c.decode(Int64.self, forKey: .end), action: try c.decode(FlowAction.self, forKey: .action),
                  tcpFlags: try c.decodeIfPresent(Int.self, forKey: .tcpFlags) ?? 0,
                  flowDirection: try c.decode(FlowDirection.self, forKey: .flowDirection),
                  pktSrcaddr: try c.decodeIfPresent(String.self, forKey: .pktSrcaddr),
                  pktDstaddr: try c.decodeIfPresent(String.self, forKey: .pktDstaddr),
                  trafficPath: try c.decodeIfPresent(Int.self, forKey: .trafficPath))
    }
}

public enum FlowAction: String, Codable, Sendable { case accept = "ACCEPT", reject = "REJECT" }
public enum FlowDirection: String, Codable, Sendable { case ingress, egress }

/// The answer to a batch.
public struct FlowRecordBatchResult: Codable, Sendable, Equatable {
    /// Lines stored (0 for a batch already stored).
    public var stored: Int
    /// True when `(hostId, sequence)` was stored before: nothing was stored again.
    public var duplicate: Bool
    /// Windows dropped because their flow log does not exist (deleted) or does not cover
    /// the ENI, or the ENI is attached to an instance on another host, plus records whose
    /// action the flow log's traffic type excludes.
    public var dropped: Int
    /// Windows not stored because their destination cannot be written (an S3 destination
    /// whose directory cannot exist); the batch's other windows are stored.
    public var failed: Int

    public init(stored: Int, duplicate: Bool, dropped: Int, failed: Int = 0) {
        self.stored = stored; self.duplicate = duplicate; self.dropped = dropped; self.failed = failed
    }
}
