import VPCWire

extension Pipeline {
    /// A frame the instance on `port` wrote to its TAP (`frame[0..<length]`).
    ///
    /// Order (design.md "Data flow of one packet"): Ethernet (tagged frames dropped),
    /// source check (MAC always; IP unless source/destination check is off), ARP and NDP
    /// answered locally, DHCP and DNS handed off unfiltered, then SG egress (conntrack),
    /// NACL outbound, route lookup and, for VPC-local targets, the mapping: same host →
    /// the destination's NACL inbound and SG ingress, then `.deliver`; other host →
    /// Geneve in `out`, `.sendToHost`. The frame's MAC addresses may be rewritten in place.
    /// `wire` is what the frame stands for on the wire when it is a TCP super-frame (the
    /// caller checked its segmentation metadata); counters and flow logs count that.
    public func processFromInstance(_ frame: UnsafeMutableRawBufferPointer, length: Int, port: Int, now: UInt32,
                                    out: UnsafeMutableRawBufferPointer, wire: WireSize? = nil) -> PipelineAction {
        let size = wire ?? .frame(length)
        guard port >= 0 && port < maxPorts && ports[port].active else { return dropGlobal(.unknownPort) }
        guard length >= 14 && length <= frame.count else { return drop(port, .malformed) }
        let b = UnsafeRawBufferPointer(start: frame.baseAddress, count: length)
        let s = ports + port
        if b.mac(6) != s.pointee.mac { return drop(port, .sourceMACSpoofed) }
        let ip = UnsafeRawBufferPointer(rebasing: b[14...])
        var h = PacketHeaders()
        switch b._u16(12) {
        case 0x0800:
            if let r = h.parseIPv4(ip) { return drop(port, r) }
            // DHCP for the VPC's server: broadcast, or unicast to the router (renewals). An
            // instance's own DHCP server elsewhere in the VPC is reached like any other port.
            if h.tuple.proto == IPProtocolNumber.udp && h.tuple.destinationPort == 67 {
                let to = UInt32(truncatingIfNeeded: h.tuple.destination.low)
                if to == 0xFFFF_FFFF || to == s.pointee.gateway {
                    counters.countOut(port, size)
                    return .handToDHCP
                }
            }
            if s.pointee.sourceDestCheck && !owns(port, .v4, h.tuple.source) { return drop(port, .sourceIPSpoofed) }
            let dst = UInt32(truncatingIfNeeded: h.tuple.destination.low)
            if h.tuple.destinationPort == 53 && (dst == s.pointee.dns || dst == ENIPort.linkLocalDNS.value)
                && (h.tuple.proto == IPProtocolNumber.udp || h.tuple.proto == IPProtocolNumber.tcp) {
                counters.countOut(port, size)
                return .handToDNS
            }
            if dst >= 0xE000_0000 { return drop(port, .broadcastOrMulticast) }
            if dst == s.pointee.gateway { return drop(port, .addressedToRouter) }
        case 0x86DD:
            if let r = h.parseIPv6(ip) { return drop(port, r) }
            if h.tuple.proto == IPProtocolNumber.icmpv6 && h.icmpType >= 133 && h.icmpType <= 137 {
                return neighborDiscovery(port, ip, h, out: out)
            }
            if h.tuple.proto == IPProtocolNumber.udp && h.tuple.destinationPort == 547 {
                counters.countOut(port, size)
                return .handToDHCP
            }
            if s.pointee.sourceDestCheck && !owns(port, .v6, h.tuple.source) { return drop(port, .sourceIPSpoofed) }
            if h.tuple.destinationPort == 53 && h.tuple.destination == AddressKey(ENIPort.linkLocalDNSv6)
                && (h.tuple.proto == IPProtocolNumber.udp || h.tuple.proto == IPProtocolNumber.tcp) {
                counters.countOut(port, size)
                return .handToDNS
            }
            if h.tuple.destination.high >> 56 == 0xFF { return drop(port, .broadcastOrMulticast) }
        case 0x0806:
            return arp(port, b, out: out)
        case 0x8100, 0x88A8:
            return drop(port, .vlanTagged)
        default:
            return drop(port, .unsupportedEtherType)
        }
        return forward(port, frame, length, size, h, now: now, out: out)
    }

