/// The compiled rules of one direction and one address family of an ENI's security groups.
///
/// Per protocol a segment table: the rules' CIDRs (a laminar family) are flattened into
/// sorted disjoint address segments, each carrying the union of the port (or ICMP
/// type/code) intervals of every rule whose CIDR covers it. A decision is one table
/// lookup by protocol, a binary search over segments and one over intervals:
/// O(log rules), no allocation.
@usableFromInline
final class SecurityGroupRuleIndex: Sendable {
    /// Protocol number → table number (0 is the table of "all protocols" rules).
    @usableFromInline let protoTable: [UInt8]
    @usableFromInline let tableBase: [Int32]
    @usableFromInline let tableCount: [Int32]
    @usableFromInline let starts: [AddressKey]
    /// Per segment: interval offset << 32 | interval count.
    @usableFromInline let segmentIntervals: [UInt64]
    @usableFromInline let intervals: [UInt32]
    /// The TCP / UDP ports that rules for 0.0.0.0/0 (or ::/0) allow, packed intervals as in
    /// `intervals`: what AWS's untracked-flow rule looks at.
    @usableFromInline let openTCP: [UInt32]
    @usableFromInline let openUDP: [UInt32]
    /// Whether those rules allow every TCP / UDP port.
    @usableFromInline let openAllTCP: Bool
    @usableFromInline let openAllUDP: Bool

    /// One (protocol, CIDR, key range) fact from a rule.
    struct Item {
        var proto: Int16
        var first: AddressKey
        var last: AddressKey
        var lo: UInt16
        var hi: UInt16

        static func precedes(_ a: Item, _ b: Item) -> Bool {
            if a.first != b.first { return a.first < b.first }
            if a.last != b.last { return b.last < a.last }  // outer block first
            return a.lo < b.lo
        }
    }

    /// Compiles in O(n log n) with a handful of allocations per protocol table: items are
    /// sorted once, each table is a linear merge of its protocol's items with the
    /// all-protocol items, and interval unions are written straight into the flat array.
    init(rules: [SecurityGroupRule], family: IPFamily) {
        var items: [Item] = []
        items.reserveCapacity(rules.count)
        var openTCP: [ClosedRange<UInt16>] = [], openUDP: [ClosedRange<UInt16>] = []
        for r in rules {
            let range = r.keyRange
            r.peer.forEachPrefix { p in
                guard p.family == family else { return }
                items.append(Item(proto: r.ipProtocol, first: p.first, last: p.last, lo: range.lowerBound, hi: range.upperBound))
                guard p.isDefault else { return }
                if r.ipProtocol == -1 || r.ipProtocol == Int16(IPProtocolNumber.tcp) { openTCP.append(range) }
                if r.ipProtocol == -1 || r.ipProtocol == Int16(IPProtocolNumber.udp) { openUDP.append(range) }
            }
        }
        self.openTCP = Self.packedUnion(openTCP)
        self.openUDP = Self.packedUnion(openUDP)
        openAllTCP = self.openTCP == [0xFFFF]
        openAllUDP = self.openUDP == [0xFFFF]
        items.sort { a, b in a.proto != b.proto ? a.proto < b.proto : Item.precedes(a, b) }

        var protoTable = [UInt8](repeating: 0, count: 256)
        var tableBase: [Int32] = []
        var tableCount: [Int32] = []
        var starts: [AddressKey] = []
        var segmentIntervals: [UInt64] = []
        var intervals: [UInt32] = []
        starts.reserveCapacity(items.count * 2 + 8)
        segmentIntervals.reserveCapacity(items.count * 2 + 8)
        intervals.reserveCapacity(items.count * 4 + 8)

        let allEnd = items.firstIndex { $0.proto >= 0 } ?? items.count
        let allItems = items[0 ..< allEnd]

        // Items of one table, sorted outer-first, identical CIDRs adjacent.
        func build(_ specific: ArraySlice<Item>) {
            var merged: [Item] = []
            merged.reserveCapacity(allItems.count + specific.count)
            var i = allItems.startIndex, j = specific.startIndex
            while i < allItems.endIndex || j < specific.endIndex {
                if j == specific.endIndex || (i < allItems.endIndex && Item.precedes(allItems[i], specific[j])) {
                    merged.append(allItems[i]); i += 1
                } else {
                    merged.append(specific[j]); j += 1
                }
            }
            // One block per distinct CIDR; its own ranges are merged[ownStart[b] ..< ownStart[b+1]].
            var blocks: [(first: AddressKey, last: AddressKey)] = []
            var ownStart: [Int] = []
            for (k, it) in merged.enumerated() where k == 0 || it.first != merged[k - 1].first || it.last != merged[k - 1].last {
                blocks.append((it.first, it.last))
                ownStart.append(k)
            }
            ownStart.append(merged.count)

            let seg = SegmentBuilder<UInt64>(blocks: blocks, maxKey: family.maxKey, empty: 0) { parent, b in
                // Effective set = enclosing block's set ∪ own ranges (sorted by lo), appended in place.
                let off = intervals.count
                var p = Int(parent >> 32)
                let pEnd = p + Int(parent & 0xFFFF_FFFF)
                var o = ownStart[b]
                let oEnd = ownStart[b + 1]
                var curLo: UInt32 = 0, curHi: UInt32 = 0, have = false
                while p < pEnd || o < oEnd {
                    let lo: UInt32, hi: UInt32
                    if o == oEnd || (p < pEnd && intervals[p] >> 16 <= UInt32(merged[o].lo)) {
                        lo = intervals[p] >> 16; hi = intervals[p] & 0xFFFF; p += 1
                    } else {
                        lo = UInt32(merged[o].lo); hi = UInt32(merged[o].hi); o += 1
                    }
                    if have && lo <= curHi + 1 {
                        curHi = max(curHi, hi)
                    } else {
                        if have { intervals.append(curLo << 16 | curHi) }
                        curLo = lo; curHi = hi; have = true
                    }
                }
                if have { intervals.append(curLo << 16 | curHi) }
                return UInt64(off) << 32 | UInt64(intervals.count - off)
            }
            tableBase.append(Int32(starts.count))
            tableCount.append(Int32(seg.starts.count))
            starts.append(contentsOf: seg.starts)
            segmentIntervals.append(contentsOf: seg.payloads)
        }

        build(items[allEnd ..< allEnd])
        var k = allEnd
        while k < items.count && tableBase.count < 256 {
            let proto = items[k].proto
            var e = k
            while e < items.count && items[e].proto == proto { e += 1 }
            protoTable[Int(proto)] = UInt8(tableBase.count)
            build(items[k ..< e])
            k = e
        }
        self.protoTable = protoTable
        self.tableBase = tableBase
        self.tableCount = tableCount
        self.starts = starts
        self.segmentIntervals = segmentIntervals
        self.intervals = intervals
    }

