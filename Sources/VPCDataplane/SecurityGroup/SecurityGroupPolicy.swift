/// Outcome of evaluating security-group rules for a packet that matched no tracked connection.
public enum SecurityGroupVerdict: UInt8, Sendable {
    case deny = 0
    /// Allowed; the flow must be tracked so its replies pass.
    case allowTracked = 1
    /// TCP/UDP that 0.0.0.0/0 (::/0) rules allow both ways, one way on every port: not
    /// tracked, so every packet is re-evaluated and the flow stops as soon as such a rule goes.
    /// (AWS: "Security group connection tracking — Untracked connections".)
    case allowUntracked = 2

    @inlinable public var isAllowed: Bool { self != .deny }
}

/// The compiled security-group policy of one ENI: the union of the rules of every group
/// attached to it, both directions, both families. Immutable; rebuild on change and swap.
public final class SecurityGroupPolicy: Sendable {
    @usableFromInline let ingressV4: SecurityGroupRuleIndex
    @usableFromInline let ingressV6: SecurityGroupRuleIndex
    @usableFromInline let egressV4: SecurityGroupRuleIndex
    @usableFromInline let egressV6: SecurityGroupRuleIndex
    /// Bit i set: 0.0.0.0/0 (::/0) rules of one direction or the other allow every port of
    /// family/protocol i (bit 0 v4 TCP, 1 v4 UDP, 2 v6 TCP, 3 v6 UDP); clear, no flow of it
    /// is untracked.
    @usableFromInline let openAllMask: UInt8

    /// Compiles `rules` (both directions mixed). Prefix lists and group references must be resolved.
    public init(rules: [SecurityGroupRule]) {
        let ingress = rules.filter { $0.direction == .ingress }
        let egress = rules.filter { $0.direction == .egress }
        ingressV4 = SecurityGroupRuleIndex(rules: ingress, family: .v4)
        ingressV6 = SecurityGroupRuleIndex(rules: ingress, family: .v6)
        egressV4 = SecurityGroupRuleIndex(rules: egress, family: .v4)
        egressV6 = SecurityGroupRuleIndex(rules: egress, family: .v6)
        var mask: UInt8 = 0
        if ingressV4.openAllTCP || egressV4.openAllTCP { mask |= 1 }
        if ingressV4.openAllUDP || egressV4.openAllUDP { mask |= 2 }
        if ingressV6.openAllTCP || egressV6.openAllTCP { mask |= 4 }
        if ingressV6.openAllUDP || egressV6.openAllUDP { mask |= 8 }
        openAllMask = mask
    }

    /// A policy that allows nothing (an ENI with no rules).
    public static let denyAll = SecurityGroupPolicy(rules: [])

    /// Evaluates the rules for a packet of no tracked connection. `remote` is the source for
    /// ingress and the destination for egress; `key` is the destination port (TCP/UDP) or
    /// `icmpPortKey(type:code:)` (ICMP), see `ruleKey(proto:destinationPort:icmpType:icmpCode:)`;
    /// `replyPort` is the source port (TCP/UDP), where an answer would go.
    ///
    /// A TCP or UDP flow is untracked when 0.0.0.0/0 (::/0) rules allow it both ways, and one
    /// way on every port: AWS's "a rule for all traffic and a corresponding rule in the other
    /// direction that permits all response traffic for all ports" (e.g. inbound TCP 80 from
    /// 0.0.0.0/0 and outbound all traffic). Packets are judged alone, so the test is the same
    /// whichever way a packet of the flow goes (which side opened it cannot be known): both
    /// of its directions get one verdict, and an answer never starts a tracked connection for
    /// an untracked flow.
    @inlinable
    public func evaluate(direction: TrafficDirection, family: IPFamily, proto: UInt8,
                         remote: AddressKey, key: UInt16, replyPort: UInt16) -> SecurityGroupVerdict {
        let index: SecurityGroupRuleIndex, reverse: SecurityGroupRuleIndex
        switch (direction, family) {
        case (.ingress, .v4): index = ingressV4; reverse = egressV4
        case (.ingress, .v6): index = ingressV6; reverse = egressV6
        case (.egress, .v4): index = egressV4; reverse = ingressV4
        case (.egress, .v6): index = egressV6; reverse = ingressV6
        }
        guard index.allows(proto: proto, remote: remote, key: key) else { return .deny }
        let bit: UInt8
        switch proto {
        case IPProtocolNumber.tcp: bit = family == .v4 ? 1 : 4
        case IPProtocolNumber.udp: bit = family == .v4 ? 2 : 8
        default: return .allowTracked  // ICMP and other protocols are always tracked
        }
        return openAllMask & bit != 0 && index.openAllows(proto: proto, port: key)
            && reverse.openAllows(proto: proto, port: replyPort) ? .allowUntracked : .allowTracked
    }

    /// Evaluates a packet given as a tuple (remote and key derived from direction).
    @inlinable
    public func evaluate(direction: TrafficDirection, tuple: FlowTuple,
                         icmpType: UInt8 = 0, icmpCode: UInt8 = 0) -> SecurityGroupVerdict {
        let remote = direction == .ingress ? tuple.source : tuple.destination
        let key = ruleKey(proto: tuple.proto, destinationPort: tuple.destinationPort, icmpType: icmpType, icmpCode: icmpCode)
        return evaluate(direction: direction, family: tuple.family, proto: tuple.proto, remote: remote, key: key,
                        replyPort: tuple.sourcePort)
    }
}
