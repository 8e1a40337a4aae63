import NIOCore

/// Closes a connection on which nothing has been answered for `timeout`: a keep-alive
/// connection left idle, a request whose head or body trickles in (slowloris), a body that
/// never ends. Every answer sent (flushed) restarts the clock, so the timeout bounds the time
/// from one answer (or the connection's start) to the next: it must exceed the longest
/// answer the server takes on purpose (the agents' feed long-polls for up to 60 s).
///
/// Sits first in the pipeline, on bytes, so it sees a request from its first byte, before
/// the HTTP decoder has a head to show.
final class AnswerDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData

    private let timeout: TimeAmount
    private var lastAnswer = NIODeadline.uptimeNanoseconds(0)
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        lastAnswer = context.eventLoop.now
        if context.channel.isActive { schedule(context, at: lastAnswer + timeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if check == nil { schedule(context, at: lastAnswer + timeout) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    /// An answer goes out with a flush (one a response; its parts' writes come before it).
    func flush(context: ChannelHandlerContext) {
        lastAnswer = context.eventLoop.now
        context.flush()
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = bound.value
            handler.expire(context)
        }
    }

    /// The check at a deadline: closes the connection, or looks again at the next one.
    private func expire(_ context: ChannelHandlerContext) {
        let due = lastAnswer + timeout
        if context.eventLoop.now >= due {
            check = nil
            context.close(promise: nil)
        } else {
            schedule(context, at: due)
        }
    }
}
