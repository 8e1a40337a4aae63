/// Flow-log counts kept in the connection entries (`ConnectionEntry.original`/`reply`).
///
/// An accepted packet of a tracked connection is counted in the entry its lookup already
/// loaded, so the established path touches one line instead of two. The flow-log table
/// (`FlowLogAggregator`) still gets, for each direction in each interval, the first packet
/// (its time is the record's start), every SYN, FIN and RST (their flags), and the counts
/// whenever they would overflow; the entry then adds packets, bytes and the last packet's
/// time. When an entry goes, its counts go to the flow-log table; when the interval
/// closes, `drainFlowCounts` reports them in one sequential pass. A flow can thus reach
/// the writer as two records with the same key, which it adds up.
extension ConnectionTable {
    /// Counts an accepted packet of `c` crossing the ENI in `direction` in its entry.
    /// Returns false when it must go to the flow-log table instead (see above; also when
    /// the packet goes the way the other direction's records do, as through an instance
    /// with source/destination check off), after `takeFlowCounts`.
    @inlinable @inline(__always)
    func countFlow(_ c: ConnectionRef, direction: TrafficDirection, packets: Int, bytes: Int, tcpFlags: UInt8,
                   offset: UInt16) -> Bool {
        let e = slots + c.slot
        let counts = FlowCounts.of(e, original: c.original)
        let last = counts.pointee.last
        let p = UInt32(counts.pointee.packets) &+ UInt32(truncatingIfNeeded: packets)
        let (b, overflow) = counts.pointee.bytes.addingReportingOverflow(UInt32(truncatingIfNeeded: bytes))
        guard e.pointee.crossing(original: c.original) == direction, last != 0, p <= 0xFFFF, !overflow,
              tcpFlags & (TCPFlagBits.fin | TCPFlagBits.syn | TCPFlagBits.rst) == 0 else { return false }
        counts.pointee = FlowCounts(bytes: b, packets: UInt16(truncatingIfNeeded: p), last: offset &+ 1)
        return true
    }

    /// For a packet `countFlow` turned down: takes the counts it would have joined out of
    /// the entry (they go to the flow-log table with it) and marks the direction seen at
    /// `offset`, so its next packets are counted in the entry. Nothing for a packet going
    /// the other direction's way.
    @inlinable
    func takeFlowCounts(_ c: ConnectionRef, direction: TrafficDirection, offset: UInt16) -> (packets: Int, bytes: Int) {
        let e = slots + c.slot
        guard e.pointee.crossing(original: c.original) == direction else { return (0, 0) }
        let counts = FlowCounts.of(e, original: c.original)
        let taken = (Int(counts.pointee.packets), Int(counts.pointee.bytes))
        counts.pointee = FlowCounts(bytes: 0, packets: 0, last: offset &+ 1)
        return taken
    }

    /// Hands the counts of slot `i` to the flow-log table (the entry is about to go).
    @inlinable @inline(__always)
    func foldFlowCounts(_ i: Int) {
        if slots[i].original.packets | slots[i].reply.packets != 0 { foldFlowCountsSlow(i) }
    }

    @usableFromInline @inline(never)
    func foldFlowCountsSlow(_ i: Int) {
        guard let flowLogs else { return }
        for d in 0..<2 {
            let original = d == 0
            let counts = FlowCounts.of(slots + i, original: original)
            guard counts.pointee.packets != 0 else { continue }
            let (direction, tuple) = flowLogKey(i, original: original)
            let eni = UInt32(slots[i].zone)
            flowLogs.record(hash: FlowLogAggregator.hash(eni: eni, direction: direction, tuple: tuple), eni: eni,
                            direction: direction, tuple: tuple, packets: Int(counts.pointee.packets),
                            bytes: Int(counts.pointee.bytes), tcpFlags: 0, action: .accept,
                            offset: counts.pointee.last &- 1)
            counts.pointee = FlowCounts()
        }
    }

    /// Ends the entries' part of a flow-log interval that started at `intervalStart`: hands
    /// each direction's counts to `body` as an accepted record (start = end = its last
    /// packet; the flow-log table's record of its first packet has the start) and clears
    /// every direction's counts and mark. One pass over the table, in slot order. Returns
    /// the records handed over.
    @discardableResult
    public func drainFlowCounts(intervalStart: UInt32, _ body: (FlowLogRecord) -> Void) -> Int {
        var handed = 0
        for i in 0..<slotCount where slots[i].state != 0 {
            for d in 0..<2 {
                let original = d == 0
                let counts = FlowCounts.of(slots + i, original: original)
                let c = counts.pointee
                guard c.last != 0 else { continue }
                if c.packets != 0 {
                    let (direction, t) = flowLogKey(i, original: original)
                    let time = intervalStart &+ UInt32(c.last &- 1)
                    body(FlowLogRecord(eni: UInt32(slots[i].zone), direction: direction, family: t.family, proto: t.proto,
                                       source: t.source, destination: t.destination, sourcePort: t.sourcePort,
                                       destinationPort: t.destinationPort, packets: UInt64(c.packets),
                                       bytes: UInt64(c.bytes), start: time, end: time, action: .accept, tcpFlags: 0))
                    handed += 1
                }
                counts.pointee = FlowCounts()
            }
        }
        return handed
    }

    /// The flow-log direction and tuple of one direction of the connection in slot `i`.
    func flowLogKey(_ i: Int, original: Bool) -> (TrafficDirection, FlowTuple) {
        let e = slots[i]
        let aSends = (e.flags & ConnectionEntry.originIsA != 0) == original
        let a = AddressKey(high: e.aHigh, low: e.aLow), b = AddressKey(high: e.bHigh, low: e.bLow)
        let family: IPFamily = e.family == IPFamily.v4.rawValue ? .v4 : .v6
        let tuple = aSends
            ? FlowTuple(family: family, proto: e.proto, source: a, destination: b, sourcePort: e.aPort, destinationPort: e.bPort)
            : FlowTuple(family: family, proto: e.proto, source: b, destination: a, sourcePort: e.bPort, destinationPort: e.aPort)
        return (e.crossing(original: original), tuple)
    }
}

extension FlowCounts {
    /// The counts of one direction of the entry at `e` (`original` at offset 0, `reply` at 8).
    @inlinable @inline(__always)
    static func of(_ e: UnsafeMutablePointer<ConnectionEntry>, original: Bool) -> UnsafeMutablePointer<FlowCounts> {
        (UnsafeMutableRawPointer(e) + (original ? 0 : MemoryLayout<FlowCounts>.stride)).assumingMemoryBound(to: FlowCounts.self)
    }
}
