/// State of a tracked connection.
public enum ConnectionState: UInt8, Sendable {
    case empty = 0
    case tcpSynSent
    case tcpSynReceived
    case tcpEstablished
    /// One side has sent FIN.
    case tcpFinWait
    /// Both sides have sent FIN.
    case tcpTimeWait
    /// RST seen; kept briefly so stray segments still match.
    case tcpClosed
    case udp
    /// UDP with at least two packets seen in each direction.
    case udpStream
    case icmp
    case other
    /// TCP picked up mid-stream (a first packet without SYN, FIN or RST) and not answered
    /// yet: established once the other side answers, until then short-lived, so stray or
    /// forged segments cannot hold entries for the established timeout (5 days).
    case tcpPickedUp

    /// State of a connection created by a first packet with `tcpFlags`.
    @inlinable
    static func initial(proto: UInt8, tcpFlags: UInt8) -> ConnectionState {
        switch proto {
        case IPProtocolNumber.tcp:
            if tcpFlags & TCPFlagBits.rst != 0 { return .tcpClosed }
            if tcpFlags & TCPFlagBits.syn != 0 { return tcpFlags & TCPFlagBits.ack != 0 ? .tcpSynReceived : .tcpSynSent }
            if tcpFlags & TCPFlagBits.fin != 0 { return .tcpFinWait }
            return .tcpPickedUp
        case IPProtocolNumber.udp: return .udp
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6: return .icmp
        default: return .other
        }
    }
}

/// Direction of a packet relative to its connection's first packet.
public enum ConnectionDirection: UInt8, Sendable {
    case original = 0
    case reply = 1
}

/// Where a packet's tracked connection is in its `ConnectionTable` and which way the packet
/// goes; valid until the table next changes (`slot` < 0: no tracked connection).
@frozen
public struct ConnectionRef: Sendable {
    public let slot: Int
    public let original: Bool

    @inlinable
    public init(slot: Int, original: Bool) { self.slot = slot; self.original = original }

    @inlinable public static var untracked: ConnectionRef { ConnectionRef(slot: -1, original: true) }

    @inlinable public var isTracked: Bool { slot >= 0 }
    @inlinable public var direction: ConnectionDirection? { slot < 0 ? nil : (original ? .original : .reply) }
}
