import Testing
@testable import VPCDataplane

@Suite struct ConnectionTrackingTests {
    let webServer = [
        SecurityGroupRule.ports(.ingress, proto: 6, 22, 22, .cidr(cidr("203.0.113.0/24"))),
        SecurityGroupRule.ports(.egress, proto: 6, 443, 443, .cidr(.anyV4)),
        SecurityGroupRule(direction: .egress, ipProtocol: 1, peer: .cidr(.anyV4)),
        SecurityGroupRule.ports(.egress, proto: 17, 53, 53, .cidr(.anyV4)),
    ]

    @Test func tcpHandshakeRepliesAndClose() {
        let table = ConnectionTable(capacity: 1000, zones: 4, perZoneLimit: 100)
        let policy = SecurityGroupPolicy(rules: webServer)
        let syn = tcp("203.0.113.9", 40000, "10.0.1.5", 22)
        func run(_ dir: TrafficDirection, _ t: FlowTuple, _ f: UInt8, _ now: UInt32 = 1) -> SecurityGroupAction {
            SecurityGroupFilter.process(policy: policy, table: table, zone: 1, direction: dir, tuple: t, tcpFlags: f, now: now)
        }
        #expect(run(.ingress, syn, TCPFlagBits.syn) == .acceptNew)
        #expect(table.state(zone: 1, syn, now: 1) == .tcpSynSent)
        // The reply goes out although no egress rule allows port 40000: stateful.
        #expect(run(.egress, syn.reversed, TCPFlagBits.syn | TCPFlagBits.ack) == .acceptTracked)
        #expect(table.state(zone: 1, syn, now: 1) == .tcpSynReceived)
        #expect(run(.ingress, syn, TCPFlagBits.ack) == .acceptTracked)
        #expect(table.state(zone: 1, syn, now: 1) == .tcpEstablished)
        #expect(run(.ingress, syn, TCPFlagBits.fin | TCPFlagBits.ack) == .acceptTracked)
        #expect(table.state(zone: 1, syn, now: 1) == .tcpFinWait)
        #expect(run(.egress, syn.reversed, TCPFlagBits.fin | TCPFlagBits.ack) == .acceptTracked)
        #expect(table.state(zone: 1, syn, now: 1) == .tcpTimeWait)
        // Another ENI (zone) does not share the connection.
        #expect(SecurityGroupFilter.process(policy: policy, table: table, zone: 2, direction: .egress, tuple: syn.reversed, tcpFlags: TCPFlagBits.ack, now: 1) == .rejectNoRule)
        // Time-wait expires.
        #expect(run(.egress, syn.reversed, TCPFlagBits.ack, 1 + table.timeouts.tcpTimeWait) == .rejectNoRule)
        #expect(table.count == 0)
    }

    /// A first segment without SYN (a bare ACK: a pickup after a restart, or a forged one)
    /// is tracked briefly until the other side answers; only then for the established
    /// timeout. Unanswered pickups cannot hold the table for 5 days.
    @Test func aMidStreamPickupIsShortLivedUntilAnswered() {
        let table = ConnectionTable(capacity: 1000, zones: 1, perZoneLimit: 100)
        let policy = SecurityGroupPolicy(rules: webServer)
        func run(_ dir: TrafficDirection, _ t: FlowTuple, _ now: UInt32) -> SecurityGroupAction {
            SecurityGroupFilter.process(policy: policy, table: table, zone: 0, direction: dir, tuple: t, tcpFlags: TCPFlagBits.ack, now: now)
        }
        let stray = tcp("203.0.113.9", 40000, "10.0.1.5", 22), answered = tcp("203.0.113.9", 40001, "10.0.1.5", 22)
        #expect(run(.ingress, stray, 1) == .acceptNew && run(.ingress, answered, 1) == .acceptNew)
        #expect(table.state(zone: 0, stray, now: 1) == .tcpPickedUp)
        #expect(run(.egress, answered.reversed, 2) == .acceptTracked)
        #expect(table.state(zone: 0, answered, now: 2) == .tcpEstablished)
        #expect(run(.ingress, stray, 3) == .acceptTracked)  // more of the same side: still unanswered
        #expect(table.state(zone: 0, stray, now: 3) == .tcpPickedUp)
        let later = 3 + table.timeouts.tcpPickedUp
        table.sweep(now: later, maxSlots: table.slotCount)
        #expect(table.state(zone: 0, stray, now: later) == nil)
        #expect(table.state(zone: 0, answered, now: later) == .tcpEstablished)
        #expect(run(.egress, answered.reversed, 2 + table.timeouts.tcpEstablished - 1) == .acceptTracked)
    }

