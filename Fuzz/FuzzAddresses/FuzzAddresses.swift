import FuzzSupport
import VPCWire

/// Address text parsers: whatever parses prints canonically and parses back equal.
func one(_ bytes: UnsafeRawBufferPointer) {
    let s = String(decoding: bytes, as: UTF8.self)
    if let a = IPv4Address(s) { fuzzCheck(IPv4Address(a.description) == a, "IPv4 text") }
    if let a = IPv6Address(s) { fuzzCheck(IPv6Address(a.description) == a, "IPv6 text") }
    if let a = MACAddress(s) { fuzzCheck(MACAddress(a.description) == a, "MAC text") }
    if let a = NetworkInterfaceNumber(s) { fuzzCheck(NetworkInterfaceNumber(a.description) == a, "ENI text") }
    if let n = DNSName(s) { fuzzCheck(DNSName(n.description) == n || n.labels.contains { $0.contains(46) }, "DNS name text") }
}
@main enum FuzzAddresses {
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
