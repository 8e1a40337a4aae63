public import VPCWire

extension Pipeline {
    /// A Geneve packet (the UDP payload) another host sent from `outerSource`.
    ///
    /// Trusts nothing the mapping service does not confirm (design.md "Encapsulation"):
    /// the Geneve header must be valid (version 0, protocol 0x6558, not OAM, no unknown
    /// critical option) and carry our ENI option; the destination ENI must be local and in
    /// the packet's VNI and own the inner destination; the mapping of (VNI, inner source)
    /// must name exactly `outerSource` and the option's source ENI, or the option's source
    /// ENI must have source/destination check off and be on `outerSource` — else
    /// `forgedEncapsulation`. Then NACL inbound and SG ingress of the destination, and
    /// `.deliver` of the inner frame (at `offset` in `packet`). `out` is unused for now.
    public func processFromUnderlay(_ packet: UnsafeRawBufferPointer, outerSource: IPv4Address, now: UInt32,
                                    out: UnsafeMutableRawBufferPointer) -> PipelineAction {
        guard let g = try? GenevePacket(checking: packet) else { return dropGlobal(.malformedEncapsulation) }
        guard g.protocolType == .transparentEthernetBridging, !g.isOAM, !g.hasUnknownCriticalOption else {
            return dropGlobal(.malformedEncapsulation)
        }
        guard let option = g.eniOption else { return dropGlobal(.forgedEncapsulation) }
        let vni = g.vni
        let dst = portIndex(eni: option.destination)
        if dst < 0 { return dropGlobal(hasPort(vni: vni) ? .unknownDestination : .unknownVNI) }
        if ports[dst].vni != vni {
            if !hasPort(vni: vni) { return dropGlobal(.unknownVNI) }
            counters.dropGlobal(.forgedEncapsulation)
            return drop(dst, .forgedEncapsulation)
        }
        let offset = g.headerLength
        let frame = UnsafeRawBufferPointer(rebasing: packet[offset...])
        guard frame.count >= 14 else { return drop(dst, .malformed) }
        var h = PacketHeaders()
        let ip = UnsafeRawBufferPointer(rebasing: frame[14...])
        switch frame._u16(12) {
        case 0x0800:
            if let r = h.parseIPv4(ip) { return drop(dst, r) }
        case 0x86DD:
            if let r = h.parseIPv6(ip) { return drop(dst, r) }
        case 0x8100, 0x88A8:
            return drop(dst, .vlanTagged)
        default:
            return drop(dst, .unsupportedEtherType)
        }
        let family = h.tuple.family
        if ports[dst].sourceDestCheck && !owns(dst, family, h.tuple.destination) {
            counters.dropGlobal(.forgedEncapsulation)
            return drop(dst, .forgedEncapsulation)
        }
        // Anti-spoofing across hosts: the sender must be where the mapping service says, or
        // be an ENI with source/destination check off (which may forward any source) on the
        // host the packet came from.
        let sender = mappings.lookup(vni: vni, family: family, h.tuple.source)
        let confirmed = sender.map { Pipeline.isOn(outerSource, $0) && $0.eni == option.source } ?? false
        if !confirmed && !forwardsAnySource(eni: option.source, vni: vni, on: outerSource) {
            if sender == nil {
                counters.drop(dst, .unverifiedSource)
                return .mappingMiss(query: recordMiss(vni: vni, family, h.tuple.source, now: now))
            }
            counters.dropGlobal(.forgedEncapsulation)
            return drop(dst, .forgedEncapsulation)
        }
        if let r = admit(dst, h, .frame(frame.count), now: now) { return .drop(r) }
        return .deliver(port: dst, offset: offset, length: frame.count)
    }

    /// Whether ENI `eni` of VPC `vni` has source/destination check off and is on `host`.
    func forwardsAnySource(eni: UInt64, vni: UInt32, on host: IPv4Address) -> Bool {
        guard let l = interfaces.location(of: eni, vni: vni) else { return false }
        return !l.sourceDestCheck && Pipeline.isOn(host, l.entry)
    }

    /// Whether `entry` places its ENI on the host at `host`.
    @inline(__always)
    static func isOn(_ host: IPv4Address, _ entry: MappingEntry) -> Bool {
        if case .v4(let a) = entry.underlay { return a == host }
        return false
    }
}
