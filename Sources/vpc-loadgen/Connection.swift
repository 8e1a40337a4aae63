import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP response: status and the whole body.
struct Response: Sendable {
    var status: Int
    var body: ByteBuffer
    /// False when the server closes the connection after this answer (moto's werkzeug does).
    var keepAlive: Bool

    var text: String { String(buffer: body) }
}

struct ConnectionClosed: Error {}

/// A keep-alive HTTP/1.1 connection with at most one request in flight.
/// Confined to its channel's event loop: `send` must be called on it.
final class Connection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var context: ChannelHandlerContext?
    private var pending: EventLoopPromise<Response>?
    private var status = 0
    private var keepAlive = true
    private var body: ByteBuffer?
    private(set) var channel: (any Channel)?

    var eventLoop: any EventLoop { channel!.eventLoop }

    static func connect(group: any EventLoopGroup, host: String, port: Int) async throws -> Connection {
        let connection = Connection()
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(host: host, port: port).get()
        connection.channel = channel
        return connection
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func send(_ head: HTTPRequestHead, body: ByteBuffer) -> EventLoopFuture<Response> {
        let promise = eventLoop.makePromise(of: Response.self)
        guard let context, pending == nil else {
            promise.fail(ConnectionClosed())
            return promise.futureResult
        }
        pending = promise
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let response = Response(status: status, body: body ?? ByteBuffer(), keepAlive: keepAlive)
            body = nil
            if let promise = pending {
                pending = nil
                promise.succeed(response)
            }
            if !keepAlive {
                self.context = nil
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        failPending()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failPending(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: any Error = ConnectionClosed()) {
        if let promise = pending {
            pending = nil
            promise.fail(error)
        }
    }

    func close() async {
        try? await channel?.close().get()
    }
}
