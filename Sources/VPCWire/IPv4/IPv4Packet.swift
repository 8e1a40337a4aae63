/// Zero-copy view of an IPv4 packet (RFC 791 §3.1).
///
/// `init(checking:)` guarantees: version 4, IHL ≥ 5, header and total length
/// inside the buffer. It does not verify the checksum (call `verifyChecksum()`),
/// so forwarding code can choose when to pay for it.
public struct IPv4Packet {
    @usableFromInline
    enum Field {
        @inlinable static var versionIHL: Int { 0 }
        @inlinable static var dscpECN: Int { 1 }
        @inlinable static var totalLength: Int { 2 }
        @inlinable static var identification: Int { 4 }
        @inlinable static var flagsFragment: Int { 6 }
        @inlinable static var ttl: Int { 8 }
        @inlinable static var proto: Int { 9 }
        @inlinable static var checksum: Int { 10 }
        @inlinable static var source: Int { 12 }
        @inlinable static var destination: Int { 16 }
        @inlinable static var minimumHeader: Int { 20 }
    }

    /// The packet bytes; may extend past `totalLength` (Ethernet padding).
    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.minimumHeader else { throw WireError(.truncated, .ipv4) }
        let vi = bytes._u8(Field.versionIHL)
        guard vi >> 4 == 4 else { throw WireError(.malformed, .ipv4) }
        let hl = Int(vi & 0x0F) * 4
        guard hl >= Field.minimumHeader else { throw WireError(.malformed, .ipv4) }
        guard bytes.count >= hl else { throw WireError(.truncated, .ipv4) }
        let total = Int(bytes._u16(Field.totalLength))
        guard total >= hl else { throw WireError(.malformed, .ipv4) }
        guard bytes.count >= total else { throw WireError(.truncated, .ipv4) }
        self.bytes = bytes
    }

    @inlinable public var version: UInt8 { bytes._u8(Field.versionIHL) >> 4 }
    @inlinable public var headerLength: Int { Int(bytes._u8(Field.versionIHL) & 0x0F) * 4 }
    @inlinable public var dscp: UInt8 { bytes._u8(Field.dscpECN) >> 2 }
    @inlinable public var ecn: UInt8 { bytes._u8(Field.dscpECN) & 3 }
    @inlinable public var totalLength: Int { Int(bytes._u16(Field.totalLength)) }
    @inlinable public var identification: UInt16 { bytes._u16(Field.identification) }
    /// DF bit (RFC 791 §3.1 "Flags").
    @inlinable public var dontFragment: Bool { bytes._u16(Field.flagsFragment) & 0x4000 != 0 }
    /// MF bit.
    @inlinable public var moreFragments: Bool { bytes._u16(Field.flagsFragment) & 0x2000 != 0 }
    /// Fragment offset in bytes (the field counts 8-byte units).
    @inlinable public var fragmentOffset: Int { Int(bytes._u16(Field.flagsFragment) & 0x1FFF) * 8 }
    /// True for any fragment, first included: MF set or offset non-zero (RFC 791 §2.3).
    @inlinable public var isFragment: Bool { bytes._u16(Field.flagsFragment) & 0x3FFF != 0 }

    @inlinable public var ttl: UInt8 {
        get { bytes._u8(Field.ttl) }
        nonmutating set { bytes._mutable._set8(Field.ttl, newValue) }
    }

    @inlinable public var `protocol`: IPProtocol { IPProtocol(rawValue: bytes._u8(Field.proto)) }

    @inlinable public var checksum: UInt16 {
        get { bytes._u16(Field.checksum) }
        nonmutating set { bytes._mutable._set16(Field.checksum, newValue) }
    }

    @inlinable public var source: IPv4Address {
        get { bytes._ipv4(Field.source) }
        nonmutating set { bytes._mutable._setIPv4(Field.source, newValue) }
    }

    @inlinable public var destination: IPv4Address {
        get { bytes._ipv4(Field.destination) }
        nonmutating set { bytes._mutable._setIPv4(Field.destination, newValue) }
    }

    /// Raw option bytes (RFC 791 §3.1 "Options"); empty when IHL is 5.
    @inlinable public var options: UnsafeRawBufferPointer { bytes._slice(Field.minimumHeader, headerLength) }

    /// The payload up to `totalLength`, excluding link-layer padding.
    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(headerLength, totalLength) }

    @inlinable public var header: UnsafeRawBufferPointer { bytes._slice(0, headerLength) }

    /// True when the header checksum verifies (RFC 791 §3.1 "Header Checksum").
    @inlinable public func verifyChecksum() -> Bool {
        InternetChecksum.fold(InternetChecksum.add(header)) == 0xFFFF
    }

    /// Recomputes the header checksum in place.
    @inlinable public func fillChecksum() {
        checksum = 0
        checksum = InternetChecksum.compute(header)
    }

    /// Decrements TTL and patches the checksum incrementally (RFC 1624 §4); returns the new TTL.
    @inlinable @discardableResult
    public func decrementTTL() -> UInt8 {
        let oldWord = bytes._u16(Field.ttl)
        let t = ttl &- 1
        ttl = t
        checksum = InternetChecksum.update(checksum, old: oldWord, new: bytes._u16(Field.ttl))
        return t
    }

    /// Rewrites the source address and patches the header checksum (RFC 1624).
    @inlinable public func rewriteSource(_ a: IPv4Address) {
        checksum = InternetChecksum.update(checksum, old: source.value, new: a.value)
        source = a
    }

    /// Rewrites the destination address and patches the header checksum (RFC 1624).
    @inlinable public func rewriteDestination(_ a: IPv4Address) {
        checksum = InternetChecksum.update(checksum, old: destination.value, new: a.value)
        destination = a
    }

    /// Unfolded pseudo-header sum for the transport checksum of this packet.
    @inlinable public var pseudoHeaderSum: UInt64 {
        InternetChecksum.pseudoHeader(source: source, destination: destination,
                                      protocol: self.protocol, length: totalLength - headerLength)
    }
}
