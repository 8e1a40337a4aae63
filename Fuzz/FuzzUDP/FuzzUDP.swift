import FuzzSupport
import VPCWire

/// UDPDatagram(checking:) and UDPRepr; emit with checksum parses back and verifies.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let d = try? UDPDatagram(checking: bytes), let r = try? UDPRepr(d) else { return }
    _ = d.verifyChecksum(pseudoHeaderSum: 0x1234)
    scratch(8 + r.payloadLength) { out in
        out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(8 + r.payloadLength)]))
        _ = try? r.emit(into: out, pseudoHeaderSum: 0x1234)
        fuzzCheck((try? UDPRepr.parse(UnsafeRawBufferPointer(out), pseudoHeaderSum: 0x1234, ipv6: true)) == r, "UDP round trip")
    }
}
@main enum FuzzUDP {
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
