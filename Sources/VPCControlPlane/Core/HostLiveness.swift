/// When each host's agent was last heard from (its registration, feed polls and status
/// reports), and which are in a feed poll now. New instances go only to hosts heard from
/// within `ControlPlaneOptions.hostSilenceLimit`, so a launch does not land on a host
/// whose agent is gone and stay pending there. Kept in memory: after a restart every
/// registered host has the limit's time to be heard from again. Times are seconds of a
/// monotonic clock, so a step of the wall clock changes nothing.
public struct HostLiveness: Sendable {
    private var lastHeard: [String: Double] = [:]
    private var polling: [String: Int] = [:]
    /// When this control plane started: the last contact of hosts not heard from since.
    private let startedAt: Double
    /// Seconds of silence after which a host is no longer live (`--host-silence-limit`).
    private let silenceLimit: Double
    /// When this copy was taken: what `isLive` measures silence up to.
    public private(set) var asOf: Double

    public init(startedAt: Double, silenceLimit: Double) {
        self.startedAt = startedAt
        self.silenceLimit = silenceLimit
        asOf = startedAt
    }

    /// This record as of `now`.
    func observed(at now: Double) -> HostLiveness {
        var copy = self
        copy.asOf = now
        return copy
    }

    /// Whether `hostId`'s agent was polling at `asOf`, or heard from `silenceLimit` seconds
    /// before it or since.
    public func isLive(_ hostId: String) -> Bool {
        polling[hostId] != nil || asOf - (lastHeard[hostId] ?? startedAt) <= silenceLimit
    }

    mutating func heard(from hostId: String, at now: Double) {
        lastHeard[hostId] = now
    }

    /// A feed poll began (`delta` 1) or ended (−1): a long poll keeps its host live throughout.
    mutating func polling(_ hostId: String, _ delta: Int, at now: Double) {
        lastHeard[hostId] = now
        let n = polling[hostId, default: 0] + delta
        polling[hostId] = n > 0 ? n : nil
    }
}
