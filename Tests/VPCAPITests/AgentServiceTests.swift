import Foundation
import Testing
import VPCAPI
import VPCControlPlane
import VPCModel

/// The agent endpoints through AgentService, with writes made through the EC2 endpoint.
@Suite struct AgentServiceTests {
    static let auth = [(name: "Authorization", value: "Bearer t0ken")]

    struct Setup {
        let api: APIFixture
        let agent: AgentService

        init() throws {
            var api = try APIFixture()
            agent = AgentService(controlPlane: api.service.controlPlane, token: "t0ken")
            api = api.respondingTo(agent)
            self.api = api
        }

        func call(_ method: String, _ path: String, query: String = "", body: some Encodable = [String: String](),
                  headers: [(name: String, value: String)] = AgentServiceTests.auth) async throws -> AgentService.Response {
            await agent.handle(method: method, path: path, query: query, headers: headers,
                               body: method == "POST" ? Array(try JSONEncoder().encode(body)) : [])
        }

        func feed(since: UInt64, wait: Double = 0) async throws -> HostFeedUpdate {
            let r = try await call("GET", "/_vpc/agent/feed", query: "host=h1&since=\(since)&wait=\(wait)")
            #expect(r.status == 200)
            return try JSONDecoder().decode(HostFeedUpdate.self, from: Data(r.body))
        }
    }

    @Test func everyCallNeedsTheToken() async throws {
        let s = try Setup()
        for headers in [[], [(name: "Authorization", value: "Bearer t0ke")], [(name: "authorization", value: "t0ken")],
                        [(name: "Authorization", value: "Bearer t0ken2")]] {
            for (method, path) in [("POST", "/_vpc/agent/register"), ("GET", "/_vpc/agent/feed"),
                                   ("GET", "/_vpc/agent/lookup"), ("POST", "/_vpc/agent/status"),
                                   ("GET", "/_vpc/agent/enforcement")] {
                #expect(try await s.call(method, path, headers: headers).status == 401)
            }
        }
        #expect(try await s.call("GET", "/_vpc/agent/enforcement").status == 200)
    }

