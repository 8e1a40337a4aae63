internal import CMemoryHints

/// Per-interval flow-log counters (AWS VPC Flow Logs, aggregation interval 60 or 600 s).
///
/// Established tracked connections are mostly counted in their conntrack entries instead
/// (`ConnectionTable+FlowCounts.swift`); their first packet of each direction in an interval
/// comes here, so a flow may reach the writer as two records to add up.
/// Flows are keyed by ENI, direction, action and 5-tuple in a preallocated open-addressing
/// table of 64-byte slots; `record` never allocates. Two tables alternate: `closeInterval`
/// makes the current one the closed one and starts a fresh interval; `drainClosed` hands
/// its records to the writer and clears it, all at once or a range of slots at a time
/// (`drainClosed(slots:_:)`, then `finishClosed`), so the data plane never stalls for a
/// whole table. Until then connection entries can still add their counts of the closed
/// interval (`recordClosed`). When the table is full, packets are counted as skipped and
/// the writer reports SKIPDATA. Not thread-safe.
public final class FlowLogAggregator {
    @frozen @usableFromInline
    struct Slot {
        @usableFromInline var srcHigh: UInt64
        @usableFromInline var srcLow: UInt64
        @usableFromInline var dstHigh: UInt64
        @usableFromInline var dstLow: UInt64
        @usableFromInline var bytes: UInt64
        @usableFromInline var packets: UInt64
        /// Seconds since the interval start of the first and last packet.
        @usableFromInline var firstOffset: UInt16
        @usableFromInline var lastOffset: UInt16
        @usableFromInline var eni: UInt32
        @usableFromInline var srcPort: UInt16
        @usableFromInline var dstPort: UInt16
        @usableFromInline var proto: UInt8
        @usableFromInline var family: UInt8
        /// Bit 0 occupied, bit 1 egress, bit 2 reject.
        @usableFromInline var kind: UInt8
        @usableFromInline var tcpFlags: UInt8
    }

    // What `record` reads and writes is exempt from the runtime exclusivity checks (two to
    // four `swift_beginAccess` calls per packet otherwise): the aggregator is confined to
    // one thread and never passes these inout across a call back into itself.
    @exclusivity(unchecked) @usableFromInline var active: UnsafeMutablePointer<Slot>
    @usableFromInline var closed: UnsafeMutablePointer<Slot>
    @usableFromInline let slotCount: Int
    /// Most flows per interval.
    public let capacity: Int
    @exclusivity(unchecked) @usableFromInline var activeCount = 0
    @exclusivity(unchecked) @usableFromInline var activeSkipped: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var intervalStart: UInt32
    /// The current interval's parity (0 or 0x8000), flipped at each close: connection
    /// entries mark their counts with it (`FlowCounts.last`).
    @exclusivity(unchecked) @usableFromInline var parity: UInt16 = 0
    var closedInterval: FlowLogInterval?

