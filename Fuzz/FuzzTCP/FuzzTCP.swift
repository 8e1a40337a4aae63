import FuzzSupport
import VPCWire

/// TCPSegment(checking:) and TCPRepr (options walk); emit parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let s = try? TCPSegment(checking: bytes) else { return }
    _ = (s.optionsLength, s.flags, s.payload.count)
    guard let r = try? TCPRepr(s) else { return }
    var h = r
    h.payloadLength = 0
    scratch(h.headerLength) { out in
        guard let n = try? h.emit(into: out, pseudoHeaderSum: 0) else { return fuzzCheck(false, "emit") }
        let back = try? TCPRepr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]), pseudoHeaderSum: 0)
        fuzzCheck(back == h, "TCP round trip")
    }
}
@main enum FuzzTCP {
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
