import FuzzSupport
import VPCWire

/// ICMPv4Packet(checking:) and ICMPv4Repr; emit with the same payload parses back.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let p = try? ICMPv4Packet(checking: bytes) else { return }
    guard let r = try? ICMPv4Repr(p, verifyChecksum: false) else { return }
    scratch(bytes.count) { out in
        guard let n = try? r.emit(into: out, payload: p.payload) else { return fuzzCheck(false, "emit") }
        let back = try? ICMPv4Repr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]))
        // Destination-unreachable keeps only 16 bits of the rest word.
        if case .destinationUnreachable = r { return }
        fuzzCheck(back == r, "ICMPv4 round trip")
    }
}
@main enum FuzzICMPv4 {
    static func main() {
        fuzzMain { data, size in
            withFuzzInput(data, size) { buf in one(UnsafeRawBufferPointer(buf)) }
            return 0
        }
    }
}

/// A scratch buffer for round trips, zeroed, exactly `count` bytes (ASan sees overruns).
func scratch(_ count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
    defer { out.deallocate() }
    out.initializeMemory(as: UInt8.self, repeating: 0)
    body(out)
}
