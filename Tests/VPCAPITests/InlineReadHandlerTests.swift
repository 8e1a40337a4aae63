import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import VPCAPI

/// The handler in a pipeline of its own: what it answers itself comes out as
/// response parts, what it hands to the router comes out as inbound parts.
@Suite struct InlineReadHandlerTests {
    let fixture: APIFixture
    let channel: EmbeddedChannel

    init() throws {
        fixture = try APIFixture()
        channel = EmbeddedChannel(handler: InlineReadHandler(
            service: fixture.service, logger: Logger(label: "test"), maxBody: 1 << 20))
    }

    func send(_ action: String, _ params: [(String, String)] = []) throws {
        let request = fixture.signedRequest([("Action", action), ("Version", "2016-11-15")] + params)
        var headers = HTTPHeaders()
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/", headers: headers)))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(bytes: request.body)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    /// The answer the handler wrote: status, request id and body.
    func answer() throws -> (status: Int, requestId: String?, body: String)? {
        guard case .head(let head)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        guard case .body(.byteBuffer(let body))? = try channel.readOutbound(as: HTTPServerResponsePart.self),
              case .end? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        #expect(head.headers["Content-Length"].first == String(body.readableBytes))
        return (Int(head.status.code), head.headers["x-amzn-RequestId"].first, String(buffer: body))
    }

    /// Parts handed on to the router, as `head`, `body`, `end`.
    func routed() throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head): parts.append("head \(head.uri)")
            case .body: parts.append("body")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    @Test func readsAreAnsweredInline() throws {
        try send("DescribeVpcs")
        let first = try #require(try answer())
        #expect(first.status == 200 && first.body.contains("<DescribeVpcsResponse"))
        // A random version-4 UUID, in lowercase.
        let id = try #require(first.requestId)
        #expect(id.count == 36 && id == id.lowercased() && Array(id)[14] == "4" && "89ab".contains(Array(id)[19]))
        #expect(try routed().isEmpty)
        // Failures before the store are answered inline too.
        try send("NoSuchAction")
        #expect(try answer()?.status == 400)
    }

    @Test func writesGoToTheRouterAndLaterCallsWaitForTheirAnswer() throws {
        try send("CreateVpc", [("CidrBlock", "10.0.0.0/16")])
        #expect(try routed() == ["head /", "body", "end"])
        #expect(try answer() == nil)
        // The write is unanswered: a read behind it goes to the router, in order.
        try send("DescribeVpcs")
        #expect(try routed() == ["head /", "body", "end"])
        // The router answers both; then reads are answered inline again.
        for _ in 0..<2 {
            try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        }
        while try channel.readOutbound(as: HTTPServerResponsePart.self) != nil {}
        try send("DescribeVpcs")
        #expect(try answer()?.status == 200)
        #expect(try routed().isEmpty)
    }

    @Test func otherPathsAndJSONCallsGoToTheRouter() throws {
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/_vpc/reset")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try routed() == ["head /_vpc/reset", "end"])
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPServerResponsePart.self)

        let headers: HTTPHeaders = ["X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"]
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/", headers: headers)))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "{}")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try routed() == ["head /", "body", "end"])
    }
}

/// The read cache holds a bounded number of bytes: a tenant's many large answers cannot
/// make it grow without end, and one answer larger than an entry may hold is not kept.
@Suite struct ReadCacheBoundsTests {
    @Test func bytesAreBounded() {
        let cache = ReadCache(capacity: 100, byteCapacity: 1000)
        func key(_ i: Int) -> ReadCache.Key { .init(account: "a", region: "r", action: "DescribeVpcs", parameters: "p\(i)") }
        for i in 0..<10 { cache.store(key(i), version: 1, bytes: Array(repeating: 0, count: 400)) }
        #expect(cache.bytesHeld == 804)  // p8 and p9: each third store found it full and started over
        #expect(cache.lookup(key(9), version: 1)?.count == 400)
        let big = ReadCache.Key(account: "a", region: "r", action: "DescribeVpcs", parameters: "big")
        cache.store(big, version: 1, bytes: Array(repeating: 0, count: ReadCache.largestEntry))
        #expect(cache.lookup(big, version: 1) == nil)
        cache.store(key(9), version: 2, bytes: [1])  // replacing an entry gives its bytes back
        #expect(cache.bytesHeld == 402 + 3)
    }
}
