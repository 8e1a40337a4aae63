import FuzzSupport
import VPCWire

/// ARPPacket(checking:) and ARPRepr; emit parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let p = try? ARPPacket(checking: bytes), let r = try? ARPRepr(p) else { return }
    scratch(ARPRepr.length) { out in
        _ = try? r.emit(into: out)
        fuzzCheck((try? ARPRepr.parse(UnsafeRawBufferPointer(out))) == r, "ARP round trip")
    }
}
@main enum FuzzARP {
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
