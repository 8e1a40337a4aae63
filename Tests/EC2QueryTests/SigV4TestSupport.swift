// Loading the official AWS SigV4 test suite (aws-c-auth `v4`, 38 cases) from
// ../shared/sigv4-test-suite (sibling of the repo) or $SIGV4_TEST_SUITE. Never copied into the repo.

import Foundation
@testable import EC2Query

enum SigV4Suite {
    /// The `v4` directory, or nil when the suite cannot be found.
    static let directory: URL? = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SIGV4_TEST_SUITE"], !env.isEmpty {
            let url = URL(fileURLWithPath: env)
            let v4 = url.appendingPathComponent("v4")
            return fm.fileExists(atPath: v4.path) ? v4 : url
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/sigv4-test-suite/v4")
            if fm.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static let caseNames: [String] = {
        guard let directory,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/context.json").path)
        }.sorted()
    }()

    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?

        /// "2015-08-30T12:36:00Z" → "20150830T123600Z"
        var amzDate: String { timestamp.filter { $0 != "-" && $0 != ":" } }
        var unixTime: Double { Double(SigV4Time.parseAmzDate(amzDate[...])!) }
        var omitToken: Bool { omit_session_token ?? false }
    }

    static func file(_ name: String, _ file: String) throws -> String {
        guard let directory else { throw SuiteMissing() }
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name)/\(file)"))
        return String(decoding: data, as: UTF8.self)
    }

    static func context(_ name: String) throws -> Context {
        try JSONDecoder().decode(Context.self, from: Data(file(name, "context.json").utf8))
    }

    static func request(_ name: String, _ file: String) throws -> SigV4Request {
        try parseHTTP(self.file(name, file))
    }

    struct SuiteMissing: Error {}

    /// Parses the suite's HTTP/1.1 text: request line, headers (obs-fold continuation lines joined
    /// with a space, as RFC 9112 says a recipient may), blank line, body. The request target is kept
    /// raw, as an HTTP layer would hand it over.
    static func parseHTTP(_ text: String) -> SigV4Request {
        let headEnd = text.range(of: "\n\n")
        let head = headEnd.map { String(text[..<$0.lowerBound]) } ?? text
        let body = headEnd.map { Array(text[$0.upperBound...].utf8) } ?? []
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false)[...]
        let requestLine = lines.removeFirst()
        let firstSpace = requestLine.firstIndex(of: " ")!
        let lastSpace = requestLine.lastIndex(of: " ")!
        let method = String(requestLine[..<firstSpace])
        let target = requestLine[requestLine.index(after: firstSpace)..<lastSpace]
        let path: Substring
        let query: Substring
        if let q = target.firstIndex(of: "?") {
            path = target[..<q]
            query = target[target.index(after: q)...]
        } else {
            path = target
            query = ""
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t" {
                headers[headers.count - 1].value += " " + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((name: String(line[..<colon]), value: String(line[line.index(after: colon)...])))
            }
        }
        return SigV4Request(method: method, path: String(path), query: String(query), headers: headers, body: body)
    }
}

extension SigV4Request {
    func replacingHeader(_ name: String, with value: String) -> SigV4Request {
        var copy = self
        for i in copy.headers.indices where copy.headers[i].name.lowercased() == name.lowercased() {
            copy.headers[i].value = value
        }
        return copy
    }

    func header(_ name: String) -> String? { headerValues(name).first }

    /// Value of a query parameter (raw, not decoded).
    func queryParam(_ name: String) -> String? {
        for part in query.split(separator: "&") where part.hasPrefix(name + "=") {
            return String(part.dropFirst(name.count + 1))
        }
        return nil
    }

    func replacingQueryParam(_ name: String, with value: String) -> SigV4Request {
        var copy = self
        copy.query = query.split(separator: "&").map {
            $0.hasPrefix(name + "=") ? "\(name)=\(value)" : String($0)
        }.joined(separator: "&")
        return copy
    }
}

/// Changes one character: the last one, to a different character of the same class.
func mutateLast(_ s: String) -> String {
    guard let last = s.last else { return "x" }
    let replacement: Character =
        last.isNumber ? (last == "0" ? "1" : "0") : last.isLetter ? (last == "a" ? "b" : "a") : (last == "=" ? "A" : "=")
    return String(s.dropLast()) + String(replacement)
}

func signatureIn(authorization: String) -> String? {
    authorization.range(of: "Signature=").map { String(authorization[$0.upperBound...]) }
}
