public import VPCControlPlane
import EC2Query
import Foundation
import Synchronization
import VPCModel

/// The mapping service host agents talk to (docs/agent-protocol.md), independent of the HTTP
/// framework: `register`, `feed` (long-polled deltas of each host's documents), `lookup`,
/// `status` and `enforcement`, each for the host its credentials name (`AgentCredentials`).
public final class AgentService: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public let contentType = "application/json"
    }

    let controlPlane: ControlPlane
    private let credentials: AgentCredentials
    private let signal: VersionSignal
    private let logs = Mutex<[String: HostFeedLog]>([:])
    private let enforcement = Mutex(EnforcementTimes())
    private let clock: @Sendable () -> Double
    /// Longest long-poll a request may ask for, in seconds.
    static let maxWait = 60.0

    /// `token` is the agent secret; `generations`, which token of each host is valid.
    public init(controlPlane: ControlPlane, token: String, generations: HostTokenGenerations? = nil,
                clock: (@Sendable () -> Double)? = nil) {
        self.controlPlane = controlPlane
        credentials = AgentCredentials(secret: token, generations: generations)
        self.clock = clock ?? { Date().timeIntervalSince1970 }
        signal = VersionSignal(version: controlPlane.version)
        controlPlane.observeCommits { [weak self] version in self?.committed(version) }
    }

    /// A committed write (or registration): wakes the feed requests waiting for it.
    private func committed(_ version: UInt64) {
        enforcement.withLock { $0.committed(version) }
        signal.advance(to: version)
    }

    /// The server is stopping: waiting feed requests answer now, so they do not hold up
    /// its graceful shutdown.
    public func shutDown() { signal.close() }

    /// A write's HTTP response was produced: the start of its enforcement time.
    public func writeResponded(version: UInt64) {
        let now = clock()
        enforcement.withLock { $0.responded(version, at: now) }
    }

    /// Whether `authorization` names an agent (the operator's or a host's): checked from the
    /// request head, before its body is read.
    public func authorizes(_ authorization: String?) -> Bool { credentials.caller(authorization) != nil }

    public func handle(method: String, path: String, query: String, headers: [(name: String, value: String)],
                       body: [UInt8]) async -> Response {
        let authorization = headers.first(where: { $0.name.lowercased() == "authorization" })?.value
        guard let caller = credentials.caller(authorization) else { return Response(status: 401, body: []) }
        var parameters: [String: String] = [:]
        for (name, value) in FormDecoding.pairs(query) { parameters[name] = value }
        do {
            switch (method, path) {
            case ("POST", "/_vpc/agent/register"):
                let registration = try JSONDecoder().decode(HostRegistration.self, from: Data(body))
                if let refused = Self.refuse(caller, actingAs: registration.hostId) { return refused }
                try controlPlane.registerHost(registration)
                return Response(status: 200, body: Array("{}".utf8))
            case ("GET", "/_vpc/agent/feed"):
                if let refused = Self.refuse(caller, actingAs: parameters["host"]) { return refused }
                return try await feed(parameters)
            case ("GET", "/_vpc/agent/lookup"):
                if let refused = Self.refuse(caller, actingAs: parameters["host"]) { return refused }
                return try lookup(parameters, caller: caller)
            case ("POST", "/_vpc/agent/status"):
                let status = try JSONDecoder().decode(HostStatus.self, from: Data(body))
                if let refused = Self.refuse(caller, actingAs: status.hostId) { return refused }
                return try self.status(status)
            case ("GET", "/_vpc/agent/enforcement"):
                guard caller == .operator else { return Self.error(403, "enforcement times are the operator's") }
                let report = enforcement.withLock { EnforcementReport($0) }
                return try json(report)
            default:
                return Self.error(404, "no such agent call: \(method) \(path)")
            }
        } catch let error as EC2Error {
            return Self.error(400, error.message)
        } catch is DecodingError {
            return Self.error(400, "the body is not the expected JSON")
        } catch {
            return Self.error(500, "internal error")
        }
    }

    /// 403 when `caller` may not act as `hostId` (a host's token names that host alone).
    static func refuse(_ caller: AgentCredentials.Caller, actingAs hostId: String?) -> Response? {
        guard let hostId, !caller.mayActAs(hostId) else { return nil }
        return error(403, "these credentials are not host \(hostId)'s")
    }

    private func feed(_ parameters: [String: String]) async throws -> Response {
        guard let host = parameters["host"], !host.isEmpty else { return Self.error(400, "host is required") }
        guard let since = UInt64(parameters["since"] ?? "0") else { return Self.error(400, "since must be a version") }
        guard let wait = Double(parameters["wait"] ?? "25"), wait >= 0, wait.isFinite else {
            return Self.error(400, "wait must be a number of seconds")
        }
        guard controlPlane.versionedSnapshot().hosts[host] != nil else { return Self.error(404, "host \(host) is not registered") }
        let deadline = ContinuousClock.now + .milliseconds(Int64(min(wait, Self.maxWait) * 1000))
        return try await controlPlane.polling(host: host) {
            while true {
                let update = currentUpdate(host: host, since: since)
                let remaining = deadline - ContinuousClock.now
                if !update.isEmpty || remaining <= .zero || Task.isCancelled || signal.isClosed { return try json(update) }
                await signal.wait(after: update.version, timeout: remaining)
            }
        }
    }

    /// The host's update from `since`, compiling its documents first when the control plane
    /// has moved on since they were last compiled.
    func currentUpdate(host: String, since: UInt64) -> HostFeedUpdate {
        let newest = controlPlane.version
        if logs.withLock({ $0[host]?.version }) != newest {
            let (version, regions, hosts) = controlPlane.versionedSnapshot()
            let docs = HostDocuments(hostId: host, regions: regions, hosts: hosts,
                                     flowLogInterval: controlPlane.options.flowLogIntervalOverride)
            logs.withLock { logs in
                var log = logs[host] ?? HostFeedLog()
                let previous = log.version
                if log.record(docs, at: version), let previous {
                    enforcement.withLock { $0.documentsChanged(host: host, after: previous, through: version) }
                }
                logs[host] = log
            }
        }
        return logs.withLock { $0[host]?.update(since: since) } ?? HostFeedUpdate(version: newest, full: true)
    }

    private func lookup(_ parameters: [String: String], caller: AgentCredentials.Caller) throws -> Response {
        guard let vni = parameters["vni"].flatMap(UInt32.init), let address = parameters["address"] else {
            return Self.error(400, "vni and address are required")
        }
        let (_, regions, hosts) = controlPlane.versionedSnapshot()
        guard let endpoint = HostDocuments.endpoint(vni: vni, address: address, regions: regions, hosts: hosts,
                                                    askedBy: caller.host) else {
            return Self.error(404, "no interface has \(address) in network \(vni)")
        }
        return try json(endpoint)
    }

    private func status(_ status: HostStatus) throws -> Response {
        guard controlPlane.versionedSnapshot().hosts[status.hostId] != nil else {
            return Self.error(404, "host \(status.hostId) is not registered")
        }
        let now = clock()
        let (_, ignored) = try controlPlane.applyHostStatus(status)
        enforcement.withLock {
            $0.acknowledged(host: status.hostId, version: status.appliedVersion, at: now, ignored: ignored)
        }
        return Response(status: 200, body: Array("{}".utf8))
    }

    private func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: 200, body: Array(try encoder.encode(value)))
    }

    static func error(_ status: Int, _ message: String) -> Response {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return Response(status: status, body: Array("{\"error\":\"\(escaped)\"}".utf8))
    }
}
