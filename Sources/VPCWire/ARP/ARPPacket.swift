/// Zero-copy view of an ARP packet (RFC 826) for Ethernet/IPv4, the only kind a VPC carries.
public struct ARPPacket {
    @usableFromInline
    enum Field {
        @inlinable static var hardwareType: Int { 0 }
        @inlinable static var protocolType: Int { 2 }
        @inlinable static var hardwareLength: Int { 4 }
        @inlinable static var protocolLength: Int { 5 }
        @inlinable static var operation: Int { 6 }
        @inlinable static var senderHardware: Int { 8 }
        @inlinable static var senderProtocol: Int { 14 }
        @inlinable static var targetHardware: Int { 18 }
        @inlinable static var targetProtocol: Int { 24 }
        @inlinable static var length: Int { 28 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Requires 28 bytes and htype 1 / ptype 0x0800 / hlen 6 / plen 4; anything else is `.unsupported`.
    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.length else { throw WireError(.truncated, .arp) }
        guard bytes._u16(Field.hardwareType) == 1, bytes._u16(Field.protocolType) == 0x0800,
              bytes._u8(Field.hardwareLength) == 6, bytes._u8(Field.protocolLength) == 4
        else { throw WireError(.unsupported, .arp) }
        self.bytes = bytes
    }

    @inlinable public var operation: ARPOperation { ARPOperation(rawValue: bytes._u16(Field.operation)) }
    @inlinable public var senderHardwareAddress: MACAddress { bytes._mac(Field.senderHardware) }
    @inlinable public var senderProtocolAddress: IPv4Address { bytes._ipv4(Field.senderProtocol) }
    @inlinable public var targetHardwareAddress: MACAddress { bytes._mac(Field.targetHardware) }
    @inlinable public var targetProtocolAddress: IPv4Address { bytes._ipv4(Field.targetProtocol) }
}

/// ARP opcode (RFC 826; IANA "ARP Parameters").
public struct ARPOperation: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let request = ARPOperation(rawValue: 1)
    public static let reply = ARPOperation(rawValue: 2)
}
