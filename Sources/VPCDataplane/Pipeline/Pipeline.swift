public import VPCWire

/// The per-packet data plane of one host (design.md "Data flow of one packet"): frames
/// from instances (`processFromInstance`) and Geneve packets from other hosts
/// (`processFromUnderlay`) in, one `PipelineAction` out.
///
/// Owns the connection table (zones = port indices), the mapping cache, the flow-log
/// aggregator, the installed ENIs and their counters. Everything is preallocated: the two
/// entry points never allocate, and build replies and encapsulated frames in the caller's
/// `out` buffer. Not thread-safe: one pipeline per data-plane worker.
public final class Pipeline {
    public let connections: ConnectionTable
    public let mappings: MappingCache
    /// Where the VPCs' ENIs are, by ENI: for routes to a network interface and for what an
    /// ENI with source/destination check off forwards. Replaced whole with each configuration.
    public let interfaces = InterfaceDirectory()
    public let flowLogs: FlowLogAggregator
    public let underlay: UnderlayEndpoint
    /// The MAC the VPC router answers ARP and NDP with.
    public let routerMAC: MACAddress
    /// Port indices are `0..<maxPorts`.
    public let maxPorts: Int

    let ports: UnsafeMutablePointer<PortState>
    var configs: [ENIPort?]
    let counters: CounterBlock
    /// One past the highest installed port index: the ENI scans stop there.
    var portLimit = 0
    /// Keeps the objects of the inactive placeholder state alive.
    let placeholder: ENIPort
    /// Where the flow-log interval being closed stands (`Pipeline+FlowLogClose.swift`).
    var flowLogClose: FlowLogClose?

    /// Offset of the Geneve header (the UDP payload) in a `.sendToHost` frame.
    public static let geneveOffset = 42
    /// Bytes the encapsulation adds: Ethernet 14 + IPv4 20 + UDP 8 + Geneve 8 + ENI option 20.
    public static let encapsulationOverhead = 70

    public init(underlay: UnderlayEndpoint, routerMAC: MACAddress, maxPorts: Int = 64,
                connectionCapacity: Int = 1 << 16, connectionsPerENI: Int = 1 << 16,
                mappingCapacity: Int = 1 << 16, flowLogCapacity: Int = 1 << 14, now: UInt32 = 0) {
        precondition(maxPorts > 0)
        self.underlay = underlay
        self.routerMAC = routerMAC
        self.maxPorts = maxPorts
        flowLogs = FlowLogAggregator(capacity: flowLogCapacity, now: now)
        connections = ConnectionTable(capacity: connectionCapacity, zones: maxPorts, perZoneLimit: connectionsPerENI,
                                      flowLogs: flowLogs)
        mappings = MappingCache(capacity: mappingCapacity)
        counters = CounterBlock(ports: maxPorts)
        configs = Array(repeating: nil, count: maxPorts)
        placeholder = ENIPort(index: 0, eni: 0, mac: .zero, vni: 0, vpcIPv4: IPPrefix.anyV4, subnetIPv4: IPPrefix.anyV4,
                              ipv4Addresses: [], securityGroups: .denyAll, networkACL: NetworkACL(rules: []),
                              routeTable: RouteTable(routes: []))
        var idle = PortState(placeholder)
        idle.active = false
        ports = .allocate(capacity: maxPorts)
        ports.initialize(repeating: idle, count: maxPorts)
    }

    deinit {
        ports.deinitialize(count: maxPorts)
        ports.deallocate()
        counters.deallocate()
    }

    // MARK: configuration

    /// Installs or replaces the ENI at `port.index`. Replacing keeps its tracked connections
    /// (AWS: removing a rule does not cut tracked flows) and counters.
    public func install(_ port: ENIPort) {
        precondition(port.index >= 0 && port.index < maxPorts, "port index out of range")
        if connections.isRemoving(zone: UInt32(port.index)) {
            connections.removeAll(zone: UInt32(port.index))  // the last ENI's, before the index is reused
        }
        if let old = configs[port.index], old.eni != port.eni {
            connections.removeAll(zone: UInt32(port.index))
            counters.reset(port.index)
        }
        configs[port.index] = port  // retains the policy objects before the hot copy refers to them
        ports[port.index] = PortState(port)
        portLimit = max(portLimit, port.index + 1)
        connections.setLimit(zone: UInt32(port.index), port.connectionLimit ?? connections.defaultZoneLimit)
        connections.setTimeouts(zone: UInt32(port.index), port.connectionTimeouts)
    }

