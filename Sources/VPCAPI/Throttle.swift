import Synchronization
import VPCModel

/// Token buckets per account, region and action category, as EC2 meters API
/// calls (aws-facts: Describe 100/20, unfiltered Describe 50/10, mutating 50/5,
/// security-group rule changes 50/5).
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
    }

    public struct Limits: Sendable {
        public var rates: [Bucket: Rate] = [
            .describe: Rate(capacity: 100, refillPerSecond: 20),
            .describeUnfiltered: Rate(capacity: 50, refillPerSecond: 10),
            .mutating: Rate(capacity: 50, refillPerSecond: 5),
            .securityGroupRules: Rate(capacity: 50, refillPerSecond: 5),
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

    public init(limits: Limits = .init()) { self.limits = limits }

    /// Takes one token; false when the bucket is empty (answer RequestLimitExceeded).
    /// A region this server does not serve shares one bucket per account (its name comes from
    /// the client's credential scope, so each would otherwise start a new, full one).
    public func admit(account: String, region: String, bucket: Bucket, now: Double) -> Bool {
        guard limits.enabled, let rate = limits.rates[bucket] else { return true }
        let served = RegionCatalog.standard.region(region) != nil
        let key = Key(account: account, region: served ? region : "", bucket: bucket)
        return buckets.withLock { all in
            var s = all[key] ?? State(tokens: rate.capacity, updated: now)
            s.tokens = min(rate.capacity, s.tokens + max(0, now - s.updated) * rate.refillPerSecond)
            s.updated = now
            let admitted = s.tokens >= 1
            if admitted { s.tokens -= 1 }
            all[key] = s
            return admitted
        }
    }
}
