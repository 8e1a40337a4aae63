/// Connection tracking for security groups: a preallocated open-addressing hash table
/// (linear probing, backward-shift deletion, 64-byte slots, load factor ≤ 0.68:
/// 94 bytes per connection when full).
///
/// Zones are ENI indices: each ENI's connections are separate, and each ENI has a
/// tracked-connection allowance; past it new flows are refused and counted
/// (`conntrackAllowanceExceeded`, AWS ENA "conntrack_allowance_exceeded") while existing
/// flows continue. Time is passed in as seconds (`now`). Expired entries are removed
/// lazily on lookup and by `sweep(now:maxSlots:)`. No allocation after `init`.
/// An entry also holds its connection's flow-log counts for `flowLogs`; they go to the
/// aggregator when the entry goes (`ConnectionTable+FlowCounts.swift`).
/// Not thread-safe: one table per data-plane worker.
public final class ConnectionTable {
    @usableFromInline let slots: UnsafeMutablePointer<ConnectionEntry>
    @usableFromInline let slotCount: Int
    /// Maximum tracked connections (≤ 0.68 of `slotCount`).
    public let capacity: Int
    @usableFromInline let zoneCounts: UnsafeMutablePointer<UInt32>
    @usableFromInline let zoneLimits: UnsafeMutablePointer<UInt32>
    public let zoneCount: Int
    /// The idle timeouts every zone starts with.
    public let timeouts: ConnectionTimeouts
    /// Each zone's idle timeouts (its ENI's ConnectionTrackingSpecification).
    @usableFromInline let zoneTimeouts: UnsafeMutablePointer<ConnectionTimeouts>
    /// The tracked-connection allowance every zone starts with.
    public let defaultZoneLimit: Int
    // The per-packet state below skips the runtime exclusivity checks (a swift_beginAccess
    // call per packet otherwise): the table is confined to one thread and never passes
    // these inout across a call back into itself.
    /// Tracked connections now in the table.
    public var count: Int { _count }
    /// New flows refused because their ENI was at its allowance.
    public var conntrackAllowanceExceeded: UInt64 { _allowanceExceeded }
    /// New flows refused because the whole table was full.
    public var tableFull: UInt64 { _tableFull }
    /// Unanswered or expired connections removed to make room in a full table.
    public var evictedForRoom: UInt64 { _evictedForRoom }
    @exclusivity(unchecked) @usableFromInline var _count: Int = 0
    @exclusivity(unchecked) @usableFromInline var _allowanceExceeded: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var _tableFull: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var _evictedForRoom: UInt64 = 0
    @usableFromInline var sweepCursor: Int = 0
    /// Zones whose connections are being removed a slice at a time, and where that goes on.
    var removingZones: [UInt32] = []
    var removalCursor = 0
    /// Where the flow-log counts of a removed entry go.
    @usableFromInline let flowLogs: FlowLogAggregator?

    /// - Parameters:
    ///   - capacity: most connections tracked at once (all zones).
    ///   - zones: number of ENI indices (zone ids are `0..<zones`).
    ///   - perZoneLimit: default per-ENI tracked-connection allowance.
    ///   - flowLogs: the aggregator the entries' flow-log counts belong to, if any.
    public init(capacity: Int, zones: Int, perZoneLimit: Int, timeouts: ConnectionTimeouts = .aws,
                flowLogs: FlowLogAggregator? = nil) {
        precondition(capacity > 0 && zones > 0 && zones <= 1 << 16)
        self.flowLogs = flowLogs
        self.capacity = capacity
        self.slotCount = max(capacity + capacity * 15 / 32, capacity + 2)
        self.zoneCount = zones
        self.timeouts = timeouts
        defaultZoneLimit = perZoneLimit
        slots = SlotMemory.allocateZeroed(byteCount: slotCount * MemoryLayout<ConnectionEntry>.stride)
            .bindMemory(to: ConnectionEntry.self, capacity: slotCount)
        zoneCounts = .allocate(capacity: zones)
        zoneCounts.initialize(repeating: 0, count: zones)
        zoneLimits = .allocate(capacity: zones)
        zoneLimits.initialize(repeating: UInt32(clamping: perZoneLimit), count: zones)
        zoneTimeouts = .allocate(capacity: zones)
        zoneTimeouts.initialize(repeating: timeouts, count: zones)
    }

