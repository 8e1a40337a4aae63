/// A compiled network ACL: stateless, per direction, first match by rule number wins,
/// default `*` deny (rule 32767 for IPv4, 32768 for IPv6).
///
/// Compiled form: per direction and family, the rules as fixed-size 48-byte records sorted
/// by rule number and scanned linearly. ACLs hold ≤ 20 rules per direction by default
/// (quota up to 40), so a branch-light scan over one contiguous array (≤ 2 KB, in L1)
/// beats any index; each record is a range test on address, protocol and key.
public final class NetworkACL: Sendable {
    @frozen @usableFromInline
    struct CompiledRule: Sendable {
        @usableFromInline var first: AddressKey
        @usableFromInline var last: AddressKey
        @usableFromInline var keyLow: UInt16
        @usableFromInline var keyHigh: UInt16
        /// -1 for all protocols.
        @usableFromInline var proto: Int16
        @usableFromInline var ruleNumber: UInt16
        @usableFromInline var allow: Bool
    }

    @usableFromInline let ingressV4: [CompiledRule]
    @usableFromInline let ingressV6: [CompiledRule]
    @usableFromInline let egressV4: [CompiledRule]
    @usableFromInline let egressV6: [CompiledRule]

    /// Result of evaluating a packet: the action and the rule number that decided it.
    @frozen
    public struct Decision: Hashable, Sendable {
        public var allowed: Bool
        /// 1...32766, or 32767 / 32768 for the default `*` rule.
        public var ruleNumber: UInt16
        @inlinable public init(allowed: Bool, ruleNumber: UInt16) { self.allowed = allowed; self.ruleNumber = ruleNumber }
    }

    /// Rules with numbers outside 1...32766 are ignored. Duplicate numbers: the first given wins.
    public init(rules: [NetworkACLRule]) {
        func compile(_ dir: TrafficDirection, _ fam: IPFamily) -> [CompiledRule] {
            var seen = Set<UInt16>()
            return rules
                .filter { $0.direction == dir && $0.cidr.family == fam && (1...NetworkACLRule.maxRuleNumber).contains($0.ruleNumber) }
                .filter { seen.insert($0.ruleNumber).inserted }
                .sorted { $0.ruleNumber < $1.ruleNumber }
                .map { r in
                    let k = r.keyRange
                    return CompiledRule(first: r.cidr.first, last: r.cidr.last, keyLow: k.lowerBound, keyHigh: k.upperBound,
                                        proto: r.ipProtocol, ruleNumber: r.ruleNumber, allow: r.action == .allow)
                }
        }
        ingressV4 = compile(.ingress, .v4)
        ingressV6 = compile(.ingress, .v6)
        egressV4 = compile(.egress, .v4)
        egressV6 = compile(.egress, .v6)
    }

    /// The default network ACL AWS creates: rule 100 allows all traffic both ways, both families.
    public static let defaultACL = NetworkACL(rules: [
        NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
        NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
        NetworkACLRule(ruleNumber: 101, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV6),
        NetworkACLRule(ruleNumber: 101, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV6),
    ])

    /// Evaluates one packet. `remote` is the source address for inbound traffic and the
    /// destination for outbound; `key` is the destination port (TCP/UDP) or ICMP type/code.
    @inlinable
    public func evaluate(direction: TrafficDirection, family: IPFamily, proto: UInt8,
                         remote: AddressKey, key: UInt16) -> Decision {
        let rules: [CompiledRule]
        switch (direction, family) {
        case (.ingress, .v4): rules = ingressV4
        case (.ingress, .v6): rules = ingressV6
        case (.egress, .v4): rules = egressV4
        case (.egress, .v6): rules = egressV6
        }
        let p = Int16(proto)
        return rules.withUnsafeBufferPointer { buf in
            for r in buf where (r.proto == -1 || r.proto == p) && r.first <= remote && remote <= r.last
                && r.keyLow <= key && key <= r.keyHigh {
                return Decision(allowed: r.allow, ruleNumber: r.ruleNumber)
            }
            return Decision(allowed: false, ruleNumber: family == .v4 ? 32767 : 32768)
        }
    }

    /// Evaluates a packet given as a tuple.
    @inlinable
    public func evaluate(direction: TrafficDirection, tuple: FlowTuple, icmpType: UInt8 = 0, icmpCode: UInt8 = 0) -> Decision {
        let remote = direction == .ingress ? tuple.source : tuple.destination
        let key = ruleKey(proto: tuple.proto, destinationPort: tuple.destinationPort, icmpType: icmpType, icmpCode: icmpCode)
        return evaluate(direction: direction, family: tuple.family, proto: tuple.proto, remote: remote, key: key)
    }
}