    /// A full table makes room for a new flow by taking an unanswered (or expired) one near
    /// its slot; answered connections are never taken.
    @Test func aFullTableTakesUnansweredConnectionsNeverAnsweredOnes() {
        let table = ConnectionTable(capacity: 64, zones: 2, perZoneLimit: 64)
        var answered: [FlowTuple] = []
        for n in 0..<32 {  // half the table answered
            let t = tcp("10.0.0.1", UInt16(1000 + n), "10.0.0.2", 80)
            table.insert(zone: 0, t, direction: .egress, tcpFlags: TCPFlagBits.syn, now: 1)
            _ = table.observe(zone: 0, t.reversed, tcpFlags: TCPFlagBits.syn | TCPFlagBits.ack, now: 1)
            answered.append(t)
        }
        for n in 0..<32 {  // half unanswered SYNs
            table.insert(zone: 0, tcp("10.0.0.1", UInt16(2000 + n), "10.0.0.9", 80), direction: .egress,
                         tcpFlags: TCPFlagBits.syn, now: 1)
        }
        #expect(table.count == 64)
        var inserted = 0, full = 0
        for n in 0..<500 {
            switch table.insert(zone: 1, tcp("10.0.1.1", UInt16(3000 + n), "10.0.0.2", 443), direction: .egress,
                                tcpFlags: TCPFlagBits.syn, now: 2) {
            case .inserted: inserted += 1
            case .tableFull: full += 1
            default: Issue.record("unexpected")
            }
            #expect(table.count == 64)
        }
        #expect(inserted > 0 && UInt64(inserted) == table.evictedForRoom && UInt64(full) == table.tableFull)
        #expect(answered.allSatisfy { table.state(zone: 0, $0, now: 2) == .tcpSynReceived })

        // A table of answered connections only refuses new ones.
        let answeredOnly = ConnectionTable(capacity: 16, zones: 1, perZoneLimit: 32)
        for n in 0..<16 {
            let t = udp("10.0.0.1", UInt16(1000 + n), "10.0.0.2", 53)
            answeredOnly.insert(zone: 0, t, direction: .egress, now: 1)
            _ = answeredOnly.observe(zone: 0, t.reversed, now: 1)
        }
        #expect(answeredOnly.insert(zone: 0, udp("10.0.0.1", 9, "10.0.0.2", 53), direction: .egress, now: 2) == .tableFull)
        #expect(answeredOnly.evictedForRoom == 0)
    }

    @Test func rstClosesConnection() {
        let table = ConnectionTable(capacity: 100, zones: 1, perZoneLimit: 100)
        let t = tcp("10.0.0.1", 1000, "10.0.0.2", 80)
        #expect(table.insert(zone: 0, t, direction: .egress, tcpFlags: TCPFlagBits.syn, now: 0) == .inserted)
        #expect(table.observe(zone: 0, t.reversed, tcpFlags: TCPFlagBits.rst, now: 1) == .reply)
        #expect(table.state(zone: 0, t, now: 1) == .tcpClosed)
        #expect(!table.contains(zone: 0, t, now: 1 + table.timeouts.tcpClosed))
    }

