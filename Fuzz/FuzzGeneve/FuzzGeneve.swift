import FuzzSupport
import VPCWire

/// GenevePacket(checking:) (option TLV bounds) and GeneveRepr; emit parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let p = try? GenevePacket(checking: bytes) else { return }
    for o in p.options { _ = (o.optionClass, o.type, o.data.count) }
    _ = (p.payload.count, p.eniOption)
    guard let r = try? GeneveRepr(p) else { return }
    scratch(r.headerLength) { out in
        guard let n = try? r.emit(into: out) else { return fuzzCheck(false, "emit") }
        fuzzCheck((try? GeneveRepr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]))) == r, "Geneve round trip")
    }
}
@main enum FuzzGeneve {
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
