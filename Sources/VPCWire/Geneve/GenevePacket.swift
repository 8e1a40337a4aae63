/// Zero-copy view of a Geneve header (RFC 8926 §3.4), the UDP payload on port 6081.
///
/// The receiver trusts nothing: `init(checking:)` guarantees version 0, that
/// `Opt Len` fits the buffer, and that every option TLV lies inside the
/// options area (RFC 8926 §3.5), and that our ENI option, if present, has
/// exactly its defined length.
public struct GenevePacket {
    @usableFromInline
    enum Field {
        @inlinable static var versionOptLen: Int { 0 }
        @inlinable static var flags: Int { 1 }
        @inlinable static var protocolType: Int { 2 }
        @inlinable static var vni: Int { 4 }
        @inlinable static var headerLength: Int { 8 }
    }

    /// The IANA-assigned UDP destination port (RFC 8926 §3.3).
    public static let udpPort: UInt16 = 6081

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.truncated, .geneve) }
        // RFC 8926 §3.4: a packet with an unknown version must be dropped.
        guard bytes._u8(Field.versionOptLen) >> 6 == 0 else { throw WireError(.unsupported, .geneve) }
        let end = Field.headerLength + Int(bytes._u8(Field.versionOptLen) & 0x3F) * 4
        guard bytes.count >= end else { throw WireError(.truncated, .geneve) }
        var i = Field.headerLength
        while i < end {
            guard i + 4 <= end else { throw WireError(.malformed, .geneve) }
            let len = Int(bytes._u8(i + 3) & 0x1F) * 4
            guard i + 4 + len <= end else { throw WireError(.malformed, .geneve) }
            if bytes._u16(i) == VPCENIOption.optionClass, VPCENIOption.isENIType(bytes._u8(i + 2) & 0x7F),
               len != VPCENIOption.dataLength {
                throw WireError(.malformed, .geneve)
            }
            i += 4 + len
        }
        self.bytes = bytes
    }

    @inlinable public var version: UInt8 { bytes._u8(Field.versionOptLen) >> 6 }
    /// Options length in bytes (the field counts 4-byte words).
    @inlinable public var optionsLength: Int { Int(bytes._u8(Field.versionOptLen) & 0x3F) * 4 }
    /// O bit: control (OAM) packet, not to be forwarded to a tenant (RFC 8926 §3.4).
    @inlinable public var isOAM: Bool { bytes._u8(Field.flags) & 0x80 != 0 }
    /// C bit: some option is critical.
    @inlinable public var hasCriticalOptions: Bool { bytes._u8(Field.flags) & 0x40 != 0 }
    @inlinable public var protocolType: EtherType { EtherType(rawValue: bytes._u16(Field.protocolType)) }
    /// The 24-bit VNI: the VPC's network id.
    @inlinable public var vni: UInt32 { bytes._u32(Field.vni) >> 8 }
    @inlinable public var headerLength: Int { Field.headerLength + optionsLength }
    @inlinable public var options: GeneveOptions { GeneveOptions(bytes: bytes._slice(Field.headerLength, headerLength)) }
    /// The encapsulated frame.
    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(headerLength, bytes.count) }

    /// The TLV of our ENI option (either variant), if present.
    @inlinable var eniOptionTLV: GeneveOption? {
        options.first { $0.optionClass == VPCENIOption.optionClass && VPCENIOption.isENIType($0.type) }
    }

    /// Our source/destination ENI option, if present (length already checked).
    @inlinable public var eniOption: VPCENIOption? {
        eniOptionTLV.map { VPCENIOption(source: $0.data._u64(0), destination: $0.data._u64(8)) }
    }

    /// The ENI option is the partial-checksum variant: the inner TCP checksum holds only
    /// the pseudo-header sum, to be completed or handed on as CHECKSUM_PARTIAL.
    @inlinable public var innerChecksumPartial: Bool { eniOptionTLV?.type == VPCENIOption.partialChecksumType }

    /// True if an option we do not understand has its critical bit set: the packet must be
    /// dropped (RFC 8926 §3.5.1).
    @inlinable public var hasUnknownCriticalOption: Bool {
        for o in options where o.isCritical {
            if !(o.optionClass == VPCENIOption.optionClass && VPCENIOption.isENIType(o.type)) { return true }
        }
        return false
    }
}

/// Geneve options area, iterated without allocating. Only valid on a checked packet.
public struct GeneveOptions: Sequence {
    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    public struct Iterator: IteratorProtocol {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var offset = 0
        @inlinable init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        @inlinable public mutating func next() -> GeneveOption? {
            guard offset + 4 <= bytes.count else { return nil }
            let len = Int(bytes._u8(offset + 3) & 0x1F) * 4
            guard offset + 4 + len <= bytes.count else { return nil }
            defer { offset += 4 + len }
            return GeneveOption(optionClass: bytes._u16(offset), rawType: bytes._u8(offset + 2),
                                data: bytes._slice(offset + 4, offset + 4 + len))
        }
    }
}

/// One Geneve option TLV (RFC 8926 §3.5).
public struct GeneveOption {
    public let optionClass: UInt16
    /// Type including the critical bit.
    public let rawType: UInt8
    public let data: UnsafeRawBufferPointer

    @inlinable init(optionClass: UInt16, rawType: UInt8, data: UnsafeRawBufferPointer) {
        self.optionClass = optionClass
        self.rawType = rawType
        self.data = data
    }

    /// Type without the critical bit.
    @inlinable public var type: UInt8 { rawType & 0x7F }
    @inlinable public var isCritical: Bool { rawType & 0x80 != 0 }
}

/// Our option: class 0xFFF0 (experimental range, RFC 8926 §8.1), type 0x01, 16 bytes of data:
/// source ENI then destination ENI, each a big-endian `UInt64` (`NetworkInterfaceNumber.value`).
/// Type 0x02, sent critical, is the same option for a frame whose inner TCP checksum holds
/// only the pseudo-header sum (a segment the sending agent cut from a super-frame): the
/// encapsulation's UDP checksum covers the frame in transit, and the receiver completes the
/// inner checksum or hands the frame on as CHECKSUM_PARTIAL. Critical, so that a receiver
/// not knowing it drops the frame rather than deliver it with a checksum it would not complete.
public struct VPCENIOption: Hashable, Sendable {
    public static let optionClass: UInt16 = 0xFFF0
    public static let optionType: UInt8 = 0x01
    public static let partialChecksumType: UInt8 = 0x02

    @inlinable public static func isENIType(_ type: UInt8) -> Bool { type == optionType || type == partialChecksumType }
    /// Data bytes (Length field 4, in 4-byte words).
    public static let dataLength = 16

    public var source: UInt64
    public var destination: UInt64

    @inlinable
    public init(source: UInt64, destination: UInt64) {
        self.source = source
        self.destination = destination
    }
}
