/// The fields of an IPv6 fixed header (RFC 8200 §3) plus the walked upper layer.
/// Emitted packets carry no extension headers.
public struct IPv6Repr: Hashable, Sendable {
    public var source: IPv6Address
    public var destination: IPv6Address
    /// On parse: the upper-layer protocol after extension headers; on emit: the Next Header.
    public var nextHeader: IPProtocol
    /// On parse: bytes of the upper layer (payload minus extension headers); on emit: payload length.
    public var payloadLength: Int
    public var hopLimit: UInt8
    public var trafficClass: UInt8
    public var flowLabel: UInt32

    @inlinable
    public init(source: IPv6Address, destination: IPv6Address, nextHeader: IPProtocol, payloadLength: Int,
                hopLimit: UInt8 = 64, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0) {
        self.source = source
        self.destination = destination
        self.nextHeader = nextHeader
        self.payloadLength = payloadLength
        self.hopLimit = hopLimit
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
    }

    /// Reads a checked packet and walks its extension headers.
    @inlinable
    public init(_ p: IPv6Packet) throws(WireError) {
        let upper = try p.upperLayer()
        self.init(source: p.source, destination: p.destination, nextHeader: upper.protocol,
                  payloadLength: p.payloadLength - upper.offset, hopLimit: p.hopLimit,
                  trafficClass: p.trafficClass, flowLabel: p.flowLabel)
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IPv6Repr {
        try IPv6Repr(try IPv6Packet(checking: bytes))
    }

    public static let headerLength = 40

    /// Writes the 40-byte header; returns 40.
    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard b.count >= 40 else { throw WireError(.truncated, .ipv6) }
        guard payloadLength <= 65535 else { throw WireError(.malformed, .ipv6) }
        b._set32(0, 6 << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xF_FFFF))
        b._set16(4, UInt16(payloadLength))
        b._set8(6, nextHeader.rawValue)
        b._set8(7, hopLimit)
        b._setIPv6(8, source)
        b._setIPv6(24, destination)
        return 40
    }

    @inlinable public var pseudoHeaderSum: UInt64 {
        InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: nextHeader, length: payloadLength)
    }
}