    deinit {
        UnsafeMutableRawPointer(slots).deallocate()
        zoneCounts.deallocate()
        zoneLimits.deallocate()
        zoneTimeouts.deallocate()
    }

    /// Bytes held by the table's slots.
    public var memoryFootprint: Int {
        slotCount * MemoryLayout<ConnectionEntry>.stride + zoneCount * (8 + MemoryLayout<ConnectionTimeouts>.stride)
    }

    /// Sets one ENI's tracked-connection allowance.
    public func setLimit(zone: UInt32, _ limit: Int) {
        precondition(Int(zone) < zoneCount, "zone out of range")
        zoneLimits[Int(zone)] = UInt32(clamping: limit)
    }

    /// Sets one ENI's idle timeouts: its connections' next packets set their timers by them.
    public func setTimeouts(zone: UInt32, _ timeouts: ConnectionTimeouts) {
        precondition(Int(zone) < zoneCount, "zone out of range")
        zoneTimeouts[Int(zone)] = timeouts
    }

    /// One ENI's idle timeouts.
    public func timeouts(zone: UInt32) -> ConnectionTimeouts {
        precondition(Int(zone) < zoneCount, "zone out of range")
        return zoneTimeouts[Int(zone)]
    }

    /// Connections tracked for one ENI.
    public func count(zone: UInt32) -> Int { Int(zone) < zoneCount ? Int(zoneCounts[Int(zone)]) : 0 }

    // MARK: lookup

    /// Slot of `key`, or -1. Does not check expiry.
    @inlinable @inline(__always)
    func find(_ key: ConnectionKey) -> Int {
        var i = FastHash.reduce(key.hash, slotCount)
        while true {
            let e = slots + i
            if e.pointee.state == 0 { return -1 }
            if key.matches(e) { return i }
            i &+= 1
            if i == slotCount { i = 0 }
        }
    }

    /// Slot of a live connection for `key`; expired ones are removed and reported missing.
    @inlinable @inline(__always)
    func findLive(_ key: ConnectionKey, now: UInt32) -> Int {
        let i = find(key)
        if i < 0 { return -1 }
        if now >= slots[i].expires {
            removeSlot(i)
            return -1
        }
        return i
    }

    /// Whether a live tracked connection matches the packet (either direction). Read-only apart
    /// from lazily removing an expired entry.
    @inlinable
    public func contains(zone: UInt32, _ tuple: FlowTuple, now: UInt32) -> Bool {
        findLive(ConnectionKey(zone: zone, tuple), now: now) >= 0
    }

    /// Looks the packet up; if it belongs to a live connection, advances the connection's
    /// state and idle timer and returns the packet's direction, else nil.
    @inlinable
    public func observe(zone: UInt32, _ tuple: FlowTuple, tcpFlags: UInt8 = 0, now: UInt32) -> ConnectionDirection? {
        observeSlot(zone: zone, tuple, tcpFlags: tcpFlags, now: now).direction
    }

    /// `observe`, returning where the connection is (`.untracked` when there is none).
    @inlinable @inline(__always)
    public func observeSlot(zone: UInt32, _ tuple: FlowTuple, tcpFlags: UInt8 = 0, now: UInt32) -> ConnectionRef {
        let key = ConnectionKey(zone: zone, tuple)
        let i = findLive(key, now: now)
        if i < 0 { return .untracked }
        let e = slots + i
        let original = key.sourceIsA == (e.pointee.flags & ConnectionEntry.originIsA != 0)
        advance(e, original: original, tcpFlags: tcpFlags, now: now)
        return ConnectionRef(slot: i, original: original)
    }

