/// Idle timeouts of tracked connections, in seconds.
///
/// Defaults follow AWS "Idle connection tracking timeout": TCP established 432000 s
/// (configurable 60–432000), UDP 30 s, UDP stream 180 s, other protocols 600 s.
/// Half-open, picked-up-but-unanswered and closing TCP states use short Linux-conntrack-like
/// values.
public struct ConnectionTimeouts: Hashable, Sendable {
    public var tcpEstablished: UInt32 { didSet { tcpEstablished = min(max(tcpEstablished, 60), 432_000) } }
    public var tcpSynSent: UInt32 = 120
    public var tcpSynReceived: UInt32 = 60
    public var tcpPickedUp: UInt32 = 120
    public var tcpFinWait: UInt32 = 120
    public var tcpTimeWait: UInt32 = 120
    public var tcpClosed: UInt32 = 10
    public var udp: UInt32 = 30
    public var udpStream: UInt32 = 180
    public var icmp: UInt32 = 30
    public var other: UInt32 = 600

    /// `tcpEstablished` is clamped to AWS's 60...432000.
    public init(tcpEstablished: UInt32 = 432_000, udp: UInt32 = 30, udpStream: UInt32 = 180) {
        self.tcpEstablished = min(max(tcpEstablished, 60), 432_000)
        self.udp = udp
        self.udpStream = udpStream
    }

    public static let aws = ConnectionTimeouts()

    @inlinable
    func timeout(for state: ConnectionState) -> UInt32 {
        switch state {
        case .empty: return 0
        case .tcpSynSent: return tcpSynSent
        case .tcpSynReceived: return tcpSynReceived
        case .tcpEstablished: return tcpEstablished
        case .tcpPickedUp: return tcpPickedUp
        case .tcpFinWait: return tcpFinWait
        case .tcpTimeWait: return tcpTimeWait
        case .tcpClosed: return tcpClosed
        case .udp: return udp
        case .udpStream: return udpStream
        case .icmp: return icmp
        case .other: return other
        }
    }
}
