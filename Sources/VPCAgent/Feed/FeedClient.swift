import Foundation
public import VPCModel

/// The agent's side of docs/agent-protocol.md: register, long-poll the feed, look up
/// mapping misses, post status. Blocking calls, made from the agent's own threads.
public struct FeedClient: Sendable {
    public let http: HTTPClient
    public let hostId: String

    public init(http: HTTPClient, hostId: String) { self.http = http; self.hostId = hostId }

    public struct UnexpectedStatus: Error, CustomStringConvertible {
        public var call: String
        public var status: Int
        public var body: String
        public var description: String { "\(call): HTTP \(status) \(body.prefix(200))" }
    }

    public func register(_ r: HostRegistration) throws {
        try post("/_vpc/agent/register", r)
    }

    /// The changes after `since`, waiting up to `wait` seconds for one.
    public func feed(since: UInt64, wait: Int) throws -> HostFeedUpdate {
        let target = "/_vpc/agent/feed?host=\(escape(hostId))&since=\(since)&wait=\(wait)"
        let r = try http.request("GET", target, timeout: Double(wait) + 15)
        guard r.status == 200 else { throw UnexpectedStatus(call: "feed", status: r.status, body: String(decoding: r.body, as: UTF8.self)) }
        return try JSONDecoder().decode(HostFeedUpdate.self, from: Data(r.body))
    }

    /// Where `address` lives in the VPC with `vni`; nil when no ENI has it (404).
    public func lookup(vni: UInt32, address: String) throws -> EndpointSpec? {
        let r = try http.request("GET", "/_vpc/agent/lookup?host=\(escape(hostId))&vni=\(vni)&address=\(escape(address))", timeout: 5)
        if r.status == 404 { return nil }
        guard r.status == 200 else { throw UnexpectedStatus(call: "lookup", status: r.status, body: String(decoding: r.body, as: UTF8.self)) }
        return try JSONDecoder().decode(EndpointSpec.self, from: Data(r.body))
    }

    public func status(_ s: HostStatus) throws {
        try post("/_vpc/agent/status", s)
    }

    /// Delivers one spooled `FlowRecordBatch` body; returns the HTTP status.
    public func flowRecords(_ body: [UInt8]) throws -> Int {
        try http.request("POST", "/_vpc/agent/flow-records", body: body, timeout: 30).status
    }

    private func post(_ path: String, _ value: some Encodable) throws {
        let body = Array(try JSONEncoder().encode(value))
        let r = try http.request("POST", path, body: body, timeout: 10)
        guard r.status == 200 else { throw UnexpectedStatus(call: path, status: r.status, body: String(decoding: r.body, as: UTF8.self)) }
    }

    private func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}
