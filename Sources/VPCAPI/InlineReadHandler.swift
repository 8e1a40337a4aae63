import Foundation
import Logging
import NIOCore
import NIOHTTP1
import VPCAudit

/// Answers EC2 Query calls that do not wait for the disk (reads, and calls that
/// fail before reaching the store) on the connection's event loop, without
/// handing them to the router's Swift-concurrency task and back: at 32
/// connections on two cores those two thread hops cost about as much CPU as
/// the call itself. Writes (they wait for a commit), JSON-protocol calls (`X-Amz-Target`)
/// and every other path pass through to the router unchanged.
///
/// Sits between the HTTP/1 codec and the router's conversion to HTTPTypes
/// (`HTTP1ToHTTPServerCodec`), so inline calls skip that too. While a request
/// handed to the router has not been answered, later requests on the connection
/// go to the router too, so answers keep their order.
final class InlineReadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let service: EC2Service
    private let logger: Logger
    private let maxBody: Int
    /// The EC2 call being read (nil: none, or the current request is the router's).
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// Whether the rest of the current request goes to the router.
    private var passing = false
    /// Requests handed to the router whose response has not ended.
    private var routed = 0
    private var sourceIP: String?
    private var date = HTTPDate()

    init(service: EC2Service, logger: Logger, maxBody: Int) {
        self.service = service
        self.logger = logger
        self.maxBody = maxBody
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if passing {
            if case .end = part { passing = false }
            context.fireChannelRead(data)
            return
        }
        switch part {
        case .head(let request):
            if routed == 0, request.method == .POST || request.method == .GET,
               request.uri == "/" || request.uri.hasPrefix("/?") {
                head = request
                body = nil
            } else {
                route(context, request)
            }
        case .body(var chunk):
            guard let request = head else { return context.fireChannelRead(data) }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            if body!.readableBytes > maxBody {
                // Too large to answer here: the router refuses it as it always has.
                route(context, request)
                context.fireChannelRead(wrapInboundOut(.body(body.take()!)))
            }
        case .end:
            guard let request = head else { return context.fireChannelRead(data) }
            head = nil
            let bytes = body.take().map { Array(buffer: $0) } ?? []
            let call = apiRequest(context, request, bytes)
            let started = ContinuousClock.now
            if let response = service.handleWithoutWaiting(call) {
                answer(context, request, call, response, started: started)
            } else {
                route(context, request)
                if !bytes.isEmpty { context.fireChannelRead(wrapInboundOut(.body(ByteBuffer(bytes: bytes)))) }
                context.fireChannelRead(data)
                passing = false
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The router's answers (including its 400 for a request NIO could not parse).
        if case .end = unwrapOutboundIn(data), routed > 0 { routed -= 1 }
        context.write(data, promise: promise)
    }

    /// Hands the request (whose head is `request`) to the router.
    private func route(_ context: ChannelHandlerContext, _ request: HTTPRequestHead) {
        head = nil
        passing = true
        routed += 1
        context.fireChannelRead(wrapInboundOut(.head(request)))
    }

    private func apiRequest(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ body: [UInt8]) -> APIRequest {
        if sourceIP == nil { sourceIP = context.channel.remoteAddress?.ipAddress ?? "unknown" }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count)
        for (name, value) in request.headers { headers.append((name, value)) }
        let target = request.uri
        let question = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        return APIRequest(
            method: request.method.rawValue, path: String(target[..<(question ?? target.endIndex)]),
            query: question.map { String(target[target.index(after: $0)...]) } ?? "",
            headers: headers, body: body, sourceIP: sourceIP!)
    }

    private func answer(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ call: APIRequest,
                        _ response: APIResponse, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.info("\(call.method) \(response.action ?? "-") account=\(response.account ?? "-") status=\(response.status) \(micros)us")

        let headers: HTTPHeaders = [
            "Content-Type": response.contentType, "x-amzn-RequestId": response.requestId,
            "Content-Length": String(response.body.count), "Date": date.now(),
        ]
        let head = HTTPResponseHead(version: request.version, status: .init(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if request.isKeepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// The `Date` response header (RFC 9110 IMF-fixdate), formatted once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        let now = Date().timeIntervalSince1970
        let s = Int(now.rounded(.down))
        if s != second {
            second = s
            let t = UTCTime(now)
            let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            text = "\(days[(s / 86400) % 7]), \(two(t.day)) \(months[t.month - 1]) \(t.year) "
                + "\(two(t.hour)):\(two(t.minute)):\(two(t.second)) GMT"
        }
        return text
    }
}
