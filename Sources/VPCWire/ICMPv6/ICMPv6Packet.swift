/// Zero-copy view of an ICMPv6 message (RFC 4443 §2.1), including the
/// Neighbor Discovery messages (RFC 4861 §4).
///
/// `init(checking:)` guarantees the 4-byte common header plus, for known
/// types, their fixed part (echo 8, NS/NA 24, RS 8, RA 16, errors 8).
public struct ICMPv6Packet {
    @usableFromInline
    enum Field {
        @inlinable static var type: Int { 0 }
        @inlinable static var code: Int { 1 }
        @inlinable static var checksum: Int { 2 }
        /// NS/NA target address.
        @inlinable static var target: Int { 8 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= 4 else { throw WireError(.truncated, .icmpv6) }
        guard bytes.count >= ICMPv6Type(rawValue: bytes._u8(0)).fixedLength else { throw WireError(.truncated, .icmpv6) }
        self.bytes = bytes
    }

    @inlinable public var type: ICMPv6Type { ICMPv6Type(rawValue: bytes._u8(Field.type)) }
    @inlinable public var code: UInt8 { bytes._u8(Field.code) }
    @inlinable public var checksum: UInt16 {
        get { bytes._u16(Field.checksum) }
        nonmutating set { bytes._mutable._set16(Field.checksum, newValue) }
    }

    /// Echo identifier/sequence (RFC 4443 §4.1); valid for echo types.
    @inlinable public var echoIdentifier: UInt16 { bytes._u16(4) }
    @inlinable public var echoSequence: UInt16 { bytes._u16(6) }
    /// Packet Too Big MTU (RFC 4443 §3.2).
    @inlinable public var mtu: UInt32 { bytes._u32(4) }

    /// NS/NA target address (RFC 4861 §4.3, §4.4).
    @inlinable public var targetAddress: IPv6Address { bytes._ipv6(Field.target) }

    /// NA flags: Router, Solicited, Override (RFC 4861 §4.4).
    @inlinable public var neighborAdvertFlags: NeighborAdvertFlags { NeighborAdvertFlags(rawValue: bytes._u8(4) & 0xE0) }

    /// RA fields (RFC 4861 §4.2).
    @inlinable public var curHopLimit: UInt8 { bytes._u8(4) }
    @inlinable public var routerAdvertFlags: UInt8 { bytes._u8(5) }
    @inlinable public var routerLifetime: UInt16 { bytes._u16(6) }
    @inlinable public var reachableTime: UInt32 { bytes._u32(8) }
    @inlinable public var retransTimer: UInt32 { bytes._u32(12) }

    /// The Neighbor Discovery options area (empty for non-ND types).
    @inlinable public var ndpOptions: NDPOptions {
        let start = type.ndpOptionsOffset
        return NDPOptions(bytes: start == 0 ? bytes._slice(0, 0) : bytes._slice(start, bytes.count))
    }

    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(min(8, bytes.count), bytes.count) }

    /// Verifies with the IPv6 pseudo-header (RFC 4443 §2.3).
    @inlinable public func verifyChecksum(source: IPv6Address, destination: IPv6Address) -> Bool {
        let ph = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .icmpv6, length: bytes.count)
        return InternetChecksum.fold(InternetChecksum.add(bytes, to: ph)) == 0xFFFF
    }

    @inlinable public func fillChecksum(source: IPv6Address, destination: IPv6Address) {
        checksum = 0
        let ph = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .icmpv6, length: bytes.count)
        checksum = InternetChecksum.finish(InternetChecksum.add(bytes, to: ph))
    }
}

/// ICMPv6 message type (IANA "ICMPv6 Parameters").
public struct ICMPv6Type: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let destinationUnreachable = ICMPv6Type(rawValue: 1)
    public static let packetTooBig = ICMPv6Type(rawValue: 2)
    public static let timeExceeded = ICMPv6Type(rawValue: 3)
    public static let parameterProblem = ICMPv6Type(rawValue: 4)
    public static let echoRequest = ICMPv6Type(rawValue: 128)
    public static let echoReply = ICMPv6Type(rawValue: 129)
    public static let routerSolicitation = ICMPv6Type(rawValue: 133)
    public static let routerAdvertisement = ICMPv6Type(rawValue: 134)
    public static let neighborSolicitation = ICMPv6Type(rawValue: 135)
    public static let neighborAdvertisement = ICMPv6Type(rawValue: 136)

    /// Minimum bytes a message of this type occupies.
    @inlinable public var fixedLength: Int {
        switch rawValue {
        case 1...4, 128, 129, 133: 8
        case 134: 16
        case 135, 136: 24
        default: 4
        }
    }

    /// Where ND options start, or 0 for types without them.
    @inlinable public var ndpOptionsOffset: Int {
        switch rawValue {
        case 133: 8
        case 134: 16
        case 135, 136: 24
        default: 0
        }
    }
}

