import VPCWire

extension UnsafeRawBufferPointer {
    @inline(__always)
    func mac(_ o: Int) -> MACAddress { MACAddress(value: UInt64(_u16(o)) << 32 | UInt64(_u32(o + 2))) }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func put16(_ o: Int, _ v: UInt16) { storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt16.self) }
    @inline(__always)
    func put32(_ o: Int, _ v: UInt32) { storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt32.self) }
    @inline(__always)
    func put64(_ o: Int, _ v: UInt64) { storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt64.self) }
    @inline(__always)
    func putMAC(_ o: Int, _ m: MACAddress) {
        put16(o, UInt16(truncatingIfNeeded: m.value >> 32))
        put32(o + 2, UInt32(truncatingIfNeeded: m.value))
    }
}

/// What the policy stages need from one IP packet: its 5-tuple, TCP flags, ICMP type and
/// code, and for ICMP errors the tuple of the quoted packet. Parsed straight from the
/// bytes with every read bounds-checked against the packet; never allocates.

struct PacketHeaders {
    var tuple: FlowTuple
    var tcpFlags: UInt8 = 0
    var icmpType: UInt8 = 0
    var icmpCode: UInt8 = 0
    /// ICMP destination unreachable / time exceeded / parameter problem / packet too big.
    var isICMPError = false
    var quoted: FlowTuple
    /// Offset of the transport header from the start of the IP header.
    var transportOffset = 0
    /// IPv6 hop limit (Neighbor Discovery requires 255).
    var hopLimit: UInt8 = 0

    @inline(__always)
    init() {
        tuple = FlowTuple(family: .v4, proto: 0, source: .zero, destination: .zero)
        quoted = tuple
    }

    /// Parses an IPv4 packet at the start of `ip`; returns why it is unusable, or nil.
    mutating func parseIPv4(_ ip: UnsafeRawBufferPointer) -> DropReason? {
        guard ip.count >= 20 else { return .malformed }
        let vi = ip[0]
        let hl = Int(vi & 0x0F) &* 4
        let total = Int(ip._u16(2))
        guard vi >> 4 == 4, hl >= 20, total >= hl, ip.count >= total else { return .malformed }
        if ip._u16(6) & 0x1FFF != 0 { return .fragment }
        let proto = ip[9]
        tuple = FlowTuple(family: .v4, proto: proto, source: AddressKey(high: 0, low: UInt64(ip._u32(12))),
                          destination: AddressKey(high: 0, low: UInt64(ip._u32(16))))
        transportOffset = hl
        return parseTransport(ip, hl, total, icmpProto: IPProtocolNumber.icmp)
    }

    /// Parses an IPv6 packet (walking extension headers) at the start of `ip`.
    mutating func parseIPv6(_ ip: UnsafeRawBufferPointer) -> DropReason? {
        guard ip.count >= 40, ip[0] >> 4 == 6 else { return .malformed }
        let end = 40 &+ Int(ip._u16(4))
        guard ip.count >= end else { return .malformed }
        var proto = ip[6]
        var l4 = 40
        if proto != IPProtocolNumber.tcp && proto != IPProtocolNumber.udp && proto != IPProtocolNumber.icmpv6 {
            guard let upper = try? IPv6UpperLayer(walking: UnsafeRawBufferPointer(rebasing: ip[40 ..< end]),
                                                  first: IPProtocol(rawValue: proto))
            else { return .malformed }
            if upper.isNonFirstFragment { return .fragment }
            proto = upper.protocol.rawValue
            l4 = 40 &+ upper.offset
        }
        hopLimit = ip[7]
        tuple = FlowTuple(family: .v6, proto: proto, source: AddressKey(high: ip._u64(8), low: ip._u64(16)),
                          destination: AddressKey(high: ip._u64(24), low: ip._u64(32)))
        transportOffset = l4
        return parseTransport(ip, l4, end, icmpProto: IPProtocolNumber.icmpv6)
    }

    @inline(__always)
    mutating func parseTransport(_ ip: UnsafeRawBufferPointer, _ l4: Int, _ end: Int, icmpProto: UInt8) -> DropReason? {
        let n = end &- l4
        switch tuple.proto {
        case IPProtocolNumber.tcp:
            guard n >= 20 else { return .malformed }
            tuple.sourcePort = ip._u16(l4)
            tuple.destinationPort = ip._u16(l4 &+ 2)
            tcpFlags = ip[l4 &+ 13]
        case IPProtocolNumber.udp:
            guard n >= 8 else { return .malformed }
            tuple.sourcePort = ip._u16(l4)
            tuple.destinationPort = ip._u16(l4 &+ 2)
        case icmpProto:
            guard n >= 8 else { return .malformed }
            icmpType = ip[l4]
            icmpCode = ip[l4 &+ 1]
            let v4 = icmpProto == IPProtocolNumber.icmp
            if let request = Self.echoIsRequest(type: icmpType, v4: v4) {
                (tuple.sourcePort, tuple.destinationPort) = FlowTuple.echoPorts(identifier: ip._u16(l4 &+ 4), request: request)
            } else if v4 ? (icmpType == 3 || icmpType == 4 || icmpType == 5 || icmpType == 11 || icmpType == 12)
                         : (icmpType >= 1 && icmpType <= 4) {
                isICMPError = true
                return parseQuoted(ip, l4 &+ 8, end, v4: v4)
            }
        default:
            break
        }
        return nil
    }

    /// The header an ICMP error quotes (RFC 792, RFC 4443 §3): its addresses and ports.
    mutating func parseQuoted(_ ip: UnsafeRawBufferPointer, _ q: Int, _ end: Int, v4: Bool) -> DropReason? {
        let proto: UInt8
        let l4: Int
        if v4 {
            guard end &- q >= 20 else { return .malformed }
            let hl = Int(ip[q] & 0x0F) &* 4
            guard ip[q] >> 4 == 4, hl >= 20, end &- q >= hl &+ 8 else { return .malformed }
            proto = ip[q &+ 9]
            quoted = FlowTuple(family: .v4, proto: proto, source: AddressKey(high: 0, low: UInt64(ip._u32(q &+ 12))),
                               destination: AddressKey(high: 0, low: UInt64(ip._u32(q &+ 16))))
            l4 = q &+ hl
        } else {
            guard end &- q >= 48, ip[q] >> 4 == 6 else { return .malformed }
            proto = ip[q &+ 6]
            quoted = FlowTuple(family: .v6, proto: proto, source: AddressKey(high: ip._u64(q &+ 8), low: ip._u64(q &+ 16)),
                               destination: AddressKey(high: ip._u64(q &+ 24), low: ip._u64(q &+ 32)))
            l4 = q &+ 40
        }
        switch proto {
        case IPProtocolNumber.tcp, IPProtocolNumber.udp:
            quoted.sourcePort = ip._u16(l4)
            quoted.destinationPort = ip._u16(l4 &+ 2)
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6:
            if let request = Self.echoIsRequest(type: ip[l4], v4: proto == IPProtocolNumber.icmp) {
                (quoted.sourcePort, quoted.destinationPort) = FlowTuple.echoPorts(identifier: ip._u16(l4 &+ 4), request: request)
            }
        default:
            break
        }
        return nil
    }

    /// Whether an ICMP type is an echo request (true), an echo reply (false) or neither (nil).
    @inline(__always)
    static func echoIsRequest(type: UInt8, v4: Bool) -> Bool? {
        switch (v4, type) {
        case (true, 8), (false, 128): true
        case (true, 0), (false, 129): false
        default: nil
        }
    }
}
