/// A UDP header (RFC 768): ports and payload length.
public struct UDPRepr: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var payloadLength: Int

    @inlinable
    public init(sourcePort: UInt16, destinationPort: UInt16, payloadLength: Int) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.payloadLength = payloadLength
    }

    /// Reads a checked datagram; verifies the checksum when a pseudo-header sum is given.
    /// Pass `ipv6: true` to reject the zero checksum IPv6 forbids.
    @inlinable
    public init(_ d: UDPDatagram, pseudoHeaderSum: UInt64? = nil, ipv6: Bool = false) throws(WireError) {
        if let pseudoHeaderSum {
            let ok = ipv6 ? d.verifyChecksumIPv6(pseudoHeaderSum: pseudoHeaderSum)
                          : d.verifyChecksum(pseudoHeaderSum: pseudoHeaderSum)
            if !ok { throw WireError(.badChecksum, .udp) }
        }
        self.init(sourcePort: d.sourcePort, destinationPort: d.destinationPort, payloadLength: d.length - 8)
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, pseudoHeaderSum: UInt64? = nil, ipv6: Bool = false) throws(WireError) -> UDPRepr {
        try UDPRepr(try UDPDatagram(checking: bytes), pseudoHeaderSum: pseudoHeaderSum, ipv6: ipv6)
    }

    public static let headerLength = 8

    /// Writes the header. The payload must already be at `b[8...]` when
    /// `pseudoHeaderSum` is given, since the checksum covers it; otherwise the checksum is 0.
    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer, pseudoHeaderSum: UInt64?) throws(WireError) -> Int {
        guard payloadLength <= 65535 - 8 else { throw WireError(.malformed, .udp) }
        guard b.count >= 8 + payloadLength else { throw WireError(.truncated, .udp) }
        b._set16(0, sourcePort)
        b._set16(2, destinationPort)
        b._set16(4, UInt16(8 + payloadLength))
        b._set16(6, 0)
        if let pseudoHeaderSum {
            UDPDatagram(unchecked: b._readOnly).fillChecksum(pseudoHeaderSum: pseudoHeaderSum)
        }
        return 8
    }
}
