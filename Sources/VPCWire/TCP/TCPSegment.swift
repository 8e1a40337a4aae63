/// TCP control bits (RFC 9293 §3.1; NS from RFC 3540, CWR/ECE from RFC 3168).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    public static let ns = TCPFlags(rawValue: 0x100)
}

/// Zero-copy view of a TCP segment (RFC 9293 §3.1).
///
/// `init(checking:)` guarantees 20 ≤ data offset × 4 ≤ buffer size. The
/// buffer should be exactly the IP payload: the payload runs to its end.
public struct TCPSegment {
    @usableFromInline
    enum Field {
        @inlinable static var sourcePort: Int { 0 }
        @inlinable static var destinationPort: Int { 2 }
        @inlinable static var sequence: Int { 4 }
        @inlinable static var acknowledgment: Int { 8 }
        @inlinable static var offsetFlags: Int { 12 }
        @inlinable static var window: Int { 14 }
        @inlinable static var checksum: Int { 16 }
        @inlinable static var urgent: Int { 18 }
        @inlinable static var minimumHeader: Int { 20 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.minimumHeader else { throw WireError(.truncated, .tcp) }
        let hl = Int(bytes._u8(Field.offsetFlags) >> 4) * 4
        guard hl >= Field.minimumHeader else { throw WireError(.malformed, .tcp) }
        guard bytes.count >= hl else { throw WireError(.truncated, .tcp) }
        self.bytes = bytes
    }

    @inlinable public var sourcePort: UInt16 {
        get { bytes._u16(Field.sourcePort) }
        nonmutating set { bytes._mutable._set16(Field.sourcePort, newValue) }
    }

    @inlinable public var destinationPort: UInt16 {
        get { bytes._u16(Field.destinationPort) }
        nonmutating set { bytes._mutable._set16(Field.destinationPort, newValue) }
    }

    @inlinable public var sequenceNumber: UInt32 { bytes._u32(Field.sequence) }
    @inlinable public var acknowledgmentNumber: UInt32 { bytes._u32(Field.acknowledgment) }
    /// Header length in bytes (data offset × 4).
    @inlinable public var headerLength: Int { Int(bytes._u8(Field.offsetFlags) >> 4) * 4 }
    @inlinable public var flags: TCPFlags { TCPFlags(rawValue: bytes._u16(Field.offsetFlags) & 0x01FF) }
    @inlinable public var window: UInt16 { bytes._u16(Field.window) }

    @inlinable public var checksum: UInt16 {
        get { bytes._u16(Field.checksum) }
        nonmutating set { bytes._mutable._set16(Field.checksum, newValue) }
    }

    @inlinable public var urgentPointer: UInt16 { bytes._u16(Field.urgent) }
    /// Length of the options area in bytes (header length − 20).
    @inlinable public var optionsLength: Int { headerLength - Field.minimumHeader }
    @inlinable public var options: UnsafeRawBufferPointer { bytes._slice(Field.minimumHeader, headerLength) }
    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(headerLength, bytes.count) }

    /// Verifies over the whole buffer plus the pseudo-header sum (IPv4 or IPv6).
    @inlinable public func verifyChecksum(pseudoHeaderSum: UInt64) -> Bool {
        InternetChecksum.fold(InternetChecksum.add(bytes, to: pseudoHeaderSum)) == 0xFFFF
    }

    @inlinable public func fillChecksum(pseudoHeaderSum: UInt64) {
        checksum = 0
        checksum = InternetChecksum.finish(InternetChecksum.add(bytes, to: pseudoHeaderSum))
    }

    /// Port rewrites with incremental checksum update (RFC 1624), for NAT.
    @inlinable public func rewriteSourcePort(_ port: UInt16) {
        checksum = InternetChecksum.update(checksum, old: sourcePort, new: port)
        sourcePort = port
    }

    @inlinable public func rewriteDestinationPort(_ port: UInt16) {
        checksum = InternetChecksum.update(checksum, old: destinationPort, new: port)
        destinationPort = port
    }

    /// Patches the checksum for a pseudo-header address change (RFC 3022 §4.2).
    @inlinable public func adjustChecksum(oldAddress: IPv4Address, newAddress: IPv4Address) {
        checksum = InternetChecksum.update(checksum, old: oldAddress.value, new: newAddress.value)
    }

    @inlinable public func adjustChecksum(oldAddress: IPv6Address, newAddress: IPv6Address) {
        checksum = InternetChecksum.update(checksum, old: oldAddress, new: newAddress)
    }
}