    /// Detaches the ENI at `index`: its counters go with it, and its connections as
    /// `connections.continueRemoving` gets to them (all at once if the index is reused first).
    public func remove(port index: Int) {
        guard index >= 0 && index < maxPorts, configs[index] != nil else { return }
        ports[index].active = false
        connections.beginRemovingAll(zone: UInt32(index))
        counters.reset(index)
        var idle = PortState(placeholder)
        idle.active = false
        ports[index] = idle
        configs[index] = nil
        while portLimit > 0 && configs[portLimit - 1] == nil { portLimit -= 1 }
    }

    /// The ENI installed at `index`.
    public func port(_ index: Int) -> ENIPort? { index >= 0 && index < maxPorts ? configs[index] : nil }

    /// Counters of the ENI at `index`.
    public func counters(port index: Int) -> PortCounters {
        precondition(index >= 0 && index < maxPorts)
        return counters.snapshot(index)
    }

    /// Drops not attributable to an installed ENI (bad port index, underlay packets for no local ENI).
    public func globalDrops(_ reason: DropReason) -> UInt64 {
        counters.base[maxPorts * CounterBlock.stride + CounterBlock.fixed + Int(reason.rawValue)]
    }

    // MARK: shared steps

    @inline(__always)
    func drop(_ port: Int, _ r: DropReason) -> PipelineAction {
        counters.drop(port, r)
        return .drop(r)
    }

    @inline(__always)
    func dropGlobal(_ r: DropReason) -> PipelineAction {
        counters.dropGlobal(r)
        return .drop(r)
    }

    /// Local port holding `eni`, or -1. A linear scan: a host has tens of ENIs.
    @inline(__always)
    func portIndex(eni: UInt64) -> Int {
        var i = 0
        let n = portLimit
        while i < n {
            if ports[i].eni == eni && ports[i].active { return i }
            i &+= 1
        }
        return -1
    }

    /// Whether any local port is in `vni`.
    func hasPort(vni: UInt32) -> Bool {
        var i = 0
        let n = portLimit
        while i < n {
            if ports[i].vni == vni && ports[i].active { return true }
            i &+= 1
        }
        return false
    }

    /// Whether the ENI at `port` owns the address (slow path for secondary addresses).
    @inline(__always)
    func owns(_ port: Int, _ family: IPFamily, _ key: AddressKey) -> Bool {
        let s = ports + port
        if family == .v4 {
            if key.low == UInt64(s.pointee.ipv4) && key.high == 0 && s.pointee.ipv4 != 0 { return true }
            return s.pointee.moreIPv4 && ownsSecondary(port, family, key)
        }
        if key == s.pointee.ipv6 && s.pointee.hasIPv6 { return true }
        return s.pointee.moreIPv6 && ownsSecondary(port, family, key)
    }

    @inline(never)
    func ownsSecondary(_ port: Int, _ family: IPFamily, _ key: AddressKey) -> Bool {
        guard let c = configs[port] else { return false }
        if family == .v4 { return c.owns(IPv4Address(value: UInt32(truncatingIfNeeded: key.low))) }
        return c.owns(IPv6Address(high: key.high, low: key.low))
    }

    /// Flow-logs one packet of the Ethernet frame of `bytes` (untagged: tagged frames are
    /// dropped before), or the segments `size` says it stands for; the record counts IP bytes,
    /// as AWS does. An accepted packet of tracked connection `c` is counted in its
    /// connection entry when it can be (`ConnectionTable+FlowCounts.swift`); rejected
    /// packets pass `.untracked`.
    @inline(__always)
    func recordFlow(_ port: Int, _ dir: TrafficDirection, _ h: PacketHeaders, _ c: ConnectionRef, _ size: WireSize,
                    _ action: FlowLogAction, now: UInt32) {
        guard ports[port].flowLogs else { return }
        let packets = size.packets, bytes = size.bytes &- 14 &* packets
        let offset = flowLogs.offset(now: now)
        if c.isTracked && connections.countFlow(c, direction: dir, packets: packets, bytes: bytes, tcpFlags: h.tcpFlags,
                                                offset: offset, parity: flowLogs.parity) {
            return
        }
        recordFlowInTable(port, dir, h.tuple, h.tcpFlags, c, packets: packets, bytes: bytes, action, offset: offset)
    }

    /// `recordFlow` in the flow-log table, with what the connection entry held for the flow.
    @inline(never)
    func recordFlowInTable(_ port: Int, _ dir: TrafficDirection, _ tuple: FlowTuple, _ tcpFlags: UInt8, _ c: ConnectionRef,
                           packets: Int, bytes: Int, _ action: FlowLogAction, offset: UInt16) {
        var packets = packets, bytes = bytes
        if c.isTracked {
            let held = connections.takeFlowCounts(c, direction: dir, offset: offset, parity: flowLogs.parity)
            packets &+= held.packets
            bytes &+= held.bytes
        }
        let eni = UInt32(truncatingIfNeeded: port)
        flowLogs.record(hash: FlowLogAggregator.hash(eni: eni, direction: dir, tuple: tuple), eni: eni, direction: dir,
                        tuple: tuple, packets: packets, bytes: bytes, tcpFlags: tcpFlags, action: action, offset: offset)
    }

