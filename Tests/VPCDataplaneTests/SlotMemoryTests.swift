import Foundation
import Testing
@testable import VPCDataplane

@Suite struct SlotMemoryTests {
    @Test func smallArraysAreZeroedOnCacheLines() {
        let n = 100 * 64 + 64
        let p = SlotMemory.allocateZeroed(byteCount: n)
        defer { p.deallocate() }
        #expect(Int(bitPattern: p) % 64 == 0)
        #expect(UnsafeRawBufferPointer(start: p, count: n).allSatisfy { $0 == 0 })
    }

    @Test func largeArraysAreZeroedOn2MBBoundaries() {
        let n = 5 * SlotMemory.hugePageSize + 4096 * 3
        let p = SlotMemory.allocateZeroed(byteCount: n)
        defer { p.deallocate() }
        #expect(Int(bitPattern: p) % SlotMemory.hugePageSize == 0)
        #expect(UnsafeRawBufferPointer(start: p, count: n).allSatisfy { $0 == 0 })
        #if os(Linux)
        // The kernel marks an advised range "hg" in its VmFlags, whatever the THP mode.
        #expect(vmFlags(containing: p)?.contains("hg") == true)
        #endif
    }

    /// The VmFlags of the mapping in /proc/self/smaps that holds `p`.
    func vmFlags(containing p: UnsafeRawPointer) -> [Substring]? {
        // Read to the end: /proc files report size 0, and String(contentsOfFile:) stops at one read.
        guard let data = try? FileHandle(forReadingAtPath: "/proc/self/smaps")?.readToEnd(),
              let smaps = String(data: data, encoding: .utf8) else { return nil }
        let address = UInt(bitPattern: p)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let range = fields.first, let dash = range.firstIndex(of: "-"),
               let lo = UInt(range[..<dash], radix: 16), let hi = UInt(range[range.index(after: dash)...], radix: 16) {
                inside = lo <= address && address < hi
            } else if inside, fields.first == "VmFlags:" {
                return Array(fields.dropFirst())
            }
        }
        return nil
    }
}
