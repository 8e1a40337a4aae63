// vpc-loadgen: load generator for EC2 Query endpoints (ours, moto, ...).
// N keep-alive HTTP/1.1 connections, one request in flight on each, every request
// freshly SigV4-signed; closed loop, or open loop at a fixed rate (`--rate`). Reports requests/s, p50/p99/p99.9 latency and non-2xx answers.

import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

enum Mode: String, ExpressibleByArgument, CaseIterable {
    case describeVpcs = "describe-vpcs"
    case createSG = "create-sg"
}

@main
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpc-loadgen",
        abstract: "Closed- or open-loop, SigV4-signing load generator for an EC2 Query endpoint.")

    @Argument(help: "describe-vpcs | create-sg")
    var mode: Mode

    @Option(help: "Endpoint, http://HOST:PORT.")
    var endpoint = "http://127.0.0.1:9001"

    @Option(help: "Access key id.")
    var accessKey = "AKIDBENCH"

    @Option(help: "Secret access key.")
    var secret = "benchsecret"

    @Option(help: "Region in the credential scope.")
    var region = "us-east-1"

    @Option(name: [.short, .long], help: "Concurrent connections (one request in flight each).")
    var connections = 1

    @Option(help: "Measured seconds.")
    var duration: Double = 5

    @Option(help: "Open loop: requests per second in all, spread evenly over the connections (default: closed loop).")
    var rate: Double?

    @Option(help: "Warm-up seconds before measuring.")
    var warmup: Double = 1

    @Option(help: "Client event-loop threads.")
    var threads = 1

    @Option(help: "describe-vpcs: create VPCs until the region has this many.")
    var vpcs = 20

    @Option(help: "create-sg: fresh VPCs to spread the security groups over.")
    var sgVpcs = 8

    @Option(help: "Label of the server in the markdown row.")
    var label = "server"

    @Flag(help: "Print one markdown table row on stdout (the summary always goes to stderr).")
    var markdown = false

    func run() async throws {
        guard let url = URL(string: endpoint), let host = url.host, let port = url.port else {
            throw ValidationError("--endpoint must be http://HOST:PORT")
        }
        if let rate, !(rate >= 1 && Double(connections) / rate <= 3600) {
            throw ValidationError("--rate must be at least 1 request/s and at least one per connection per hour")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            try await run(group: group, host: host, port: port)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    func run(group: MultiThreadedEventLoopGroup, host: String, port: Int) async throws {
        let factory = RequestFactory(accessKey: accessKey, secret: secret, region: region, hostHeader: "\(host):\(port)")

        // Setup on one connection.
        // Setup: one request at a time, a new connection whenever the server closed the last one.
        let call: (String, [(String, String)]) async throws -> Response = { action, params in
            var clock = AmzDateClock()
            let (head, body) = factory.make(action, params, amzDate: clock.now())
            let setup = try await Connection.connect(group: group, host: host, port: port)
            let response = try await setup.eventLoop.flatSubmit { setup.send(head, body: body) }.get()
            return response
        }
        let runID = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        switch mode {
        case .describeVpcs:
            let existing = try await call("DescribeVpcs", [])
            guard (200..<300).contains(existing.status) else { throw Failure("DescribeVpcs: \(existing.status) \(existing.text)") }
            var count = xmlValues("vpcId", in: existing.text).count
            var i = 0
            while count < vpcs {
                let r = try await call("CreateVpc", [("CidrBlock", "10.\(i % 256).0.0/16")])
                guard (200..<300).contains(r.status) else { throw Failure("CreateVpc: \(r.status) \(r.text)") }
                count += 1
                i += 1
            }
            let after = try await call("DescribeVpcs", [])
            log("DescribeVpcs lists \(xmlValues("vpcId", in: after.text).count) VPCs (\(after.body.readableBytes) bytes)")
            try await measure(DescribeVpcsScenario.self, group: group, host: host, port: port, factory: factory) { _ in
                DescribeVpcsScenario()
            }
        case .createSG:
            var ids: [String] = []
            for i in 0..<sgVpcs {
                let r = try await call("CreateVpc", [("CidrBlock", "172.\(16 + i % 16).0.0/16")])
                guard (200..<300).contains(r.status), let id = xmlValue("vpcId", in: r.text) else {
                    throw Failure("CreateVpc: \(r.status) \(r.text)")
                }
                ids.append(id)
            }
            log("security groups go into \(ids.count) fresh VPCs")
            try await measure(CreateSecurityGroupScenario.self, group: group, host: host, port: port, factory: factory) { n in
                CreateSecurityGroupScenario(vpcs: ids, prefix: "lg-\(runID)-\(n)")
            }
        }
    }

    func measure<S: Scenario>(_: S.Type, group: any EventLoopGroup, host: String, port: Int,
                              factory: RequestFactory, make: (Int) -> S) async throws {
        var opened: [Connection] = []
        for _ in 0..<connections {
            opened.append(try await Connection.connect(group: group, host: host, port: port))
        }
        let now = uptimeNanos()
        let window = MeasurementWindow(start: now + UInt64(warmup * 1e9),
                                       end: now + UInt64((warmup + duration) * 1e9))
        // Open loop: each connection sends every `connections / rate` seconds, staggered.
        let interval = rate.map { UInt64(Double(connections) / $0 * 1e9) }
        let drivers = opened.enumerated().map { n, c in
            Driver(connection: c, group: group, host: host, port: port, factory: factory,
                   window: window, scenario: make(n), expected: Int(duration * 40_000) / max(1, connections) + 1024,
                   interval: interval, offset: (interval ?? 0) * UInt64(n) / UInt64(max(1, connections)))
        }
        for future in drivers.map({ $0.run() }) { try await future.get() }
        for d in drivers { await d.close() }
        report(S.tags, drivers: drivers)
    }

    func report<S: Scenario>(_ tags: [String], drivers: [Driver<S>]) {
        let requests = drivers.reduce(0) { $0 + $1.requests }
        let iterations = drivers.reduce(0) { $0 + $1.iterations }
        let errors = drivers.reduce(0) { $0 + $1.errors }
        let reconnects = drivers.reduce(0) { $0 + $1.reconnects }
        let serverCloses = drivers.reduce(0) { $0 + $1.serverCloses }
        let unsent = drivers.reduce(0) { $0 + $1.unsent }
        var kinds: [String: Int] = [:]
        for d in drivers { kinds.merge(d.errorKinds, uniquingKeysWith: +) }
        var all: [UInt64] = []
        var summary = "\(label) \(mode.rawValue) c=\(connections)" + (rate.map { " rate=\(fmt($0))/s" } ?? "")
            + ": \(requests) requests in \(duration)s, "
            + "\(fmt(Double(requests) / duration)) req/s"
        if tags.count > 1 { summary += ", \(fmt(Double(iterations) / duration)) iterations/s" }
        summary += ", errors \(errors), reconnects after errors \(reconnects), server-closed connections \(serverCloses)"
        if rate != nil { summary += ", due but not sent \(unsent)" }
        log(summary)
        for (tag, name) in tags.enumerated() {
            var values = drivers.flatMap { $0.latencies[tag] }
            values.sort()
            all += values
            log("  \(name): n=\(values.count) p50 \(ms(values, 0.50)) p99 \(ms(values, 0.99)) p99.9 \(ms(values, 0.999)) max \(ms(values, 1)) ms")
        }
        for (k, v) in kinds.sorted(by: { $0.value > $1.value }) { log("  error \(k): \(v)") }
        all.sort()
        if markdown {
            let iterCol = tags.count > 1 ? fmt(Double(iterations) / duration) : "—"
            print("| \(label) | \(mode.rawValue) | \(connections) | \(fmt(Double(requests) / duration)) | \(iterCol) | "
                  + "\(ms(all, 0.50)) | \(ms(all, 0.99)) | \(ms(all, 0.999)) | \(errors)/\(requests) |")
        }
    }

    func ms(_ sorted: [UInt64], _ q: Double) -> String {
        guard !sorted.isEmpty else { return "—" }
        let rank = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
        return String(format: "%.3f", Double(sorted[rank]) / 1e6)
    }

    func fmt(_ v: Double) -> String { String(format: "%.0f", v) }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func log(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}
