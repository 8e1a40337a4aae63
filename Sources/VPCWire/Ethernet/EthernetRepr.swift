/// The fields of an Ethernet II header, with at most one 802.1Q tag.
public struct EthernetRepr: Hashable, Sendable {
    public var source: MACAddress
    public var destination: MACAddress
    public var etherType: EtherType
    /// Outer 802.1Q VLAN id (12 bits), if tagged.
    public var vlanID: UInt16?

    @inlinable
    public init(source: MACAddress, destination: MACAddress, etherType: EtherType, vlanID: UInt16? = nil) {
        self.source = source
        self.destination = destination
        self.etherType = etherType
        self.vlanID = vlanID
    }

    /// Reads a validated frame. QinQ frames report the outer VLAN id only.
    @inlinable
    public init(_ frame: EthernetFrame) {
        self.init(source: frame.source, destination: frame.destination,
                  etherType: frame.etherType, vlanID: frame.vlanID)
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> EthernetRepr {
        EthernetRepr(try EthernetFrame(checking: bytes))
    }

    @inlinable public var headerLength: Int { vlanID == nil ? 14 : 18 }

    /// Writes the header at the start of `buffer`; returns its length (payload goes after).
    @inlinable
    public func emit(into buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard buffer.count >= headerLength else { throw WireError(.truncated, .ethernet) }
        buffer._setMAC(0, destination)
        buffer._setMAC(6, source)
        if let vlanID {
            buffer._set16(12, EtherType.vlan.rawValue)
            buffer._set16(14, vlanID & 0x0FFF)
            buffer._set16(16, etherType.rawValue)
            return 18
        }
        buffer._set16(12, etherType.rawValue)
        return 14
    }
}
