/// An Ethernet/IPv4 ARP message (RFC 826).
public struct ARPRepr: Hashable, Sendable {
    public var operation: ARPOperation
    public var senderHardwareAddress: MACAddress
    public var senderProtocolAddress: IPv4Address
    public var targetHardwareAddress: MACAddress
    public var targetProtocolAddress: IPv4Address

    public static let length = 28

    @inlinable
    public init(operation: ARPOperation, senderHardwareAddress: MACAddress, senderProtocolAddress: IPv4Address,
                targetHardwareAddress: MACAddress, targetProtocolAddress: IPv4Address) {
        self.operation = operation
        self.senderHardwareAddress = senderHardwareAddress
        self.senderProtocolAddress = senderProtocolAddress
        self.targetHardwareAddress = targetHardwareAddress
        self.targetProtocolAddress = targetProtocolAddress
    }

    /// Only requests and replies are meaningful to us (RFC 826); other opcodes are `.unsupported`.
    @inlinable
    public init(_ p: ARPPacket) throws(WireError) {
        guard p.operation == .request || p.operation == .reply else { throw WireError(.unsupported, .arp) }
        self.init(operation: p.operation, senderHardwareAddress: p.senderHardwareAddress,
                  senderProtocolAddress: p.senderProtocolAddress,
                  targetHardwareAddress: p.targetHardwareAddress,
                  targetProtocolAddress: p.targetProtocolAddress)
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ARPRepr {
        try ARPRepr(try ARPPacket(checking: bytes))
    }

    /// The reply the VPC gives to this request, claiming `mac` owns the target address.
    @inlinable
    public func reply(with mac: MACAddress) -> ARPRepr {
        ARPRepr(operation: .reply, senderHardwareAddress: mac, senderProtocolAddress: targetProtocolAddress,
                targetHardwareAddress: senderHardwareAddress, targetProtocolAddress: senderProtocolAddress)
    }

    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard b.count >= 28 else { throw WireError(.truncated, .arp) }
        b._set16(0, 1)
        b._set16(2, 0x0800)
        b._set8(4, 6)
        b._set8(5, 4)
        b._set16(6, operation.rawValue)
        b._setMAC(8, senderHardwareAddress)
        b._setIPv4(14, senderProtocolAddress)
        b._setMAC(18, targetHardwareAddress)
        b._setIPv4(24, targetProtocolAddress)
        return 28
    }
}
