/// The ICMP messages a VPC answers or generates (RFC 792, RFC 1191 for frag-needed).
public enum ICMPv4Repr: Hashable, Sendable {
    case echoRequest(identifier: UInt16, sequence: UInt16)
    case echoReply(identifier: UInt16, sequence: UInt16)
    /// Type 3; `nextHopMTU` is meaningful for code 4, "fragmentation needed" (RFC 1191 §4).
    case destinationUnreachable(code: UInt8, nextHopMTU: UInt16)
    /// Type 11.
    case timeExceeded(code: UInt8)
    /// Anything else, kept as type, code and the second header word.
    case other(type: UInt8, code: UInt8, rest: UInt32)

    /// Parses and (by default) verifies the checksum over the whole message.
    @inlinable
    public init(_ p: ICMPv4Packet, verifyChecksum: Bool = true) throws(WireError) {
        if verifyChecksum, !p.verifyChecksum() { throw WireError(.badChecksum, .icmpv4) }
        switch (p.type, p.code) {
        case (8, 0): self = .echoRequest(identifier: p.echoIdentifier, sequence: p.echoSequence)
        case (0, 0): self = .echoReply(identifier: p.echoIdentifier, sequence: p.echoSequence)
        case (3, let c): self = .destinationUnreachable(code: c, nextHopMTU: UInt16(truncatingIfNeeded: p.restOfHeader))
        case (11, let c): self = .timeExceeded(code: c)
        case (let t, let c): self = .other(type: t, code: c, rest: p.restOfHeader)
        }
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, verifyChecksum: Bool = true) throws(WireError) -> ICMPv4Repr {
        try ICMPv4Repr(try ICMPv4Packet(checking: bytes), verifyChecksum: verifyChecksum)
    }

    @inlinable var header: (type: UInt8, code: UInt8, rest: UInt32) {
        switch self {
        case .echoRequest(let i, let s): (8, 0, UInt32(i) << 16 | UInt32(s))
        case .echoReply(let i, let s): (0, 0, UInt32(i) << 16 | UInt32(s))
        case .destinationUnreachable(let c, let mtu): (3, c, UInt32(mtu))
        case .timeExceeded(let c): (11, c, 0)
        case .other(let t, let c, let r): (t, c, r)
        }
    }

    /// Writes header + `payload` (echo data, or the offending IP header + 8 bytes for errors)
    /// with a valid checksum; returns the total length.
    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer, payload: UnsafeRawBufferPointer) throws(WireError) -> Int {
        let total = 8 + payload.count
        guard b.count >= total else { throw WireError(.truncated, .icmpv4) }
        let h = header
        b._set8(0, h.type)
        b._set8(1, h.code)
        b._set16(2, 0)
        b._set32(4, h.rest)
        b._copy(payload, to: 8)
        ICMPv4Packet(unchecked: b._readOnly._slice(0, total)).fillChecksum()
        return total
    }
}
