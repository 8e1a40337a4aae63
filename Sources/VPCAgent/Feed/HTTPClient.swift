import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client for the control plane's `/_vpc/agent/*` calls:
/// one request per connection (`Connection: close`), Content-Length or chunked bodies,
/// a deadline per request. Plain HTTP: the control plane is on the operator's network.
public struct HTTPClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let host: String
    public let port: UInt16
    public let token: String?

    /// `http://HOST:PORT` (a path, if any, is ignored).
    public init(baseURL: String, token: String?) throws {
        guard let u = URLComponents(string: baseURL), u.scheme == "http", let h = u.host, !h.isEmpty else {
            throw Failure(description: "control-plane URL must be http://HOST:PORT, got \(baseURL)")
        }
        host = h
        port = UInt16(u.port ?? 80)
        self.token = token
    }

    /// Sends one request; `timeout` bounds connect, send and every read.
    public func request(_ method: String, _ target: String, body: [UInt8]? = nil,
                        timeout: Double) throws -> Response {
        let fd = try connect(timeout: timeout)
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nUser-Agent: vpc-agent\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        try sendAll(fd, Array(head.utf8) + (body ?? []))
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw Failure(description: "read from \(host):\(port): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if data.count > 64 << 20 { throw Failure(description: "response larger than 64 MiB") }
        }
        return try HTTPClient.parse(data)
    }

    /// Parses a complete `Connection: close` response.
    static func parse(_ data: [UInt8]) throws -> Response {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard let end = data.indices.dropLast(3).first(where: { data[$0..<$0 + 4].elementsEqual(sep) }) else {
            throw Failure(description: "truncated response")
        }
        let head = String(decoding: data[..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let len = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= len else { throw Failure(description: "truncated body") }
            body = Array(body[0..<len])
        }
        return Response(status: status, body: body)
    }

    static func dechunk(_ b: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = (i..<max(i, b.count - 1)).first(where: { b[$0] == 13 && b[$0 + 1] == 10 }) else {
                throw Failure(description: "bad chunked body")
            }
            let sizeText = String(decoding: b[i..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw Failure(description: "bad chunk size")
            }
            i = lineEnd + 2
            if size == 0 { return out }
            guard i + size <= b.count else { throw Failure(description: "truncated chunk") }
            out.append(contentsOf: b[i..<i + size])
            i += size + 2
        }
    }

    private func connect(timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else { throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(res) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        var lastError: Int32 = 0
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            if fd >= 0 {
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                lastError = errno
                close(fd)
            }
            ai = a.pointee.ai_next
        }
        throw Failure(description: "connect to \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw Failure(description: "write to \(host):\(port): \(String(cString: strerror(errno)))") }
            off += n
        }
    }
}
