import Foundation
import Logging
import Synchronization
@testable import VPCAgent
import VPCModel
import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// A host agent with its data plane running (on its own loopback underlay address) but
/// none of its threads: tests apply feed updates and call its steps by hand.
final class AgentHarness {
    let agent: HostAgent
    let stateDirectory: String
    static let logger = Logger(label: "agent-test")

    /// Without `startDataplane` configuration waits until the test starts it (`agent.worker.start()`).
    init(controlPlane: String = "http://127.0.0.1:9", stateDirectory: String? = nil, startDataplane: Bool = true) throws {
        self.stateDirectory = stateDirectory ?? NSTemporaryDirectory() + "agent-test-\(UInt64.random(in: 0...UInt64.max))"
        let options = HostAgent.Options(controlPlane: controlPlane, hostId: "h-test", underlay: Self.underlay(), token: nil,
                                        stateDirectory: self.stateDirectory, metricsListen: nil, cleanupOnExit: false)
        agent = try HostAgent(options: options, logger: Self.logger)
        try FileManager.default.createDirectory(atPath: self.stateDirectory, withIntermediateDirectories: true)
        agent.worker = try DataplaneWorker(underlay: options.underlay, trackedConnections: 1024, flowLogFlows: 1024,
                                           logger: Self.logger) { _, _, _ in }
        if startDataplane { agent.worker.start() }
    }

    /// Another agent on the same state directory, as after a restart (no data plane).
    func restarted() throws -> HostAgent {
        let a = try HostAgent(options: agent.options, logger: Self.logger)
        a.adoptExisting()
        return a
    }

    /// Tears down every instance, stops the data plane, removes the state directory.
    func close() {
        let version = agent.lock.withLock { agent.desired.version } + 1
        agent.apply(HostFeedUpdate(version: version, full: true))
        agent.worker.stop()
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    static func underlay() -> IPv4Address {
        IPv4Address("127.\(Int.random(in: 100...254)).\(Int.random(in: 1...254)).\(Int.random(in: 1...254))")!
    }

    static func instanceId() -> String { "i-0" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }
}

/// A control plane on 127.0.0.1 answering each request with `respond(method, path)`, one
/// connection at a time, recording "METHOD path" of each.
final class FakeControlPlane: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    let requests = Mutex<[String]>([])
    let respond: @Sendable (String, String) -> (Int, String)

    var url: String { "http://127.0.0.1:\(port)" }

    init(respond: @escaping @Sendable (String, String) -> (Int, String)) throws {
        self.respond = respond
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { throw SystemError("bind 127.0.0.1", errno: errno) }
        port = UInt16(bigEndian: a.sin_port)
        let t = Thread { [self] in serve() }
        t.start()
    }

    func count(_ request: String) -> Int { requests.withLock { $0.filter { $0 == request }.count } }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                data += buffer[0..<n]
                let text = String(decoding: data, as: UTF8.self)
                guard let end = text.range(of: "\r\n\r\n") else { continue }
                let length = text[..<end.lowerBound].split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length { break }
            }
            let line = String(decoding: data.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
            if line.count >= 2 {
                let method = String(line[0]), path = String(line[1].split(separator: "?")[0])
                requests.withLock { $0.append("\(method) \(path)") }
                let (status, body) = respond(method, path)
                let reply = Array("HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
                _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            Glibc.close(c)
        }
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}
