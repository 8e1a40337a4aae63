/// One slot of the connection table: exactly 64 bytes (one cache line).
///
/// Endpoints are stored canonically (lower `(address, port)` first) so a packet and its
/// reply find the same slot; `flags` remembers which endpoint opened the connection.
@frozen @usableFromInline
struct ConnectionEntry {
    @usableFromInline var aHigh: UInt64
    @usableFromInline var aLow: UInt64
    @usableFromInline var bHigh: UInt64
    @usableFromInline var bLow: UInt64
    @usableFromInline var hash: UInt64
    @usableFromInline var expires: UInt32
    @usableFromInline var zone: UInt32
    @usableFromInline var created: UInt32
    @usableFromInline var packets: UInt32
    @usableFromInline var aPort: UInt16
    @usableFromInline var bPort: UInt16
    @usableFromInline var proto: UInt8
    @usableFromInline var family: UInt8
    @usableFromInline var state: UInt8
    @usableFromInline var flags: UInt8

    @inlinable
    init(aHigh: UInt64, aLow: UInt64, bHigh: UInt64, bLow: UInt64, hash: UInt64, expires: UInt32, zone: UInt32,
         created: UInt32, packets: UInt32, aPort: UInt16, bPort: UInt16, proto: UInt8, family: UInt8,
         state: UInt8, flags: UInt8) {
        self.aHigh = aHigh; self.aLow = aLow; self.bHigh = bHigh; self.bLow = bLow; self.hash = hash
        self.expires = expires; self.zone = zone; self.created = created; self.packets = packets
        self.aPort = aPort; self.bPort = bPort; self.proto = proto; self.family = family
        self.state = state; self.flags = flags
    }

    @usableFromInline static let originIsA: UInt8 = 1
    @usableFromInline static let seenReply: UInt8 = 2
    @usableFromInline static let finOriginal: UInt8 = 4
    @usableFromInline static let finReply: UInt8 = 8
    /// Packets in each direction saturate at 3 (2 bits each) for the UDP-stream rule.
    @usableFromInline static let origCountShift: UInt8 = 4
    @usableFromInline static let replyCountShift: UInt8 = 6
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
        let misc = UInt64(aPort) | UInt64(bPort) << 16 | UInt64(proto) << 32 | UInt64(family) << 40
        hash = FastHash.hash(aHigh, aLow, bHigh, bLow, misc ^ (UInt64(zone) << 44))
    }

    @inlinable @inline(__always)
    func matches(_ e: UnsafeMutablePointer<ConnectionEntry>) -> Bool {
        e.pointee.hash == hash && e.pointee.aLow == aLow && e.pointee.bLow == bLow
            && e.pointee.aHigh == aHigh && e.pointee.bHigh == bHigh
            && e.pointee.aPort == aPort && e.pointee.bPort == bPort
            && e.pointee.zone == zone && e.pointee.proto == proto && e.pointee.family == family
    }
}
