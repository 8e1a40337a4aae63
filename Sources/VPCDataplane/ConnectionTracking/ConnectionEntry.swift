/// One slot of the connection table: exactly 64 bytes (one cache line).
///
/// Endpoints are stored canonically (lower `(address, port)` first) so a packet and its
/// reply find the same slot; `flags` remembers which endpoint opened the connection.
/// `original` and `reply` hold the flow-log counts of the current aggregation interval
/// (`ConnectionTable+FlowCounts.swift`), so an established packet is counted in the line
/// its lookup already loaded. They come first: the pipeline reaches a direction's counts
/// at offset 0 or 8.
@frozen @usableFromInline
struct ConnectionEntry {
    @usableFromInline var original: FlowCounts
    @usableFromInline var reply: FlowCounts
    @usableFromInline var aHigh: UInt64
    @usableFromInline var aLow: UInt64
    @usableFromInline var bHigh: UInt64
    @usableFromInline var bLow: UInt64
    @usableFromInline var expires: UInt32
    @usableFromInline var zone: UInt16
    @usableFromInline var aPort: UInt16
    @usableFromInline var bPort: UInt16
    @usableFromInline var proto: UInt8
    @usableFromInline var family: UInt8
    @usableFromInline var state: UInt8
    @usableFromInline var flags: UInt8
    /// Which way the original direction crosses the ENI (`originEgress`).
    @usableFromInline var logFlags: UInt8

    @inlinable
    init(_ key: ConnectionKey, expires: UInt32, state: UInt8, flags: UInt8, logFlags: UInt8) {
        original = FlowCounts(); reply = FlowCounts()
        aHigh = key.aHigh; aLow = key.aLow; bHigh = key.bHigh; bLow = key.bLow
        self.expires = expires; zone = UInt16(truncatingIfNeeded: key.zone)
        aPort = key.aPort; bPort = key.bPort; proto = key.proto; family = key.family
        self.state = state; self.flags = flags; self.logFlags = logFlags
    }

    @usableFromInline static let originIsA: UInt8 = 1
    @usableFromInline static let seenReply: UInt8 = 2
    @usableFromInline static let finOriginal: UInt8 = 4
    @usableFromInline static let finReply: UInt8 = 8
    /// Packets in each direction saturate at 3 (2 bits each) for the UDP-stream rule.
    @usableFromInline static let origCountShift: UInt8 = 4
    @usableFromInline static let replyCountShift: UInt8 = 6
    /// `logFlags`: the connection's first packet left the ENI (egress).
    @usableFromInline static let originEgress: UInt8 = 1

    /// The way a packet of the original (or the reply) direction crosses the ENI.
    @inlinable @inline(__always)
    func crossing(original: Bool) -> TrafficDirection {
        (logFlags & ConnectionEntry.originEgress != 0) == original ? .egress : .ingress
    }

    /// The home-slot hash of this entry's key (the same as `ConnectionKey.hash`).
    @inlinable
    var hash: UInt64 {
        ConnectionKey.hash(aHigh: aHigh, aLow: aLow, bHigh: bHigh, bLow: bLow, aPort: aPort, bPort: bPort,
                           proto: proto, family: family, zone: UInt32(zone))
    }
}

/// Flow-log counts of one direction of a connection in one interval: 8 bytes.
@frozen @usableFromInline
struct FlowCounts {
    /// IP bytes and packets counted here (not those recorded in the flow-log table).
    @usableFromInline var bytes: UInt32 = 0
    @usableFromInline var packets: UInt16 = 0
    /// 0 while the direction has no packet in an interval (its next goes to the flow-log
    /// table). Otherwise the mark of its last packet: the interval's parity in bit 15
    /// (`FlowLogAggregator.parity`) and 1 + seconds from that interval's start. Counts
    /// marked with the other parity belong to the interval being closed.
    @usableFromInline var last: UInt16 = 0

    @inlinable init() {}
    @inlinable init(bytes: UInt32, packets: UInt16, last: UInt16) {
        self.bytes = bytes; self.packets = packets; self.last = last
    }

    /// The mark of a packet `offset` (≤ 0x7FFE) seconds into the interval of `parity`.
    @inlinable @inline(__always)
    static func mark(parity: UInt16, offset: UInt16) -> UInt16 { parity | (offset &+ 1) }

    /// Whether the direction is marked in the interval of `parity`.
    @inlinable @inline(__always)
    func isMarked(parity: UInt16) -> Bool { (last ^ parity) &- 1 < 0x7FFF }

    /// Whether the counts belong to an interval other than the one of `parity`: the one
    /// being closed, whose records still wait for them.
    @inlinable @inline(__always)
    func isStale(parity: UInt16) -> Bool { last != 0 && !isMarked(parity: parity) }

    /// Seconds from its interval's start to the last packet.
    var lastOffset: UInt16 { (last & 0x7FFF) &- 1 }
}

/// A connection key in canonical order, plus its hash.
@frozen @usableFromInline
struct ConnectionKey {
    @usableFromInline var aHigh: UInt64
    @usableFromInline var aLow: UInt64
    @usableFromInline var bHigh: UInt64
    @usableFromInline var bLow: UInt64
    @usableFromInline var aPort: UInt16
    @usableFromInline var bPort: UInt16
    @usableFromInline var proto: UInt8
    @usableFromInline var family: UInt8
    @usableFromInline var zone: UInt32
    /// True when the tuple's source is endpoint `a`.
    @usableFromInline var sourceIsA: Bool
    @usableFromInline var hash: UInt64

    @inlinable @inline(__always)
    init(zone: UInt32, _ t: FlowTuple) {
        let s = t.source, d = t.destination
        let srcFirst = s < d || (s == d && t.sourcePort <= t.destinationPort)
        if srcFirst {
            aHigh = s.high; aLow = s.low; bHigh = d.high; bLow = d.low
            aPort = t.sourcePort; bPort = t.destinationPort
        } else {
            aHigh = d.high; aLow = d.low; bHigh = s.high; bLow = s.low
            aPort = t.destinationPort; bPort = t.sourcePort
        }
        sourceIsA = srcFirst
        proto = t.proto
        family = t.family.rawValue
        self.zone = zone
        hash = ConnectionKey.hash(aHigh: aHigh, aLow: aLow, bHigh: bHigh, bLow: bLow, aPort: aPort, bPort: bPort,
                                  proto: proto, family: family, zone: zone)
    }

    @inlinable @inline(__always)
    static func hash(aHigh: UInt64, aLow: UInt64, bHigh: UInt64, bLow: UInt64, aPort: UInt16, bPort: UInt16,
                     proto: UInt8, family: UInt8, zone: UInt32) -> UInt64 {
        let misc = UInt64(aPort) | UInt64(bPort) << 16 | UInt64(proto) << 32 | UInt64(family) << 40
        return FastHash.hash(aHigh, aLow, bHigh, bLow, misc ^ (UInt64(zone) << 44))
    }

    @inlinable @inline(__always)
    func matches(_ e: UnsafeMutablePointer<ConnectionEntry>) -> Bool {
        e.pointee.aLow == aLow && e.pointee.bLow == bLow && e.pointee.aPort == aPort && e.pointee.bPort == bPort
            && e.pointee.aHigh == aHigh && e.pointee.bHigh == bHigh
            && e.pointee.zone == UInt16(truncatingIfNeeded: zone) && e.pointee.proto == proto && e.pointee.family == family
    }
}
