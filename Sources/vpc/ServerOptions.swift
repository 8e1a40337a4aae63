import ArgumentParser
import Foundation
import VPCAPI
import VPCControlPlane
import VPCModel
import VPCStore

/// The options `vpc serve` (and later `vpc up`) share.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:9001"

    @Option(help: "Directory for the state (SQLite) and generated credentials.")
    var dataDir = DataDirectory.defaultPath

    @Option(name: .customLong("credentials"),
            help: "Provision an access key at start: KEY:SECRET[:ACCOUNT_ID] (repeatable; account defaults to 123456789012).")
    var credentials: [String] = []

    @Flag(help: "Expose POST /_vpc/reset, which restores every region to its first-start state.")
    var enableReset = false

    @Option(help: "Largest accepted difference between a request's signing time and now, in seconds.")
    var maxClockSkew: Double = 900

    @Option(help: "VPCs per account and region (AWS's default quota is 5).")
    var quotaVpcs: Int?

    @Option(help: "Instances (not terminated) per account and region (default 256); with few hosts, lower it so one account cannot take every host's interfaces.")
    var quotaInstances: Int?

    @Flag(help: "Turn API throttling off.")
    var noThrottle = false

    @Option(help: "Describe bucket, MAX:REFILL_PER_SECOND (default 100:20).")
    var throttleDescribe: String?

    @Option(help: "Unfiltered Describe bucket, MAX:REFILL_PER_SECOND (default 50:10).")
    var throttleDescribeUnfiltered: String?

    @Option(help: "Mutating-call bucket, MAX:REFILL_PER_SECOND (default 50:5).")
    var throttleMutate: String?

    @Option(help: "Security-group rule bucket, MAX:REFILL_PER_SECOND (default 50:5).")
    var throttleSecurityGroupRules: String?

    @Option(help: "Calls that fail authentication, per source address (IPv6: per /64), MAX:REFILL_PER_SECOND (default 100:20; ten times that from all sources together); past it they are refused unrecorded.")
    var throttleUnauthenticated: String?

    @Option(help: "Seconds between signed audit-trail digests.")
    var digestInterval: Double = 3600

    @Flag(help: "Record no audit trail (for measuring its cost).")
    var noAudit = false

    @Option(help: "File holding the agent secret, from which each host's own token is made (default <data-dir>/agent-token, created on first start).")
    var agentTokenFile: String?

    @Option(help: "Seconds a host's agent may go unheard (no registration, feed poll or status report) before new instances are no longer placed on its host (default 90).")
    var hostSilenceLimit: Double = 90

    @Option(help: "Tests only: the flow-log aggregation interval agents use, in seconds, instead of each flow log's MaxAggregationInterval.")
    var flowLogIntervalOverride: Int?

    @Option(help: "Event-loop threads serving HTTP (default: one per core but one, at least one). Reads are answered on them.")
    var eventLoops: Int?

    @Option(help: "Connections held at once, in all (default 4096; fewer if the open-file limit is lower).")
    var maxConnections = 4096

    @Option(help: "Connections held at once from one source address (default 512).")
    var maxConnectionsPerSource = 512

    @Option(help: "Seconds a connection may go without an answer (idle, or a request arriving slowly) before it is closed; keep it above the agents' long-poll (25 s, at most 60).")
    var answerTimeout = 90

    /// One event loop per core but one, which is left to the audit trail's writer and
    /// SQLite: on two cores one loop answered as many reads with a lower p99 (BENCHMARKS.md).
    static var defaultEventLoops: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

    func validate() throws {
        if let quotaVpcs, quotaVpcs < 1 { throw ValidationError("--quota-vpcs must be at least 1") }
        if let quotaInstances, quotaInstances < 1 { throw ValidationError("--quota-instances must be at least 1") }
        if let eventLoops, eventLoops < 1 { throw ValidationError("--event-loops must be at least 1") }
        guard maxConnections > 0, maxConnectionsPerSource > 0 else {
            throw ValidationError("--max-connections and --max-connections-per-source must be at least 1")
        }
        guard answerTimeout > 0 else { throw ValidationError("--answer-timeout must be at least 1 second") }
        guard hostSilenceLimit > 0 else { throw ValidationError("--host-silence-limit must be positive") }
        guard digestInterval > 0 else { throw ValidationError("--digest-interval must be positive") }
        if let flowLogIntervalOverride, !(1...600).contains(flowLogIntervalOverride) {
            throw ValidationError("--flow-log-interval-override must be 1 to 600 seconds")
        }
        _ = try hostAndPort()
        _ = try throttleLimits()
        _ = try accessKeys()
    }

    func hostAndPort() throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, got '\(listen)'")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func controlPlaneOptions() -> ControlPlaneOptions {
        var options = ControlPlaneOptions()
        if let quotaVpcs { options.quotas.vpcsPerRegion = quotaVpcs }
        if let quotaInstances { options.quotas.instancesPerRegion = quotaInstances }
        options.flowLogIntervalOverride = flowLogIntervalOverride
        options.hostSilenceLimit = hostSilenceLimit
        return options
    }

    func throttleLimits() throws -> Throttle.Limits {
        var limits = Throttle.Limits()
        limits.enabled = !noThrottle
        for (text, bucket) in [(throttleDescribe, Throttle.Bucket.describe),
                               (throttleDescribeUnfiltered, .describeUnfiltered),
                               (throttleMutate, .mutating), (throttleSecurityGroupRules, .securityGroupRules),
                               (throttleUnauthenticated, .unauthenticated)] {
            guard let text else { continue }
            guard let rate = Throttle.Rate(text) else { throw ValidationError("throttle rates are MAX:REFILL, got '\(text)'") }
            limits.rates[bucket] = rate
            if bucket == .unauthenticated {  // from all sources together: ten times one source's
                limits.rates[.unauthenticatedTotal] = .init(capacity: rate.capacity * 10, refillPerSecond: rate.refillPerSecond * 10)
            }
        }
        return limits
    }

    func accessKeys() throws -> [AccessKey] {
        try credentials.map { text in
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--credentials must be KEY:SECRET[:ACCOUNT_ID]")
            }
            let account = parts.count == 3 ? parts[2] : DataDirectory.defaultAccount
            guard account.count == 12, account.allSatisfy(\.isNumber) else {
                throw ValidationError("an account id is 12 digits, got '\(account)'")
            }
            return AccessKey(accessKeyId: parts[0], secretAccessKey: parts[1], account: account, userName: "admin")
        }
    }
}
