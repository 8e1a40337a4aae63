import Synchronization
import VPCModel

/// Token buckets per account, region and action category, as EC2 meters API
/// calls (aws-facts: Describe 100/20, unfiltered Describe 50/10, mutating 50/5,
/// security-group rule changes 50/5); and per source address for calls that fail
/// authentication (100/20), which no account pays for.
public final class Throttle: Sendable {
    /// A bucket's size and its refill per second.
    public struct Rate: Sendable, Equatable {
        public var capacity: Double
        public var refillPerSecond: Double

        public init(capacity: Double, refillPerSecond: Double) {
            self.capacity = capacity
            self.refillPerSecond = refillPerSecond
        }

        /// Parses `MAX:REFILL`, e.g. `100:20`.
        public init?(_ text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let c = Double(parts[0]), let r = Double(parts[1]), c >= 1, r >= 0 else { return nil }
            self.init(capacity: c, refillPerSecond: r)
        }
    }

    public enum Bucket: Sendable, Hashable {
        case describe, describeUnfiltered, mutating, securityGroupRules
        /// Calls that fail authentication, per source address and from all sources together
        /// (`admitUnauthenticated`).
        case unauthenticated, unauthenticatedTotal
    }

    public struct Limits: Sendable {
        public var rates: [Bucket: Rate] = [
            .describe: Rate(capacity: 100, refillPerSecond: 20),
            .describeUnfiltered: Rate(capacity: 50, refillPerSecond: 10),
            .mutating: Rate(capacity: 50, refillPerSecond: 5),
            .securityGroupRules: Rate(capacity: 50, refillPerSecond: 5),
            .unauthenticated: Rate(capacity: 100, refillPerSecond: 20),
            .unauthenticatedTotal: Rate(capacity: 1000, refillPerSecond: 200),
        ]
        public var enabled = true

        public init() {}
    }

    private struct Key: Hashable {
        var account: String
        var region: String
        var bucket: Bucket
    }

    private struct State {
        var tokens: Double
        var updated: Double
    }

    public let limits: Limits
    private let buckets = Mutex<[Key: State]>([:])
    /// Buckets held before full ones are forgotten (a full bucket is what a new one is).
    static let maxBuckets = 65_536
    private let refusedUnauthenticated = Atomic<UInt64>(0)

    public init(limits: Limits = .init()) { self.limits = limits }

    /// Calls that failed authentication and were refused unrecorded, since start.
    public var unauthenticatedRefusals: UInt64 { refusedUnauthenticated.load(ordering: .relaxed) }

    /// Takes a token for a call from `source` that failed authentication. Each would leave a
    /// record in the append-only trail that no account is metered for, so past the source's
    /// rate (`SourceAddressKey`: an IPv6 source by its /64), or past ten times that rate from
    /// all sources together, it is answered RequestLimitExceeded, not recorded, and counted.
    public func admitUnauthenticated(source: String, now: Double) -> Bool {
        let admitted = admit(account: "source " + SourceAddressKey.of(source), region: "", bucket: .unauthenticated, now: now)
            && admit(account: "all sources", region: "", bucket: .unauthenticatedTotal, now: now)
        if !admitted { refusedUnauthenticated.add(1, ordering: .relaxed) }
        return admitted
    }

    /// Takes one token; false when the bucket is empty (answer RequestLimitExceeded).
    /// A region this server does not serve shares one bucket per account (its name comes from
    /// the client's credential scope, so each would otherwise start a new, full one).
    public func admit(account: String, region: String, bucket: Bucket, now: Double) -> Bool {
        guard limits.enabled, let rate = limits.rates[bucket] else { return true }
        let served = RegionCatalog.standard.region(region) != nil
        let key = Key(account: account, region: served ? region : "", bucket: bucket)
        return buckets.withLock { all in
            if all[key] == nil, all.count >= Self.maxBuckets { forgetFull(&all, now: now) }
            var s = all[key] ?? State(tokens: rate.capacity, updated: now)
            s.tokens = min(rate.capacity, s.tokens + max(0, now - s.updated) * rate.refillPerSecond)
            s.updated = now
            let admitted = s.tokens >= 1
            if admitted { s.tokens -= 1 }
            all[key] = s
            return admitted
        }
    }

    /// Drops the buckets that have refilled (a new bucket starts full, so nothing changes);
    /// if too many are still draining, every source's bucket too: sources that many at once
    /// are then metered afresh, rather than the table growing without bound. Accounts'
    /// buckets (as many as accounts × regions × 4) are kept.
    private func forgetFull(_ all: inout [Key: State], now: Double) {
        all = all.filter { key, s in
            guard let rate = limits.rates[key.bucket] else { return false }
            return s.tokens + max(0, now - s.updated) * rate.refillPerSecond < rate.capacity
        }
        if all.count >= Self.maxBuckets * 3 / 4 { all = all.filter { $0.key.bucket != .unauthenticated } }
    }
}
