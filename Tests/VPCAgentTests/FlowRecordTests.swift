import Foundation
import Logging
import Synchronization
import Testing
@testable import VPCAgent
import VPCDataplane
import VPCModel
import VPCWire

@Suite struct FlowLogWindowTests {
    static let a = IPv4Address(10, 0, 1, 10), b = IPv4Address(10, 0, 2, 20)

    static func spec(_ id: String, _ type: String) -> FlowLogSpec {
        FlowLogSpec(flowLogId: id, trafficType: type, logFormat: "${version}", aggregationInterval: 2)
    }

    static func icmp(_ s: IPv4Address, _ d: IPv4Address, id: UInt16) -> FlowTuple {
        FlowTuple(proto: 1, source: .v4(s), destination: .v4(d), sourcePort: id, destinationPort: id)
    }

    /// An interval of port 0 (A, two flow logs) and port 1 (B, one, no traffic): two
    /// echoes out of A under different identifiers, their replies, one refused SYN to A.
    static func drain(capacity: Int = 16) -> FlowLogDrain {
        let agg = FlowLogAggregator(capacity: capacity, now: 100)
        agg.record(eni: 0, direction: .egress, tuple: icmp(a, b, id: 7), bytes: 84, action: .accept, now: 101)
        agg.record(eni: 0, direction: .egress, tuple: icmp(a, b, id: 8), bytes: 84, action: .accept, now: 102)
        agg.record(eni: 0, direction: .ingress, tuple: icmp(b, a, id: 7), bytes: 84, action: .accept, now: 101)
        agg.record(eni: 0, direction: .ingress, tuple: FlowTuple(proto: 6, source: .v4(b), destination: .v4(a), sourcePort: 40000,
                                                                 destinationPort: 5555),
                   bytes: 60, tcpFlags: 2, action: .reject, now: 103)
        let interval = agg.closeInterval(now: 110)
        var records: [FlowLogRecord] = []
        agg.drainClosed { records.append($0) }
        return FlowLogDrain(interval: interval, wallOffset: 1_790_000_000, records: records, ports: [
            .init(index: 0, networkInterfaceId: "eni-a", primaryAddress: a, flowLogs: [spec("fl-all", "ALL"), spec("fl-rej", "REJECT")],
                  routeTable: routes),
            .init(index: 1, networkInterfaceId: "eni-b", primaryAddress: b, flowLogs: [spec("fl-acc", "ACCEPT")], routeTable: routes),
        ])
    }

    static let routes = RouteTable(routes: [
        Route(destination: IPPrefix(.v4(IPv4Address(10, 0, 0, 0)), length: 16), target: .local),
        Route(destination: IPPrefix(.v4(IPv4Address(10, 0, 9, 0)), length: 24), target: .networkInterface(3)),
        Route(destination: IPPrefix(.v4(IPv4Address(172, 31, 0, 0)), length: 16), target: .vpcPeering(4)),
        Route(destination: IPPrefix(.v4(IPv4Address(0, 0, 0, 0)), length: 0), target: .internetGateway(7)),
    ])

    /// The windows of one flow log ("ALL") on A (port 0) when `agg` closes at `now`.
    static func windowsOfA(_ agg: FlowLogAggregator, closingAt now: UInt32) -> [FlowLogWindow] {
        let interval = agg.closeInterval(now: now)
        var records: [FlowLogRecord] = []
        agg.drainClosed { records.append($0) }
        return FlowLogWindows.build(FlowLogDrain(interval: interval, wallOffset: 0, records: records, ports: [
            .init(index: 0, networkInterfaceId: "eni-a", primaryAddress: a, flowLogs: [spec("fl", "ALL")], routeTable: routes),
        ]))
    }

