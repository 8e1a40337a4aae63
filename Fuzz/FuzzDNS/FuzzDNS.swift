import FuzzSupport
import VPCWire

/// DNSMessage(checking:) and DNSRepr (bounded name decompression); emit parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let m = try? DNSMessage(checking: bytes) else { return }
    _ = (m.id, m.flags.responseCode)
    guard let r = try? DNSRepr(m) else { return }
    let size = 12 + r.questions.reduce(0) { $0 + $1.name.wireLength + 4 }
        + r.answers.reduce(0) { $0 + $1.name.wireLength + 10 + 300 }
    scratch(size) { out in
        guard let n = try? r.emit(into: out) else { return }
        let back = try? DNSRepr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]))
        fuzzCheck(back == r, "DNS round trip")
    }
}
@main enum FuzzDNS {
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