    /// State of the live connection matching `tuple`, if any.
    public func state(zone: UInt32, _ tuple: FlowTuple, now: UInt32) -> ConnectionState? {
        let i = findLive(ConnectionKey(zone: zone, tuple), now: now)
        return i < 0 ? nil : ConnectionState(rawValue: slots[i].state)
    }

    /// Matches an ICMP error (destination unreachable, time exceeded, packet too big) to the
    /// connection of the packet it quotes. `innerTuple` is the quoted header's tuple as the
    /// caller parsed it (either direction). Returns the quoted packet's direction, or nil.
    @inlinable
    public func lookupRelated(zone: UInt32, innerTuple: FlowTuple, now: UInt32) -> ConnectionDirection? {
        let key = ConnectionKey(zone: zone, innerTuple)
        let i = findLive(key, now: now)
        if i < 0 { return nil }
        let original = key.sourceIsA == (slots[i].flags & ConnectionEntry.originIsA != 0)
        return original ? .original : .reply
    }

    // MARK: state machine

    @inlinable @inline(__always)
    func advance(_ e: UnsafeMutablePointer<ConnectionEntry>, original: Bool, tcpFlags: UInt8, now: UInt32) {
        var flags = e.pointee.flags
        var state = ConnectionState(rawValue: e.pointee.state) ?? .other
        let shift = original ? ConnectionEntry.origCountShift : ConnectionEntry.replyCountShift
        let seen = (flags >> shift) & 3
        if seen < 3 { flags = (flags & ~(3 << shift)) | ((seen + 1) << shift) }
        if !original { flags |= ConnectionEntry.seenReply }
        switch state {
        case .tcpSynSent, .tcpSynReceived, .tcpEstablished, .tcpPickedUp, .tcpFinWait, .tcpTimeWait, .tcpClosed:
            state = ConnectionTable.nextTCPState(state, original: original, tcpFlags: tcpFlags, flags: &flags)
        case .udp:
            if (flags >> ConnectionEntry.origCountShift) & 3 >= 2 && (flags >> ConnectionEntry.replyCountShift) & 3 >= 2 {
                state = .udpStream
            }
        default: break
        }
        e.pointee.flags = flags
        e.pointee.state = state.rawValue
        e.pointee.expires = now &+ zoneTimeouts[Int(e.pointee.zone)].timeout(for: state)
    }

    /// TCP transitions (a simplified RFC 9293 / Linux conntrack machine).
    @inlinable
    static func nextTCPState(_ s: ConnectionState, original: Bool, tcpFlags: UInt8, flags: inout UInt8) -> ConnectionState {
        let syn = tcpFlags & TCPFlagBits.syn != 0, ack = tcpFlags & TCPFlagBits.ack != 0
        if tcpFlags & TCPFlagBits.rst != 0 { return .tcpClosed }
        let s = s == .tcpPickedUp && !original ? .tcpEstablished : s  // answered
        switch s {
        case .tcpSynSent:
            if !original && syn && ack { return .tcpSynReceived }
            return s
        case .tcpSynReceived:
            if original && ack && !syn { return .tcpEstablished }
            return s
        case .tcpClosed, .tcpTimeWait:
            if original && syn && !ack {  // connection reuse
                flags &= ~(ConnectionEntry.finOriginal | ConnectionEntry.finReply | ConnectionEntry.seenReply)
                return .tcpSynSent
            }
            return s
        default:
            break
        }
        if tcpFlags & TCPFlagBits.fin != 0 {
            flags |= original ? ConnectionEntry.finOriginal : ConnectionEntry.finReply
        }
        let both = ConnectionEntry.finOriginal | ConnectionEntry.finReply
        if flags & both == both { return .tcpTimeWait }
        if flags & both != 0 { return .tcpFinWait }
        return s
    }

    // MARK: insert / remove

    /// Result of trying to track a new flow.
    public enum InsertResult: UInt8, Sendable {
        case inserted
        /// Already tracked (the packet was applied to it).
        case existing
        /// The ENI is at its allowance: dropped and counted.
        case allowanceExceeded
        /// The whole table is full: dropped and counted.
        case tableFull
    }

