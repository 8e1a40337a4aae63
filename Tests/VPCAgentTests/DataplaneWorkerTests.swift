import Foundation
import Logging
import Synchronization
import Testing
import VPCAgent
import VPCDataplane
import VPCHostServices
import VPCModel
import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// Two data-plane threads on two loopback underlay addresses, with socket pairs standing
/// in for the TAPs (one frame per datagram, as a TAP reads and writes). No root needed.
@Suite(.serialized) struct DataplaneWorkerTests {
    /// A TAP stand-in: the worker gets `device`, the test plays the instance on `instance`.
    struct Wire {
        let device: Int32, instance: Int32

        init() {
            var fds: [Int32] = [0, 0]
            precondition(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds) == 0)
            _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
            device = fds[0]; instance = fds[1]
        }

        func send(_ frame: [UInt8]) { _ = frame.withUnsafeBytes { Glibc.send(instance, $0.baseAddress, $0.count, 0) } }

        /// The next frame the worker wrote, within `timeout` ms.
        func receive(timeout: Int32 = 2000) -> [UInt8]? {
            var p = pollfd(fd: instance, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, timeout) == 1 else { return nil }
            var buf = [UInt8](repeating: 0, count: 10000)
            let n = buf.withUnsafeMutableBytes { recv(instance, $0.baseAddress, $0.count, 0) }
            return n > 0 ? Array(buf[0..<n]) : nil
        }

