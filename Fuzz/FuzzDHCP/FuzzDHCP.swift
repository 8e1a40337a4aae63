import FuzzSupport
import VPCWire

/// DHCPPacket(checking:) and DHCPRepr; emit parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    guard let p = try? DHCPPacket(checking: bytes) else { return }
    for o in p.options { _ = o.data.count }
    guard let r = try? DHCPRepr(p) else { return }
    scratch(r.length) { out in
        guard let n = try? r.emit(into: out) else { return } // an over-long option
        let back = try? DHCPRepr.parse(UnsafeRawBufferPointer(rebasing: out[0..<n]))
        // Strings that are not valid UTF-8 are repaired on decode, so compare after one trip.
        guard let back else { return fuzzCheck(false, "DHCP reparse") }
        scratch(back.length) { out2 in
            let n2 = try? back.emit(into: out2)
            fuzzCheck(n2 == n && (try? DHCPRepr.parse(UnsafeRawBufferPointer(out2))) == back, "DHCP round trip")
        }
    }
}
@main enum FuzzDHCP {
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
