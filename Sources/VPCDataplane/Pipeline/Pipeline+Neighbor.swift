import VPCWire

/// ARP and Neighbor Discovery are answered by the VPC, never flooded (AWS: "the VPC
/// answers ARP", so poisoning does not work): the subnet router's address gets the router
/// MAC, other VPC addresses the MAC from the mapping cache (else the router MAC).
extension Pipeline {
    /// The MAC the VPC claims for `target`, as seen from `port`.
    func neighborMAC(_ port: Int, _ family: IPFamily, _ target: AddressKey) -> MACAddress {
        knownNeighborMAC(port, family, target) ?? routerMAC
    }

    /// The MAC of an address known to be in use: the subnet router's, or a mapped VPC address's.
    func knownNeighborMAC(_ port: Int, _ family: IPFamily, _ target: AddressKey) -> MACAddress? {
        let s = ports + port
        if family == .v4 && target.low == UInt64(s.pointee.gateway) { return routerMAC }
        let local = s.pointee.routeTable._withUnsafeGuaranteedRef { rt in
            let i = rt.longestPrefixMatchIndex(family: family, target)
            return i >= 0 && rt.routes[i].target == .local
        }
        if local, let e = mappings.lookup(vni: s.pointee.vni, family: family, target) { return e.mac }
        return nil
    }

    /// ARP (RFC 826) from the instance: the sender must be the ENI (its MAC; its address too
    /// unless its source/destination check is off); requests are answered.
    func arp(_ port: Int, _ b: UnsafeRawBufferPointer, out: UnsafeMutableRawBufferPointer) -> PipelineAction {
        guard b.count >= 42, b._u16(14) == 1, b._u16(16) == 0x0800, b[18] == 6, b[19] == 4 else {
            return drop(port, .malformed)
        }
        let s = ports + port
        let senderMAC = b.mac(22), senderIP = b._u32(28), targetIP = b._u32(38)
        if senderMAC != s.pointee.mac { return drop(port, .arpSpoofed) }
        // 0.0.0.0 is an RFC 5227 probe. With source/destination check off the instance may
        // ask from any address (a router asks from the source of what it forwards); only it
        // hears the answer, and nothing it sends is passed on.
        if senderIP != 0 && s.pointee.sourceDestCheck && !owns(port, .v4, AddressKey(high: 0, low: UInt64(senderIP))) {
            return drop(port, .arpSpoofed)
        }
        switch b._u16(20) {
        case 1:
            // Gratuitous ARP or a probe for its own address, or no unicast address to ask
            // about: nothing to answer.
            let target = AddressKey(high: 0, low: UInt64(targetIP))
            if targetIP == senderIP || owns(port, .v4, target) || targetIP == 0 || targetIP >= 0xE000_0000 {
                return .absorbed
            }
            // A probe (RFC 5227) asks whether the address is taken: only one in use is.
            let known = knownNeighborMAC(port, .v4, target)
            if senderIP == 0 && known == nil { return .absorbed }
            guard out.count >= 42 else { return drop(port, .frameTooLarge) }
            let mac = known ?? routerMAC
            let eth = EthernetRepr(source: mac, destination: s.pointee.mac, etherType: .arp)
            let reply = ARPRepr(operation: .reply, senderHardwareAddress: mac, senderProtocolAddress: IPv4Address(value: targetIP),
                                targetHardwareAddress: s.pointee.mac, targetProtocolAddress: IPv4Address(value: senderIP))
            guard let n = try? eth.emit(into: out),
                  let m = try? reply.emit(into: UnsafeMutableRawBufferPointer(rebasing: out[n...]))
            else { return drop(port, .frameTooLarge) }
            return .replyToInstance(length: n + m)
        case 2:
            return .absorbed  // the VPC never asks, so replies go nowhere
        default:
            return drop(port, .malformed)
        }
    }

