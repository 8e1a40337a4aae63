/// What the stateful security-group stage did with a packet.
public enum SecurityGroupAction: UInt8, Sendable {
    /// Part of a tracked connection: passes whatever the rules say now.
    case acceptTracked
    /// Allowed by the rules; a new tracked connection was created.
    case acceptNew
    /// Allowed by rules that make the flow untracked; nothing recorded.
    case acceptUntracked
    /// An ICMP error quoting a tracked connection.
    case acceptRelated
    /// No rule allows it.
    case rejectNoRule
    /// Allowed, but the ENI is at its tracked-connection allowance (counted).
    case rejectAllowanceExceeded
    /// Allowed, but the connection table is full (counted).
    case rejectTableFull

    @inlinable public var isAccepted: Bool { rawValue <= SecurityGroupAction.acceptRelated.rawValue }
}

/// The stateful security-group stage of one ENI: connection tracking first, rules second
/// (AWS "Security group connection tracking").
///
/// - a packet of a tracked connection passes in either direction, even after the rule that
///   admitted it is removed;
/// - untracked flows (TCP/UDP allowed by 0.0.0.0/0 rules both ways, one way on every port;
///   `SecurityGroupPolicy.evaluate`) are re-evaluated on every packet, so they stop as soon
///   as the rule goes;
/// - past the ENI's allowance new flows are dropped and counted; existing ones continue.
public enum SecurityGroupFilter {
    /// - Parameters:
    ///   - zone: the ENI index in `table`.
    ///   - direction: `.egress` for packets the ENI sends, `.ingress` for packets it receives.
    ///   - icmpType/icmpCode: for ICMP/ICMPv6 packets (echo: `tuple`'s ports from `FlowTuple.echoPorts`).
    @inlinable
    public static func process(
        policy: SecurityGroupPolicy, table: ConnectionTable, zone: UInt32,
        direction: TrafficDirection, tuple: FlowTuple,
        tcpFlags: UInt8 = 0, icmpType: UInt8 = 0, icmpCode: UInt8 = 0, now: UInt32
    ) -> SecurityGroupAction {
        if table.observe(zone: zone, tuple, tcpFlags: tcpFlags, now: now) != nil { return .acceptTracked }
        return processUntracked(policy: policy, table: table, zone: zone, direction: direction, tuple: tuple,
                                tcpFlags: tcpFlags, icmpType: icmpType, icmpCode: icmpCode, now: now).action
    }

    /// `process` for a packet `table.observeSlot` found no connection for: the rules decide,
    /// and an allowed tracked flow starts a connection (returned, else `.untracked`).
    @inlinable @inline(__always)
    public static func processUntracked(
        policy: SecurityGroupPolicy, table: ConnectionTable, zone: UInt32,
        direction: TrafficDirection, tuple: FlowTuple,
        tcpFlags: UInt8 = 0, icmpType: UInt8 = 0, icmpCode: UInt8 = 0, now: UInt32
    ) -> (action: SecurityGroupAction, connection: ConnectionRef) {
        switch policy.evaluate(direction: direction, tuple: tuple, icmpType: icmpType, icmpCode: icmpCode) {
        case .deny: return (.rejectNoRule, .untracked)
        case .allowUntracked: return (.acceptUntracked, .untracked)
        case .allowTracked:
            let (result, connection) = table.insertSlot(zone: zone, tuple, direction: direction, tcpFlags: tcpFlags, now: now)
            switch result {
            case .inserted: return (.acceptNew, connection)
            case .existing: return (.acceptTracked, connection)
            case .allowanceExceeded: return (.rejectAllowanceExceeded, .untracked)
            case .tableFull: return (.rejectTableFull, .untracked)
            }
        }
    }

    /// An ICMP/ICMPv6 error (destination unreachable, time exceeded, packet too big):
    /// passes if it quotes a tracked connection, else if the rules allow its type/code.
    /// Never creates a connection.
    @inlinable
    public static func processICMPError(
        policy: SecurityGroupPolicy, table: ConnectionTable, zone: UInt32,
        direction: TrafficDirection, outer: FlowTuple, icmpType: UInt8, icmpCode: UInt8,
        innerTuple: FlowTuple, now: UInt32
    ) -> SecurityGroupAction {
        // Related only when it goes back to the quoted packet's sender, as an error does.
        if outer.destination == innerTuple.source,
           table.lookupRelated(zone: zone, innerTuple: innerTuple, now: now) != nil { return .acceptRelated }
        return policy.evaluate(direction: direction, tuple: outer, icmpType: icmpType, icmpCode: icmpCode).isAllowed
            ? .acceptUntracked : .rejectNoRule
    }
}