    /// A host's own token acts for that host alone; the secret acts for every host.
    @Test func aHostsOwnTokenActsForThatHostAlone() async throws {
        let s = try Setup()
        let credentials = AgentCredentials(secret: "t0ken")
        let h1 = [(name: "Authorization", value: "Bearer " + credentials.hostToken("h1"))]
        func register(_ host: String, _ headers: [(name: String, value: String)]) async throws -> Int {
            try await s.call("POST", "/_vpc/agent/register", body: HostRegistration(hostId: host, underlay: "192.0.2.1"),
                             headers: headers).status
        }
        #expect(try await register("h1", h1) == 200)
        #expect(try await register("h2", h1) == 403)
        #expect(try await s.call("GET", "/_vpc/agent/feed", query: "host=h2&since=0&wait=0").status == 404)  // not registered
        #expect(try await register("h2", Self.auth) == 200)
        #expect(try await s.call("GET", "/_vpc/agent/feed", query: "host=h1&since=0&wait=0", headers: h1).status == 200)
        #expect(try await s.call("GET", "/_vpc/agent/feed", query: "host=h2&since=0&wait=0", headers: h1).status == 403)
        #expect(try await s.call("POST", "/_vpc/agent/status", body: HostStatus(hostId: "h2", appliedVersion: 0, instances: []),
                                 headers: h1).status == 403)
        #expect(try await s.call("POST", "/_vpc/agent/status", body: HostStatus(hostId: "h1", appliedVersion: 0, instances: []),
                                 headers: h1).status == 200)
        // A host looks up addresses only in VPCs where it has an instance itself.
        let run = s.api.call("RunInstances", [("ImageId", "ami-0123456789abcdef0"), ("MinCount", "1"), ("MaxCount", "1")])
        let address = try #require(run.value("privateIpAddress"))
        func networks(_ host: String) async throws -> [NetworkSpec] {
            let r = try await s.call("GET", "/_vpc/agent/feed", query: "host=\(host)&since=0&wait=0")
            return try JSONDecoder().decode(HostFeedUpdate.self, from: Data(r.body)).networks
        }
        let (placed, other) = try await networks("h1").isEmpty ? ("h2", "h1") : ("h1", "h2")
        let vni = try #require(try await networks(placed).first).vni
        func lookup(as host: String) async throws -> Int {
            try await s.call("GET", "/_vpc/agent/lookup", query: "host=\(host)&vni=\(vni)&address=\(address)",
                             headers: [(name: "Authorization", value: "Bearer " + credentials.hostToken(host))]).status
        }
        #expect(try await lookup(as: placed) == 200)
        #expect(try await lookup(as: other) == 404)
        #expect(try await s.call("GET", "/_vpc/agent/lookup", query: "vni=\(vni)&address=\(address)").status == 200)

        // Forged: h1's code under h2's name, a made-up code, another secret's token, no host.
        let code = String(credentials.hostToken("h1").dropFirst("h1.".count))
        for forged in ["h2." + code, "h2." + String(repeating: "0", count: 64),
                       AgentCredentials(secret: "other").hostToken("h2"), "." + code, code] {
            #expect(try await s.call("GET", "/_vpc/agent/feed", query: "host=h2&since=0&wait=0",
                                     headers: [(name: "Authorization", value: "Bearer " + forged)]).status == 401, "\(forged)")
        }
    }

    @Test func longPollWakesOnACommitAndTimesEnforcement() async throws {
        let s = try Setup()
        let register = try await s.call("POST", "/_vpc/agent/register",
                                        body: HostRegistration(hostId: "h1", underlay: "192.0.2.1"))
        #expect(register.status == 200)
        let run = s.api.call("RunInstances", [("ImageId", "ami-0123456789abcdef0"), ("MinCount", "1"), ("MaxCount", "1")])
        #expect(run.status == 200)
        let group = try #require(run.value("groupId"))
        let base = try await s.feed(since: 0)
        #expect(base.full && base.instances.count == 1)
        let status = HostStatus(hostId: "h1", appliedVersion: base.version, instances: [
            InstanceStatus(instanceId: base.instances[0].instanceId, state: "running", consoleOutput: "up\n")])
        #expect(try await s.call("POST", "/_vpc/agent/status", body: status).status == 200)

        // A parked poll returns as soon as the rule commits, with only that VPC.
        let started = ContinuousClock.now
        async let woken = s.feed(since: try await s.feed(since: base.version).version, wait: 20)
        try await Task.sleep(for: .milliseconds(200))
        let authorize = s.api.call("AuthorizeSecurityGroupIngress", [
            ("GroupId", group), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "443"),
            ("IpPermissions.1.ToPort", "443"), ("IpPermissions.1.IpRanges.1.CidrIp", "10.9.0.0/16")])
        #expect(authorize.status == 200)
        let update = try await woken
        // Woken, not timed out (the latency itself is measured end to end in Tests/e2e, on a
        // quiet server; here parallel suites share two cores).
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(!update.full && update.networks.count == 1 && update.instances.isEmpty)

        let ack = HostStatus(hostId: "h1", appliedVersion: update.version, instances: [])
        #expect(try await s.call("POST", "/_vpc/agent/status", body: ack).status == 200)
        let report = try await s.call("GET", "/_vpc/agent/enforcement")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.body)) as? [String: Any])
        let hosts = try #require(json["hosts"] as? [String: [String: Any]])
        #expect(hosts["h1"]?["count"] as? Int == 1)
        #expect(hosts["h1"]?["acknowledgedVersion"] as? Int == Int(update.version))
    }

    @Test func unknownHostsAndBadBodies() async throws {
        let s = try Setup()
        #expect(try await s.call("GET", "/_vpc/agent/feed", query: "host=nobody&since=0").status == 404)
        #expect(try await s.call("POST", "/_vpc/agent/register", body: ["hostId": "h1"]).status == 400)
        #expect(try await s.call("POST", "/_vpc/agent/register",
                                 body: HostRegistration(hostId: "h1", underlay: "not-an-ip")).status == 400)
        #expect(try await s.call("POST", "/_vpc/agent/status",
                                 body: HostStatus(hostId: "nobody", appliedVersion: 1, instances: [])).status == 404)
        #expect(try await s.call("GET", "/_vpc/agent/lookup", query: "vni=1&address=10.0.0.1").status == 404)
        #expect(try await s.call("GET", "/_vpc/agent/nothing").status == 404)
    }
}

extension APIFixture {
    /// The fixture with its EC2 service telling `agent` when write responses are produced.
    func respondingTo(_ agent: AgentService) -> APIFixture {
        var copy = self
        copy.service.writeResponded = agent.writeResponded
        return copy
    }
}
