import Testing
@testable import VPCAgent
import VPCDataplane
import VPCWire

/// Software TSO: super-frames as a TAP with offloads hands them over, cut into segments
/// whose every header and checksum VPCWire verifies independently.
@Suite struct TCPSegmentationTests {
    static let src4 = IPv4Address(10, 0, 1, 10), dst4 = IPv4Address(10, 0, 1, 11)
    static let src6 = IPv6Address("2600:1f14::a")!, dst6 = IPv6Address("2600:1f14::b")!

    /// A TCP super-frame with `payload` bytes (value = index mod 251), flags PSH|ACK|FIN|CWR,
    /// and a 12-byte option block (timestamps-sized).
    func superFrame(v6: Bool, payload: Int) -> [UInt8] {
        let tcpLength = 32
        let ipLength = v6 ? 40 : 20
        var f = [UInt8](repeating: 0, count: 14 + ipLength + tcpLength + payload)
        f.withUnsafeMutableBytes { b in
            _ = try! EthernetRepr(source: MACAddress(2, 0, 0, 0, 0, 0x0a), destination: MACAddress(2, 0, 0, 0, 0, 1),
                                  etherType: v6 ? .ipv6 : .ipv4).emit(into: b)
            let l3 = UnsafeMutableRawBufferPointer(rebasing: b[14...])
            if v6 {
                _ = try! IPv6Repr(source: Self.src6, destination: Self.dst6, nextHeader: .tcp, payloadLength: tcpLength + payload).emit(into: l3)
            } else {
                // TSO super-frames carry a real (up to 64 KB) total length.
                _ = try! IPv4Repr(source: Self.src4, destination: Self.dst4, protocol: .tcp, payloadLength: tcpLength + payload,
                                  identification: 0xFFFE).emit(into: l3)
            }
            let t = 14 + ipLength
            b.storeBytes(of: UInt16(40000).bigEndian, toByteOffset: t, as: UInt16.self)
            b.storeBytes(of: UInt16(5000).bigEndian, toByteOffset: t + 2, as: UInt16.self)
            b.storeBytes(of: UInt32(0xFFFF_FF00).bigEndian, toByteOffset: t + 4, as: UInt32.self)  // wraps
            b.storeBytes(of: UInt32(77).bigEndian, toByteOffset: t + 8, as: UInt32.self)
            b[t + 12] = UInt8(tcpLength / 4) << 4
            b[t + 13] = 0x80 | 0x10 | 0x08 | 0x01  // CWR ACK PSH FIN
            b.storeBytes(of: UInt16(512).bigEndian, toByteOffset: t + 14, as: UInt16.self)
            for i in 0..<12 { b[t + 20 + i] = i % 4 == 0 ? 1 : 0 }  // NOPs
            for i in 0..<payload { b[t + tcpLength + i] = UInt8(i % 251) }
        }
        return f
    }

    /// Splits the super-frame `f[0..<length]` into segments of at most `mss` payload bytes,
    /// each built in `out`; `emit(segmentLength)` after each. False if it is not one.
    static func segment(_ f: UnsafeRawBufferPointer, length: Int, mss: Int, out: UnsafeMutableRawBufferPointer,
                        emit: (Int) -> Void) -> Bool {
        guard let s = TCPSegmentation.SuperFrame(f, length: length, mss: mss) else { return false }
        return TCPSegmentation.segment(f, s, into: { _ in out }, emit: { _, n in emit(n) })
    }

    func segments(_ f: [UInt8], mss: Int) -> [[UInt8]] {
        var out = [UInt8](repeating: 0, count: 10000)
        var got: [[UInt8]] = []
        let ok = f.withUnsafeBytes { fb in
            out.withUnsafeMutableBytes { ob in
                Self.segment(fb, length: fb.count, mss: mss, out: ob) { got.append(Array(ob[0..<$0])) }
            }
        }
        #expect(ok)
        return got
    }

    @Test(arguments: [false, true])
    func superFrameBecomesValidSegments(v6: Bool) throws {
        let mss = 1000, payload = 3 * mss + 500
        let segs = segments(superFrame(v6: v6, payload: payload), mss: mss)
        #expect(segs.count == 4)
        var reassembled: [UInt8] = []
        for (k, s) in segs.enumerated() {
            try s.withUnsafeBytes { b in
                let l3 = UnsafeRawBufferPointer(rebasing: b[14...])
                let l4: UnsafeRawBufferPointer, pseudo: UInt64
                if v6 {
                    let ip = try IPv6Repr.parse(l3)
                    #expect(ip.payloadLength == b.count - 54)
                    l4 = UnsafeRawBufferPointer(rebasing: l3[40...])
                    pseudo = InternetChecksum.pseudoHeader(source: ip.source, destination: ip.destination, protocol: .tcp, length: l4.count)
                } else {
                    let ip = try IPv4Repr.parse(l3)  // header checksum verified
                    #expect(ip.payloadLength == b.count - 34)
                    #expect(ip.identification == 0xFFFE &+ UInt16(k))
                    l4 = UnsafeRawBufferPointer(rebasing: l3[20...])
                    pseudo = ip.pseudoHeaderSum
                }
                let tcp = try TCPRepr.parse(l4, pseudoHeaderSum: pseudo)  // TCP checksum verified
                #expect(tcp.sequenceNumber == 0xFFFF_FF00 &+ UInt32(k * mss))
                #expect(tcp.acknowledgmentNumber == 77)
                let last = k == segs.count - 1
                #expect(tcp.flags.rawValue & 0x01 == (last ? 0x01 : 0))  // FIN
                #expect(tcp.flags.rawValue & 0x08 == (last ? 0x08 : 0))  // PSH
                #expect(tcp.flags.rawValue & 0x80 == (k == 0 ? 0x80 : 0))  // CWR
                #expect(tcp.payloadLength == (last ? 500 : mss))
                reassembled += Array(l4[32...])
            }
        }
        #expect(reassembled == (0..<payload).map { UInt8($0 % 251) })
    }

