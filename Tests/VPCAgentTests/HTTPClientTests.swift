import Testing
@testable import VPCAgent

@Suite struct HTTPClientTests {
    @Test func contentLengthBody() throws {
        let r = try HTTPClient.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: y\r\n\r\n{}trailing".utf8))
        #expect(r.status == 200 && r.body == Array("{}".utf8))
    }

    @Test func chunkedBody() throws {
        let r = try HTTPClient.parse(Array("HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n".utf8))
        #expect(r.status == 404 && r.body == Array("abcde".utf8))
    }

    @Test func bodyUntilClose() throws {
        let r = try HTTPClient.parse(Array("HTTP/1.0 401 Unauthorized\r\n\r\nno".utf8))
        #expect(r.status == 401 && r.body == Array("no".utf8))
    }

    @Test(arguments: ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "HTTP/1.1 200", "SSH-2.0\r\n\r\n",
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])
    func malformedResponsesThrow(_ text: String) {
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient.parse(Array(text.utf8)) }
    }

    @Test func onlyPlainHTTPURLs() {
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient(baseURL: "https://cp:9001", token: nil) }
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient(baseURL: "cp:9001", token: nil) }
        let c = try? HTTPClient(baseURL: "http://127.0.0.1:9001", token: "t")
        #expect(c?.host == "127.0.0.1" && c?.port == 9001)
    }
}
