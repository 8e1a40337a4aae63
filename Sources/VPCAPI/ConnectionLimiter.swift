import Synchronization

/// How many connections the server holds, in all and from one source address (an IPv6
/// source by its /64, `SourceAddressKey`). A connection over either limit is closed as soon
/// as it is accepted, unread.
public final class ConnectionLimiter: Sendable {
    /// The limits, and connections refused so far.
    public let total: Int
    public let perSource: Int
    private let state = Mutex(State())

    private struct State {
        var open = 0
        var bySource: [String: Int] = [:]
        var refused: UInt64 = 0
        /// Refusals already logged, and when (seconds of the monotonic clock).
        var reported: UInt64 = 0
        var reportedAt: UInt64 = 0
    }

    public init(total: Int, perSource: Int) {
        precondition(total > 0 && perSource > 0)
        self.total = total
        self.perSource = perSource
    }

    /// A connection's place, held until it closes: its source as the limiter keys it.
    struct Place: Sendable {
        fileprivate let source: String
    }

    /// Takes a place for a connection from `source`; nil (and counted) when none is left.
    func admit(_ source: String) -> Place? {
        let source = SourceAddressKey.of(source)
        return state.withLock { s in
            let mine = s.bySource[source, default: 0]
            guard s.open < total, mine < perSource else {
                s.refused &+= 1
                return nil
            }
            s.open += 1
            s.bySource[source] = mine + 1
            return Place(source: source)
        }
    }

    /// Gives back the place of a closed connection.
    func release(_ place: Place) {
        state.withLock { s in
            s.open -= 1
            let left = s.bySource[place.source, default: 1] - 1
            s.bySource[place.source] = left > 0 ? left : nil
        }
    }

    /// Refusals not yet logged, at most once a second (`now`: monotonic seconds), so a
    /// flood of refused connections is one log line a second, not one each.
    func refusalsToReport(now: UInt64) -> UInt64? {
        state.withLock { s in
            guard s.refused > s.reported, s.reported == 0 || now > s.reportedAt else { return nil }
            defer { (s.reported, s.reportedAt) = (s.refused, now) }
            return s.refused - s.reported
        }
    }
}
