import FuzzSupport
import VPCWire

/// ICMPv6Packet(checking:), ND options, ICMPv6Repr; ND messages re-emit and parse back.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let p = try? ICMPv6Packet(checking: bytes) else { return }
    for o in p.ndpOptions { _ = (o.linkLayerAddress, o.mtu, o.prefixInformation) }
    let src = IPv6Address(high: 0xfe80 << 48, low: 1), dst = IPv6Address.allNodes
    guard let r = try? ICMPv6Repr(p, source: src, destination: dst, verifyChecksum: false) else { return }
    guard case .ndp = r else { return }
    scratch(r.headerLength) { out in
        guard let n = try? r.emit(into: out, source: src, destination: dst) else { return fuzzCheck(false, "emit") }
        let back = try? ICMPv6Repr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]), source: src, destination: dst)
        fuzzCheck(back == r, "NDP round trip")
    }
}
@main enum FuzzICMPv6 {
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
