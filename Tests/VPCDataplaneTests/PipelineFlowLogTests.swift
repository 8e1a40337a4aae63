import Testing
@testable import VPCDataplane
import VPCWire

/// Flow-log records of real pipeline traffic, whose established packets are counted in their
/// connection entries and the rest in the flow-log table (`ConnectionTable+FlowCounts`).
@Suite("Pipeline: flow-log records")
struct PipelineFlowLogTests {
    /// The interval's records by key, added up.
    static func close(_ p: Pipeline, now: UInt32) -> [FlowLogKey: FlowLogRecord] {
        Dictionary(uniqueKeysWithValues: flowRecords(p, now: now).map { (FlowLogKey($0), $0) })
    }

    static func key(_ eni: Int, _ d: TrafficDirection, _ from: Lab.Instance, _ sport: UInt16, _ to: Lab.Instance,
                    _ dport: UInt16, _ action: FlowLogAction = .accept) -> FlowLogKey {
        FlowLogKey(eni: UInt32(eni), direction: d, action: action, source: AddressKey(.v4(from.ip)),
            destination: AddressKey(.v4(to.ip)), sourcePort: sport, destinationPort: dport)
    }

    @Test func tcpConversationIsExactAcrossEntryAndTable() {
        let p = Lab.pipeline(host: Lab.host1)
        let ab = { (flags: TCPFlags, now: UInt32) in
            #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: flags), port: 0, now: now).action.isDeliver)
        }
        let ba = { (flags: TCPFlags, now: UInt32) in
            #expect(p.fromInstance(Frame.tcp(Lab.b, to: Lab.a.ip, sport: 22, dport: 40000, flags: flags), port: 1,
                                   now: now).action.isDeliver)
        }
        ab(.syn, 101); ba([.syn, .ack], 101); ab(.ack, 102); ab([.ack, .psh], 103); ab(.ack, 104)
        ba(.ack, 105); ab([.fin, .ack], 106); ba(.ack, 107)
        let table = p.connections
        let held = (0 ..< table.slotCount).reduce(0) { $0 + Int(table.slots[$1].original.packets) + Int(table.slots[$1].reply.packets) }
        #expect(held == 2 * 2)  // per ENI B→A's two ACKs; A→B's three went to the table with its FIN
        let r = Self.close(p, now: 160)
        #expect(r.count == 4)
        for (eni, dir) in [(0, TrafficDirection.egress), (1, .ingress)] {
            let out = r[Self.key(eni, dir, Lab.a, 40000, Lab.b, 22)]
            #expect(out?.packets == 5 && out?.bytes == 200 && out?.start == 101 && out?.end == 106)
            #expect(out?.tcpFlags == TCPFlagBits.syn | TCPFlagBits.fin)
        }
        for (eni, dir) in [(0, TrafficDirection.ingress), (1, .egress)] {
            let back = r[Self.key(eni, dir, Lab.b, 22, Lab.a, 40000)]
            #expect(back?.packets == 3 && back?.bytes == 120 && back?.start == 101 && back?.end == 107)
            #expect(back?.tcpFlags == 18)  // SYN-ACK; a lone ACK is not reported
        }
        // The next interval starts from zero: its first packet goes to the table again.
        ab(.ack, 170); ab(.ack, 171); ab(.ack, 175)
        let next = Self.close(p, now: 220)
        let out = next[Self.key(0, .egress, Lab.a, 40000, Lab.b, 22)]
        #expect(out?.packets == 3 && out?.bytes == 120 && out?.start == 170 && out?.end == 175 && out?.tcpFlags == 0)
        #expect(next[Self.key(0, .ingress, Lab.b, 22, Lab.a, 40000)] == nil)
        #expect(Self.close(p, now: 280).isEmpty)
    }

    @Test func countsOfAnExpiredConnectionAreKept() {
        let p = Lab.pipeline(host: Lab.host1)
        _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .syn), port: 0, now: 101)
        for t in UInt32(102)...111 { _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .ack), port: 0, now: t) }
        #expect(p.connections.count == 2)
        p.connections.sweep(now: 1_000_000, maxSlots: 4096)  // both ENIs' entries expire and go
        #expect(p.connections.count == 0)
        let r = Self.close(p, now: 1_000_001)
        let out = r[Self.key(0, .egress, Lab.a, 40000, Lab.b, 22)]
        #expect(out?.packets == 11 && out?.bytes == 440 && out?.start == 101 && out?.end == 111)
        #expect(r[Self.key(1, .ingress, Lab.a, 40000, Lab.b, 22)]?.packets == 11)
    }

    /// Super-frames counting 40,000 segments of ~64 KB: the entry's 16-bit packet and 32-bit
    /// byte counts would overflow; they spill into the table and nothing is lost.
    @Test func countsThatWouldOverflowSpillIntoTheTable() {
        let p = Lab.pipeline(host: Lab.host1)
        _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .syn), port: 0, now: 101)
        let big = WireSize(packets: 40_000, bytes: 40_000 * 65_000)
        for t in UInt32(102)...105 {
            _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .ack), port: 0, now: t, wire: big)
        }
        let out = Self.close(p, now: 160)[Self.key(0, .egress, Lab.a, 40000, Lab.b, 22)]
        #expect(out?.packets == 1 + 160_000)
        #expect(out?.bytes == 40 + 4 * 40_000 * (65_000 - 14))
        #expect(out?.end == 105)
    }

    @Test func rejectedPacketsOfATrackedFlowAreNotCountedAsAccepted() {
        let deny = NetworkACL(rules: [
            NetworkACLRule(ruleNumber: 50, direction: .egress, action: .deny, ipProtocol: 6, cidr: Lab.subnetB,
                           fromPort: 22, toPort: 22),
            NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
            NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
        ])
        let p = Lab.pipeline(host: Lab.host1)
        _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .syn), port: 0, now: 101)
        _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .ack), port: 0, now: 102)
        p.install(Lab.port(Lab.a, acl: deny))  // the connection stays tracked; the NACL now drops it
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .ack), port: 0, now: 103).action
            == .drop(.networkACLOutbound))
        let r = Self.close(p, now: 160)
        #expect(r[Self.key(0, .egress, Lab.a, 40000, Lab.b, 22)]?.packets == 2)
        #expect(r[Self.key(0, .egress, Lab.a, 40000, Lab.b, 22, .reject)]?.packets == 1)
    }

    /// A packet forwarded through an ENI (source/destination check off) crosses it both ways
    /// with one tuple: each way is its own record, counted in the table, never in the entry.
    @Test func packetGoingTheOtherRecordsWayIsNotCountedInTheEntry() {
        let agg = FlowLogAggregator(capacity: 16, now: 0)
        let table = ConnectionTable(capacity: 16, zones: 1, perZoneLimit: 16, flowLogs: agg)
        let t = tcp("10.0.1.5", 40000, "10.0.2.7", 22)
        let c = table.insertSlot(zone: 0, t, direction: .ingress, tcpFlags: TCPFlagBits.syn, now: 1).connection
        #expect(c.isTracked && c.original)
        #expect(!table.countFlow(c, direction: .ingress, packets: 1, bytes: 40, tcpFlags: TCPFlagBits.ack, offset: 1,
                                 parity: agg.parity))
        #expect(table.takeFlowCounts(c, direction: .ingress, offset: 1, parity: agg.parity) == (0, 0))
        #expect(table.countFlow(c, direction: .ingress, packets: 1, bytes: 40, tcpFlags: TCPFlagBits.ack, offset: 2,
                                parity: agg.parity))
        let out = table.observeSlot(zone: 0, t, tcpFlags: TCPFlagBits.ack, now: 3)
        #expect(out.original)
        #expect(!table.countFlow(out, direction: .egress, packets: 1, bytes: 40, tcpFlags: TCPFlagBits.ack, offset: 3,
                                 parity: agg.parity))
        #expect(table.takeFlowCounts(out, direction: .egress, offset: 3, parity: agg.parity) == (0, 0))
        agg.closeInterval(now: 10)
        var records: [FlowLogRecord] = []
        #expect(table.settleFlowCounts(slots: 0..<table.slotCount) { records.append($0) } == 1)
        #expect(agg.drainClosed { records.append($0) }?.records == 0)
        #expect(records.map(\.direction) == [.ingress] && records.map(\.packets) == [1] && records.map(\.end) == [2])
    }

    /// Closing an interval a slice at a time while packets of the next one arrive: the
    /// entry the settling has not reached yet gives its old counts to the closed interval
    /// when its next packet comes, and each interval's record is exact.
    @Test func packetsDuringASlicedCloseCountInTheirOwnInterval() {
        let p = Lab.pipeline(host: Lab.host1)
        let send = { (sport: UInt16, flags: TCPFlags, now: UInt32) in
            #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, sport: sport, flags: flags), port: 0, now: now)
                .action.isDeliver)
        }
        for sport in UInt16(40000)..<40020 {
            send(sport, .syn, 101)
            for t in UInt32(102)...104 { send(sport, .ack, t) }
        }
        p.beginFlowLogIntervalClose(now: 160)
        var closed: [FlowLogRecord] = []
        var summary: FlowLogInterval?
        var turns = 0
        while summary == nil {  // a few slots per turn, each turn a packet of every flow
            summary = p.continueFlowLogIntervalClose(maxSlots: 97) { closed.append($0) }
            for sport in UInt16(40000)..<40020 { send(sport, .ack, 161 + UInt32(turns % 2)) }
            turns += 1
        }
        #expect(turns > 10)
        #expect(summary?.records == closed.count)
        closed = merged(closed)
        #expect(closed.count == 40)
        for r in closed {
            #expect(r.packets == 4 && r.bytes == 160 && r.start == 101 && r.end == 104)
        }
        let next = flowRecords(p, now: 220)
        #expect(next.count == 40)
        for r in next {
            #expect(r.packets == UInt64(turns) && r.start == 161 && r.end == (turns > 1 ? 162 : 161))
        }
    }

    /// Backward-shift deletion moving an entry into the slots already settled takes its
    /// counts along to the closed interval: every point the settling could have reached,
    /// every entry removed, no count lost or counted twice.
    @Test func countsOfAnEntryMovedDuringSettlingAreKept() {
        let tuples = (0..<15).map { tcp("10.0.1.5", UInt16(1000 + $0 * 4057), "10.0.2.\($0 + 1)", 22) }
        let expected = Dictionary(uniqueKeysWithValues: tuples.indices.map { (UInt16(1000 + $0 * 4057), UInt64($0 + 2)) })
        let slotCount = ConnectionTable(capacity: 16, zones: 1, perZoneLimit: 16).slotCount
        var moved = 0
        for settled in 0...slotCount {
            for removed in tuples.indices {
                let agg = FlowLogAggregator(capacity: 64, now: 0)
                let table = ConnectionTable(capacity: 16, zones: 1, perZoneLimit: 16, flowLogs: agg)
                for (n, t) in tuples.enumerated() {
                    let c = table.insertSlot(zone: 0, t, direction: .egress, tcpFlags: TCPFlagBits.syn, now: 1).connection
                    _ = table.takeFlowCounts(c, direction: .egress, offset: 1, parity: agg.parity)
                    agg.record(eni: 0, direction: .egress, tuple: t, bytes: 40, action: .accept, now: 1)
                    for _ in 0...n {
                        #expect(table.countFlow(c, direction: .egress, packets: 1, bytes: 40, tcpFlags: TCPFlagBits.ack,
                                                offset: 2, parity: agg.parity))
                    }
                }
                agg.closeInterval(now: 10)
                var packets: [UInt16: UInt64] = [:]
                let add = { (r: FlowLogRecord) in packets[r.sourcePort, default: 0] += r.packets }
                _ = table.settleFlowCounts(slots: 0..<settled, add)
                let before = (0..<table.slotCount).map { table.slots[$0].state != 0 ? table.slots[$0].aPort &+ table.slots[$0].bPort : 0 }
                #expect(table.remove(zone: 0, tuples[removed]))
                let after = (0..<table.slotCount).map { table.slots[$0].state != 0 ? table.slots[$0].aPort &+ table.slots[$0].bPort : 0 }
                if zip(before, after).contains(where: { $0 != $1 && $1 != 0 }) { moved += 1 }
                _ = table.settleFlowCounts(slots: settled..<table.slotCount, add)
                agg.drainClosed(add)
                #expect(packets == expected, "settled \(settled), removed \(removed)")
            }
        }
        #expect(moved > 0)  // the scenarios do move entries
    }

    @Test func entryLayoutKeepsCountsAtTheFront() {
        #expect(MemoryLayout<ConnectionEntry>.size <= 64 && MemoryLayout<ConnectionEntry>.stride == 64)
        #expect(MemoryLayout<ConnectionEntry>.offset(of: \.original) == 0)
        #expect(MemoryLayout<ConnectionEntry>.offset(of: \.reply) == MemoryLayout<FlowCounts>.stride)
    }
}

extension PipelineAction {
    var isDeliver: Bool { if case .deliver = self { return true } else { return false } }
}
