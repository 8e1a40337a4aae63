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
        #expect(out.tcpFlags == TCPFlagBits.syn && out.action == .accept)  // a lone ACK is not reported
        #expect(records.first { $0.direction == .ingress }!.action == .reject)
        #expect(agg.closeInterval(now: 1120).status == .noData)
        #expect(agg.drainClosed { _ in Issue.record("no records expected") }?.records == 0)
    }

    /// AWS `tcp-flags`: FIN 1, SYN 2, RST 4 and SYN-ACK 18, OR-ed; ACK, PSH, URG, ECE, CWR
    /// alone are not reported.
    @Test func reportsTheTCPFlagsAWSDoes() {
        let agg = FlowLogAggregator(capacity: 8, now: 0)
        let t = tcp("10.0.1.5", 40000, "10.0.2.7", 22)
        let all: UInt8 = 0xFF
        for (flags, reported) in [(TCPFlagBits.syn | TCPFlagBits.ack, UInt8(18)), (TCPFlagBits.ack | TCPFlagBits.psh, 0),
                                  (TCPFlagBits.fin | TCPFlagBits.ack, 1), (TCPFlagBits.rst, 4), (all, 0x17)] {
            agg.record(eni: 1, direction: .egress, tuple: t, bytes: 40, tcpFlags: flags, action: .accept, now: 1)
            agg.closeInterval(now: 2)
            var seen: [UInt8] = []
            agg.drainClosed { seen.append($0.tcpFlags) }
            #expect(seen == [reported])
        }
    }

    /// A packet timed a second before the interval began (its time taken before the close)
    /// counts at the interval's start, not 18 hours later.
    @Test func aPacketTimedBeforeTheIntervalCountsAtItsStart() {
        let agg = FlowLogAggregator(capacity: 8, now: 100)
        let t = tcp("10.0.1.5", 40000, "10.0.2.7", 22)
        agg.record(eni: 1, direction: .egress, tuple: t, bytes: 40, action: .accept, now: 99)
        agg.record(eni: 1, direction: .egress, tuple: t, bytes: 40, action: .accept, now: 103)
        agg.closeInterval(now: 160)
        var seen: [(UInt32, UInt32)] = []
        agg.drainClosed { seen.append(($0.start, $0.end)) }
        #expect(seen.count == 1 && seen[0] == (100, 103))
    }

    /// The action is not hashed but is part of the key: accepted and rejected packets of one flow, and each direction, stay apart.
    @Test func actionAndDirectionAreSeparateRecords() {
        let agg = FlowLogAggregator(capacity: 8, now: 0)
        let t = tcp("10.0.1.5", 40000, "10.0.2.7", 22)
        agg.record(eni: 1, direction: .egress, tuple: t, bytes: 60, action: .accept, now: 1)
        agg.record(eni: 1, direction: .egress, tuple: t, bytes: 70, action: .reject, now: 2)
        agg.record(eni: 1, direction: .egress, tuple: t, bytes: 80, action: .accept, now: 3)
        agg.record(eni: 1, direction: .ingress, tuple: t, bytes: 90, action: .accept, now: 4)
        agg.record(eni: 2, direction: .egress, tuple: t, bytes: 100, action: .accept, now: 5)
        #expect(agg.count == 4)
        agg.closeInterval(now: 60)
        var records: [FlowLogRecord] = []
        agg.drainClosed { records.append($0) }
        let accepted = records.filter { $0.eni == 1 && $0.direction == .egress && $0.action == .accept }
        #expect(accepted.count == 1 && accepted.first?.packets == 2 && accepted.first?.bytes == 140)
        let rejected = records.filter { $0.eni == 1 && $0.direction == .egress && $0.action == .reject }
        #expect(rejected.count == 1 && rejected.first?.bytes == 70)
        #expect(records.filter { $0.eni == 1 && $0.direction == .ingress }.map(\.bytes) == [90])
        #expect(records.filter { $0.eni == 2 }.map(\.bytes) == [100])
    }
}
