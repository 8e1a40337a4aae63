/// Port (or ICMP type/code) interval sets are stored flat: sorted, disjoint, non-adjacent
/// closed intervals packed `lo << 16 | hi`, built in `SecurityGroupRuleIndex.init`.

/// True if `key` lies in one of the packed intervals (binary search on lower bounds).
@inlinable @inline(__always)
func intervalsContain(_ p: UnsafeBufferPointer<UInt32>, _ offset: Int, _ count: Int, _ key: UInt16) -> Bool {
    if count == 0 { return false }
    var base = offset
    var n = count
    let k = UInt32(key)
    while n > 1 {
        let half = n &>> 1
        let mid = base &+ half
        base = (p[mid] &>> 16) <= k ? mid : base
        n &-= half
    }
    let v = p[base]
    return (v &>> 16) <= k && k <= (v & 0xFFFF)
}
