import Foundation
import Testing
import VPCWire

/// Reads the captured .pcap fixtures (see Fixtures/capture.sh).
enum Fixture {
    static func url(_ name: String) -> URL {
        if let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) {
            return dir.appendingPathComponent(name)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }

    /// Every frame of a pcap file (classic format, Ethernet link type).
    static func frames(_ name: String) throws -> [[UInt8]] {
        try PcapReader.frames(Array(Data(contentsOf: url(name))))
    }

    static func frame(_ name: String, _ index: Int) throws -> [UInt8] {
        try frames(name)[index]
    }
}

/// A minimal reader for classic libpcap files (microsecond or nanosecond, either byte order).
enum PcapReader {
    struct Bad: Error {}

    static func frames(_ d: [UInt8]) throws -> [[UInt8]] {
        guard d.count >= 24 else { throw Bad() }
        let magicLE = UInt32(d[0]) | UInt32(d[1]) << 8 | UInt32(d[2]) << 16 | UInt32(d[3]) << 24
        let little: Bool
        switch magicLE {
        case 0xA1B2_C3D4, 0xA1B2_3C4D: little = true
        case 0xD4C3_B2A1, 0x4D3C_B2A1: little = false
        default: throw Bad()
        }
        func u32(_ o: Int) -> Int {
            let b = (UInt32(d[o]), UInt32(d[o + 1]), UInt32(d[o + 2]), UInt32(d[o + 3]))
            return Int(little ? b.0 | b.1 << 8 | b.2 << 16 | b.3 << 24 : b.3 | b.2 << 8 | b.1 << 16 | b.0 << 24)
        }
        guard u32(20) == 1 else { throw Bad() } // LINKTYPE_ETHERNET
        var out: [[UInt8]] = []
        var o = 24
        while o + 16 <= d.count {
            let incl = u32(o + 8)
            guard o + 16 + incl <= d.count else { throw Bad() }
            out.append(Array(d[(o + 16)..<(o + 16 + incl)]))
            o += 16 + incl
        }
        return out
    }
}

/// Runs `parse` on every prefix of `bytes`, each in an exactly sized allocation
/// (so an over-read would hit unowned memory); prefixes shorter than `minimum` must throw.
func checkTruncations(_ bytes: [UInt8], mustThrowBelow minimum: Int,
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ parse: (UnsafeRawBufferPointer) throws -> Void) {
    for n in 0...bytes.count {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: n, alignment: 1)
        defer { buf.deallocate() }
        bytes.withUnsafeBytes { buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        var threw = false
        do { try parse(UnsafeRawBufferPointer(buf)) } catch { threw = true }
        if n < minimum { #expect(threw, "prefix of \(n) bytes parsed", sourceLocation: sourceLocation) }
    }
}

/// Emits into a fresh zeroed buffer of `capacity` bytes and returns what was written.
func emitted(_ capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> [UInt8] {
    var out = [UInt8](repeating: 0, count: capacity)
    let n = try out.withUnsafeMutableBytes { try body($0) }
    return Array(out[0..<n])
}

extension Array where Element == UInt8 {
    /// Parses a hex string, ignoring spaces.
    init(hex: String) {
        let digits = hex.filter { !$0.isWhitespace }
        var bytes: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            bytes.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        self = bytes
    }
}

let macA = MACAddress(0x02, 0, 0, 0, 0, 0x0a)
let macB = MACAddress(0x02, 0, 0, 0, 0, 0x0b)
let ipA = IPv4Address(10, 99, 0, 1)
let ipB = IPv4Address(10, 99, 0, 2)
let ip6A = IPv6Address("fd00:99::ff:fe00:a")!
let ip6B = IPv6Address("fd00:99::2")!