    /// Neighbor Discovery (RFC 4861) from the instance: solicitations for other addresses
    /// are answered with an advertisement; advertisements must be for the ENI's own
    /// addresses; router advertisements and redirects are dropped.
    func neighborDiscovery(_ port: Int, _ ip: UnsafeRawBufferPointer, _ h: PacketHeaders,
                           out: UnsafeMutableRawBufferPointer) -> PipelineAction {
        let s = ports + port
        let l4 = h.transportOffset
        let end = 40 + Int(ip._u16(4))
        // RFC 4861 §7.1: hop limit 255, code 0, no extension headers in front.
        guard h.hopLimit == 255, h.icmpCode == 0, l4 == 40 else { return drop(port, .malformed) }
        let src = h.tuple.source
        let srcLinkLocal = src.high >> 54 == 0x3FA
        let srcUnspecified = src == .zero
        // A solicitation may come from any address with the check off, as ARP may.
        let anySource = h.icmpType == 135 && !s.pointee.sourceDestCheck
        if !srcLinkLocal && !srcUnspecified && !anySource && !owns(port, .v6, src) { return drop(port, .ndpSpoofed) }
        switch h.icmpType {
        case 135, 136:
            guard end - l4 >= 24 else { return drop(port, .malformed) }
            let options = NDPOptions(bytes: UnsafeRawBufferPointer(rebasing: ip[(l4 + 24) ..< end]))
            guard (try? options.validate()) != nil else { return drop(port, .malformed) }
            let target = AddressKey(high: ip._u64(l4 + 8), low: ip._u64(l4 + 16))
            let optionType: NDPOptionType = h.icmpType == 135 ? .sourceLinkLayerAddress : .targetLinkLayerAddress
            if let lla = options.linkLayerAddress(optionType), lla != s.pointee.mac { return drop(port, .ndpSpoofed) }
            let targetLinkLocal = target.high >> 54 == 0x3FA
            let ownTarget = owns(port, .v6, target) || (targetLinkLocal && target == src)
            if h.icmpType == 136 { return ownTarget || (targetLinkLocal && srcLinkLocal) ? .absorbed : drop(port, .ndpSpoofed) }
            if ownTarget || srcUnspecified { return .absorbed }  // DAD, or asking about itself
            return neighborAdvertisement(port, target: target, to: src, out: out)
        case 133:
            // No router advertisements are sent: an instance's IPv6 default route (via
            // fe80::1) and addresses come from its boot script, as instance metadata would give them.
            return .absorbed
        default:
            return drop(port, .ndpSpoofed)  // RA (134) or redirect (137) from an instance
        }
    }

    /// Builds the solicited NA for `target` to the instance (RFC 4861 §7.2.4).
    func neighborAdvertisement(_ port: Int, target: AddressKey, to requester: AddressKey,
                               out: UnsafeMutableRawBufferPointer) -> PipelineAction {
        let s = ports + port
        let isRouter = target.high >> 54 == 0x3FA
        let mac = isRouter ? routerMAC : neighborMAC(port, .v6, target)
        let targetAddress = IPv6Address(high: target.high, low: target.low)
        let requesterAddress = IPv6Address(high: requester.high, low: requester.low)
        var flags: NeighborAdvertFlags = [.solicited, .override]
        if mac == routerMAC { flags.insert(.router) }
        let na = ICMPv6Repr.ndp(.neighborAdvertisement(flags: flags, target: targetAddress, targetLinkLayerAddress: mac))
        let eth = EthernetRepr(source: mac, destination: s.pointee.mac, etherType: .ipv6)
        let ip6 = IPv6Repr(source: targetAddress, destination: requesterAddress, nextHeader: .icmpv6,
                           payloadLength: na.headerLength, hopLimit: 255)
        guard out.count >= 14 + 40 + na.headerLength,
              let n = try? eth.emit(into: out),
              let m = try? ip6.emit(into: UnsafeMutableRawBufferPointer(rebasing: out[n...])),
              let k = try? na.emit(into: UnsafeMutableRawBufferPointer(rebasing: out[(n + m)...]),
                                   source: targetAddress, destination: requesterAddress)
        else { return drop(port, .frameTooLarge) }
        return .replyToInstance(length: n + m + k)
    }
}