    /// SG egress, NACL outbound, route, mapping; then local delivery or encapsulation.
    @inline(__always)
    func forward(_ port: Int, _ frame: UnsafeMutableRawBufferPointer, _ length: Int, _ size: WireSize, _ h: PacketHeaders,
                 now: UInt32, out: UnsafeMutableRawBufferPointer) -> PipelineAction {
        let s = ports + port
        let sg = securityGroup(port, .egress, h, now: now)
        if !sg.action.isAccepted {
            recordFlow(port, .egress, h, .untracked, size, .reject, now: now)
            return drop(port, Pipeline.dropReason(sg.action))
        }
        let family = h.tuple.family
        // Traffic within the subnet is neither filtered by its network ACL nor routed.
        let withinSubnet = s.pointee.inSubnet(family, h.tuple.destination)
        if !networkACLAllows(port, .egress, h, within: withinSubnet) {
            recordFlow(port, .egress, h, .untracked, size, .reject, now: now)
            return drop(port, .networkACLOutbound)
        }
        let target: RouteTarget? = withinSubnet ? .local : s.pointee.routeTable._withUnsafeGuaranteedRef { rt in
            let i = rt.longestPrefixMatchIndex(family: family, h.tuple.destination)
            return i < 0 ? nil : rt.routes.withUnsafeBufferPointer { $0[i].target }
        }
        guard let target else { return drop(port, .noRoute) }
        let vni = s.pointee.vni
        let entry: MappingEntry
        switch target {
        case .local:
            guard let e = mappings.lookup(vni: vni, family: family, h.tuple.destination) else {
                counters.drop(port, .mappingMiss)
                return .mappingMiss(query: recordMiss(vni: vni, family, h.tuple.destination, now: now))
            }
            entry = e
        case .networkInterface(let eni):
            // An ENI that is not placed (its instance stopped, or detached) is a blackhole, as
            // AWS shows such a route; one with the check on takes only its own addresses.
            guard let l = interfaces.location(of: eni, vni: vni) else { return drop(port, .blackhole) }
            if l.sourceDestCheck && mappings.lookup(vni: vni, family: family, h.tuple.destination)?.eni != eni {
                return drop(port, .destinationCheck)
            }
            entry = l.entry
        case .blackhole:
            return drop(port, .blackhole)
        default:
            recordFlow(port, .egress, h, sg.connection, size, .accept, now: now)
            counters.countOut(port, size)
            return .toGateway(target)
        }
        guard case .v4(let host) = entry.underlay else { return drop(port, .unsupportedUnderlay) }
        recordFlow(port, .egress, h, sg.connection, size, .accept, now: now)
        // Within a subnet (never routed) frames come from the sender; between subnets, or
        // through a route to an ENI, from the router.
        let sourceMAC = withinSubnet ? s.pointee.mac : routerMAC
        if host == underlay.address {
            let dst = portIndex(eni: entry.eni)
            if dst < 0 || ports[dst].vni != vni { return drop(port, .unknownDestination) }
            counters.countOut(port, size)
            // Subnets do not overlap: the same range is the same subnet.
            let sameSubnet = ports[dst].subnet4First == s.pointee.subnet4First && ports[dst].subnet4Last == s.pointee.subnet4Last
            if let r = admit(dst, h, size, within: sameSubnet, now: now) { return .drop(r) }
            frame.putMAC(0, ports[dst].mac)
            frame.putMAC(6, sourceMAC)
            return .deliver(port: dst, offset: 0, length: length)
        }
        let total = Pipeline.encapsulationOverhead &+ length
        guard out.count >= total else { return drop(port, .frameTooLarge) }
        counters.countOut(port, size)
        let inner = UnsafeMutableRawBufferPointer(rebasing: out[Pipeline.encapsulationOverhead ..< total])
        inner.copyMemory(from: UnsafeRawBufferPointer(start: frame.baseAddress, count: length))
        inner.putMAC(0, entry.mac)
        inner.putMAC(6, sourceMAC)
        writeEncapsulation(out, innerLength: length, to: host, vni: vni, source: s.pointee.eni, destination: entry.eni,
                           entropy: UInt16(truncatingIfNeeded: flowHash(h.tuple)))
        return .sendToHost(length: total)
    }

    /// Symmetric flow hash for the outer UDP source port (RFC 8926 §3.3: entropy for ECMP).
    @inline(__always)
    func flowHash(_ t: FlowTuple) -> UInt64 {
        let a = t.source.low ^ t.destination.low, b = t.source.high ^ t.destination.high
        return FastHash.mum(a ^ FastHash.k0, b ^ UInt64(t.sourcePort ^ t.destinationPort) << 8 ^ UInt64(t.proto) ^ FastHash.k1)
    }

    /// Outer Ethernet + IPv4 + UDP (6081, no checksum: RFC 8926 §3.3 allows zero over IPv4)
    /// + Geneve with the ENI option, in front of the inner frame already at `out[70...]`.
    @inline(__always)
    func writeEncapsulation(_ out: UnsafeMutableRawBufferPointer, innerLength: Int, to host: IPv4Address,
                            vni: UInt32, source: UInt64, destination: UInt64, entropy: UInt16) {
        out.putMAC(0, underlay.nextHopMAC)
        out.putMAC(6, underlay.mac)
        out.put16(12, EtherType.ipv4.rawValue)
        let ipLength = 20 &+ 8 &+ 28 &+ innerLength
        out.put32(14, 0x4500_0000 | UInt32(truncatingIfNeeded: ipLength) & 0xFFFF)
        out.put32(18, 0x0000_4000)  // id 0, DF
        let src = underlay.address.value
        // Header checksum (RFC 791) over the ten words, most of them constant.
        var sum = UInt32(0x4500) &+ UInt32(truncatingIfNeeded: ipLength) &+ 0x4000 &+ 0x4011
        sum &+= (src >> 16) &+ (src & 0xFFFF) &+ (host.value >> 16) &+ (host.value & 0xFFFF)
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        out.put32(22, 0x4011_0000 | (~sum & 0xFFFF))  // TTL 64, UDP, checksum
        out.put32(26, src)
        out.put32(30, host.value)
        out.put16(34, 0xC000 | (entropy & 0x3FFF))
        out.put16(36, GenevePacket.udpPort)
        out.put32(38, UInt32(truncatingIfNeeded: 8 &+ 28 &+ innerLength) << 16)  // length, checksum 0
        out.put32(42, 0x0500_0000 | UInt32(EtherType.transparentEthernetBridging.rawValue))  // opt len 5 words
        out.put32(46, vni << 8)
        out.put32(50, UInt32(VPCENIOption.optionClass) << 16 | UInt32(VPCENIOption.optionType) << 8
                      | UInt32(VPCENIOption.dataLength / 4))
        out.put64(54, source)
        out.put64(62, destination)
    }
}
