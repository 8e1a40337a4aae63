/// Flow-log counts kept in the connection entries (`ConnectionEntry.original`/`reply`).
///
/// An accepted packet of a tracked connection is counted in the entry its lookup already
/// loaded, so the established path touches one line instead of two. The flow-log table
/// (`FlowLogAggregator`) still gets, for each direction in each interval, the first packet
/// (its time is the record's start), every SYN, FIN and RST (their flags), and the counts
/// whenever they would overflow; the entry then adds packets, bytes and the last packet's
/// time. When an entry goes, its counts go to the flow-log table.
///
/// Closing an interval flips the aggregator's parity; counts marked with the old one are
/// then stale, and belong to the closed interval. They are settled a range of slots at a
/// time (`settleFlowCounts(slots:_:)`), each handed over as a record of its own, in slot
/// order, as the memory lies: a flow can thus reach the writer as two records with the
/// same key, which it adds up. The counts of an entry that a packet reaches first, that
/// goes, or that moves (backward-shift deletion could carry it past the range being
/// settled) join the closed interval's records in the flow-log table at once instead.
/// Settling must end before the next close flips the parity back.
extension ConnectionTable {
    /// Counts an accepted packet of `c` crossing the ENI in `direction` in its entry.
    /// Returns false when it must go to the flow-log table instead (see above; also when
    /// the packet goes the way the other direction's records do, as through an instance
    /// with source/destination check off), after `takeFlowCounts`. `offset` and `parity`
    /// place the packet in the current interval.
    @inlinable @inline(__always)
    func countFlow(_ c: ConnectionRef, direction: TrafficDirection, packets: Int, bytes: Int, tcpFlags: UInt8,
                   offset: UInt16, parity: UInt16) -> Bool {
        let e = slots + c.slot
        let counts = FlowCounts.of(e, original: c.original)
        let p = UInt32(counts.pointee.packets) &+ UInt32(truncatingIfNeeded: packets)
        let (b, overflow) = counts.pointee.bytes.addingReportingOverflow(UInt32(truncatingIfNeeded: bytes))
        guard e.pointee.crossing(original: c.original) == direction, counts.pointee.isMarked(parity: parity),
              p <= 0xFFFF, !overflow,
              tcpFlags & (TCPFlagBits.fin | TCPFlagBits.syn | TCPFlagBits.rst) == 0 else { return false }
        counts.pointee = FlowCounts(bytes: b, packets: UInt16(truncatingIfNeeded: p),
                                    last: FlowCounts.mark(parity: parity, offset: offset))
        return true
    }

    /// For a packet `countFlow` turned down: takes the counts it would have joined out of
    /// the entry (they go to the flow-log table with it) and marks the direction seen at
    /// `offset`, so its next packets are counted in the entry. Counts of the interval
    /// being closed go to its records instead. Nothing for a packet going the other
    /// direction's way.
    @inlinable
    func takeFlowCounts(_ c: ConnectionRef, direction: TrafficDirection, offset: UInt16,
                        parity: UInt16) -> (packets: Int, bytes: Int) {
        let e = slots + c.slot
        guard e.pointee.crossing(original: c.original) == direction else { return (0, 0) }
        let counts = FlowCounts.of(e, original: c.original)
        if counts.pointee.isStale(parity: parity) { settleFlowCounts(c.slot, original: c.original) }
        let taken = (Int(counts.pointee.packets), Int(counts.pointee.bytes))
        counts.pointee = FlowCounts(bytes: 0, packets: 0, last: FlowCounts.mark(parity: parity, offset: offset))
        return taken
    }

    /// Hands the counts of slot `i` to the flow-log table (the entry is about to go): to
    /// the current interval's records, or to the closed one's if they are stale.
    @inlinable @inline(__always)
    func foldFlowCounts(_ i: Int) {
        if slots[i].original.packets | slots[i].reply.packets != 0 { foldFlowCountsSlow(i) }
    }

    @usableFromInline @inline(never)
    func foldFlowCountsSlow(_ i: Int) {
        guard let flowLogs else { return }
        settleStaleFlowCounts(i)
        for d in 0..<2 {
            let original = d == 0
            let counts = FlowCounts.of(slots + i, original: original)
            guard counts.pointee.packets != 0 else { continue }
            let (direction, tuple) = flowLogKey(i, original: original)
            let eni = UInt32(slots[i].zone)
            flowLogs.record(hash: FlowLogAggregator.hash(eni: eni, direction: direction, tuple: tuple), eni: eni,
                            direction: direction, tuple: tuple, packets: Int(counts.pointee.packets),
                            bytes: Int(counts.pointee.bytes), tcpFlags: 0, action: .accept,
                            offset: counts.pointee.lastOffset)
            counts.pointee = FlowCounts()
        }
    }

    /// Settles the stale counts of the entries in `slots` (of `0..<slotCount`): hands each
    /// direction's to `body` as an accepted record of the closed interval (start = end =
    /// its last packet; the flow-log table's record of its first packet has the start) and
    /// clears its counts and mark. Returns the records handed over.
    public func settleFlowCounts(slots range: Range<Int>, _ body: (FlowLogRecord) -> Void) -> Int {
        guard let flowLogs, let interval = flowLogs.closedInterval else { return 0 }
        let parity = flowLogs.parity
        var handed = 0
        for i in range where slots[i].state != 0 {
            for d in 0..<2 {
                let original = d == 0
                let counts = FlowCounts.of(slots + i, original: original)
                let c = counts.pointee
                guard c.isStale(parity: parity) else { continue }
                if c.packets != 0 {
                    let (direction, t) = flowLogKey(i, original: original)
                    let time = interval.start &+ UInt32(c.lastOffset)
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

    /// Settles the stale counts of slot `i` into the closed interval's records (before
    /// backward-shift deletion moves it, or before it goes).
    @usableFromInline @inline(never)
    func settleStaleFlowCounts(_ i: Int) {
        guard let flowLogs else { return }
        if slots[i].original.isStale(parity: flowLogs.parity) { settleFlowCounts(i, original: true) }
        if slots[i].reply.isStale(parity: flowLogs.parity) { settleFlowCounts(i, original: false) }
    }

    /// Moves one direction's stale counts of slot `i` into the closed interval's records
    /// and clears them.
    @usableFromInline @inline(never)
    func settleFlowCounts(_ i: Int, original: Bool) {
        let counts = FlowCounts.of(slots + i, original: original)
        if counts.pointee.packets != 0, let flowLogs {
            let (direction, tuple) = flowLogKey(i, original: original)
            flowLogs.recordClosed(eni: UInt32(slots[i].zone), direction: direction, tuple: tuple,
                                  packets: Int(counts.pointee.packets), bytes: Int(counts.pointee.bytes),
                                  offset: counts.pointee.lastOffset)
        }
        counts.pointee = FlowCounts()
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
