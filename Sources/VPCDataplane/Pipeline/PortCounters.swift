/// A snapshot of one ENI's counters.
public struct PortCounters: Hashable, Sendable {
    /// Packets and bytes delivered to the ENI.
    public var packetsIn: UInt64
    public var bytesIn: UInt64
    /// Packets and bytes the ENI sent that were forwarded or handed off.
    public var packetsOut: UInt64
    public var bytesOut: UInt64
    /// Drops indexed by `DropReason.rawValue`.
    public var dropCounts: [UInt64]

    /// Packets dropped for `reason`.
    public func drops(_ reason: DropReason) -> UInt64 { dropCounts[Int(reason.rawValue)] }

    /// All drops.
    public var totalDrops: UInt64 { dropCounts.reduce(0, &+) }

    /// New flows refused at the tracked-connection allowance (AWS ENA `conntrack_allowance_exceeded`).
    public var conntrackAllowanceExceeded: UInt64 { drops(.conntrackAllowanceExceeded) }
}

/// Flat counter block: per port `[packetsIn, bytesIn, packetsOut, bytesOut, drops...]`,
/// then one row of global drops. Preallocated; updates never allocate.

struct CounterBlock {
    static let fixed = 4
    static let stride = fixed + DropReason.allCases.count
    let base: UnsafeMutablePointer<UInt64>
    let ports: Int

    init(ports: Int) {
        self.ports = ports
        let n = (ports + 1) * CounterBlock.stride
        base = .allocate(capacity: n)
        base.initialize(repeating: 0, count: n)
    }

    func deallocate() { base.deallocate() }

    @inline(__always)
    func drop(_ port: Int, _ r: DropReason) {
        base[port &* CounterBlock.stride &+ CounterBlock.fixed &+ Int(r.rawValue)] &+= 1
    }

    @inline(__always)
    func dropGlobal(_ r: DropReason) {
        base[ports &* CounterBlock.stride &+ CounterBlock.fixed &+ Int(r.rawValue)] &+= 1
    }

    @inline(__always)
    func countIn(_ port: Int, _ size: WireSize) {
        let p = base + port &* CounterBlock.stride
        p[0] &+= UInt64(truncatingIfNeeded: size.packets)
        p[1] &+= UInt64(truncatingIfNeeded: size.bytes)
    }

    @inline(__always)
    func countOut(_ port: Int, _ size: WireSize) {
        let p = base + port &* CounterBlock.stride
        p[2] &+= UInt64(truncatingIfNeeded: size.packets)
        p[3] &+= UInt64(truncatingIfNeeded: size.bytes)
    }

    func snapshot(_ port: Int) -> PortCounters {
        let p = base + port * CounterBlock.stride
        return PortCounters(packetsIn: p[0], bytesIn: p[1], packetsOut: p[2], bytesOut: p[3],
                            dropCounts: (0..<DropReason.allCases.count).map { p[CounterBlock.fixed + $0] })
    }

    func reset(_ port: Int) {
        (base + port * CounterBlock.stride).update(repeating: 0, count: CounterBlock.stride)
    }
}
