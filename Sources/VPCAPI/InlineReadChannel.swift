import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with an `InlineReadHandler` in front of
/// its conversion to HTTPTypes: calls answered inline never leave NIOHTTP1's types.
struct InlineReadChannel: ServerChildChannel {
    let router: HTTP1Channel
    let makeHandler: @Sendable () -> InlineReadHandler

    init(router: HTTP1Channel, makeHandler: @escaping @Sendable () -> InlineReadHandler) {
        self.router = router
        self.makeHandler = makeHandler
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        router.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(makeHandler(), position: .before(try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await router.handle(value: value, logger: logger)
    }
}
