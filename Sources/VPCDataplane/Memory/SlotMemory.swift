internal import CMemoryHints

/// Memory for the hash tables' slot arrays (connection tracking, flow logs, mappings):
/// zeroed and on cache-line boundaries. An array of 2 MB or more starts on a 2 MB boundary
/// and is advised onto transparent huge pages before it is zeroed, so a 100 MB table costs
/// ~50 TLB entries rather than ~25 000 and a random slot access no longer walks the page
/// table. Only whole 2 MB blocks can be huge: the array's last partial block stays on
/// 4 KB pages, as does the whole array if the kernel does not take the advice (it works
/// the same, slower). Free with `UnsafeMutableRawPointer.deallocate()`.
enum SlotMemory {
    static let hugePageSize = 2 << 20

    static func allocateZeroed(byteCount: Int) -> UnsafeMutableRawPointer {
        guard byteCount >= hugePageSize else {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
            return raw
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: hugePageSize)
        _ = vpc_advise_huge_pages(raw, byteCount)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return raw
    }
}