    @Test func exactMultipleAndSingleSegment() {
        #expect(segments(superFrame(v6: false, payload: 2000), mss: 1000).count == 2)
        #expect(segments(superFrame(v6: false, payload: 10), mss: 1000).count == 1)
    }

    @Test func notTCPOrTruncatedIsRefused() {
        var f = superFrame(v6: false, payload: 100)
        f[23] = 17  // UDP
        var out = [UInt8](repeating: 0, count: 2000)
        let udp = f.withUnsafeBytes { fb in out.withUnsafeMutableBytes { Self.segment(fb, length: fb.count, mss: 50, out: $0) { _ in } } }
        #expect(!udp)
        let g = superFrame(v6: true, payload: 100)
        let short = g.withUnsafeBytes { fb in out.withUnsafeMutableBytes { Self.segment(fb, length: 60, mss: 50, out: $0) { _ in } } }
        #expect(!short)
    }

    @Test func partialChecksumIsCompleted() throws {
        var f = superFrame(v6: false, payload: 300)
        // CHECKSUM_PARTIAL as Linux leaves it: the field holds the folded pseudo-header sum.
        let pseudo = InternetChecksum.pseudoHeader(source: Self.src4, destination: Self.dst4, protocol: .tcp, length: 332)
        let folded = ~InternetChecksum.finish(pseudo)
        f[34 + 16] = UInt8(folded >> 8); f[34 + 17] = UInt8(folded & 0xFF)
        let ok = f.withUnsafeMutableBytes { TCPSegmentation.completeChecksum($0, length: $0.count, start: 34, offset: 16) }
        #expect(ok)
        try f.withUnsafeBytes { b in
            _ = try TCPRepr.parse(UnsafeRawBufferPointer(rebasing: b[34...]), pseudoHeaderSum: pseudo)
        }
        let bad = f.withUnsafeMutableBytes { TCPSegmentation.completeChecksum($0, length: $0.count, start: 34, offset: 400) }
        #expect(!bad)
    }

    @Test func superFrameCountsItsSegmentsOnTheWire() throws {
        let f = superFrame(v6: false, payload: 3500)
        let s = try #require(f.withUnsafeBytes { TCPSegmentation.SuperFrame($0, length: f.count, mss: 1000) })
        #expect(s.segments == 4)
        #expect(s.wire == WireSize(packets: 4, bytes: 4 * (14 + 20 + 32) + 3500))
        let mismatched = f.withUnsafeBytes { TCPSegmentation.SuperFrame($0, length: f.count - 1, mss: 1000) }
        #expect(mismatched == nil)  // IP total length must match the frame
        var fragment = f
        fragment[20] |= 0x20  // MF: a first fragment is no super-frame
        #expect(fragment.withUnsafeBytes { TCPSegmentation.SuperFrame($0, length: f.count, mss: 1000) } == nil)
    }

    /// A super-frame encapsulated once (outer Ethernet, IPv4, UDP, Geneve in front) becomes
    /// one segment per MSS, each behind a copy of the encapsulation (whose outer IP and UDP
    /// headers the sending socket rebuilds).
    @Test func encapsulatedSuperFrameSplitsIntoEncapsulatedSegments() throws {
        let inner = superFrame(v6: false, payload: 2500)
        let overhead = Pipeline.encapsulationOverhead
        var f = [UInt8](repeating: 0, count: overhead) + inner
        f.withUnsafeMutableBytes { b in
            b[12] = 0x08; b[13] = 0x00
            _ = try! IPv4Repr(source: IPv4Address(127, 0, 0, 2), destination: IPv4Address(127, 0, 0, 3), protocol: .udp,
                              payloadLength: 8 + 28 + inner.count).emit(into: UnsafeMutableRawBufferPointer(rebasing: b[14...]))
        }
        let s = try #require(f.withUnsafeBytes { TCPSegmentation.SuperFrame($0, inner: overhead, length: f.count, mss: 1000) })
        var got: [[UInt8]] = []
        var out = [UInt8](repeating: 0, count: 2000)
        let ok = f.withUnsafeBytes { fb in
            out.withUnsafeMutableBytes { ob in
                TCPSegmentation.segment(fb, s, into: { _ in ob }) { b, n in got.append(Array(b[0..<n])) }
            }
        }
        #expect(ok)
        #expect(got.map(\.count) == [overhead + 66 + 1000, overhead + 66 + 1000, overhead + 66 + 500])
        for g in got {
            #expect(Array(g[0..<overhead]) == Array(f[0..<overhead]))
            try g.withUnsafeBytes { b in
                let ip = try IPv4Repr.parse(UnsafeRawBufferPointer(rebasing: b[(overhead + 14)...]))
                _ = try TCPRepr.parse(UnsafeRawBufferPointer(rebasing: b[(overhead + 34)...]), pseudoHeaderSum: ip.pseudoHeaderSum)
            }
        }
    }
}