    /// Starts tracking the flow of `tuple` (its source is the originator; `direction` is
    /// the way its first packet crosses the ENI).
    @inlinable
    @discardableResult
    public func insert(zone: UInt32, _ tuple: FlowTuple, direction: TrafficDirection, tcpFlags: UInt8 = 0,
                       now: UInt32) -> InsertResult {
        insertSlot(zone: zone, tuple, direction: direction, tcpFlags: tcpFlags, now: now).result
    }

    /// `insert`, also returning where the connection is (`.untracked` unless inserted or existing).
    @inlinable @inline(__always)
    public func insertSlot(zone: UInt32, _ tuple: FlowTuple, direction: TrafficDirection, tcpFlags: UInt8 = 0,
                           now: UInt32) -> (result: InsertResult, connection: ConnectionRef) {
        precondition(Int(zone) < zoneCount, "zone out of range")
        let key = ConnectionKey(zone: zone, tuple)
        var i = FastHash.reduce(key.hash, slotCount)
        while true {
            let e = slots + i
            if e.pointee.state == 0 { break }
            if key.matches(e) {
                if now >= e.pointee.expires {  // expired: reuse the slot as a new connection
                    foldFlowCounts(i)
                    zoneCounts[Int(zone)] &-= 1
                    _count &-= 1
                    break
                }
                let original = key.sourceIsA == (e.pointee.flags & ConnectionEntry.originIsA != 0)
                advance(e, original: original, tcpFlags: tcpFlags, now: now)
                return (.existing, ConnectionRef(slot: i, original: original))
            }
            i &+= 1
            if i == slotCount { i = 0 }
        }
        if zoneCounts[Int(zone)] >= zoneLimits[Int(zone)] {
            _allowanceExceeded &+= 1
            if slots[i].state != 0 { removeSlotRaw(i) }
            return (.allowanceExceeded, .untracked)
        }
        if _count >= capacity {
            if slots[i].state != 0 { removeSlotRaw(i) }
            if let victim = evictionCandidate(near: FastHash.reduce(key.hash, slotCount), now: now) {
                removeSlot(victim)
                _evictedForRoom &+= 1
                return insertSlot(zone: zone, tuple, direction: direction, tcpFlags: tcpFlags, now: now)
            }
            _tableFull &+= 1
            return (.tableFull, .untracked)
        }
        let state = ConnectionState.initial(proto: tuple.proto, tcpFlags: tcpFlags)
        slots[i] = ConnectionEntry(
            key, expires: now &+ zoneTimeouts[Int(zone)].timeout(for: state), state: state.rawValue,
            flags: (key.sourceIsA ? ConnectionEntry.originIsA : 0) | (1 << ConnectionEntry.origCountShift),
            logFlags: direction == .egress ? ConnectionEntry.originEgress : 0)
        zoneCounts[Int(zone)] &+= 1
        _count &+= 1
        return (.inserted, ConnectionRef(slot: i, original: true))
    }

    /// In a full table, a connection near `home` that may go to make room for a new one:
    /// one expired but not yet swept, or one whose other side never answered (as Linux
    /// conntrack's early drop takes unassured entries). Answered connections are never
    /// taken, so a flood of unanswered flows (SYNs, stray ACKs, one-way UDP) from one
    /// tenant cannot keep others' new flows out for as long as its entries would live.
    @usableFromInline
    func evictionCandidate(near home: Int, now: UInt32) -> Int? {
        var i = home
        for _ in 0..<ConnectionTable.evictionWindow {
            let e = slots[i]
            if e.state != 0 && (now >= e.expires || e.flags & ConnectionEntry.seenReply == 0) { return i }
            i = i + 1 == slotCount ? 0 : i + 1
        }
        return nil
    }

    /// Slots `evictionCandidate` looks at, from a new flow's home slot on.
    @usableFromInline static let evictionWindow = 32

    /// Stops tracking the connection of `tuple` (either direction). Returns whether one was removed.
    @discardableResult
    public func remove(zone: UInt32, _ tuple: FlowTuple) -> Bool {
        let i = find(ConnectionKey(zone: zone, tuple))
        if i < 0 { return false }
        removeSlot(i)
        return true
    }

