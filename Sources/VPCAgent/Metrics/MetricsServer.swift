import CVPCLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP server for Prometheus scrapes: any GET gets the text `render` returns.
/// One thread, one connection at a time (scrapes are rare and small).
final class MetricsServer: @unchecked Sendable {
    let fd: Int32
    let render: @Sendable () -> String

    /// Listens on `host:port` (IPv4).
    init(listen: String, render: @escaping @Sendable () -> String) throws {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else {
            throw SystemError("metrics address \(listen) (want ADDR:PORT)", errno: EINVAL)
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(parts[0]), &addr.sin_addr) == 1 else {
            throw SystemError("metrics address \(listen)", errno: EINVAL)
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, Glibc.listen(fd, 16) == 0 else {
            let e = errno
            close(fd)
            throw SystemError("bind metrics \(listen)", errno: e)
        }
        self.fd = fd
        self.render = render
    }

    func start() {
        let t = Thread { [self] in
            _ = vpc_name_thread("vpc-metrics")
            serve()
        }
        t.start()
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { if errno == EINTR { continue }; return }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buf = [UInt8](repeating: 0, count: 4096)
            _ = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            let body = Array(render().utf8)
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let all = Array(head.utf8) + body
            var off = 0
            while off < all.count {
                let n = all.withUnsafeBytes { send(c, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                off += n
            }
            close(c)
        }
    }
}