    public init(capacity: Int, now: UInt32) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.slotCount = capacity + capacity / 2 + 1
        active = FlowLogAggregator.allocateSlots(slotCount)
        closed = FlowLogAggregator.allocateSlots(slotCount)
        intervalStart = now
    }

    deinit { UnsafeMutableRawPointer(active).deallocate(); UnsafeMutableRawPointer(closed).deallocate() }

    /// Zeroed slots on cache-line boundaries (a slot is one line, not two), on huge pages
    /// when the table is large.
    private static func allocateSlots(_ n: Int) -> UnsafeMutablePointer<Slot> {
        SlotMemory.allocateZeroed(byteCount: n * MemoryLayout<Slot>.stride).bindMemory(to: Slot.self, capacity: n)
    }

    /// Flows recorded in the current interval.
    public var count: Int { activeCount }
    /// Packets skipped in the current interval.
    public var skippedPackets: UInt64 { activeSkipped }

    /// Where a flow's probe chain starts: a hash of ENI, direction and tuple. The action is
    /// matched but not hashed, so the pipeline can hash (and prefetch) before the verdict.
    @inlinable @inline(__always)
    static func hash(eni: UInt32, direction: TrafficDirection, tuple t: FlowTuple) -> UInt64 {
        let misc = UInt64(t.sourcePort) | UInt64(t.destinationPort) << 16 | UInt64(t.proto) << 32
            | UInt64(t.family.rawValue) << 40 | (direction == .egress ? 1 << 48 : 0)
        return FastHash.hash(t.source.high, t.source.low, t.destination.high, t.destination.low, misc ^ (UInt64(eni) << 8))
    }

    /// Starts loading the slot `hash` leads to, so that `record` a little later finds it in
    /// cache instead of waiting on memory.
    @inline(__always)
    func prefetch(hash: UInt64) {
        vpc_prefetch(active + FastHash.reduce(hash, slotCount))
    }

    /// Counts `packets` packets (one, or a TCP super-frame's segments) of `bytes` IP bytes
    /// in all. `now` must be within 65535 s of the interval start.
    @inlinable
    public func record(eni: UInt32, direction: TrafficDirection, tuple t: FlowTuple, packets: Int = 1, bytes: Int,
                       tcpFlags: UInt8 = 0, action: FlowLogAction, now: UInt32) {
        record(hash: FlowLogAggregator.hash(eni: eni, direction: direction, tuple: t), eni: eni, direction: direction,
               tuple: t, packets: packets, bytes: bytes, tcpFlags: tcpFlags, action: action, offset: offset(now: now))
    }

    /// Seconds from the interval start to `now`, at most 32766 (`FlowCounts.last` adds one
    /// and the parity bit); 0 for a `now` before the start (a packet timed just before the
    /// interval began).
    @inlinable @inline(__always)
    func offset(now: UInt32) -> UInt16 {
        now > intervalStart ? UInt16(truncatingIfNeeded: min(now &- intervalStart, 0x7FFE)) : 0
    }

    /// The TCP flags flow logs report (AWS `tcp-flags`): FIN 1, SYN 2, RST 4, and SYN-ACK
    /// 18 when SYN and ACK come together; ACK, PSH and the rest are not reported.
    @inlinable @inline(__always)
    static func reportedTCPFlags(_ f: UInt8) -> UInt8 {
        (f & (TCPFlagBits.fin | TCPFlagBits.syn | TCPFlagBits.rst))
            | (f & (TCPFlagBits.syn | TCPFlagBits.ack) == TCPFlagBits.syn | TCPFlagBits.ack ? TCPFlagBits.ack : 0)
    }

    /// `record` with the key's `hash(eni:direction:tuple:)` already computed and the time
    /// as `offset(now:)`; a record's end is its latest packet's, whatever the call order.
    @inlinable
    func record(hash: UInt64, eni: UInt32, direction: TrafficDirection, tuple t: FlowTuple, packets: Int, bytes: Int,
                tcpFlags: UInt8, action: FlowLogAction, offset: UInt16) {
        switch add(to: active, hash: hash, kind: FlowLogAggregator.kind(direction, action), eni: eni, tuple: t, packets: packets, bytes: bytes,
                   tcpFlags: FlowLogAggregator.reportedTCPFlags(tcpFlags), offset: offset, full: activeCount >= capacity) {
        case .merged: break
        case .inserted: activeCount &+= 1
        case .full: activeSkipped &+= UInt64(truncatingIfNeeded: packets)
        }
    }

    /// Adds an accepted flow's counts held back for the closed interval (a connection
    /// entry's, `offset` seconds into it) to that interval's records.
    func recordClosed(eni: UInt32, direction: TrafficDirection, tuple t: FlowTuple, packets: Int, bytes: Int,
                      offset: UInt16) {
        guard var interval = closedInterval else { preconditionFailure("no interval is being closed") }
        switch add(to: closed, hash: FlowLogAggregator.hash(eni: eni, direction: direction, tuple: t),
                   kind: FlowLogAggregator.kind(direction, .accept), eni: eni, tuple: t, packets: packets, bytes: bytes,
                   tcpFlags: 0, offset: offset, full: interval.records >= capacity) {
        case .merged: break
        case .inserted: interval.records += 1
        case .full: interval.skippedPackets &+= UInt64(truncatingIfNeeded: packets)
        }
        closedInterval = interval
    }

    /// A slot's `kind`: occupied, egress, reject.
    @inlinable @inline(__always)
    static func kind(_ direction: TrafficDirection, _ action: FlowLogAction) -> UInt8 {
        1 | (direction == .egress ? 2 : 0) | (action == .reject ? 4 : 0)
    }

    /// Where `add` put a flow's counts.
    @usableFromInline @frozen enum Landing { case merged, inserted, full }

    /// Adds the counts to the flow's slot in `table`, taking a free slot unless `full`.
    @inlinable @inline(__always)
    func add(to table: UnsafeMutablePointer<Slot>, hash: UInt64, kind: UInt8, eni: UInt32, tuple t: FlowTuple,
             packets: Int, bytes: Int, tcpFlags flags: UInt8, offset: UInt16, full: Bool) -> Landing {
        var i = FastHash.reduce(hash, slotCount)
        while true {
            let s = table + i
            if s.pointee.kind == 0 {
                if full { return .full }
                s.pointee.srcHigh = t.source.high; s.pointee.srcLow = t.source.low
                s.pointee.dstHigh = t.destination.high; s.pointee.dstLow = t.destination.low
                s.pointee.bytes = UInt64(bytes); s.pointee.packets = UInt64(truncatingIfNeeded: packets)
                s.pointee.firstOffset = offset; s.pointee.lastOffset = offset; s.pointee.eni = eni
                s.pointee.srcPort = t.sourcePort; s.pointee.dstPort = t.destinationPort; s.pointee.proto = t.proto
                s.pointee.family = t.family.rawValue; s.pointee.kind = kind; s.pointee.tcpFlags = flags
                return .inserted
            }
            if s.pointee.kind == kind && s.pointee.srcLow == t.source.low && s.pointee.dstLow == t.destination.low
                && s.pointee.srcHigh == t.source.high && s.pointee.dstHigh == t.destination.high
                && s.pointee.srcPort == t.sourcePort && s.pointee.dstPort == t.destinationPort
                && s.pointee.proto == t.proto && s.pointee.eni == eni && s.pointee.family == t.family.rawValue {
                s.pointee.packets &+= UInt64(truncatingIfNeeded: packets)
                s.pointee.bytes &+= UInt64(bytes)
                s.pointee.lastOffset = max(s.pointee.lastOffset, offset)
                s.pointee.tcpFlags |= flags
                return .merged
            }
            i &+= 1
            if i == slotCount { i = 0 }
        }
    }

    /// Ends the current interval at `now` and starts the next. If the previous closed
    /// interval was not drained, its records are discarded. A pipeline's aggregator is
    /// closed through `Pipeline.beginFlowLogIntervalClose` only: its connection entries'
    /// counts must be settled between two closes.
    @discardableResult
    public func closeInterval(now: UInt32) -> FlowLogInterval {
        if closedInterval != nil { clear(closed, 0..<slotCount) }
        let summary = FlowLogInterval(start: intervalStart, end: now, records: activeCount, skippedPackets: activeSkipped)
        swap(&active, &closed)
        closedInterval = summary
        activeCount = 0
        activeSkipped = 0
        intervalStart = now
        parity ^= 0x8000
        return summary
    }

    /// Hands each record of the closed interval to `body`, then clears it. Returns the
    /// interval summary (nil if no interval is waiting).
    @discardableResult
    public func drainClosed(_ body: (FlowLogRecord) -> Void) -> FlowLogInterval? {
        guard closedInterval != nil else { return nil }
        drainClosed(slots: 0..<slotCount, body)
        return finishClosed()
    }

    /// Hands the records in `slots` (of `0..<slotCount`) of the closed interval to `body`
    /// and clears them.
    public func drainClosed(slots: Range<Int>, _ body: (FlowLogRecord) -> Void) {
        guard let interval = closedInterval else { return }
        for i in slots where closed[i].kind != 0 {
            let s = closed[i]
            body(FlowLogRecord(
                eni: s.eni, direction: s.kind & 2 != 0 ? .egress : .ingress, family: s.family == 0 ? .v4 : .v6,
                proto: s.proto, source: AddressKey(high: s.srcHigh, low: s.srcLow),
                destination: AddressKey(high: s.dstHigh, low: s.dstLow), sourcePort: s.srcPort, destinationPort: s.dstPort,
                packets: s.packets, bytes: s.bytes, start: interval.start &+ UInt32(s.firstOffset),
                end: interval.start &+ UInt32(s.lastOffset), action: s.kind & 4 != 0 ? .reject : .accept, tcpFlags: s.tcpFlags))
        }
        clear(closed, slots)
    }

    /// Ends the closed interval once every slot is drained: its summary (nil if none).
    public func finishClosed() -> FlowLogInterval? {
        defer { closedInterval = nil }
        return closedInterval
    }

    private func clear(_ p: UnsafeMutablePointer<Slot>, _ slots: Range<Int>) {
        UnsafeMutableRawPointer(p + slots.lowerBound)
            .initializeMemory(as: UInt8.self, repeating: 0, count: slots.count * MemoryLayout<Slot>.stride)
    }
}