    /// Removes every connection of one ENI (e.g. when it is replaced) now, and those of
    /// any zone being removed a slice at a time. O(table).
    public func removeAll(zone: UInt32) {
        beginRemovingAll(zone: zone)
        continueRemoving(maxSlots: .max)
    }

    /// Starts removing every connection of `zone` (its ENI is gone), `continueRemoving`
    /// a slice at a time, so the data plane never stalls for a whole table. The zone must
    /// see no traffic and must not be reused meanwhile (`removeAll(zone:)` completes it).
    public func beginRemovingAll(zone: UInt32) {
        guard Int(zone) < zoneCount, zoneCounts[Int(zone)] > 0, !removingZones.contains(zone) else { return }
        removingZones.append(zone)
    }

    /// Whether connections are being removed (`continueRemoving` has more to do).
    public var isRemoving: Bool { !removingZones.isEmpty }

    /// Whether the connections of `zone` are being removed.
    public func isRemoving(zone: UInt32) -> Bool { removingZones.contains(zone) }

    /// Removes the connections of the zones being removed among the next `maxSlots`
    /// slots (round robin; a removal counts as a slot too); returns whether none is left.
    /// A zone is done when its count reaches zero, however often the slots go round (an
    /// entry that backward-shift deletion moves behind the cursor is found on the next
    /// lap), and whoever removed its last connections (the expiry sweep may have).
    @discardableResult
    public func continueRemoving(maxSlots: Int) -> Bool {
        removingZones.removeAll { zoneCounts[Int($0)] == 0 }
        var visited = 0
        while !removingZones.isEmpty && visited < maxSlots {
            visited += 1
            let i = removalCursor
            let zone = UInt32(slots[i].zone)
            if slots[i].state != 0 && removingZones.contains(zone) {
                removeSlot(i)  // a later entry may shift into i: look at it again
                if zoneCounts[Int(zone)] == 0 { removingZones.removeAll { $0 == zone } }
                continue
            }
            removalCursor = i + 1 == slotCount ? 0 : i + 1
        }
        return removingZones.isEmpty
    }

    @inlinable
    func removeSlot(_ i: Int) {
        zoneCounts[Int(slots[i].zone)] &-= 1
        _count &-= 1
        removeSlotRaw(i)
    }

    /// Backward-shift deletion: no tombstones, probe sequences stay short. The entry's
    /// flow-log counts go to the aggregator first, and a moved entry's stale ones.
    @inlinable
    func removeSlotRaw(_ i: Int) {
        foldFlowCounts(i)
        var hole = i
        var j = i
        while true {
            j &+= 1
            if j == slotCount { j = 0 }
            if slots[j].state == 0 { break }
            let home = FastHash.reduce(slots[j].hash, slotCount)  // recomputed: moves are rare
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !inRange {
                settleStaleFlowCounts(j)
                slots[hole] = slots[j]
                hole = j
            }
        }
        slots[hole].state = 0
    }

    /// Slots `sweep` should visit each second: the whole table every 32 s, and every 4 s
    /// once it is half full, since expired connections count against `capacity` until
    /// they are swept (or met again); at least 8192 (a small table: all of it).
    public var sweepSlotsPerSecond: Int {
        max(min(slotCount, 8192), _count > capacity / 2 ? slotCount / 4 : slotCount / 32)
    }

    /// Removes expired connections among the next `maxSlots` slots (round robin). Call
    /// regularly with a small budget so expiry costs are spread out. Returns the number removed.
    @discardableResult
    public func sweep(now: UInt32, maxSlots: Int) -> Int {
        var removed = 0
        var visited = 0
        while visited < maxSlots {
            let i = sweepCursor
            if slots[i].state != 0 && now >= slots[i].expires {
                removeSlot(i)  // a later entry may shift into i: look at it again
                removed += 1
                if removed > slotCount { break }
                continue
            }
            visited += 1
            sweepCursor = i + 1 == slotCount ? 0 : i + 1
        }
        return removed
    }
}