    /// AWS: "If you remove a security group rule that enables a tracked connection, the
    /// connection is not interrupted"; untracked flows stop at once.
    @Test func ruleRemovedMidFlowKeepsTrackedFlowButCutsUntracked() {
        let table = ConnectionTable(capacity: 100, zones: 1, perZoneLimit: 100)
        let before = SecurityGroupPolicy(rules: webServer)
        let after = SecurityGroupPolicy(rules: Array(webServer.dropFirst()))
        let flow = tcp("203.0.113.9", 40000, "10.0.1.5", 22)
        #expect(SecurityGroupFilter.process(policy: before, table: table, zone: 0, direction: .ingress, tuple: flow, tcpFlags: TCPFlagBits.syn, now: 1) == .acceptNew)
        #expect(SecurityGroupFilter.process(policy: after, table: table, zone: 0, direction: .ingress, tuple: flow, tcpFlags: TCPFlagBits.ack, now: 2) == .acceptTracked)
        #expect(SecurityGroupFilter.process(policy: after, table: table, zone: 0, direction: .egress, tuple: flow.reversed, tcpFlags: TCPFlagBits.ack, now: 2) == .acceptTracked)
        // A new flow from the same peer is refused under the new rules.
        #expect(SecurityGroupFilter.process(policy: after, table: table, zone: 0, direction: .ingress, tuple: tcp("203.0.113.9", 40001, "10.0.1.5", 22), tcpFlags: TCPFlagBits.syn, now: 2) == .rejectNoRule)

        let open = SecurityGroupPolicy(rules: [.ports(.ingress, proto: 6, 0, 65535, .cidr(.anyV4)), .allTraffic(.egress, .cidr(.anyV4))])
        let closed = SecurityGroupPolicy(rules: [.allTraffic(.egress, .cidr(.anyV4))])
        let web = tcp("198.51.100.7", 50000, "10.0.1.5", 80)
        #expect(SecurityGroupFilter.process(policy: open, table: table, zone: 0, direction: .ingress, tuple: web, tcpFlags: TCPFlagBits.syn, now: 3) == .acceptUntracked)
        #expect(!table.contains(zone: 0, web, now: 3))
        #expect(SecurityGroupFilter.process(policy: closed, table: table, zone: 0, direction: .ingress, tuple: web, tcpFlags: TCPFlagBits.ack, now: 4) == .rejectNoRule)
    }

    /// Each ENI (zone) times its connections out by its own idle timeouts
    /// (ConnectionTrackingSpecification); the others keep AWS's defaults.
    @Test func zonesHaveTheirOwnTimeouts() {
        let table = ConnectionTable(capacity: 100, zones: 2, perZoneLimit: 100)
        table.setTimeouts(zone: 1, ConnectionTimeouts(tcpEstablished: 60, udp: 45, udpStream: 90))
        let flow = tcp("10.0.1.5", 40000, "10.0.2.6", 443)
        for zone: UInt32 in [0, 1] {
            _ = table.insert(zone: zone, flow, direction: .egress, tcpFlags: TCPFlagBits.syn, now: 0)
            _ = table.observe(zone: zone, flow.reversed, tcpFlags: TCPFlagBits.syn | TCPFlagBits.ack, now: 1)
            _ = table.observe(zone: zone, flow, tcpFlags: TCPFlagBits.ack, now: 2)
            #expect(table.state(zone: zone, flow, now: 2) == .tcpEstablished)
        }
        #expect(table.contains(zone: 1, flow, now: 2 + 59) && !table.contains(zone: 1, flow, now: 2 + 60))
        #expect(table.contains(zone: 0, flow, now: 2 + 60))  // AWS's default: 5 days
        let dns = udp("10.0.1.5", 5353, "10.0.0.2", 53)
        _ = table.insert(zone: 1, dns, direction: .egress, now: 100)
        #expect(table.contains(zone: 1, dns, now: 100 + 44) && !table.contains(zone: 1, dns, now: 100 + 45))
        #expect(table.timeouts(zone: 0) == .aws && table.timeouts(zone: 1).udpStream == 90)
    }

    @Test func icmpEchoAndRelatedErrors() {
        let table = ConnectionTable(capacity: 100, zones: 1, perZoneLimit: 100)
        let policy = SecurityGroupPolicy(rules: webServer)
        let echo = FlowTuple.icmpEcho(source: ip("10.0.1.5"), destination: ip("8.8.8.8"), identifier: 99, request: true)
        #expect(SecurityGroupFilter.process(policy: policy, table: table, zone: 0, direction: .egress, tuple: echo, icmpType: 8, now: 1) == .acceptNew)
        let reply = FlowTuple.icmpEcho(source: ip("8.8.8.8"), destination: ip("10.0.1.5"), identifier: 99, request: false)
        #expect(SecurityGroupFilter.process(policy: policy, table: table, zone: 0, direction: .ingress, tuple: reply, icmpType: 0, now: 2) == .acceptTracked)
        let otherID = FlowTuple.icmpEcho(source: ip("8.8.8.8"), destination: ip("10.0.1.5"), identifier: 100, request: false)
        #expect(SecurityGroupFilter.process(policy: policy, table: table, zone: 0, direction: .ingress, tuple: otherID, icmpType: 0, now: 2) == .rejectNoRule)
        // ICMP times out after 30 s idle.
        #expect(!table.contains(zone: 0, reply, now: 2 + 30))

        // A TCP flow out; a router replies "fragmentation needed" quoting our packet.
        let out = tcp("10.0.1.5", 41000, "192.0.2.10", 443)
        #expect(SecurityGroupFilter.process(policy: policy, table: table, zone: 0, direction: .egress, tuple: out, tcpFlags: TCPFlagBits.syn, now: 10) == .acceptNew)
        let router = FlowTuple(proto: 1, source: ip("198.51.100.1"), destination: ip("10.0.1.5"))
        #expect(SecurityGroupFilter.processICMPError(policy: policy, table: table, zone: 0, direction: .ingress, outer: router, icmpType: 3, icmpCode: 4, innerTuple: out, now: 11) == .acceptRelated)
        #expect(table.lookupRelated(zone: 0, innerTuple: out, now: 11) == .original)
        let unrelated = tcp("10.0.1.5", 41001, "192.0.2.10", 443)
        #expect(SecurityGroupFilter.processICMPError(policy: policy, table: table, zone: 0, direction: .ingress, outer: router, icmpType: 3, icmpCode: 4, innerTuple: unrelated, now: 11) == .rejectNoRule)
    }

