/// Flattens a laminar family of address blocks (CIDRs: any two are nested or disjoint)
/// into sorted, disjoint segments covering `0...maxKey`, each carrying the payload of its
/// innermost enclosing block (or `empty` in gaps). Lookups then binary-search segment
/// starts: O(log n), cache-friendly, no pointer chasing.
@usableFromInline
struct SegmentBuilder<Payload: Equatable> {
    var starts: [AddressKey] = []
    var payloads: [Payload] = []

    /// `blocks` must be sorted by `first` ascending, then `last` descending (outer before inner).
    /// `payload(parent, index)` computes a block's payload given its enclosing block's payload.
    init(blocks: [(first: AddressKey, last: AddressKey)], maxKey: AddressKey, empty: Payload,
         payload: (Payload, Int) -> Payload) {
        starts.reserveCapacity(blocks.count * 2 + 1)
        payloads.reserveCapacity(blocks.count * 2 + 1)
        var stack: [(last: AddressKey, payload: Payload)] = []
        var cursor = AddressKey.zero
        var exhausted = false

        func emit(_ p: Payload) {
            if let last = payloads.last, last == p { return }
            starts.append(cursor)
            payloads.append(p)
        }
        // Emit [cursor, end] with p and move the cursor past `end`.
        func close(through end: AddressKey, _ p: Payload) {
            if exhausted || end < cursor { return }
            emit(p)
            if end == maxKey { exhausted = true } else { cursor = end.successor }
        }

        for (i, b) in blocks.enumerated() {
            while let top = stack.last, top.last < b.first {
                close(through: top.last, top.payload)
                stack.removeLast()
            }
            if !exhausted && cursor < b.first {
                close(through: b.first.predecessor, stack.last?.payload ?? empty)
            }
            let p = payload(stack.last?.payload ?? empty, i)
            stack.append((b.last, p))
        }
        while let top = stack.popLast() {
            close(through: top.last, top.payload)
        }
        close(through: maxKey, empty)
        if starts.isEmpty { starts.append(.zero); payloads.append(empty) }
    }
}

/// Index of the segment containing `key`: the last `i` with `starts[i] <= key`.
/// `starts[0]` must be zero.
@inlinable @inline(__always)
func segmentIndex(_ starts: UnsafeBufferPointer<AddressKey>, _ key: AddressKey) -> Int {
    var base = 0
    var n = starts.count
    while n > 1 {
        let half = n &>> 1
        let mid = base &+ half
        base = starts[mid] <= key ? mid : base
        n &-= half
    }
    return base
}
