import FuzzSupport
import VPCWire

/// EthernetFrame(checking:) and EthernetRepr; the emitted header parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let f = try? EthernetFrame(checking: bytes) else { return }
    _ = (f.payload.count, f.vlanID, f.innerVLANID, f.priority, f.etherType)
    let r = EthernetRepr(f)
    scratch(r.headerLength) { out in
        guard let n = try? r.emit(into: out) else { return fuzzCheck(false, "emit") }
        let back = try? EthernetRepr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]))
        // A tagged frame whose inner type is itself a tag cannot round-trip with one tag.
        if f.tagCount <= 1 { fuzzCheck(back == r, "Ethernet round trip") }
    }
}
@main enum FuzzEthernet {
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
