/// The ICMPv6 messages a VPC answers or generates: echo, errors, and
/// Neighbor Discovery (RFC 4443, RFC 4861). Values; emission is not hot.
public enum ICMPv6Repr: Hashable, Sendable {
    case echoRequest(identifier: UInt16, sequence: UInt16)
    case echoReply(identifier: UInt16, sequence: UInt16)
    case destinationUnreachable(code: UInt8)
    /// RFC 4443 §3.2.
    case packetTooBig(mtu: UInt32)
    case timeExceeded(code: UInt8)
    case ndp(NDPRepr)
    case other(type: UInt8, code: UInt8)

    /// Parses a checked message; verifies the checksum against the given addresses
    /// unless `verifyChecksum` is false. ND messages with hop limit ≠ 255 must be
    /// dropped by the caller (RFC 4861 §6.1.1), which holds the IPv6 header.
    @inlinable
    public init(_ p: ICMPv6Packet, source: IPv6Address, destination: IPv6Address, verifyChecksum: Bool = true) throws(WireError) {
        if verifyChecksum, !p.verifyChecksum(source: source, destination: destination) {
            throw WireError(.badChecksum, .icmpv6)
        }
        switch p.type {
        case .echoRequest: self = .echoRequest(identifier: p.echoIdentifier, sequence: p.echoSequence)
        case .echoReply: self = .echoReply(identifier: p.echoIdentifier, sequence: p.echoSequence)
        case .destinationUnreachable: self = .destinationUnreachable(code: p.code)
        case .packetTooBig: self = .packetTooBig(mtu: p.mtu)
        case .timeExceeded: self = .timeExceeded(code: p.code)
        case .routerSolicitation, .routerAdvertisement, .neighborSolicitation, .neighborAdvertisement:
            self = .ndp(try NDPRepr(p))
        default: self = .other(type: p.type.rawValue, code: p.code)
        }
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address,
                             verifyChecksum: Bool = true) throws(WireError) -> ICMPv6Repr {
        try ICMPv6Repr(try ICMPv6Packet(checking: bytes), source: source, destination: destination, verifyChecksum: verifyChecksum)
    }

    /// Bytes `emit` writes, excluding the payload.
    public var headerLength: Int {
        switch self {
        case .ndp(let n): n.length
        default: 8
        }
    }

    /// Writes the message (plus `payload` after the 8-byte header for echo and errors)
    /// with its checksum over the pseudo-header; returns the total length.
    public func emit(into b: UnsafeMutableRawBufferPointer, source: IPv6Address, destination: IPv6Address,
                     payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(WireError) -> Int {
        let total: Int
        switch self {
        case .ndp(let n):
            total = try n.emit(into: b)
        default:
            total = 8 + payload.count
            guard b.count >= total else { throw WireError(.truncated, .icmpv6) }
            let (t, c, rest): (UInt8, UInt8, UInt32) = switch self {
            case .echoRequest(let i, let s): (128, 0, UInt32(i) << 16 | UInt32(s))
            case .echoReply(let i, let s): (129, 0, UInt32(i) << 16 | UInt32(s))
            case .destinationUnreachable(let c): (1, c, 0)
            case .packetTooBig(let mtu): (2, 0, mtu)
            case .timeExceeded(let c): (3, c, 0)
            case .other(let t, let c): (t, c, 0)
            case .ndp: (0, 0, 0)
            }
            b._set8(0, t)
            b._set8(1, c)
            b._set32(4, rest)
            b._copy(payload, to: 8)
        }
        b._set16(2, 0)
        ICMPv6Packet(unchecked: b._readOnly._slice(0, total)).fillChecksum(source: source, destination: destination)
        return total
    }
}

/// Neighbor Discovery messages (RFC 4861 §4.1–4.4) with the options we use.
public enum NDPRepr: Hashable, Sendable {
    case routerSolicitation(sourceLinkLayerAddress: MACAddress?)
    case routerAdvertisement(RouterAdvertisement)
    case neighborSolicitation(target: IPv6Address, sourceLinkLayerAddress: MACAddress?)
    case neighborAdvertisement(flags: NeighborAdvertFlags, target: IPv6Address, targetLinkLayerAddress: MACAddress?)

    /// RA fields and options (RFC 4861 §4.2).
    public struct RouterAdvertisement: Hashable, Sendable {
        public var curHopLimit: UInt8
        /// M (0x80) and O (0x40) flags.
        public var flags: UInt8
        public var routerLifetime: UInt16
        public var reachableTime: UInt32
        public var retransTimer: UInt32
        public var sourceLinkLayerAddress: MACAddress?
        public var mtu: UInt32?
        public var prefixes: [NDPPrefixInformation]