    @Test func perENIAllowance() {
        let table = ConnectionTable(capacity: 1000, zones: 2, perZoneLimit: 3)
        let policy = SecurityGroupPolicy(rules: webServer)
        func open(_ zone: UInt32, _ port: UInt16, _ now: UInt32 = 1) -> SecurityGroupAction {
            SecurityGroupFilter.process(policy: policy, table: table, zone: zone, direction: .egress,
                                        tuple: tcp("10.0.1.5", port, "192.0.2.10", 443), tcpFlags: TCPFlagBits.syn, now: now)
        }
        #expect(open(0, 1) == .acceptNew)
        #expect(open(0, 2) == .acceptNew)
        #expect(open(0, 3) == .acceptNew)
        #expect(open(0, 4) == .rejectAllowanceExceeded)
        #expect(open(0, 5) == .rejectAllowanceExceeded)
        #expect(table.conntrackAllowanceExceeded == 2)
        #expect(open(0, 1) == .acceptTracked)  // existing flows continue
        #expect(open(1, 4) == .acceptNew)  // other ENIs unaffected
        #expect(table.count(zone: 0) == 3)
        // Once they expire (SYN_SENT timeout) and are swept, new flows fit again.
        table.sweep(now: 2 + table.timeouts.tcpSynSent, maxSlots: 10_000)
        #expect(table.count(zone: 0) == 0)
        #expect(open(0, 4, 2 + table.timeouts.tcpSynSent) == .acceptNew)
    }

