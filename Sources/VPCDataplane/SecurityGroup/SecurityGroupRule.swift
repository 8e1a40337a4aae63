public import VPCWire

/// One security-group rule, as `AuthorizeSecurityGroupIngress`/`Egress` stores it.
///
/// Mirrors EC2's `IpPermission`: `ipProtocol` -1 means all protocols; for TCP/UDP
/// `fromPort...toPort` is the destination port range; for ICMP/ICMPv6 `fromPort` is the
/// type and `toPort` the code, -1 meaning any.
/// Security groups hold allow rules only (AWS: "Security group rules").
public struct SecurityGroupRule: Hashable, Sendable {
    /// Who the rule admits. Prefix lists and referenced groups are resolved by the caller.
    public enum Peer: Hashable, Sendable {
        case cidr(IPPrefix)
        /// A managed prefix list, resolved to its entries.
        case prefixList(id: UInt64, entries: [IPPrefix])
        /// A referenced security group, resolved to its members' private addresses.
        case securityGroup(id: UInt64, members: [IPAddress])

        /// Calls `body` with each CIDR block of the peer, without allocating.
        @inlinable
        public func forEachPrefix(_ body: (IPPrefix) -> Void) {
            switch self {
            case .cidr(let p): body(p)
            case .prefixList(_, let entries): for p in entries { body(p) }
            case .securityGroup(_, let members): for m in members { body(IPPrefix.host(m)) }
            }
        }

        /// The peer as CIDR blocks (members become /32 or /128).
        public var prefixes: [IPPrefix] {
            switch self {
            case .cidr(let p): return [p]
            case .prefixList(_, let entries): return entries
            case .securityGroup(_, let members): return members.map(IPPrefix.host)
            }
        }
    }

    public var direction: TrafficDirection
    /// -1 (all), or an IANA protocol number 0...255.
    public var ipProtocol: Int16
    public var fromPort: Int32
    public var toPort: Int32
    public var peer: Peer

    public init(direction: TrafficDirection, ipProtocol: Int16, fromPort: Int32 = -1, toPort: Int32 = -1, peer: Peer) {
        self.direction = direction; self.ipProtocol = ipProtocol
        self.fromPort = fromPort; self.toPort = toPort; self.peer = peer
    }

    /// TCP or UDP ports `from...to` from/to `peer`.
    public static func ports(_ direction: TrafficDirection, proto: UInt8, _ from: UInt16, _ to: UInt16, _ peer: Peer) -> SecurityGroupRule {
        SecurityGroupRule(direction: direction, ipProtocol: Int16(proto), fromPort: Int32(from), toPort: Int32(to), peer: peer)
    }

    /// All traffic from/to `peer`.
    public static func allTraffic(_ direction: TrafficDirection, _ peer: Peer) -> SecurityGroupRule {
        SecurityGroupRule(direction: direction, ipProtocol: -1, peer: peer)
    }

    /// The matched key range: destination ports for TCP/UDP, `type << 8 | code` for ICMP,
    /// everything otherwise.
    public var keyRange: ClosedRange<UInt16> { ruleKeyRange(proto: ipProtocol, from: fromPort, to: toPort) }
}

/// The key range an (EC2-style) protocol/from/to triple matches; shared by SG and NACL rules.
func ruleKeyRange(proto: Int16, from: Int32, to: Int32) -> ClosedRange<UInt16> {
    switch proto {
    case Int16(IPProtocolNumber.tcp), Int16(IPProtocolNumber.udp):
        if from < 0 || to < 0 { return 0...0xFFFF }
        let lo = UInt16(clamping: from), hi = UInt16(clamping: to)
        return lo <= hi ? lo...hi : hi...lo
    case Int16(IPProtocolNumber.icmp), Int16(IPProtocolNumber.icmpv6):
        if from < 0 || from > 255 { return 0...0xFFFF }
        let t = UInt16(from) << 8
        if to < 0 || to > 255 { return t...(t | 0xFF) }
        return (t | UInt16(to))...(t | UInt16(to))
    default:
        return 0...0xFFFF
    }
}

/// The key a packet is matched with: destination port for TCP/UDP, type/code for ICMP, 0 otherwise.
@inlinable @inline(__always)
public func ruleKey(proto: UInt8, destinationPort: UInt16, icmpType: UInt8, icmpCode: UInt8) -> UInt16 {
    switch proto {
    case IPProtocolNumber.tcp, IPProtocolNumber.udp: return destinationPort
    case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6: return icmpPortKey(type: icmpType, code: icmpCode)
    default: return 0
    }
}
