import NIOCore
import NIOEmbedded
import Testing
@testable import VPCAPI

/// The connection limiter's accounting and the answer deadline, on an embedded channel
/// whose clock the test moves.
@Suite struct ConnectionGuardTests {
    @Test func limiterCountsPerSourceAndInAll() throws {
        let limiter = ConnectionLimiter(total: 3, perSource: 2)
        let first = try #require(limiter.admit("10.0.0.1"))
        let second = try #require(limiter.admit("10.0.0.1"))
        #expect(limiter.admit("10.0.0.1") == nil)  // over its source's share
        let other = try #require(limiter.admit("10.0.0.2"))
        #expect(limiter.admit("10.0.0.3") == nil)  // over the total
        limiter.release(first)
        let third = try #require(limiter.admit("10.0.0.3"))
        #expect(limiter.admit("10.0.0.1") == nil)
        for place in [second, other, third] { limiter.release(place) }
        // Every place is back: the whole total is free again, from one source and others.
        #expect(limiter.admit("10.0.0.1") != nil && limiter.admit("10.0.0.1") != nil)
        #expect(limiter.admit("10.0.0.4") != nil)
        #expect(limiter.refusalsToReport(now: 1) == 3)
    }

    @Test func anIPv6SourceIsLimitedByItsSlash64() throws {
        let limiter = ConnectionLimiter(total: 10, perSource: 2)
        #expect(limiter.admit("2001:db8::1") != nil && limiter.admit("2001:db8::2") != nil)
        #expect(limiter.admit("2001:db8::ffff:3") == nil)  // the same /64
        #expect(limiter.admit("2001:db8:0:1::1") != nil)
        // An IPv4 client on a dual-stack socket is its IPv4 address.
        #expect(limiter.admit("10.0.0.1") != nil)
        let mapped = try #require(limiter.admit("::ffff:10.0.0.1"))
        #expect(limiter.admit("10.0.0.1") == nil)
        limiter.release(mapped)
        #expect(limiter.admit("10.0.0.1") != nil)
    }

    @Test func refusalsAreReportedAtMostOnceASecond() {
        let limiter = ConnectionLimiter(total: 1, perSource: 1)
        #expect(limiter.refusalsToReport(now: 100) == nil)
        #expect(limiter.admit("a") != nil && limiter.admit("a") == nil)
        #expect(limiter.refusalsToReport(now: 100) == 1)
        for _ in 0..<5 { #expect(limiter.admit("b") == nil) }
        #expect(limiter.refusalsToReport(now: 100) == nil)  // the same second
        #expect(limiter.refusalsToReport(now: 101) == 5)
        #expect(limiter.refusalsToReport(now: 102) == nil)  // nothing new
    }

    func connectedChannel(timeout: Int64) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: AnswerDeadlineHandler(timeout: .seconds(timeout)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func aConnectionWithoutAnswersIsClosedAtTheTimeout() throws {
        let channel = try connectedChannel(timeout: 5)
        // Bytes arriving (a request trickling in) do not keep it open.
        for _ in 0..<4 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            try channel.writeInbound(ByteBuffer(string: "P"))
        }
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func eachAnswerRestartsTheClock() throws {
        let channel = try connectedChannel(timeout: 5)
        for _ in 0..<3 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(4))
            try channel.writeOutbound(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1 200 OK\r\n")))
        }
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(4_900))
        #expect(channel.isActive)  // 12 s in, 4.9 s after the last answer
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(!channel.isActive)
    }
}