    /// Expired connections hold capacity until swept: a table past half full is swept
    /// whole every 4 s instead of every 32 s, and a full table of expired connections
    /// takes new ones again once the sweep has passed.
    @Test func sweepSpeedsUpPastHalfFull() {
        let table = ConnectionTable(capacity: 1 << 16, zones: 1, perZoneLimit: 1 << 16)
        #expect(table.sweepSlotsPerSecond == 8192)  // the floor: 1/32 of the table is less
        for port in UInt16(1)...UInt16(1 << 15 + 1) {
            table.insert(zone: 0, tcp("10.0.1.5", port, "192.0.2.10", 443), direction: .egress, tcpFlags: TCPFlagBits.syn,
                         now: 1)
        }
        #expect(table.count == 1 << 15 + 1)
        #expect(table.sweepSlotsPerSecond == table.slotCount / 4)
        let small = ConnectionTable(capacity: 4, zones: 1, perZoneLimit: 8)
        for port in UInt16(1)...4 {
            small.insert(zone: 0, tcp("10.0.1.5", port, "192.0.2.10", 443), direction: .egress, tcpFlags: TCPFlagBits.syn,
                         now: 1)
        }
        let later = 2 + small.timeouts.tcpSynSent
        #expect(small.sweepSlotsPerSecond == small.slotCount)  // a small table: whole each second
        // Expired but not swept, they still count; a new flow takes one's room.
        #expect(small.count == 4)
        #expect(small.insert(zone: 0, tcp("10.0.1.5", 9, "192.0.2.10", 443), direction: .egress,
                             tcpFlags: TCPFlagBits.syn, now: later) == .inserted)
        #expect(small.evictedForRoom == 1 && small.count == 4)
        small.sweep(now: later, maxSlots: small.sweepSlotsPerSecond)
        #expect(small.count == 1)
    }

    /// A gone ENI's connections removed a few slots at a time while other ENIs' connections
    /// go (backward-shift deletion moving entries behind the cursor): every slice size,
    /// random layouts and removal orders, nothing of the zone left, nothing else lost.
    @Test func removingAZoneASliceAtATimeIsExact() {
        var rng = SeededRNG(seed: 7)
        let slotCount = ConnectionTable(capacity: 16, zones: 3, perZoneLimit: 16).slotCount
        var laps = 0  // runs that needed more than one lap: entries were moved behind the cursor
        for _ in 0..<40 {
            let tuples = (0..<15).map { _ in
                tcp("10.0.1.5", UInt16.random(in: 1...60000, using: &rng), "10.0.2.\(Int.random(in: 1...250, using: &rng))", 22)
            }
            let zones = tuples.map { _ in UInt32.random(in: 0...2, using: &rng) }
            for slice in 1...slotCount {
                let table = ConnectionTable(capacity: 16, zones: 3, perZoneLimit: 16)
                for (t, z) in zip(tuples, zones) { table.insert(zone: z, t, direction: .egress, tcpFlags: TCPFlagBits.syn, now: 1) }
                table.beginRemovingAll(zone: 1)
                var others = tuples.indices.filter { zones[$0] != 1 }.shuffled(using: &rng)
                let removed = others.prefix(others.count / 2)
                var visited = 0
                while !table.continueRemoving(maxSlots: slice) {
                    visited += slice
                    if let n = others.first, removed.contains(n) {
                        others.removeFirst()
                        #expect(table.remove(zone: zones[n], tuples[n]))
                    }
                    #expect(visited <= 20 * slotCount)
                }
                if visited >= slotCount { laps += 1 }
                #expect(table.count(zone: 1) == 0 && !table.isRemoving)
                #expect(!(0..<table.slotCount).contains { table.slots[$0].state != 0 && table.slots[$0].zone == 1 })
                for n in others { #expect(table.contains(zone: zones[n], tuples[n], now: 1)) }
                #expect(table.count == others.count)
            }
        }
        #expect(laps > 0)
    }

    /// The expiry sweep taking a zone's last connections ends its removal too (it used to
    /// stay listed, the loop then polling for ever and a whole removal never ending).
    @Test func removalEndsWhenTheSweepTookTheLastConnections() {
        let table = ConnectionTable(capacity: 16, zones: 2, perZoneLimit: 16)
        for port in UInt16(1)...4 {
            table.insert(zone: 1, tcp("10.0.1.5", port, "192.0.2.10", 443), direction: .egress, tcpFlags: TCPFlagBits.syn,
                         now: 1)
        }
        table.insert(zone: 0, tcp("10.0.1.6", 9, "192.0.2.10", 443), direction: .egress, tcpFlags: TCPFlagBits.syn, now: 50)
        table.beginRemovingAll(zone: 1)
        table.sweep(now: 2 + table.timeouts.tcpSynSent, maxSlots: table.slotCount)
        #expect(table.count(zone: 1) == 0 && table.count == 1)
        #expect(table.continueRemoving(maxSlots: 1))
        #expect(!table.isRemoving)
        table.removeAll(zone: 0)  // returns: nothing left listed
        #expect(table.count == 0)
    }

    @Test func udpTimeoutsAndStream() {
        var timeouts = ConnectionTimeouts()
        timeouts.tcpEstablished = 5  // clamped to 60
        #expect(timeouts.tcpEstablished == 60)
        let table = ConnectionTable(capacity: 100, zones: 1, perZoneLimit: 100, timeouts: timeouts)
        let q = udp("10.0.1.5", 5353, "10.0.0.2", 53)
        table.insert(zone: 0, q, direction: .egress, now: 0)
        #expect(table.state(zone: 0, q, now: 0) == .udp)
        #expect(!table.contains(zone: 0, q.reversed, now: 30))
        table.insert(zone: 0, q, direction: .egress, now: 100)
        _ = table.observe(zone: 0, q.reversed, now: 101)
        _ = table.observe(zone: 0, q, now: 102)
        _ = table.observe(zone: 0, q.reversed, now: 103)
        #expect(table.state(zone: 0, q, now: 103) == .udpStream)
        #expect(table.contains(zone: 0, q, now: 103 + 179))
        #expect(!table.contains(zone: 0, q, now: 103 + 179 + 180))
        let gre = FlowTuple(proto: 47, source: ip("10.0.0.1"), destination: ip("10.0.0.2"))
        table.insert(zone: 0, gre, direction: .egress, now: 0)
        #expect(table.contains(zone: 0, gre.reversed, now: 599))
        #expect(!table.contains(zone: 0, gre.reversed, now: 599 + 600))
        let est = tcp("10.0.0.1", 1, "10.0.0.2", 2)
        table.insert(zone: 0, est, direction: .egress, tcpFlags: TCPFlagBits.ack, now: 0)
        _ = table.observe(zone: 0, est.reversed, tcpFlags: TCPFlagBits.ack, now: 0)  // answered: established
        #expect(table.contains(zone: 0, est, now: 59))
        #expect(!table.contains(zone: 0, est, now: 59 + 60))
    }

    /// Random inserts, removals, expiries against a Dictionary model (exercises backward shift).
    @Test func randomOperationsMatchModel() {
        let seed = testSeed()
        var r = SeededRNG(seed: seed)
        var timeouts = ConnectionTimeouts()
        timeouts.other = 30
        let table = ConnectionTable(capacity: 3000, zones: 4, perZoneLimit: 3000, timeouts: timeouts)
        var model: [String: UInt32] = [:]  // key → expiry
        func key(_ z: UInt32, _ t: FlowTuple) -> String {
            let c = ConnectionKey(zone: z, t)
            return "\(z) \(c.aLow) \(c.bLow) \(c.aPort) \(c.bPort) \(c.proto)"
        }
        var now: UInt32 = 0
        for step in 0..<40_000 {
            if step % 100 == 0 { now += 1 }
            let z = UInt32.random(in: 0..<4, using: &r)
            var t = FlowTuple(proto: 47, source: ip("10.0.0.1"), destination: ip("10.0.0.2"),
                              sourcePort: UInt16.random(in: 1...600, using: &r), destinationPort: 53)
            if Bool.random(using: &r) { t = t.reversed }
            let k = key(z, t)
            switch Int.random(in: 0..<10, using: &r) {
            case 0..<5:
                let res = table.insert(zone: z, t, direction: .egress, now: now)
                if let e = model[k], e > now { #expect(res == .existing, "seed \(seed)") } else { #expect(res == .inserted, "seed \(seed)") }
                model[k] = now + 30
            case 5..<7:
                let removed = table.remove(zone: z, t)
                if let e = model[k], e > now { #expect(removed, "seed \(seed)") } else if model[k] == nil { #expect(!removed, "seed \(seed)") }
                model[k] = nil
            case 7:
                table.sweep(now: now, maxSlots: 200)
                continue
            default:
                let live = model[k].map { $0 > now } ?? false
                #expect(table.contains(zone: z, t, now: now) == live, "seed \(seed)")
                if !live { model[k] = nil }
            }
        }
        table.sweep(now: now, maxSlots: 10_000)
        #expect(table.count == model.values.filter { $0 > now }.count, "seed \(seed)")
    }

    @Test func layout() {
        #expect(MemoryLayout<ConnectionEntry>.stride == 64)
        #expect(MemoryLayout<MappingSlot>.stride == 64)
        #expect(MemoryLayout<FlowLogAggregator.Slot>.stride == 64)
    }
}

@Suite struct ConnectionTableMemoryTests {
    /// Target: ≤ 96 bytes per tracked connection at 1 M connections.
    @Test func bytesPerFlowAtOneMillion() {
        let n = 1 << 20
        let table = ConnectionTable(capacity: n, zones: 1024, perZoneLimit: n)
        for i in 0..<n {
            let t = FlowTuple(family: .v4, proto: 6, source: AddressKey(high: 0, low: UInt64(0x0A00_0000 | i >> 4)),
                              destination: AddressKey(high: 0, low: 0xAC10_0001), sourcePort: UInt16(i & 15), destinationPort: 443)
            #expect(table.insert(zone: UInt32(i & 1023), t, direction: .egress, now: 0) == .inserted)
        }
        #expect(table.count == n)
        let perFlow = Double(table.memoryFootprint) / Double(table.count)
        print("conntrack: \(table.memoryFootprint) bytes / \(table.count) flows = \(perFlow) bytes per flow")
        #expect(perFlow <= 96, "\(perFlow) bytes per flow")
        // Full: a new flow takes the room of an unanswered one.
        #expect(table.insert(zone: 0, tcp("10.9.9.9", 1, "10.9.9.8", 2), direction: .egress, now: 0) == .inserted)
        #expect(table.count == n && table.evictedForRoom == 1)
    }
}
