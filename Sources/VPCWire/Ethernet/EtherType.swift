/// An EtherType (IEEE 802.3 / IANA). A struct, not an enum, so unknown values stay representable.
public struct EtherType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let ipv6 = EtherType(rawValue: 0x86DD)
    /// IEEE 802.1Q customer tag.
    public static let vlan = EtherType(rawValue: 0x8100)
    /// IEEE 802.1ad service tag (QinQ outer).
    public static let qinq = EtherType(rawValue: 0x88A8)
    /// Transparent Ethernet Bridging: Geneve's protocol type for an inner Ethernet frame (RFC 8926 §3.4).
    public static let transparentEthernetBridging = EtherType(rawValue: 0x6558)

    public var description: String {
        switch rawValue {
        case 0x0800: "IPv4"
        case 0x0806: "ARP"
        case 0x86DD: "IPv6"
        case 0x8100: "802.1Q"
        case 0x88A8: "802.1ad"
        case 0x6558: "TEB"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// An IP protocol number (IANA "Assigned Internet Protocol Numbers"), also IPv6 Next Header.
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let hopByHop = IPProtocol(rawValue: 0)
    public static let icmp = IPProtocol(rawValue: 1)
    public static let tcp = IPProtocol(rawValue: 6)
    public static let udp = IPProtocol(rawValue: 17)
    public static let routing = IPProtocol(rawValue: 43)
    public static let fragment = IPProtocol(rawValue: 44)
    public static let esp = IPProtocol(rawValue: 50)
    public static let authentication = IPProtocol(rawValue: 51)
    public static let icmpv6 = IPProtocol(rawValue: 58)
    public static let noNextHeader = IPProtocol(rawValue: 59)
    public static let destinationOptions = IPProtocol(rawValue: 60)

    public var description: String {
        switch rawValue {
        case 1: "ICMP"
        case 6: "TCP"
        case 17: "UDP"
        case 58: "ICMPv6"
        default: String(rawValue)
        }
    }
}
