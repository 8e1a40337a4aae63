/// Zero-copy view of an IPv6 packet (RFC 8200 §3).
///
/// `init(checking:)` guarantees version 6 and that the 40-byte header plus
/// `payloadLength` lie inside the buffer. Jumbograms (payload length 0 with a
/// hop-by-hop Jumbo option, RFC 2675) are `.unsupported`.
public struct IPv6Packet {
    @usableFromInline
    enum Field {
        @inlinable static var versionClassFlow: Int { 0 }
        @inlinable static var payloadLength: Int { 4 }
        @inlinable static var nextHeader: Int { 6 }
        @inlinable static var hopLimit: Int { 7 }
        @inlinable static var source: Int { 8 }
        @inlinable static var destination: Int { 24 }
        @inlinable static var headerLength: Int { 40 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.truncated, .ipv6) }
        guard bytes._u8(0) >> 4 == 6 else { throw WireError(.malformed, .ipv6) }
        let pl = Int(bytes._u16(Field.payloadLength))
        guard bytes.count >= Field.headerLength + pl else { throw WireError(.truncated, .ipv6) }
        self.bytes = bytes
    }

    @inlinable public var version: UInt8 { bytes._u8(0) >> 4 }
    @inlinable public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes._u32(0) >> 20) }
    @inlinable public var flowLabel: UInt32 { bytes._u32(0) & 0xF_FFFF }
    @inlinable public var payloadLength: Int { Int(bytes._u16(Field.payloadLength)) }
    /// The first Next Header: an extension header or the upper layer.
    @inlinable public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes._u8(Field.nextHeader)) }

    @inlinable public var hopLimit: UInt8 {
        get { bytes._u8(Field.hopLimit) }
        nonmutating set { bytes._mutable._set8(Field.hopLimit, newValue) }
    }

    @inlinable public var source: IPv6Address {
        get { bytes._ipv6(Field.source) }
        nonmutating set { bytes._mutable._setIPv6(Field.source, newValue) }
    }

    @inlinable public var destination: IPv6Address {
        get { bytes._ipv6(Field.destination) }
        nonmutating set { bytes._mutable._setIPv6(Field.destination, newValue) }
    }

    /// Everything after the fixed header, up to `payloadLength` (extension headers included).
    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(40, 40 + payloadLength) }

    /// Walks the extension-header chain (RFC 8200 §4) to the upper layer.
    @inlinable
    public func upperLayer() throws(WireError) -> IPv6UpperLayer {
        try IPv6UpperLayer(walking: payload, first: nextHeader)
    }

    /// Unfolded pseudo-header sum for an upper layer of `length` bytes (RFC 8200 §8.1).
    @inlinable
    public func pseudoHeaderSum(protocol p: IPProtocol, length: Int) -> UInt64 {
        InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: p, length: length)
    }
}

/// Where the upper-layer header starts after the extension headers, and the
/// fragment header's fields if one was present.
public struct IPv6UpperLayer: Hashable, Sendable {
    /// The upper-layer protocol (or `.noNextHeader`, or `.esp` which we do not look into).
    public var `protocol`: IPProtocol
    /// Offset of the upper-layer header from the start of the IPv6 payload.
    public var offset: Int
    /// True if a Fragment header was seen (RFC 8200 §4.5).
    public var hasFragmentHeader: Bool
    /// Fragment offset in bytes.
    public var fragmentOffset: Int
    public var moreFragments: Bool
    public var fragmentIdentification: UInt32

    /// A fragment that is not the first carries no upper-layer header to inspect.
    @inlinable public var isFragment: Bool { hasFragmentHeader && (fragmentOffset != 0 || moreFragments) }
    @inlinable public var isNonFirstFragment: Bool { hasFragmentHeader && fragmentOffset != 0 }

    /// The most headers we walk; more is treated as an attack (`.malformed`).
    public static let maximumExtensionHeaders = 16

    /// Walks `payload` starting with next header `first`. Each header must fit;
    /// a non-first fragment stops the walk at the fragment header's next header.
    @inlinable
    public init(walking payload: UnsafeRawBufferPointer, first: IPProtocol) throws(WireError) {
        var next = first
        var off = 0
        var hops = 0
        var frag = false, fragOff = 0, more = false, ident: UInt32 = 0
        walk: while true {
            switch next {
            case .hopByHop, .routing, .destinationOptions:
                // RFC 8200 §4.3: Hop-by-Hop must come first.
                if next == .hopByHop, hops != 0 { throw WireError(.malformed, .ipv6) }
                guard payload.count >= off + 2 else { throw WireError(.truncated, .ipv6) }
                let len = (Int(payload._u8(off + 1)) + 1) * 8
                guard payload.count >= off + len else { throw WireError(.truncated, .ipv6) }
                next = IPProtocol(rawValue: payload._u8(off))
                off += len
            case .fragment:
                guard payload.count >= off + 8 else { throw WireError(.truncated, .ipv6) }
                if frag { throw WireError(.malformed, .ipv6) }
                frag = true
                let fo = payload._u16(off + 2)
                fragOff = Int(fo & 0xFFF8)
                more = fo & 1 != 0
                ident = payload._u32(off + 4)
                next = IPProtocol(rawValue: payload._u8(off))
                off += 8
                if fragOff != 0 { break walk }
            case .authentication:
                // RFC 4302 §2.2: Payload Len is in 4-octet units, minus 2.
                guard payload.count >= off + 2 else { throw WireError(.truncated, .ipv6) }
                let len = (Int(payload._u8(off + 1)) + 2) * 4
                guard payload.count >= off + len else { throw WireError(.truncated, .ipv6) }
                next = IPProtocol(rawValue: payload._u8(off))
                off += len
            default:
                break walk
            }
            hops += 1
            if hops > Self.maximumExtensionHeaders { throw WireError(.malformed, .ipv6) }
        }
        self.protocol = next
        self.offset = off
        self.hasFragmentHeader = frag
        self.fragmentOffset = fragOff
        self.moreFragments = more
        self.fragmentIdentification = ident
    }
}
