import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with an `InlineReadHandler` in front of
/// its conversion to HTTPTypes: calls answered inline never leave NIOHTTP1's types.
/// In front of everything, on bytes, the connection's guards: the limiter's place, the
/// answer deadline, and NIO's `BackPressureHandler` (no reading while the peer leaves our
/// answers unread, so pipelined calls answered inline cannot pile up in memory).
struct InlineReadChannel: ServerChildChannel {
    let router: HTTP1Channel
    let limiter: ConnectionLimiter
    let answerTimeout: TimeAmount
    let makeHandler: @Sendable () -> InlineReadHandler

    init(router: HTTP1Channel, limiter: ConnectionLimiter, answerTimeout: TimeAmount,
         makeHandler: @escaping @Sendable () -> InlineReadHandler) {
        self.router = router
        self.limiter = limiter
        self.answerTimeout = answerTimeout
        self.makeHandler = makeHandler
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        let source = channel.remoteAddress?.ipAddress ?? "unknown"
        let place = limiter.admit(source)
        if let place {
            channel.closeFuture.whenComplete { [limiter] _ in limiter.release(place) }
        }
        return router.setup(channel: channel, logger: logger).flatMapThrowing { [answerTimeout] value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(makeHandler(), position: .before(try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)))
            try pipeline.addHandler(BackPressureHandler(), position: .first)
            try pipeline.addHandler(AnswerDeadlineHandler(timeout: answerTimeout), position: .first)
            if place == nil {
                channel.close(promise: nil)
                let now = NIODeadline.now().uptimeNanoseconds / 1_000_000_000
                if let refused = limiter.refusalsToReport(now: now) {
                    logger.warning("\(refused) connections refused: over the connection limit (the last from \(source))")
                }
            }
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await router.handle(value: value, logger: logger)
    }
}
