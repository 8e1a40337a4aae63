/// API-response-to-enforcement latency: for each write that changed a host's documents, the
/// time from the write's HTTP response to that host's status report with `appliedVersion` at
/// or past the write's version. Writes committed between two compilations of a host's
/// documents that changed them are attributed to the host together.
struct EnforcementTimes: Sendable {
    struct Host: Sendable {
        /// Versions that changed the host's documents, not yet acknowledged.
        var pending: [UInt64] = []
        var samples: [Double] = []
        var acknowledgedVersion: UInt64 = 0
        var acknowledgedAt: Double?
    }

    /// Versions committed recently, ascending (bounded).
    private(set) var committed: [UInt64] = []
    /// When each recent write's response was produced.
    private var responded: [UInt64: Double] = [:]
    private(set) var hosts: [String: Host] = [:]
    private(set) var ignoredReports = 0

    static let keptVersions = 65_536
    static let keptSamples = 100_000

    mutating func committed(_ version: UInt64) {
        // Commits are announced after the write lock is released, so two may arrive swapped.
        var i = committed.count
        while i > 0 && committed[i - 1] > version { i -= 1 }
        guard i == 0 || committed[i - 1] != version else { return }
        committed.insert(version, at: i)
        if committed.count > Self.keptVersions * 2 {
            let dropped = committed.prefix(committed.count - Self.keptVersions)
            for v in dropped { responded[v] = nil }
            committed.removeFirst(dropped.count)
        }
    }

    mutating func responded(_ version: UInt64, at time: Double) {
        guard let oldest = committed.first, version >= oldest else { return }
        responded[version] = time
    }

    /// The host's documents changed between compilations at `previous` and `version`.
    mutating func documentsChanged(host: String, after previous: UInt64, through version: UInt64) {
        var start = committed.count
        while start > 0 && committed[start - 1] > previous { start -= 1 }
        var entry = hosts[host] ?? Host()
        entry.pending += committed[start...].filter { $0 <= version && $0 > entry.acknowledgedVersion }
        hosts[host] = entry
    }

    mutating func acknowledged(host: String, version: UInt64, at time: Double, ignored: Int) {
        ignoredReports += ignored
        var entry = hosts[host] ?? Host()
        entry.acknowledgedVersion = max(entry.acknowledgedVersion, version)
        entry.acknowledgedAt = time
        var waiting: [UInt64] = []
        for v in entry.pending {
            guard v <= version else { waiting.append(v); continue }
            if let t = responded[v] { entry.samples.append(max(0, time - t)) }
        }
        entry.pending = waiting
        if entry.samples.count > Self.keptSamples { entry.samples.removeFirst(entry.samples.count - Self.keptSamples) }
        hosts[host] = entry
    }
}

/// `GET /_vpc/agent/enforcement`.
struct EnforcementReport: Codable, Sendable {
    struct Summary: Codable, Sendable {
        var count: Int
        var p50Ms: Double?
        var p90Ms: Double?
        var p99Ms: Double?
        var maxMs: Double?
        var acknowledgedVersion: UInt64?
        var acknowledgedAt: Double?
        /// The newest samples (at most 1000), oldest first.
        var samplesMs: [Double]?

        init(_ secondsSamples: [Double]) {
            let ms = secondsSamples.map { $0 * 1000 }
            let sorted = ms.sorted()
            func rank(_ p: Double) -> Double? {
                sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
            }
            count = sorted.count
            p50Ms = rank(0.5); p90Ms = rank(0.9); p99Ms = rank(0.99); maxMs = sorted.last
            samplesMs = Array(ms.suffix(1000))
        }
    }

    var hosts: [String: Summary]
    var all: Summary
    /// Status entries dropped: instances not placed on the reporting host, or unknown states.
    var ignoredReports: Int

    init(_ times: EnforcementTimes) {
        var hosts: [String: Summary] = [:]
        for (id, host) in times.hosts {
            var summary = Summary(host.samples)
            summary.acknowledgedVersion = host.acknowledgedVersion
            summary.acknowledgedAt = host.acknowledgedAt
            hosts[id] = summary
        }
        self.hosts = hosts
        var all = Summary(times.hosts.values.flatMap(\.samples))
        all.samplesMs = nil
        self.all = all
        ignoredReports = times.ignoredReports
    }
}