    /// Egress records carry the path their route table gives (AWS `traffic-path`: 1 within
    /// the VPC, an appliance's ENI included; 4 a peering connection; 8 an internet gateway);
    /// ingress records none.
    @Test func egressRecordsNameTheirTrafficPath() throws {
        let agg = FlowLogAggregator(capacity: 8, now: 0)
        for (d, id) in [(Self.b, 1), (IPv4Address(10, 0, 9, 5), 2), (IPv4Address(172, 31, 4, 4), 3), (IPv4Address(8, 8, 8, 8), 4)] {
            agg.record(eni: 0, direction: .egress, tuple: Self.icmp(Self.a, d, id: UInt16(id)), bytes: 84, action: .accept, now: 1)
        }
        agg.record(eni: 0, direction: .ingress, tuple: Self.icmp(Self.b, Self.a, id: 1), bytes: 84, action: .accept, now: 1)
        let w = Self.windowsOfA(agg, closingAt: 2)
        let paths = try #require(w.first).records.map { "\($0.flowDirection) \($0.dstaddr) \($0.trafficPath.map(String.init) ?? "-")" }
        #expect(Set(paths) == ["egress 10.0.2.20 1", "egress 10.0.9.5 1", "egress 172.31.4.4 4", "egress 8.8.8.8 8",
                               "ingress 10.0.1.10 -"])
        #expect(FlowLogWindows.trafficPath(.egressOnlyInternetGateway(1)) == nil && FlowLogWindows.trafficPath(.natGateway(1)) == 1)
    }

    @Test func oneWindowPerFlowLogAndENIWithTrafficTypeSelection() throws {
        let windows = FlowLogWindows.build(Self.drain())
        #expect(windows.map { "\($0.flowLogId)/\($0.networkInterfaceId)/\($0.logStatus.rawValue)" }
            == ["fl-all/eni-a/OK", "fl-rej/eni-a/OK", "fl-acc/eni-b/NODATA"])
        #expect(windows.allSatisfy { $0.start == 1_790_000_100 && $0.end == 1_790_000_110 })
        let all = windows[0].records
        // The two echo identifiers are one ICMP flow, ports 0 as AWS prints them.
        let out = try #require(all.first { $0.flowDirection == .egress })
        #expect(out == FlowRecord(srcaddr: "10.0.1.10", dstaddr: "10.0.2.20", srcport: 0, dstport: 0, protocol: 1, packets: 2,
                                  bytes: 168, start: 1_790_000_101, end: 1_790_000_102, action: .accept, flowDirection: .egress,
                                  trafficPath: 1))
        let back = try #require(all.first { $0.flowDirection == .ingress && $0.protocol == 1 })
        #expect(back.srcaddr == "10.0.2.20" && back.packets == 1 && back.bytes == 84)
        let refused = FlowRecord(srcaddr: "10.0.2.20", dstaddr: "10.0.1.10", srcport: 40000, dstport: 5555, protocol: 6,
                                 packets: 1, bytes: 60, start: 1_790_000_103, end: 1_790_000_103, action: .reject, tcpFlags: 2,
                                 flowDirection: .ingress)
        #expect(all.count == 3 && all.contains(refused))
        #expect(windows[1].records == [refused])
        #expect(windows[2].records.isEmpty)
    }

    @Test func skippedFlowsMakeEveryWindowSkipData() {
        let windows = FlowLogWindows.build(Self.drain(capacity: 2))
        #expect(windows.allSatisfy { $0.logStatus == .skipData })
        // The flows that were kept: the first two, A's echoes, one ICMP flow.
        #expect(windows[0].records.map(\.packets) == [2])
    }

    @Test func trafficToASecondaryAddressNamesThePrimary() {
        let agg = FlowLogAggregator(capacity: 4, now: 0)
        let secondary = IPv4Address(10, 0, 1, 11)
        agg.record(eni: 0, direction: .ingress, tuple: Self.icmp(Self.b, secondary, id: 1), bytes: 84, action: .accept, now: 1)
        let w = Self.windowsOfA(agg, closingAt: 2)
        #expect(w.first?.records.first?.dstaddr == "10.0.1.10" && w.first?.records.first?.pktDstaddr == "10.0.1.11")
    }

    @Test func unknownTrafficTypeDeliversNothing() {
        var d = Self.drain()
        d.ports = [.init(index: 0, networkInterfaceId: "eni-a", primaryAddress: Self.a, flowLogs: [Self.spec("fl", "SOME")],
                         routeTable: Self.routes)]
        #expect(FlowLogWindows.build(d).isEmpty)
    }
}