    /// `ranges` as sorted, disjoint, non-adjacent intervals packed `lo << 16 | hi`.
    static func packedUnion(_ ranges: [ClosedRange<UInt16>]) -> [UInt32] {
        var packed: [UInt32] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let lo = UInt32(r.lowerBound), hi = UInt32(r.upperBound)
            if let last = packed.last, lo <= (last & 0xFFFF) + 1 {
                packed[packed.count - 1] = last & 0xFFFF_0000 | max(last & 0xFFFF, hi)
            } else {
                packed.append(lo << 16 | hi)
            }
        }
        return packed
    }

    /// Whether a rule for 0.0.0.0/0 (or ::/0) allows TCP or UDP (`proto`) to `port`.
    @inlinable
    func openAllows(proto: UInt8, port: UInt16) -> Bool {
        (proto == IPProtocolNumber.tcp ? openTCP : openUDP).withUnsafeBufferPointer {
            intervalsContain($0, 0, $0.count, port)
        }
    }

    /// Whether some rule allows `proto` from/to `remote` on `key` (port or ICMP type/code).
    @inlinable
    func allows(proto: UInt8, remote: AddressKey, key: UInt16) -> Bool {
        let t = Int(protoTable.withUnsafeBufferPointer { $0[Int(proto)] })
        let base = Int(tableBase.withUnsafeBufferPointer { $0[t] })
        let count = Int(tableCount.withUnsafeBufferPointer { $0[t] })
        let seg = starts.withUnsafeBufferPointer { s in
            base &+ segmentIndex(UnsafeBufferPointer(rebasing: s[base ..< base &+ count]), remote)
        }
        let ref = segmentIntervals.withUnsafeBufferPointer { $0[seg] }
        return intervals.withUnsafeBufferPointer {
            intervalsContain($0, Int(ref &>> 32), Int(ref & 0xFFFF_FFFF), key)
        }
    }
}
