import FuzzSupport
import VPCWire

/// IPv6Packet(checking:), the extension-header walk, IPv6Repr; emit parses back.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let p = try? IPv6Packet(checking: bytes) else { return }
    _ = (p.payload.count, p.flowLabel, p.trafficClass)
    guard let upper = try? p.upperLayer() else { return }
    fuzzCheck(upper.offset <= p.payloadLength, "upper layer inside payload")
    guard let r = try? IPv6Repr(p) else { return fuzzCheck(false, "repr after walk") }
    var plain = r
    plain.nextHeader = .udp
    scratch(40 + r.payloadLength) { out in
        _ = try? plain.emit(into: out)
        fuzzCheck((try? IPv6Repr.parse(UnsafeRawBufferPointer(out))) == plain, "IPv6 round trip")
    }
}
@main enum FuzzIPv6 {
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
