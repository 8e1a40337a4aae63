import Testing
@testable import VPCDataplane

@Suite struct FlowLogTests {
    @Test func aggregatesPerFlowAndInterval() {
        let agg = FlowLogAggregator(capacity: 2, now: 1000)
        let t = tcp("10.0.1.5", 40000, "192.0.2.10", 443)
        agg.record(eni: 3, direction: .egress, tuple: t, bytes: 60, tcpFlags: TCPFlagBits.syn, action: .accept, now: 1001)
        agg.record(eni: 3, direction: .egress, tuple: t, bytes: 1500, tcpFlags: TCPFlagBits.ack, action: .accept, now: 1010)
        agg.record(eni: 3, direction: .ingress, tuple: t.reversed, bytes: 60, action: .reject, now: 1011)
        agg.record(eni: 3, direction: .ingress, tuple: tcp("1.1.1.1", 1, "10.0.1.5", 22), bytes: 60, action: .reject, now: 1012)
        #expect(agg.count == 2)
        #expect(agg.skippedPackets == 1)
        let interval = agg.closeInterval(now: 1060)
        #expect(interval.status == .skipData)
        var records: [FlowLogRecord] = []
        agg.drainClosed { records.append($0) }
        #expect(records.count == 2)
        let out = records.first { $0.direction == .egress }!
        #expect(out.packets == 2 && out.bytes == 1560 && out.start == 1001 && out.end == 1010)
        #expect(out.tcpFlags == TCPFlagBits.syn | TCPFlagBits.ack && out.action == .accept)
        #expect(records.first { $0.direction == .ingress }!.action == .reject)
        #expect(agg.closeInterval(now: 1120).status == .noData)
        #expect(agg.drainClosed { _ in Issue.record("no records expected") }?.records == 0)
    }
}
