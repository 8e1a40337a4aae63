/// Idle timeouts of tracked connections, in seconds.
///
/// Defaults follow AWS "Idle connection tracking timeout": TCP established 432000 s
/// (configurable 60–432000), UDP 30 s (30–60), UDP stream 180 s (60–180), other protocols
/// 600 s; the configurable ones are held to those ranges.
/// Half-open, picked-up-but-unanswered and closing TCP states use short Linux-conntrack-like
/// values.
public struct ConnectionTimeouts: Hashable, Sendable {
    public var tcpEstablished: UInt32 { didSet { tcpEstablished = Self.tcpEstablishedRange.clamp(tcpEstablished) } }
    public var tcpSynSent: UInt32 = 120
    public var tcpSynReceived: UInt32 = 60
    public var tcpPickedUp: UInt32 = 120
    public var tcpFinWait: UInt32 = 120
    public var tcpTimeWait: UInt32 = 120
    public var tcpClosed: UInt32 = 10
    public var udp: UInt32 { didSet { udp = Self.udpRange.clamp(udp) } }
    public var udpStream: UInt32 { didSet { udpStream = Self.udpStreamRange.clamp(udpStream) } }
    public var icmp: UInt32 = 30
    public var other: UInt32 = 600

    /// AWS's ranges of the configurable timeouts.
    public static let tcpEstablishedRange: ClosedRange<UInt32> = 60...432_000
    public static let udpRange: ClosedRange<UInt32> = 30...60
    public static let udpStreamRange: ClosedRange<UInt32> = 60...180

    /// Each value is held to its AWS range.
    public init(tcpEstablished: UInt32 = 432_000, udp: UInt32 = 30, udpStream: UInt32 = 180) {
        self.tcpEstablished = Self.tcpEstablishedRange.clamp(tcpEstablished)
        self.udp = Self.udpRange.clamp(udp)
        self.udpStream = Self.udpStreamRange.clamp(udpStream)
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

extension ClosedRange<UInt32> {
    /// `value` if within, else the nearer bound.
    func clamp(_ value: UInt32) -> UInt32 { Swift.min(Swift.max(value, lowerBound), upperBound) }
}
