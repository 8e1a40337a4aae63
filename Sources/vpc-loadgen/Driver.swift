import NIOCore
import NIOPosix

/// What one connection sends next, and what it learns from each answer.
protocol Scenario {
    /// Request kinds, for per-kind latencies (index = tag).
    static var tags: [String] { get }
    /// The next request: its tag, action and parameters.
    mutating func next() -> (tag: Int, action: String, params: [(String, String)])
    /// Called with each answer; returns true when it completes an iteration successfully.
    mutating func handle(tag: Int, response: Response?) -> Bool
}

struct DescribeVpcsScenario: Scenario {
    static let tags = ["DescribeVpcs"]
    mutating func next() -> (tag: Int, action: String, params: [(String, String)]) { (0, "DescribeVpcs", []) }
    mutating func handle(tag: Int, response: Response?) -> Bool {
        guard let response else { return false }
        return (200..<300).contains(response.status)
    }
}

/// CreateSecurityGroup (unique name, VPCs in turn), then AuthorizeSecurityGroupIngress tcp 22 from 0.0.0.0/0.
struct CreateSecurityGroupScenario: Scenario {
    static let tags = ["CreateSecurityGroup", "AuthorizeSecurityGroupIngress"]
    let vpcs: [String]
    let prefix: String
    var counter = 0
    var groupId: String?

    init(vpcs: [String], prefix: String) {
        self.vpcs = vpcs
        self.prefix = prefix
    }

    mutating func next() -> (tag: Int, action: String, params: [(String, String)]) {
        if let groupId {
            return (1, "AuthorizeSecurityGroupIngress", [
                ("GroupId", groupId),
                ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "22"),
                ("IpPermissions.1.ToPort", "22"),
                ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
            ])
        }
        return (0, "CreateSecurityGroup", [
            ("GroupName", "\(prefix)-\(counter)"),
            ("GroupDescription", "vpc-loadgen"),
            ("VpcId", vpcs[counter % vpcs.count]),
        ])
    }

    mutating func handle(tag: Int, response: Response?) -> Bool {
        let ok = response.map { (200..<300).contains($0.status) } ?? false
        if tag == 0, ok, let response, let id = xmlValue("groupId", in: response.text) {
            groupId = id
            return false
        }
        // Authorize answered, or the create failed: the iteration is over.
        groupId = nil
        counter += 1
        return tag == 1 && ok
    }
}

struct MeasurementWindow: Sendable {
    var start: UInt64   // uptime ns: measurement starts (after warm-up)
    var end: UInt64     // uptime ns: stop sending

    func contains(_ begin: UInt64, _ finish: UInt64) -> Bool { begin >= start && finish <= end }
}

@inline(__always) func uptimeNanos() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// One connection's requests: a closed loop (send, wait for the answer, record, send the
/// next) or, with an `interval`, an open loop: the k-th request is due `k·interval` after
/// the start and is sent then, or as soon as the one before it is answered if that is later;
/// its latency counts from when it was due, so a slow answer also delays what queued behind
/// it (no coordinated omission). Runs on its connection's event loop (handed over between
/// loops only on reconnect).
final class Driver<S: Scenario>: @unchecked Sendable {
    private var connection: Connection
    private let group: any EventLoopGroup
    private let host: String
    private let port: Int
    private let factory: RequestFactory
    private let window: MeasurementWindow
    private var scenario: S
    private var clock = AmzDateClock()
    private let done: EventLoopPromise<Void>
    /// Open loop: nanoseconds between this connection's requests, and when the next is due.
    private let interval: UInt64?
    private var due: UInt64

    private(set) var latencies: [[UInt64]]
    private(set) var requests = 0
    private(set) var iterations = 0
    private(set) var errors = 0
    private(set) var errorKinds: [String: Int] = [:]
    private(set) var reconnects = 0
    private(set) var serverCloses = 0

    init(connection: Connection, group: any EventLoopGroup, host: String, port: Int,
         factory: RequestFactory, window: MeasurementWindow, scenario: S, expected: Int,
         interval: UInt64? = nil, offset: UInt64 = 0) {
        self.connection = connection
        self.group = group
        self.host = host
        self.port = port
        self.factory = factory
        self.window = window
        self.scenario = scenario
        self.done = connection.eventLoop.makePromise()
        self.interval = interval
        self.due = uptimeNanos() + offset
        latencies = S.tags.map { _ in
            var a = [UInt64]()
            a.reserveCapacity(expected)
            return a
        }
    }

    func run() -> EventLoopFuture<Void> {
        connection.eventLoop.execute { self.step() }
        return done.futureResult
    }

    private func step() {
        guard uptimeNanos() < window.end else {
            countUnsent()
            done.succeed()
            return
        }
        var now = uptimeNanos()
        if let interval {
            if now < due {
                connection.eventLoop.scheduleTask(deadline: .uptimeNanoseconds(due)) { self.step() }
                return
            }
            now = due
            due += interval
        }
        let begin = now
        let (tag, action, params) = scenario.next()
        let (head, body) = factory.make(action, params, amzDate: clock.now())
        connection.send(head, body: body).whenComplete { result in
            let finish = uptimeNanos()
            // Open loop: every request due in the window counts, however late its answer.
            let measured = self.interval == nil ? self.window.contains(begin, finish)
                                                : begin >= self.window.start && begin < self.window.end
            switch result {
            case .success(let response):
                if measured {
                    self.requests += 1
                    self.latencies[tag].append(finish - begin)
                    if !(200..<300).contains(response.status) { self.noteError(response) }
                }
                if self.scenario.handle(tag: tag, response: response), measured { self.iterations += 1 }
                if response.keepAlive { self.step() } else { self.reconnect(counted: false) }
            case .failure:
                if measured {
                    self.requests += 1
                    self.errors += 1
                    self.errorKinds["connection closed", default: 0] += 1
                }
                _ = self.scenario.handle(tag: tag, response: nil)
                self.reconnect(counted: true)
            }
        }
    }

    /// Open loop: requests due in the window that were never sent (the server was behind
    /// when the window ended), reported so that a low p99 cannot hide them.
    private(set) var unsent = 0

    private func countUnsent() {
        guard let interval else { return }
        while due < window.end {
            if due >= window.start { unsent += 1 }
            due += interval
        }
    }

    private func noteError(_ response: Response) {
        errors += 1
        let code = xmlValue("Code", in: response.text) ?? "-"
        errorKinds["\(response.status) \(code)", default: 0] += 1
    }

    /// A new connection: after a failure (`counted`), or because the server closes after each answer.
    private func reconnect(counted: Bool) {
        guard uptimeNanos() < window.end else {
            done.succeed()
            return
        }
        if counted { reconnects += 1 } else { serverCloses += 1 }
        let old = connection
        Task {
            await old.close()
            do {
                let fresh = try await Connection.connect(group: self.group, host: self.host, port: self.port)
                fresh.eventLoop.execute {
                    self.connection = fresh
                    self.step()
                }
            } catch {
                self.done.fail(error)
            }
        }
    }

    func close() async { await connection.close() }
}
