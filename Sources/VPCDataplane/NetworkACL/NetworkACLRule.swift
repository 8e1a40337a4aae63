/// One network-ACL entry (EC2 `NetworkAclEntry`).
///
/// Rules are numbered 1...32766 and evaluated lowest first; the first match decides.
/// A rule holds an IPv4 or an IPv6 CIDR. For TCP/UDP the port range is the destination
/// port; for ICMP/ICMPv6 `fromPort` is the type and `toPort` the code (-1 any).
/// (AWS: "Control subnet traffic with network access control lists".)
public struct NetworkACLRule: Hashable, Sendable {
    public enum Action: UInt8, Sendable { case allow = 1, deny = 0 }

    public var ruleNumber: UInt16
    public var direction: TrafficDirection
    public var action: Action
    /// -1 (all) or an IANA protocol number.
    public var ipProtocol: Int16
    public var cidr: IPPrefix
    public var fromPort: Int32
    public var toPort: Int32

    public init(ruleNumber: UInt16, direction: TrafficDirection, action: Action, ipProtocol: Int16,
                cidr: IPPrefix, fromPort: Int32 = -1, toPort: Int32 = -1) {
        self.ruleNumber = ruleNumber; self.direction = direction; self.action = action
        self.ipProtocol = ipProtocol; self.cidr = cidr; self.fromPort = fromPort; self.toPort = toPort
    }

    /// Highest number a user rule can have; `*` rules are 32767 (IPv4) and 32768 (IPv6).
    public static let maxRuleNumber: UInt16 = 32766

    public var keyRange: ClosedRange<UInt16> { ruleKeyRange(proto: ipProtocol, from: fromPort, to: toPort) }
}
