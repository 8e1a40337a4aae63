/// Zero-copy view of an Ethernet II frame (IEEE 802.3 §3.2.6), with up to two
/// 802.1Q/802.1ad tags (IEEE 802.1Q §9.6). No FCS: TAPs and sockets strip it.
public struct EthernetFrame {
    @usableFromInline
    enum Field {
        @inlinable static var destination: Int { 0 }
        @inlinable static var source: Int { 6 }
        @inlinable static var etherType: Int { 12 }
        @inlinable static var headerLength: Int { 14 }
        @inlinable static var tagLength: Int { 4 }
    }

    /// Frame bytes, owned by the caller.
    public let bytes: UnsafeRawBufferPointer
    /// Number of VLAN tags (0...2) found by `init(checking:)`.
    public let tagCount: Int

    /// Hot-path init: the caller has validated (or built) the frame and knows its tag count.
    @inlinable
    public init(unchecked bytes: UnsafeRawBufferPointer, tagCount: Int = 0) {
        self.bytes = bytes
        self.tagCount = tagCount
    }

    /// Validates the header and any VLAN tags fit; counts tags.
    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.truncated, .ethernet) }
        var tags = 0
        var t = bytes._u16(Field.etherType)
        while t == EtherType.vlan.rawValue || t == EtherType.qinq.rawValue {
            guard tags < 2 else { throw WireError(.unsupported, .ethernet) }
            tags += 1
            let next = Field.etherType + tags * Field.tagLength
            guard bytes.count >= next + 2 else { throw WireError(.truncated, .ethernet) }
            t = bytes._u16(next)
        }
        self.bytes = bytes
        self.tagCount = tags
    }

    @inlinable public var destination: MACAddress {
        get { bytes._mac(Field.destination) }
        nonmutating set { bytes._mutable._setMAC(Field.destination, newValue) }
    }

    @inlinable public var source: MACAddress {
        get { bytes._mac(Field.source) }
        nonmutating set { bytes._mutable._setMAC(Field.source, newValue) }
    }

    /// The EtherType after all tags: what the payload is.
    @inlinable public var etherType: EtherType {
        EtherType(rawValue: bytes._u16(Field.etherType + tagCount * Field.tagLength))
    }

    /// The 12-bit VLAN id of the outermost tag, if tagged.
    @inlinable public var vlanID: UInt16? {
        tagCount == 0 ? nil : bytes._u16(Field.etherType + 2) & 0x0FFF
    }

    /// The 12-bit VLAN id of the innermost tag, if tagged.
    @inlinable public var innerVLANID: UInt16? {
        tagCount == 0 ? nil : bytes._u16(Field.etherType + 2 + (tagCount - 1) * Field.tagLength) & 0x0FFF
    }

    /// The 3-bit priority code point of the outermost tag.
    @inlinable public var priority: UInt8? {
        tagCount == 0 ? nil : UInt8(bytes._u16(Field.etherType + 2) >> 13)
    }

    @inlinable public var headerLength: Int { Field.headerLength + tagCount * Field.tagLength }

    @inlinable public var payload: UnsafeRawBufferPointer { bytes._slice(headerLength, bytes.count) }
}