    /// The stateful security-group stage of `port` for one packet, and the tracked
    /// connection it belongs to, if any. A packet of no tracked connection will be
    /// flow-logged in the flow-log table: its slot is prefetched while the rules decide.
    @inline(__always)
    func securityGroup(_ port: Int, _ dir: TrafficDirection, _ h: PacketHeaders, now: UInt32)
        -> (action: SecurityGroupAction, connection: ConnectionRef) {
        let zone = UInt32(truncatingIfNeeded: port)
        if !h.isICMPError {
            let tracked = connections.observeSlot(zone: zone, h.tuple, tcpFlags: h.tcpFlags, now: now)
            if tracked.isTracked { return (.acceptTracked, tracked) }
        }
        if ports[port].flowLogs { flowLogs.prefetch(hash: FlowLogAggregator.hash(eni: zone, direction: dir, tuple: h.tuple)) }
        return ports[port].securityGroups._withUnsafeGuaranteedRef { policy in
            if h.isICMPError {
                return (SecurityGroupFilter.processICMPError(
                    policy: policy, table: connections, zone: zone, direction: dir, outer: h.tuple,
                    icmpType: h.icmpType, icmpCode: h.icmpCode, innerTuple: h.quoted, now: now), .untracked)
            }
            return SecurityGroupFilter.processUntracked(
                policy: policy, table: connections, zone: zone, direction: dir, tuple: h.tuple, tcpFlags: h.tcpFlags,
                icmpType: h.icmpType, icmpCode: h.icmpCode, now: now)
        }
    }

    /// The subnet's network ACL for `port` in `dir`; traffic `within` the subnet (from or to
    /// an ENI of the same subnet) is not subject to it (network ACLs filter what crosses the
    /// subnet boundary).
    @inline(__always)
    func networkACLAllows(_ port: Int, _ dir: TrafficDirection, _ h: PacketHeaders, within: Bool) -> Bool {
        if within { return true }
        let remote = dir == .ingress ? h.tuple.source : h.tuple.destination
        let key = ruleKey(proto: h.tuple.proto, destinationPort: h.tuple.destinationPort,
                          icmpType: h.icmpType, icmpCode: h.icmpCode)
        return ports[port].networkACL._withUnsafeGuaranteedRef {
            $0.evaluate(direction: dir, family: h.tuple.family, proto: h.tuple.proto, remote: remote, key: key).allowed
        }
    }

    /// Reason an SG verdict drops a packet.
    @inline(__always)
    static func dropReason(_ a: SecurityGroupAction) -> DropReason {
        switch a {
        case .rejectAllowanceExceeded: return .conntrackAllowanceExceeded
        case .rejectTableFull: return .conntrackTableFull
        default: return .securityGroup
        }
    }

    /// Inbound checks of a local destination: NACL inbound of its subnet (unless the ENI
    /// that sent the packet is `within` that subnet), then SG ingress. Counts and flow-logs
    /// the outcome; returns the drop reason or nil.
    @inline(__always)
    func admit(_ dst: Int, _ h: PacketHeaders, _ size: WireSize, within: Bool, now: UInt32) -> DropReason? {
        if !networkACLAllows(dst, .ingress, h, within: within) {
            recordFlow(dst, .ingress, h, .untracked, size, .reject, now: now)
            counters.drop(dst, .networkACLInbound)
            return .networkACLInbound
        }
        let sg = securityGroup(dst, .ingress, h, now: now)
        if !sg.action.isAccepted {
            recordFlow(dst, .ingress, h, .untracked, size, .reject, now: now)
            let r = Pipeline.dropReason(sg.action)
            counters.drop(dst, r)
            return r
        }
        recordFlow(dst, .ingress, h, sg.connection, size, .accept, now: now)
        counters.countIn(dst, size)
        return nil
    }

    /// Records a mapping miss once per retry interval; returns whether to query now.
    func recordMiss(vni: UInt32, _ family: IPFamily, _ key: AddressKey, now: UInt32) -> Bool {
        let a: IPAddress = family == .v4 ? .v4(IPv4Address(value: UInt32(truncatingIfNeeded: key.low)))
                                         : .v6(IPv6Address(high: key.high, low: key.low))
        return mappings.pendingMisses.shouldRequest(vni: vni, a, now: now)
    }
}
