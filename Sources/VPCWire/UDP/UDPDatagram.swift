/// Zero-copy view of a UDP datagram (RFC 768).
///
/// `init(checking:)` guarantees 8 ≤ length field ≤ buffer size.
public struct UDPDatagram {
    @usableFromInline
    enum Field {
        @inlinable static var sourcePort: Int { 0 }
        @inlinable static var destinationPort: Int { 2 }
        @inlinable static var length: Int { 4 }
        @inlinable static var checksum: Int { 6 }
        @inlinable static var headerLength: Int { 8 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.truncated, .udp) }
        let len = Int(bytes._u16(Field.length))
        guard len >= Field.headerLength else { throw WireError(.malformed, .udp) }
        guard bytes.count >= len else { throw WireError(.truncated, .udp) }
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

    @inlinable public var length: Int { Int(bytes._u16(Field.length)) }

    @inlinable public var checksum: UInt16 {
        get { bytes._u16(Field.checksum) }
        nonmutating set { bytes._mutable._set16(Field.checksum, newValue) }
    }

    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(8, length) }

    /// Verifies against a pseudo-header sum. A zero checksum means "none" over IPv4
    /// (RFC 768) and passes here; over IPv6 it is invalid (RFC 8200 §8.1) and the
    /// caller must reject it (`verifyChecksumIPv6`).
    @inlinable
    public func verifyChecksum(pseudoHeaderSum: UInt64) -> Bool {
        if checksum == 0 { return true }
        return InternetChecksum.fold(InternetChecksum.add(bytes._slice(0, length), to: pseudoHeaderSum)) == 0xFFFF
    }

    @inlinable
    public func verifyChecksumIPv6(pseudoHeaderSum: UInt64) -> Bool {
        checksum != 0 && verifyChecksum(pseudoHeaderSum: pseudoHeaderSum)
    }

    /// Computes the checksum in place; a result of 0 is sent as 0xFFFF (RFC 768).
    @inlinable
    public func fillChecksum(pseudoHeaderSum: UInt64) {
        checksum = 0
        let c = InternetChecksum.finish(InternetChecksum.add(bytes._slice(0, length), to: pseudoHeaderSum))
        checksum = c == 0 ? 0xFFFF : c
    }

    /// Rewrites the source port, patching the checksum (RFC 1624) unless it is absent (0).
    @inlinable public func rewriteSourcePort(_ port: UInt16) {
        if checksum != 0 { checksum = Self.nonZero(InternetChecksum.update(checksum, old: sourcePort, new: port)) }
        sourcePort = port
    }

    @inlinable public func rewriteDestinationPort(_ port: UInt16) {
        if checksum != 0 { checksum = Self.nonZero(InternetChecksum.update(checksum, old: destinationPort, new: port)) }
        destinationPort = port
    }

    /// Patches the checksum for a pseudo-header IPv4 address change (NAT, RFC 3022 §4.2).
    @inlinable public func adjustChecksum(oldAddress: IPv4Address, newAddress: IPv4Address) {
        if checksum != 0 { checksum = Self.nonZero(InternetChecksum.update(checksum, old: oldAddress.value, new: newAddress.value)) }
    }

    @inlinable public func adjustChecksum(oldAddress: IPv6Address, newAddress: IPv6Address) {
        if checksum != 0 { checksum = Self.nonZero(InternetChecksum.update(checksum, old: oldAddress, new: newAddress)) }
    }

    @inlinable static func nonZero(_ c: UInt16) -> UInt16 { c == 0 ? 0xFFFF : c }
}
