/// The fields of an IPv4 header that matter to a VPC (RFC 791). Options are not kept:
/// a parsed packet's options are visible on the view; emitted packets carry none.
public struct IPv4Repr: Hashable, Sendable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var `protocol`: IPProtocol
    public var payloadLength: Int
    public var ttl: UInt8
    public var dscp: UInt8
    public var ecn: UInt8
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// Fragment offset in bytes; a multiple of 8.
    public var fragmentOffset: Int

    @inlinable
    public init(source: IPv4Address, destination: IPv4Address, protocol: IPProtocol, payloadLength: Int,
                ttl: UInt8 = 64, dscp: UInt8 = 0, ecn: UInt8 = 0, identification: UInt16 = 0,
                dontFragment: Bool = true, moreFragments: Bool = false, fragmentOffset: Int = 0) {
        self.source = source
        self.destination = destination
        self.protocol = `protocol`
        self.payloadLength = payloadLength
        self.ttl = ttl
        self.dscp = dscp
        self.ecn = ecn
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
    }

    /// Reads a checked packet; verifies the checksum unless `verifyChecksum` is false.
    @inlinable
    public init(_ p: IPv4Packet, verifyChecksum: Bool = true) throws(WireError) {
        if verifyChecksum, !p.verifyChecksum() { throw WireError(.badChecksum, .ipv4) }
        self.init(source: p.source, destination: p.destination, protocol: p.protocol,
                  payloadLength: p.totalLength - p.headerLength, ttl: p.ttl, dscp: p.dscp, ecn: p.ecn,
                  identification: p.identification, dontFragment: p.dontFragment,
                  moreFragments: p.moreFragments, fragmentOffset: p.fragmentOffset)
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, verifyChecksum: Bool = true) throws(WireError) -> IPv4Repr {
        try IPv4Repr(try IPv4Packet(checking: bytes), verifyChecksum: verifyChecksum)
    }

    public static let headerLength = 20

    @inlinable public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// Writes a 20-byte header with a valid checksum; returns 20. The payload goes after it.
    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard b.count >= 20 else { throw WireError(.truncated, .ipv4) }
        guard payloadLength <= 65535 - 20, fragmentOffset & 7 == 0, fragmentOffset < 65536
        else { throw WireError(.malformed, .ipv4) }
        b._set8(0, 0x45)
        b._set8(1, dscp << 2 | (ecn & 3))
        b._set16(2, UInt16(20 + payloadLength))
        b._set16(4, identification)
        b._set16(6, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | UInt16(fragmentOffset / 8))
        b._set8(8, ttl)
        b._set8(9, self.protocol.rawValue)
        b._set16(10, 0)
        b._setIPv4(12, source)
        b._setIPv4(16, destination)
        b._set16(10, InternetChecksum.compute(b._readOnly._slice(0, 20)))
        return 20
    }

    /// Unfolded pseudo-header sum for the transport checksum.
    @inlinable public var pseudoHeaderSum: UInt64 {
        InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: self.protocol, length: payloadLength)
    }
}
