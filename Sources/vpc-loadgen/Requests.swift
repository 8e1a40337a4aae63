import EC2Query
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds freshly signed EC2 Query requests (form POST to "/").
struct RequestFactory: Sendable {
    let signer: SigV4Signer
    let hostHeader: String
    static let contentType = "application/x-www-form-urlencoded; charset=utf-8"

    init(accessKey: String, secret: String, region: String, hostHeader: String) {
        signer = SigV4Signer(credentials: SigV4Credentials(accessKeyId: accessKey, secretAccessKey: secret),
                             region: region, service: "ec2")
        self.hostHeader = hostHeader
    }

    func make(_ action: String, _ params: [(String, String)] = [], amzDate: String) -> (HTTPRequestHead, ByteBuffer) {
        var form = "Action=" + action + "&Version=2016-11-15"
        for (name, value) in params {
            form += "&" + Self.encode(name) + "=" + Self.encode(value)
        }
        let bytes = Array(form.utf8)
        var request = SigV4Request(method: "POST", path: "/", headers: [
            (name: "Host", value: hostHeader),
            (name: "Content-Type", value: Self.contentType),
        ], body: bytes)
        signer.sign(&request, amzDate: amzDate)
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 2)
        for h in request.headers { headers.add(name: h.name, value: h.value) }
        headers.add(name: "Content-Length", value: String(bytes.count))
        headers.add(name: "Connection", value: "keep-alive")
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
        head.headers = headers
        return (head, ByteBuffer(bytes: bytes))
    }

    /// RFC 3986 percent-encoding (unreserved characters kept), as AWS SDKs encode forms.
    static func encode(_ s: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// X-Amz-Date for the current wall-clock second, reformatted only when the second changes.
struct AmzDateClock {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        var t = time(nil)
        if Int(t) == second { return text }
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        text = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
        second = Int(t)
        return text
    }
}

/// Text between the first `<tag>` and the following `</tag>`.
func xmlValue(_ tag: String, in text: String) -> String? {
    guard let open = text.range(of: "<\(tag)>"),
          let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex) else { return nil }
    return String(text[open.upperBound..<close.lowerBound])
}

/// Every value of `<tag>…</tag>` in order.
func xmlValues(_ tag: String, in text: String) -> [String] {
    var out: [String] = []
    var rest = text[...]
    while let open = rest.range(of: "<\(tag)>"),
          let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
        out.append(String(rest[open.upperBound..<close.lowerBound]))
        rest = rest[close.upperBound...]
    }
    return out
}