/// Neighbor Advertisement flags (RFC 4861 §4.4), in the first byte after the checksum.
public struct NeighborAdvertFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let router = NeighborAdvertFlags(rawValue: 0x80)
    public static let solicited = NeighborAdvertFlags(rawValue: 0x40)
    public static let override = NeighborAdvertFlags(rawValue: 0x20)
}

/// The TLV options of a Neighbor Discovery message (RFC 4861 §4.6), iterated without allocating.
public struct NDPOptions: Sequence {
    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Checks every option: length ≥ 1 unit and inside the buffer (RFC 4861 §4.6: a zero
    /// length must cause the packet to be discarded).
    @inlinable public func validate() throws(WireError) {
        var i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else { throw WireError(.truncated, .ndp) }
            let len = Int(bytes._u8(i + 1)) * 8
            guard len > 0 else { throw WireError(.malformed, .ndp) }
            guard i + len <= bytes.count else { throw WireError(.truncated, .ndp) }
            i += len
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(bytes: bytes, offset: 0) }

    /// Yields options until the end or the first invalid one; call `validate()` first to
    /// tell the two apart.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var offset: Int

        @inlinable init(bytes: UnsafeRawBufferPointer, offset: Int) {
            self.bytes = bytes
            self.offset = offset
        }

        @inlinable public mutating func next() -> NDPOption? {
            guard offset + 2 <= bytes.count else { return nil }
            let len = Int(bytes._u8(offset + 1)) * 8
            guard len > 0, offset + len <= bytes.count else { return nil }
            defer { offset += len }
            return NDPOption(bytes: bytes._slice(offset, offset + len))
        }
    }

    /// The first Source (1) or Target (2) Link-Layer Address option's MAC (RFC 4861 §4.6.1).
    @inlinable public func linkLayerAddress(_ type: NDPOptionType) -> MACAddress? {
        for o in self where o.type == type { return o.linkLayerAddress }
        return nil
    }

    /// The first MTU option's value (RFC 4861 §4.6.4).
    @inlinable public var mtu: UInt32? {
        for o in self where o.type == .mtu { return o.mtu }
        return nil
    }
}

/// ND option type (RFC 4861 §4.6).
public struct NDPOptionType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let sourceLinkLayerAddress = NDPOptionType(rawValue: 1)
    public static let targetLinkLayerAddress = NDPOptionType(rawValue: 2)
    public static let prefixInformation = NDPOptionType(rawValue: 3)
    public static let redirectedHeader = NDPOptionType(rawValue: 4)
    public static let mtu = NDPOptionType(rawValue: 5)
}

/// One ND option; `bytes` spans its full length (a multiple of 8, at least 8).
public struct NDPOption {
    public let bytes: UnsafeRawBufferPointer
    @inlinable init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var type: NDPOptionType { NDPOptionType(rawValue: bytes._u8(0)) }
    /// Length in bytes.
    @inlinable public var length: Int { bytes.count }

    /// For link-layer address options on Ethernet (RFC 2464 §6: length 1).
    @inlinable public var linkLayerAddress: MACAddress? { bytes.count >= 8 ? bytes._mac(2) : nil }

    /// For the MTU option (length 1).
    @inlinable public var mtu: UInt32? { bytes.count >= 8 ? bytes._u32(4) : nil }

    /// For the Prefix Information option (length 4, RFC 4861 §4.6.2).
    @inlinable public var prefixInformation: NDPPrefixInformation? {
        guard type == .prefixInformation, bytes.count >= 32 else { return nil }
        return NDPPrefixInformation(prefixLength: bytes._u8(2), onLink: bytes._u8(3) & 0x80 != 0,
                                    autonomous: bytes._u8(3) & 0x40 != 0, validLifetime: bytes._u32(4),
                                    preferredLifetime: bytes._u32(8), prefix: bytes._ipv6(16))
    }
}

/// The Prefix Information option's fields (RFC 4861 §4.6.2).
public struct NDPPrefixInformation: Hashable, Sendable {
    public var prefixLength: UInt8
    /// L flag.
    public var onLink: Bool
    /// A flag: usable for SLAAC (RFC 4862 §5.5.3).
    public var autonomous: Bool
    public var validLifetime: UInt32
    public var preferredLifetime: UInt32
    public var prefix: IPv6Address

    @inlinable
    public init(prefixLength: UInt8, onLink: Bool, autonomous: Bool, validLifetime: UInt32,
                preferredLifetime: UInt32, prefix: IPv6Address) {
        self.prefixLength = prefixLength
        self.onLink = onLink
        self.autonomous = autonomous
        self.validLifetime = validLifetime
        self.preferredLifetime = preferredLifetime
        self.prefix = prefix
    }
}