@Suite struct FlowRecordSpoolTests {
    static func directory() -> String {
        NSTemporaryDirectory() + "flow-spool-\(UUID().uuidString)"
    }

    static let window = FlowLogWindow(flowLogId: "fl-1", networkInterfaceId: "eni-a", start: 10, end: 12,
                                      logStatus: .noData, records: [])

    @Test func batchesSurviveARestartInSequenceOrder() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try FlowRecordSpool(directory: dir, hostId: "host-1")
        let s = spool.nextSequence
        #expect(try spool.add([Self.window]) == s)
        #expect(try spool.add([Self.window]) == s + 1)
        #expect(try spool.add([Self.window]) == s + 2)
        try spool.remove(s)
        let reopened = try FlowRecordSpool(directory: dir, hostId: "host-1")
        #expect(try reopened.pending() == [s + 1, s + 2])
        #expect(reopened.nextSequence == s + 3)
        let batch = try JSONDecoder().decode(FlowRecordBatch.self, from: Data(try reopened.body(s + 1)))
        #expect(batch == FlowRecordBatch(hostId: "host-1", sequence: s + 1, windows: [Self.window]))
        // All acknowledged: the counter alone keeps the numbering going.
        try reopened.remove(s + 1); try reopened.remove(s + 2)
        #expect(try FlowRecordSpool(directory: dir, hostId: "host-1").nextSequence == s + 3)
    }

    /// A host whose state directory was lost starts a new spool: its batches must not take
    /// the sequences of the batches the control plane already stored from the old one
    /// (they would be answered as duplicates, and their records dropped).
    @Test func aNewSpoolDoesNotReuseALostOnesSequences() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var used: Set<UInt64> = []
        for _ in 0..<3 {
            let spool = try FlowRecordSpool(directory: dir, hostId: "host-1")
            for _ in 0..<3 { used.insert(try spool.add([Self.window])) }
            try FileManager.default.removeItem(atPath: dir)  // the state directory is lost
        }
        #expect(used.count == 9)
    }

    @Test func aBatchWrittenBeforeItsCounterIsNotRenumbered() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try FlowRecordSpool(directory: dir, hostId: "host-1")
        let s = try spool.add([Self.window])
        // A counter behind the batches (an older agent crashed between them): not reused.
        try Data("\(s)\n".utf8).write(to: URL(fileURLWithPath: dir + "/next-sequence"))
        #expect(try FlowRecordSpool(directory: dir, hostId: "host-1").nextSequence == s + 1)
    }

    /// A spool write that fails (here the counter's: its temporary name is taken by a
    /// directory) never leaves a batch spooled under a sequence a later batch gets too: the
    /// first may have been delivered meanwhile, and the second would be a "duplicate".
    @Test func aFailedWriteNeverReusesASpooledSequence() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try FlowRecordSpool(directory: dir, hostId: "host-1")
        let obstacle = dir + "/next-sequence.tmp"
        try FileManager.default.createDirectory(atPath: obstacle, withIntermediateDirectories: false)
        #expect(throws: (any Error).self) { try spool.add([Self.window]) }
        let spooled = Set(try spool.pending())
        for s in spooled { try spool.remove(s) }  // delivered
        try FileManager.default.removeItem(atPath: obstacle)
        let next = try spool.add([Self.window])
        #expect(!spooled.contains(next))
    }

    @Test func largeIntervalsAreSplitIntoBatchesOfBoundedSize() {
        let r = FlowRecord(srcaddr: "10.0.1.10", dstaddr: "10.0.2.20", srcport: 1, dstport: 2, protocol: 6, packets: 1,
                           bytes: 40, start: 0, end: 0, action: .accept, flowDirection: .egress)
        let n = FlowRecordSender.recordsPerBatch
        var big = Self.window
        big.logStatus = .ok
        big.records = Array(repeating: r, count: n + n / 2)
        let batches = FlowRecordSender.batches([Self.window, big, Self.window])
        // NODATA + the first part of the big window fill the first batch; its rest and the
        // second NODATA the next. Nothing lost or repeated, flow log and ENI kept.
        #expect(batches.map { $0.map(\.records.count) } == [[0, n], [n / 2, 0]])
        #expect(batches.joined().allSatisfy { $0.flowLogId == "fl-1" && $0.networkInterfaceId == "eni-a" && $0.start == 10 })
    }

    /// An interval submitted while the sender works through a backlog is spooled before the
    /// next send, not only once the backlog is gone (a killed agent would lose it).
    @Test func anIntervalIsSpooledBeforeTheBacklogIsSent() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try FlowRecordSpool(directory: dir, hostId: "host-1")
        let first = try spool.add([Self.window])
        try spool.add([Self.window])  // the backlog
        let agg = FlowLogAggregator(capacity: 4, now: 0)
        let drain = FlowLogDrain(interval: agg.closeInterval(now: 2), wallOffset: 0, records: [], ports: [
            .init(index: 0, networkInterfaceId: "eni-a", primaryAddress: IPv4Address(10, 0, 1, 10),
                  flowLogs: [FlowLogWindowTests.spec("fl-1", "ALL")], routeTable: FlowLogWindowTests.routes),
        ])
        let sender = Mutex<FlowRecordSender?>(nil)
        let spooledAtSends = Mutex<[Int]>([])
        let s = FlowRecordSender(spool: spool, logger: Logger(label: "test")) { _ in
            let spooled = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".json") }.count ?? 0
            let sends = spooledAtSends.withLock { $0.append(spooled); return $0.count }
            if sends == 1 { sender.withLock { $0 }?.submit(drain) }  // the data plane closes an interval
            return 200
        }
        sender.withLock { $0 = s }
        s.start()
        let deadline = Date().addingTimeInterval(10)
        while (try spool.pending() != [] || spooledAtSends.withLock { $0.count } < 3) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        s.stop()
        // At the second send: the rest of the backlog and the new interval.
        #expect(spooledAtSends.withLock { $0 } == [2, 2, 1])
        #expect(try FlowRecordSpool(directory: dir, hostId: "host-1").nextSequence == first + 3)
    }

    @Test func senderResendsUntilAcknowledgedAndDropsRefused() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try FlowRecordSpool(directory: dir, hostId: "host-1")
        let s = try spool.add([Self.window])  // left by an earlier run
        let answers = Mutex<[Int]>([500, 200, 400, 403])
        let sent = Mutex<[UInt64]>([])
        let sender = FlowRecordSender(spool: spool, logger: Logger(label: "test")) { body in
            let b = try JSONDecoder().decode(FlowRecordBatch.self, from: Data(body))
            sent.withLock { $0.append(b.sequence) }
            return answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
        }
        let agg = FlowLogAggregator(capacity: 4, now: 0)
        for now: UInt32 in [2, 4] {
            sender.submit(FlowLogDrain(interval: agg.closeInterval(now: now), wallOffset: 0, records: [], ports: [
                .init(index: 0, networkInterfaceId: "eni-a", primaryAddress: IPv4Address(10, 0, 1, 10),
                      flowLogs: [FlowLogWindowTests.spec("fl-1", "ALL")], routeTable: FlowLogWindowTests.routes),
            ]))
        }
        sender.start()
        let deadline = Date().addingTimeInterval(10)
        while try spool.pending() != [] && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        sender.stop()
        // s failed (500) and was resent (200); s + 1 and s + 2, the new intervals, were refused
        // (400; 403, another host's) and dropped.
        #expect(sent.withLock { $0 } == [s, s, s + 1, s + 2])
        #expect(try spool.pending() == [])
        #expect(sender.refused.load(ordering: .relaxed) == 2)
        #expect(try FlowRecordSpool(directory: dir, hostId: "host-1").nextSequence == s + 3)
    }
}
