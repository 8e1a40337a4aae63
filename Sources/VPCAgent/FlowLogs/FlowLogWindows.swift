public import VPCDataplane
public import VPCModel
public import VPCWire

/// One closed aggregation interval as the data-plane thread hands it over: the
/// aggregator's records (ENI = port index), its summary in monotonic seconds, the offset
/// to wall-clock seconds, and the ports with flow logs at the close.
public struct FlowLogDrain: Sendable {
    public struct Port: Sendable {
        public var index: Int
        public var networkInterfaceId: String
        /// The ENI's primary private IPv4 address (`srcaddr`/`dstaddr` of traffic to or
        /// from its other addresses, AWS "Flow log limitations").
        public var primaryAddress: IPv4Address
        public var flowLogs: [FlowLogSpec]
        /// The route table of the ENI's subnet: where its egress went (`traffic-path`).
        public var routeTable: RouteTable

        public init(index: Int, networkInterfaceId: String, primaryAddress: IPv4Address, flowLogs: [FlowLogSpec],
                    routeTable: RouteTable) {
            self.index = index; self.networkInterfaceId = networkInterfaceId
            self.primaryAddress = primaryAddress; self.flowLogs = flowLogs; self.routeTable = routeTable
        }
    }

    public var interval: FlowLogInterval
    /// Wall-clock seconds minus monotonic seconds at the close.
    public var wallOffset: Int64
    public var records: [FlowLogRecord]
    public var ports: [Port]

    public init(interval: FlowLogInterval, wallOffset: Int64, records: [FlowLogRecord], ports: [Port]) {
        self.interval = interval; self.wallOffset = wallOffset; self.records = records; self.ports = ports
    }
}

/// Turns a drained interval into the windows docs/agent-protocol.md ("Flow logs") asks
/// for: one per (flow log, ENI), its records selected by the flow log's traffic type,
/// `NODATA` when the ENI saw no packet, `SKIPDATA` when the aggregator lost flows to its
/// capacity (it does not know whose, so every window of the interval says so).
public enum FlowLogWindows {
    public static func build(_ drain: FlowLogDrain) -> [FlowLogWindow] {
        let start = Int64(drain.interval.start) + drain.wallOffset
        let end = Int64(drain.interval.end) + drain.wallOffset
        let skipped = drain.interval.skippedPackets > 0
        var byPort: [Int: [FlowLogRecord]] = [:]
        for r in drain.records { byPort[Int(r.eni), default: []].append(r) }
        var windows: [FlowLogWindow] = []
        for port in drain.ports.sorted(by: { $0.index < $1.index }) {
            let seen = byPort[port.index] ?? []
            let records = merged(seen.map { record($0, port: port, wallOffset: drain.wallOffset) })
            for spec in port.flowLogs {
                guard let keep = selector(spec.trafficType) else { continue }  // unknown type: deliver nothing
                let status: FlowLogStatusLine = skipped ? .skipData : (seen.isEmpty ? .noData : .ok)
                windows.append(FlowLogWindow(flowLogId: spec.flowLogId, networkInterfaceId: port.networkInterfaceId,
                                             start: start, end: end, logStatus: status,
                                             records: status == .noData ? [] : records.filter { keep($0.action) }))
            }
        }
        return windows
    }

    /// Which actions a traffic type selects; nil for an unknown one.
    static func selector(_ trafficType: String) -> ((FlowAction) -> Bool)? {
        switch trafficType {
        case "ALL": return { _ in true }
        case "ACCEPT": return { $0 == .accept }
        case "REJECT": return { $0 == .reject }
        default: return nil
        }
    }

    /// One aggregator record as AWS prints it: ports 0 for protocols without ports (the
    /// aggregator keys ICMP echo by its identifier), the ENI's primary address in place of
    /// another of its addresses (the packet's then in `pktSrcaddr`/`pktDstaddr`), and for
    /// egress the path its route table gives the destination.
    static func record(_ r: FlowLogRecord, port: FlowLogDrain.Port, wallOffset: Int64) -> FlowRecord {
        let src = address(r.source, r.family), dst = address(r.destination, r.family)
        let ported = r.proto == IPProtocolNumber.tcp || r.proto == IPProtocolNumber.udp || r.proto == 132
        var out = FlowRecord(
            srcaddr: src, dstaddr: dst, srcport: ported ? Int(r.sourcePort) : 0, dstport: ported ? Int(r.destinationPort) : 0,
            protocol: Int(r.proto), packets: r.packets, bytes: r.bytes, start: Int64(r.start) + wallOffset,
            end: Int64(r.end) + wallOffset, action: r.action == .reject ? .reject : .accept,
            tcpFlags: r.proto == IPProtocolNumber.tcp ? Int(r.tcpFlags) : 0,
            flowDirection: r.direction == .egress ? .egress : .ingress)
        if r.direction == .egress {
            let route = port.routeTable.longestPrefixMatchIndex(family: r.family, r.destination)
            out.trafficPath = route < 0 ? nil : trafficPath(port.routeTable.routes[route].target)
        }
        if r.family == .v4 {
            let primary = port.primaryAddress.description
            if r.direction == .ingress && dst != primary { out.dstaddr = primary; out.pktDstaddr = dst }
            if r.direction == .egress && src != primary { out.srcaddr = primary; out.pktSrcaddr = src }
        }
        return out
    }

    /// AWS's `traffic-path` for egress that a route to `target` carries: 1 through another
    /// resource in the VPC (the VPC itself, or a network interface in it: an instance, a NAT
    /// or transit gateway attachment), 4 through a peering connection, 8 through an internet
    /// gateway; nil (`-`) where AWS names no path.
    static func trafficPath(_ target: RouteTarget) -> Int? {
        switch target {
        case .local, .networkInterface, .natGateway, .transitGateway: 1
        case .vpcPeering: 4
        case .internetGateway: 8
        case .egressOnlyInternetGateway, .blackhole: nil
        }
    }

    /// Records equal in every field but the counters and times are one flow (ICMP echoes
    /// with different identifiers, once their ports are 0), in first-seen order.
    static func merged(_ records: [FlowRecord]) -> [FlowRecord] {
        struct Key: Hashable {
            var src, dst, pktSrc, pktDst: String?
            var sport, dport, proto: Int
            var action: FlowAction
            var direction: FlowDirection
        }
        var order: [Key] = []
        var byKey: [Key: FlowRecord] = [:]
        for r in records {
            let k = Key(src: r.srcaddr, dst: r.dstaddr, pktSrc: r.pktSrcaddr, pktDst: r.pktDstaddr, sport: r.srcport,
                        dport: r.dstport, proto: r.protocol, action: r.action, direction: r.flowDirection)
            if var m = byKey[k] {
                m.packets += r.packets; m.bytes += r.bytes
                m.start = min(m.start, r.start); m.end = max(m.end, r.end); m.tcpFlags |= r.tcpFlags
                byKey[k] = m
            } else {
                order.append(k)
                byKey[k] = r
            }
        }
        return order.map { byKey[$0]! }
    }

    static func address(_ key: AddressKey, _ family: IPFamily) -> String {
        family == .v4 ? IPv4Address(value: UInt32(truncatingIfNeeded: key.low)).description
            : IPv6Address(high: key.high, low: key.low).description
    }
}
