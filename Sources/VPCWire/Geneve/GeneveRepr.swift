/// The Geneve header we send between hosts (RFC 8926 §3.4): VNI = VPC network id,
/// protocol 0x6558 (an Ethernet frame follows), and our ENI option.
public struct GeneveRepr: Hashable, Sendable {
    /// 24-bit VPC network id.
    public var vni: UInt32
    public var protocolType: EtherType
    public var isOAM: Bool
    public var eni: VPCENIOption?

    @inlinable
    public init(vni: UInt32, eni: VPCENIOption?, protocolType: EtherType = .transparentEthernetBridging, isOAM: Bool = false) {
        self.vni = vni
        self.protocolType = protocolType
        self.isOAM = isOAM
        self.eni = eni
    }

    /// Reads a checked packet; an unknown critical option is `.unsupported` (RFC 8926 §3.5.1: drop).
    @inlinable
    public init(_ p: GenevePacket) throws(WireError) {
        if p.hasUnknownCriticalOption { throw WireError(.unsupported, .geneve) }
        self.init(vni: p.vni, eni: p.eniOption, protocolType: p.protocolType, isOAM: p.isOAM)
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> GeneveRepr {
        try GeneveRepr(try GenevePacket(checking: bytes))
    }

    /// 8, or 28 with the ENI option.
    @inlinable public var headerLength: Int { eni == nil ? 8 : 28 }

    /// Writes the header (the inner frame goes after it); returns its length.
    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let n = headerLength
        guard b.count >= n else { throw WireError(.truncated, .geneve) }
        guard vni <= 0xFF_FFFF else { throw WireError(.malformed, .geneve) }
        b._set8(0, UInt8((n - 8) / 4))
        b._set8(1, isOAM ? 0x80 : 0)
        b._set16(2, protocolType.rawValue)
        b._set32(4, vni << 8)
        if let eni {
            b._set16(8, VPCENIOption.optionClass)
            b._set8(10, VPCENIOption.optionType)
            b._set8(11, UInt8(VPCENIOption.dataLength / 4))
            b._set64(12, eni.source)
            b._set64(20, eni.destination)
        }
        return n
    }
}