        func close() { Glibc.close(device); Glibc.close(instance) }
    }

    static let macA = MACAddress(0x02, 0, 0, 0, 0, 0x0a), macB = MACAddress(0x02, 0, 0, 0, 0, 0x0b)

    func network(_ underA: IPv4Address, _ underB: IPv4Address, icmp: Bool) -> NetworkSpec {
        var n = Fixtures.network(icmp: icmp)
        n.endpoints[0].underlay = underA.description
        n.endpoints[1].underlay = underB.description
        return n
    }

    func echo(from src: IPv4Address, to dst: IPv4Address, srcMAC: MACAddress, seq: UInt16) -> [UInt8] {
        var icmp: [UInt8] = [8, 0, 0, 0, 0x12, 0x34, UInt8(seq >> 8), UInt8(seq & 0xFF)] + Array(repeating: 0xAB, count: 32)
        let c = icmp.withUnsafeBytes { InternetChecksum.compute($0) }
        icmp[2] = UInt8(c >> 8); icmp[3] = UInt8(c & 0xFF)
        var frame = [UInt8](repeating: 0, count: 14 + 20 + icmp.count)
        frame.withUnsafeMutableBytes { b in
            _ = try! EthernetRepr(source: srcMAC, destination: DataplaneWorker.routerMAC, etherType: .ipv4).emit(into: b)
            _ = try! IPv4Repr(source: src, destination: dst, protocol: .icmp, payloadLength: icmp.count)
                .emit(into: UnsafeMutableRawBufferPointer(rebasing: b[14...]))
            UnsafeMutableRawBufferPointer(rebasing: b[34...]).copyBytes(from: icmp)
        }
        return frame
    }

    @Test func echoCrossesHostsInGeneveAndTheSecurityGroupDecides() throws {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let underA = IPv4Address(127, base, sub, 2), underB = IPv4Address(127, base, sub, 3)
        let logger = Logger(label: "test")
        let a = try DataplaneWorker(underlay: underA, logger: logger) { _, _, _ in }
        let b = try DataplaneWorker(underlay: underB, logger: logger) { _, _, _ in }
        a.start(); b.start()
        let wireA = Wire(), wireB = Wire()
        defer { a.stop(); b.stop(); wireA.close(); wireB.close() }
        let ipA = IPv4Address(10, 0, 1, 10), ipB = IPv4Address(10, 0, 1, 11)

        func install(version: UInt64, icmp: Bool) throws {
            let n = network(underA, underB, icmp: icmp)
            let ia = Fixtures.interface(), ib = Fixtures.interface(Fixtures.eniB, ip: "10.0.1.11", mac: "02:00:00:00:00:0b")
            let pa = try PortCompiler.compile(ia, of: Fixtures.instance("i-a", interfaces: [ia]), index: 0, network: n).get()
            let pb = try PortCompiler.compile(ib, of: Fixtures.instance("i-b", interfaces: [ib]), index: 0, network: n).get()
            a.apply(DataplaneConfig(version: version, ports: [.init(compiled: pa, tapFD: wireA.device)],
                                    mappings: PortCompiler.mappings(n, version: version)))
            b.apply(DataplaneConfig(version: version, ports: [.init(compiled: pb, tapFD: wireB.device)],
                                    mappings: PortCompiler.mappings(n, version: version)))
        }

        try install(version: 1, icmp: true)
        wireA.send(echo(from: ipA, to: ipB, srcMAC: Self.macA, seq: 1))
        let delivered = try #require(wireB.receive())
        #expect(Array(delivered[0..<6]) == [0x02, 0, 0, 0, 0, 0x0b])   // to B's MAC
        #expect(Array(delivered[6..<12]) == [0x02, 0, 0, 0, 0, 0x0a])  // from A (same subnet)
        #expect(Array(delivered[14...]) == Array(echo(from: ipA, to: ipB, srcMAC: Self.macA, seq: 1)[14...]))
        let ma = a.metrics(), mb = b.metrics()
        #expect(ma.agent["underlay_tx_packets_total"] == 1 && mb.agent["underlay_rx_packets_total"] == 1)
        #expect(mb.ports.first?.counters.packetsIn == 1 && mb.trackedFlows == 1)

        try install(version: 2, icmp: false)  // revoke ICMP on B
        // AWS: revoking a rule does not cut a tracked flow (same echo identifier)...
        wireA.send(echo(from: ipA, to: ipB, srcMAC: Self.macA, seq: 3))
        #expect(wireB.receive() != nil)
        // ...but a new flow (another identifier) is refused.
        var fresh = echo(from: ipA, to: ipB, srcMAC: Self.macA, seq: 2)
        fresh[38] = 0x56  // another identifier
        wireA.send(refreshICMPChecksum(fresh))
        #expect(wireB.receive(timeout: 500) == nil)
        let after = b.metrics()
        #expect(after.appliedVersion == 2)
        #expect(after.ports.first?.counters.drops(.securityGroup) == 1)
    }

    @Test func aFeedVersionGoingBackwardsStillReplacesTheMappings() throws {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let underA = IPv4Address(127, base, sub, 2), underB = IPv4Address(127, base, sub, 3)
        let a = try DataplaneWorker(underlay: underA, logger: Logger(label: "test")) { _, _, _ in }
        let b = try DataplaneWorker(underlay: underB, logger: Logger(label: "test")) { _, _, _ in }
        a.start(); b.start()
        let wireA = Wire(), wireB = Wire()
        defer { a.stop(); b.stop(); wireA.close(); wireB.close() }
        let ia = Fixtures.interface(), ib = Fixtures.interface(Fixtures.eniB, ip: "10.0.1.11", mac: "02:00:00:00:00:0b")
        func install(_ w: DataplaneWorker, _ wire: Wire, _ i: InterfaceSpec, version: UInt64, bLivesAt: IPv4Address) throws {
            let n = network(underA, bLivesAt, icmp: true)
            let p = try PortCompiler.compile(i, of: Fixtures.instance(interfaces: [i]), index: 0, network: n).get()
            w.apply(DataplaneConfig(version: version, ports: [.init(compiled: p, tapFD: wire.device)],
                                    mappings: PortCompiler.mappings(n, version: version)))
        }
        try install(b, wireB, ib, version: 1, bLivesAt: underB)
        try install(a, wireA, ia, version: 50, bLivesAt: IPv4Address(127, base, sub, 9))  // wrong host
        wireA.send(echo(from: IPv4Address(10, 0, 1, 10), to: IPv4Address(10, 0, 1, 11), srcMAC: Self.macA, seq: 1))
        #expect(wireB.receive(timeout: 300) == nil)
        // The control plane was restored from a backup: a full update with a lower version.
        try install(a, wireA, ia, version: 7, bLivesAt: underB)
        wireA.send(echo(from: IPv4Address(10, 0, 1, 10), to: IPv4Address(10, 0, 1, 11), srcMAC: Self.macA, seq: 2))
        #expect(wireB.receive() != nil)
        #expect(a.metrics().appliedVersion == 7)
    }

    func refreshICMPChecksum(_ f: [UInt8]) -> [UInt8] {
        var f = f
        f[36] = 0; f[37] = 0
        let c = f[34...].withUnsafeBytes { InternetChecksum.compute($0) }
        f[36] = UInt8(c >> 8); f[37] = UInt8(c & 0xFF)
        return f
    }

    /// Runs `body` with a started worker on a fresh loopback underlay address (`under`; `peer`
    /// is the next) and a TAP stand-in, both stopped and closed after.
    func withWorker(_ body: (DataplaneWorker, Wire, _ under: IPv4Address, _ peer: IPv4Address) throws -> Void) throws {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let under = IPv4Address(127, base, sub, 2)
        let w = try DataplaneWorker(underlay: under, logger: Logger(label: "test")) { _, _, _ in }
        w.start()
        let wire = Wire()
        defer { w.stop(); wire.close() }
        try body(w, wire, under, IPv4Address(127, base, sub, 3))
    }

    @Test func arpForAPeerIsAnsweredWithItsMAC() throws {
        try withWorker { w, wire, under, peer in
            let reply = try arpRoundTrip(w, wire, under: under, peer: peer)
            let arp = try reply.withUnsafeBytes { try ARPRepr.parse(UnsafeRawBufferPointer(rebasing: $0[14...])) }
            #expect(arp.operation == .reply && arp.senderHardwareAddress == Self.macB && arp.senderProtocolAddress == IPv4Address(10, 0, 1, 11))
        }
    }

    /// DNS (and DHCP) is answered on the thread every instance shares: each ENI gets
    /// `serviceRate` packets a second, the rest are dropped and counted.
    @Test func anENIsDNSQueriesAreAnsweredUpToTheServiceRate() throws {
        try withWorker { w, wire, under, peer in
            try arpRoundTrip(w, wire, under: under, peer: peer)
            // ip-10-0-1-11.ec2.internal A? to the link-local resolver, from A.
            let name: [UInt8] = [12] + Array("ip-10-0-1-11".utf8) + [3] + Array("ec2".utf8) + [8] + Array("internal".utf8) + [0]
            let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 1, 0, 1]
            let udp = UDPFrame(sourceMAC: Self.macA, destinationMAC: DataplaneWorker.routerMAC, source: .v4(IPv4Address(10, 0, 1, 10)),
                               destination: .v4(IPv4Address(169, 254, 169, 253)), sourcePort: 40000, destinationPort: 53)
            var frame = [UInt8](repeating: 0, count: udp.headerLength + query.count)
            frame.withUnsafeMutableBytes { b in
                UnsafeMutableRawBufferPointer(rebasing: b[udp.headerLength...]).copyBytes(from: query)
                _ = udp.emit(payloadLength: query.count, into: b)
            }
            let sent = 4 * Int(DataplaneState.serviceRate)
            // (Replies the socket has no room for are counted as answered, then dropped at the TAP.)
            for _ in 0..<sent { wire.send(frame) }
            var agent: [String: UInt64] = [:]
            for _ in 0..<100 {
                agent = w.metrics().agent
                if (agent["dns_replies_total"] ?? 0) + (agent["service_rate_drops_total"] ?? 0) + (agent["dns_ignored_total"] ?? 0)
                    >= UInt64(sent) { break }
                usleep(20_000)
            }
            // The burst (milliseconds) may straddle a second boundary or two, never four.
            let answered = agent["dns_replies_total"] ?? 0, dropped = agent["service_rate_drops_total"] ?? 0
            #expect(answered >= UInt64(DataplaneState.serviceRate) && dropped > 0)
            #expect(answered + dropped == UInt64(sent))
        }
    }

    /// Installs instance A (B on `peer`) and sends an ARP request for B from A's TAP: the reply.
    @discardableResult
    func arpRoundTrip(_ w: DataplaneWorker, _ wire: Wire, under: IPv4Address, peer: IPv4Address) throws -> [UInt8] {
        let n = network(under, peer, icmp: true)
        let i = Fixtures.interface()
        let p = try PortCompiler.compile(i, of: Fixtures.instance(interfaces: [i]), index: 0, network: n).get()
        w.apply(DataplaneConfig(version: 1, ports: [.init(compiled: p, tapFD: wire.device)], mappings: PortCompiler.mappings(n, version: 1)))
        var req = [UInt8](repeating: 0, count: 42)
        req.withUnsafeMutableBytes { b in
            _ = try! EthernetRepr(source: Self.macA, destination: .broadcast, etherType: .arp).emit(into: b)
            _ = try! ARPRepr(operation: .request, senderHardwareAddress: Self.macA, senderProtocolAddress: IPv4Address(10, 0, 1, 10),
                             targetHardwareAddress: .zero, targetProtocolAddress: IPv4Address(10, 0, 1, 11))
                .emit(into: UnsafeMutableRawBufferPointer(rebasing: b[14...]))
        }
        wire.send(req)
        return try #require(wire.receive())
    }

    /// A frame after a quiet spell does not start polling (the next is not expected soon); a
    /// frame within the window of the one before does, for the window.
    @Test func busyPollingPollsForItsWindowAfterCloseTrafficThenSleeps() throws {
        let (w, wire, under, peer) = try pollingWorker(busyPoll: 300_000)
        defer { w.stop(); wire.close() }
        usleep(50_000)
        #expect(w.metrics().agent["busy_polls_empty_total"] == 0)  // no traffic yet: asleep
        try arpRoundTrip(w, wire, under: under, peer: peer)
        usleep(400_000)
        #expect(w.metrics().agent["busy_polls_empty_total"] == 0)  // a lone frame: still asleep
        try arpRoundTrip(w, wire, under: under, peer: peer)
        try arpRoundTrip(w, wire, under: under, peer: peer)
        usleep(100_000)
        try expectPollingThenSleep(w)
    }

    /// A started worker with these polling windows (µs) on a fresh loopback underlay address,
    /// a wire to it, and the address of its peer host.
    func pollingWorker(busyPoll: UInt32 = 0, bulkPoll: UInt32 = 0) throws
        -> (DataplaneWorker, Wire, under: IPv4Address, peer: IPv4Address) {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let under = IPv4Address(127, base, sub, 2), peer = IPv4Address(127, base, sub, 3)
        let w = try DataplaneWorker(underlay: under, busyPollMicroseconds: busyPoll, bulkPollMicroseconds: bulkPoll,
                                    logger: Logger(label: "test")) { _, _, _ in }
        w.start()
        return (w, Wire(), under, peer)
    }

    /// The worker is polling now (a 300 ms window), and asleep once the window has passed.
    func expectPollingThenSleep(_ w: DataplaneWorker) throws {
        #expect(try #require(w.metrics().agent["busy_polls_empty_total"]) > 10)
        usleep(400_000)  // past the window: asleep again
        let settled = w.metrics().agent["busy_polls_empty_total"]
        usleep(100_000)
        #expect(w.metrics().agent["busy_polls_empty_total"] == settled)
    }

    /// Small frames close together start no polling under the bulk window alone; a turn that
    /// reads more than 16 KiB (here one oversized datagram, dropped) does, until the window
    /// passes without traffic.
    @Test func bulkPollingPollsAfterBulkTrafficOnly() throws {
        let (w, wire, under, peer) = try pollingWorker(bulkPoll: 300_000)
        defer { w.stop(); wire.close() }
        for _ in 0..<5 { try arpRoundTrip(w, wire, under: under, peer: peer) }
        usleep(100_000)
        #expect(w.metrics().agent["busy_polls_empty_total"] == 0)  // small frames: asleep
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var to = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: UInt16(6081).bigEndian,
                             sin_addr: in_addr(s_addr: under.value.bigEndian), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        let bulk = [UInt8](repeating: 0, count: 20_000)
        let sent = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bulk, bulk.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(sent == bulk.count)
        usleep(100_000)
        #expect(w.metrics().agent["underlay_rx_oversize_total"] == 1)
        try expectPollingThenSleep(w)
    }

    /// Flow-log intervals closed over several loop turns (the connection and flow-log tables
    /// a slice per turn) reach `onFlowInterval` whole, one after another, each packet in one
    /// of them; the fresh interval the first flow log starts with is not delivered.
    @Test func flowLogIntervalsAreDeliveredWholeOneAfterAnother() throws {
        let (w, under, peer, intervals) = try flowLoggingWorker()
        let wire = Wire()
        defer { w.stop(); wire.close() }
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let installed = UInt32(truncatingIfNeeded: ts.tv_sec)
        try installFlowLoggedA(w, wire, under: under, peer: peer, interval: 1)
        for seq in UInt16(1)...5 {  // one flow (one echo identifier), to B on the other host
            wire.send(echo(from: IPv4Address(10, 0, 1, 10), to: IPv4Address(10, 0, 1, 11), srcMAC: Self.macA, seq: seq))
            usleep(200_000)
        }
        usleep(1_500_000)  // the intervals of those seconds have closed
        w.closeFlowInterval()  // and the open one
        let delivered = intervals.delivered
        #expect(delivered.count >= 2)
        #expect(delivered.first.map { $0.interval.start >= installed } == true)
        for (earlier, later) in zip(delivered, delivered.dropFirst()) {
            #expect(later.interval.start == earlier.interval.end)
        }
        let packets = delivered.flatMap(\.records).filter { $0.direction == .egress }.reduce(0) { $0 + $1.packets }
        #expect(packets == 5)
        #expect(delivered.allSatisfy { $0.interval.records == $0.records.count })
    }

    /// Where a worker's closed flow-log intervals collect.
    final class IntervalLog: Sendable {
        let drains = Mutex<[FlowLogDrain]>([])
        var delivered: [FlowLogDrain] { drains.withLock { $0 } }
    }

    /// A started worker on a fresh 127.x underlay address (and the address of its peer host),
    /// its closed flow-log intervals collected in the log.
    func flowLoggingWorker() throws -> (DataplaneWorker, under: IPv4Address, peer: IPv4Address, IntervalLog) {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let under = IPv4Address(127, base, sub, 2), peer = IPv4Address(127, base, sub, 3)
        let w = try DataplaneWorker(underlay: under, logger: Logger(label: "test")) { _, _, _ in }
        let log = IntervalLog()
        w.onFlowInterval = { d in log.drains.withLock { $0.append(d) } }
        w.start()
        return (w, under, peer, log)
    }

    /// Installs instance A with a flow log of all its traffic (`interval` seconds) on `wire`'s
    /// TAP, and B on `peer`.
    func installFlowLoggedA(_ w: DataplaneWorker, _ wire: Wire, under: IPv4Address, peer: IPv4Address,
                            interval: Int) throws {
        var i = Fixtures.interface()
        i.flowLogs = [FlowLogSpec(flowLogId: "fl-1", trafficType: "ALL", logFormat: "${version}", aggregationInterval: interval)]
        let n = network(under, peer, icmp: true)
        let p = try PortCompiler.compile(i, of: Fixtures.instance(interfaces: [i]), index: 0, network: n).get()
        w.apply(DataplaneConfig(version: 1, ports: [.init(compiled: p, tapFD: wire.device)],
                                mappings: PortCompiler.mappings(n, version: 1)))
    }

    /// Egress packets per ENI in the windows of `drains`, and the source addresses each ENI's
    /// windows hold.
    func egress(_ drains: [FlowLogDrain]) -> (packets: [String: UInt64], sources: [String: Set<String>]) {
        var packets: [String: UInt64] = [:], sources: [String: Set<String>] = [:]
        for w in drains.flatMap(FlowLogWindows.build) {
            for r in w.records where r.flowDirection == .egress {
                packets[w.networkInterfaceId, default: 0] += r.packets
                sources[w.networkInterfaceId, default: []].insert(r.srcaddr)
            }
        }
        return (packets, sources)
    }

    /// A port index a flow-logged ENI left during the interval, given to another ENI before
    /// the interval closes: the first's records (its connections' counts too) are reported
    /// as its own, none under the second's identity.
    @Test func aReusedPortIndexKeepsTheLeavingENIsRecordsApart() throws {
        let (w, under, peer, intervals) = try flowLoggingWorker()
        let wireA = Wire(), wireB = Wire(), wireC = Wire()
        defer { w.stop(); wireA.close(); wireB.close(); wireC.close() }
        let n = network(under, peer, icmp: true)
        let flowLog = [FlowLogSpec(flowLogId: "fl-1", trafficType: "ALL", logFormat: "${version}", aggregationInterval: 600)]
        func port(_ eni: String, _ ip: String, _ mac: String, index: Int, _ wire: Wire) throws -> DataplaneConfig.Port {
            var i = Fixtures.interface(eni, ip: ip, mac: mac)
            i.flowLogs = flowLog
            let c = try PortCompiler.compile(i, of: Fixtures.instance("i-\(index)-\(ip)", interfaces: [i]), index: index,
                                             network: n).get()
            return DataplaneConfig.Port(compiled: c, tapFD: wire.device)
        }
        let eniC = "eni-0000000000000000c"
        let a = try port(Fixtures.eniA, "10.0.1.10", "02:00:00:00:00:0a", index: 0, wireA)
        let b = try port(Fixtures.eniB, "10.0.1.11", "02:00:00:00:00:0b", index: 0, wireB)
        let c = try port(eniC, "10.0.1.12", "02:00:00:00:00:0c", index: 1, wireC)
        func apply(_ version: UInt64, _ ports: [DataplaneConfig.Port]) {
            w.apply(DataplaneConfig(version: version, ports: ports, mappings: PortCompiler.mappings(n, version: version)))
        }
        func echoes(_ wire: Wire, from ip: IPv4Address, mac: MACAddress, to dst: IPv4Address) {
            for seq in UInt16(1)...3 { wire.send(echo(from: ip, to: dst, srcMAC: mac, seq: seq)) }  // one tracked flow
            usleep(100_000)
        }
        apply(1, [a, c])
        echoes(wireA, from: IPv4Address(10, 0, 1, 10), mac: Self.macA, to: IPv4Address(10, 0, 1, 11))
        apply(2, [c])  // A leaves port 0 mid-interval...
        apply(3, [b, c])  // ...and B takes it before the interval closes
        echoes(wireB, from: IPv4Address(10, 0, 1, 11), mac: Self.macB, to: IPv4Address(10, 0, 1, 10))
        w.closeFlowInterval()
        let (packets, sources) = egress(intervals.delivered)
        #expect(packets[Fixtures.eniA] == 3)
        #expect(sources[Fixtures.eniA] == ["10.0.1.10"])
        #expect(packets[Fixtures.eniB] == 3)
        #expect(sources[Fixtures.eniB] == ["10.0.1.11"])
    }

    /// Removing the last flow-logged ENI of the host still reports its interval so far.
    @Test func theLastFlowLoggedENIsFinalWindowIsDelivered() throws {
        let (w, under, peer, intervals) = try flowLoggingWorker()
        let wire = Wire()
        defer { w.stop(); wire.close() }
        try installFlowLoggedA(w, wire, under: under, peer: peer, interval: 600)
        for seq in UInt16(1)...3 {
            wire.send(echo(from: IPv4Address(10, 0, 1, 10), to: IPv4Address(10, 0, 1, 11), srcMAC: Self.macA, seq: seq))
        }
        usleep(100_000)
        w.apply(DataplaneConfig(version: 2, ports: [], mappings: []))
        w.closeFlowInterval()
        #expect(egress(intervals.delivered).packets[Fixtures.eniA] == 3)
    }

    /// The host's capacities size its tables; an ENI's allowance is at most the host's, and
    /// a flow past it is refused and counted.
    @Test func capacitiesSizeTheTablesAndBoundTheAllowance() throws {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let under = IPv4Address(127, base, sub, 2), peer = IPv4Address(127, base, sub, 3)
        let w = try DataplaneWorker(underlay: under, trackedConnections: 20, flowLogFlows: 30,
                                    logger: Logger(label: "test")) { _, _, _ in }
        w.start()
        let wire = Wire()
        defer { w.stop(); wire.close() }
        try arpRoundTrip(w, wire, under: under, peer: peer)  // installs A, B on the peer host
        for id in UInt8(0)..<21 {  // 21 echo identifiers: 21 flows
            var e = echo(from: IPv4Address(10, 0, 1, 10), to: IPv4Address(10, 0, 1, 11), srcMAC: Self.macA, seq: 1)
            e[38] = id
            wire.send(refreshICMPChecksum(e))
        }
        usleep(200_000)
        let m = w.metrics()
        #expect(m.trackedFlowsCapacity == 20 && m.flowLogFlowsCapacity == 30)
        #expect(m.trackedFlows == 20 && m.conntrackAllowanceExceeded == 1)
        w.apply(DataplaneConfig(version: 2, ports: [], mappings: []))  // the ENI goes: its connections follow
        usleep(100_000)
        #expect(w.metrics().trackedFlows == 0)
    }

    @Test func withoutBusyPollingTheThreadSleepsAfterTraffic() throws {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let under = IPv4Address(127, base, sub, 2), peer = IPv4Address(127, base, sub, 3)
        let w = try DataplaneWorker(underlay: under, logger: Logger(label: "test")) { _, _, _ in }
        w.start()
        let wire = Wire()
        defer { w.stop(); wire.close() }
        try arpRoundTrip(w, wire, under: under, peer: peer)
        usleep(50_000)
        #expect(w.metrics().agent["busy_polls_empty_total"] == 0)
    }

    /// A configuration's endpoints become the ENI directory: each ENI's host, check and an
    /// IPv4 address (which tells the pipeline its subnet for network ACLs).
    @Test func theEndpointsPlaceEachENIInTheDirectory() throws {
        let base = UInt8.random(in: 20...220), sub = UInt8.random(in: 0...250)
        let w = try DataplaneWorker(underlay: IPv4Address(127, base, sub, 2), logger: Logger(label: "test")) { _, _, _ in }
        w.start()
        defer { w.stop() }
        var n = Fixtures.network()
        n.endpoints[1].sourceDestCheck = false  // B
        n.endpoints.insert(EndpointSpec(address: "2600:1f14::b", networkInterfaceId: Fixtures.eniB, macAddress: "02:00:00:00:00:0b",
                                        hostId: "h2", underlay: "192.0.2.2", underlayPort: 6081, instanceId: "i-b",
                                        sourceDestCheck: false), at: 1)  // B's IPv6 address listed before its IPv4 one
        w.apply(DataplaneConfig(version: 1, ports: [], mappings: PortCompiler.mappings(n, version: 1)))
        let (a, b) = w.performAndWait { s in
            (s.pipeline.interfaces.location(of: 0xa, vni: 4242), s.pipeline.interfaces.location(of: 0xb, vni: 4242))
        }
        #expect(a?.sourceDestCheck == true && a?.ipv4 == IPv4Address(10, 0, 1, 10).value)
        #expect(b?.sourceDestCheck == false && b?.ipv4 == IPv4Address(10, 0, 1, 11).value && b?.entry.underlay == .v4(IPv4Address(192, 0, 2, 2)))
        w.apply(DataplaneConfig(version: 2, ports: [], mappings: []))
        #expect(w.performAndWait { $0.pipeline.interfaces.count } == 0)
    }
}
