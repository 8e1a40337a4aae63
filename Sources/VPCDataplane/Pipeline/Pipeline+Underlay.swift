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
        // host the packet came from. Whether that ENI is in the destination's subnet decides
        // whether its network ACL applies: the source tells when it is the sender's own, the
        // forwarder's address when it is not.
        let within: Bool
        let sender = mappings.lookup(vni: vni, family: family, h.tuple.source)
        if sender.map({ Pipeline.isOn(outerSource, $0) && $0.eni == option.source }) ?? false {
            within = ports[dst].inSubnet(family, h.tuple.source)
        } else if let f = forwarder(eni: option.source, vni: vni, on: outerSource) {
            within = f.ipv4 != 0 && ports[dst].inSubnet(.v4, AddressKey(high: 0, low: UInt64(f.ipv4)))
        } else if sender == nil {
            counters.drop(dst, .unverifiedSource)
            return .mappingMiss(query: recordMiss(vni: vni, family, h.tuple.source, now: now))
        } else {
            counters.dropGlobal(.forgedEncapsulation)
            return drop(dst, .forgedEncapsulation)
        }
        if let r = admit(dst, h, .frame(frame.count), within: within, now: now) { return .drop(r) }
        return .deliver(port: dst, offset: offset, length: frame.count)
    }

    /// ENI `eni` of VPC `vni` if it has source/destination check off (it may send any
    /// source) and is on `host`.
    func forwarder(eni: UInt64, vni: UInt32, on host: IPv4Address) -> InterfaceDirectory.Location? {
        guard let l = interfaces.location(of: eni, vni: vni), !l.sourceDestCheck, Pipeline.isOn(host, l.entry) else { return nil }
        return l
    }

    /// Whether `entry` places its ENI on the host at `host`.
    @inline(__always)
    static func isOn(_ host: IPv4Address, _ entry: MappingEntry) -> Bool {
        if case .v4(let a) = entry.underlay { return a == host }
        return false
    }
}
