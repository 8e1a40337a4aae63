/// Zero-copy view of an ICMP message (RFC 792).
public struct ICMPv4Packet {
    @usableFromInline
    enum Field {
        @inlinable static var type: Int { 0 }
        @inlinable static var code: Int { 1 }
        @inlinable static var checksum: Int { 2 }
        @inlinable static var rest: Int { 4 }
        @inlinable static var headerLength: Int { 8 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Requires the 8-byte header. `bytes` should be exactly the IP payload (the checksum covers all of it).
    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.truncated, .icmpv4) }
        self.bytes = bytes
    }

    @inlinable public var type: UInt8 { bytes._u8(Field.type) }
    @inlinable public var code: UInt8 { bytes._u8(Field.code) }
    @inlinable public var checksum: UInt16 {
        get { bytes._u16(Field.checksum) }
        nonmutating set { bytes._mutable._set16(Field.checksum, newValue) }
    }
    /// Echo identifier (RFC 792 "Echo or Echo Reply Message"); NAT rewrites it like a port.
    @inlinable public var echoIdentifier: UInt16 {
        get { bytes._u16(4) }
        nonmutating set { bytes._mutable._set16(4, newValue) }
    }
    @inlinable public var echoSequence: UInt16 { bytes._u16(6) }
    /// The second 32-bit word (unused / pointer / gateway / id+seq / next-hop MTU).
    @inlinable public var restOfHeader: UInt32 { bytes._u32(Field.rest) }
    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(8, bytes.count) }

    @inlinable public func verifyChecksum() -> Bool {
        InternetChecksum.fold(InternetChecksum.add(bytes)) == 0xFFFF
    }

    @inlinable public func fillChecksum() {
        checksum = 0
        checksum = InternetChecksum.compute(bytes)
    }
}