        public init(curHopLimit: UInt8 = 64, flags: UInt8 = 0, routerLifetime: UInt16 = 1800,
                    reachableTime: UInt32 = 0, retransTimer: UInt32 = 0, sourceLinkLayerAddress: MACAddress? = nil,
                    mtu: UInt32? = nil, prefixes: [NDPPrefixInformation] = []) {
            self.curHopLimit = curHopLimit
            self.flags = flags
            self.routerLifetime = routerLifetime
            self.reachableTime = reachableTime
            self.retransTimer = retransTimer
            self.sourceLinkLayerAddress = sourceLinkLayerAddress
            self.mtu = mtu
            self.prefixes = prefixes
        }
    }

    /// Parses an ND message; options are validated (zero length → `.malformed`), code must be 0.
    @inlinable
    public init(_ p: ICMPv6Packet) throws(WireError) {
        guard p.code == 0 else { throw WireError(.malformed, .ndp) }
        let opts = p.ndpOptions
        try opts.validate()
        switch p.type {
        case .routerSolicitation:
            self = .routerSolicitation(sourceLinkLayerAddress: opts.linkLayerAddress(.sourceLinkLayerAddress))
        case .routerAdvertisement:
            var ra = RouterAdvertisement(curHopLimit: p.curHopLimit, flags: p.routerAdvertFlags,
                                         routerLifetime: p.routerLifetime, reachableTime: p.reachableTime,
                                         retransTimer: p.retransTimer,
                                         sourceLinkLayerAddress: opts.linkLayerAddress(.sourceLinkLayerAddress),
                                         mtu: opts.mtu)
            for o in opts where o.type == .prefixInformation {
                guard let pi = o.prefixInformation else { throw WireError(.malformed, .ndp) }
                ra.prefixes.append(pi)
            }
            self = .routerAdvertisement(ra)
        case .neighborSolicitation:
            self = .neighborSolicitation(target: p.targetAddress,
                                         sourceLinkLayerAddress: opts.linkLayerAddress(.sourceLinkLayerAddress))
        case .neighborAdvertisement:
            self = .neighborAdvertisement(flags: p.neighborAdvertFlags, target: p.targetAddress,
                                          targetLinkLayerAddress: opts.linkLayerAddress(.targetLinkLayerAddress))
        default:
            throw WireError(.unsupported, .ndp)
        }
    }

    /// Total message length.
    public var length: Int {
        switch self {
        case .routerSolicitation(let sll): 8 + (sll == nil ? 0 : 8)
        case .routerAdvertisement(let ra):
            16 + (ra.sourceLinkLayerAddress == nil ? 0 : 8) + (ra.mtu == nil ? 0 : 8) + 32 * ra.prefixes.count
        case .neighborSolicitation(_, let sll): 24 + (sll == nil ? 0 : 8)
        case .neighborAdvertisement(_, _, let tll): 24 + (tll == nil ? 0 : 8)
        }
    }

    /// Writes the message with a zero checksum (ICMPv6Repr.emit fills it); returns its length.
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let n = length
        guard b.count >= n else { throw WireError(.truncated, .ndp) }
        b._zero(0, n)
        func lla(_ at: Int, _ type: NDPOptionType, _ mac: MACAddress) {
            b._set8(at, type.rawValue)
            b._set8(at + 1, 1)
            b._setMAC(at + 2, mac)
        }
        switch self {
        case .routerSolicitation(let sll):
            b._set8(0, ICMPv6Type.routerSolicitation.rawValue)
            if let sll { lla(8, .sourceLinkLayerAddress, sll) }
        case .routerAdvertisement(let ra):
            b._set8(0, ICMPv6Type.routerAdvertisement.rawValue)
            b._set8(4, ra.curHopLimit)
            b._set8(5, ra.flags)
            b._set16(6, ra.routerLifetime)
            b._set32(8, ra.reachableTime)
            b._set32(12, ra.retransTimer)
            var i = 16
            if let sll = ra.sourceLinkLayerAddress { lla(i, .sourceLinkLayerAddress, sll); i += 8 }
            if let mtu = ra.mtu {
                b._set8(i, NDPOptionType.mtu.rawValue)
                b._set8(i + 1, 1)
                b._set32(i + 4, mtu)
                i += 8
            }
            for p in ra.prefixes {
                b._set8(i, NDPOptionType.prefixInformation.rawValue)
                b._set8(i + 1, 4)
                b._set8(i + 2, p.prefixLength)
                b._set8(i + 3, (p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0))
                b._set32(i + 4, p.validLifetime)
                b._set32(i + 8, p.preferredLifetime)
                b._setIPv6(i + 16, p.prefix)
                i += 32
            }
        case .neighborSolicitation(let target, let sll):
            b._set8(0, ICMPv6Type.neighborSolicitation.rawValue)
            b._setIPv6(8, target)
            if let sll { lla(24, .sourceLinkLayerAddress, sll) }
        case .neighborAdvertisement(let flags, let target, let tll):
            b._set8(0, ICMPv6Type.neighborAdvertisement.rawValue)
            b._set8(4, flags.rawValue)
            b._setIPv6(8, target)
            if let tll { lla(24, .targetLinkLayerAddress, tll) }
        }
        return n
    }
}
