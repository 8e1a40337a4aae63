import FuzzSupport
import VPCWire

/// IPv4Packet(checking:) + IPv4Repr parse, then emit and re-parse.
@main enum FuzzIPv4 {
    static func main() {
        fuzzMain { data, size in
            withFuzzInput(data, size) { buf in
                let bytes = UnsafeRawBufferPointer(buf)
                guard let p = try? IPv4Packet(checking: bytes) else { return }
                _ = (p.options.count, p.payload.count, p.isFragment, p.verifyChecksum())
                guard let r = try? IPv4Repr(p, verifyChecksum: false) else { return }
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 20 + r.payloadLength, alignment: 1)
                defer { out.deallocate() }
                out.initializeMemory(as: UInt8.self, repeating: 0)
                guard let n = try? r.emit(into: out) else { return }
                let back = try? IPv4Repr.parse(UnsafeRawBufferPointer(out), verifyChecksum: true)
                fuzzCheck(n == 20 && back == r, "IPv4 round trip")
            }
            return 0
        }
    }
}
