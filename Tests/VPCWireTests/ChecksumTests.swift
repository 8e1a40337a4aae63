import Testing
import VPCWire

@Suite struct ChecksumTests {
    /// RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
    @Test func rfc1071Example() {
        let bytes: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        bytes.withUnsafeBytes { #expect(InternetChecksum.fold(InternetChecksum.add($0)) == 0xddf2) }
        // Odd length pads with a zero byte.
        [UInt8]([0x01, 0x02, 0x03]).withUnsafeBytes { #expect(InternetChecksum.fold(InternetChecksum.add($0)) == 0x0402) }
    }

    /// Reference: plain 16-bit big-endian sum.
    func slowSum(_ b: [UInt8]) -> UInt16 {
        var s: UInt32 = 0
        var i = 0
        while i < b.count {
            s += UInt32(b[i]) << 8 | (i + 1 < b.count ? UInt32(b[i + 1]) : 0)
            i += 2
        }
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }

    @Test func matchesReferenceOnRandomLengths() {
        var rng = SystemRandomNumberGenerator()
        for len in 0..<200 {
            let b = (0..<len).map { _ in UInt8.random(in: 0...255, using: &rng) }
            b.withUnsafeBytes { #expect(InternetChecksum.fold(InternetChecksum.add($0)) == slowSum(b)) }
        }
    }

    /// RFC 1624: incremental updates equal a full recompute, for random headers and rewrites.
    @Test func incrementalEqualsFullRecompute() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let payloadLength = Int.random(in: 0...40, using: &rng)
            var frame = [UInt8](repeating: 0, count: 20 + 20 + payloadLength)
            for i in 40..<frame.count { frame[i] = UInt8.random(in: 0...255, using: &rng) }
            let ip = IPv4Repr(source: IPv4Address(value: rng.next()), destination: IPv4Address(value: rng.next()),
                              protocol: .tcp, payloadLength: 20 + payloadLength, ttl: UInt8.random(in: 1...255, using: &rng),
                              identification: UInt16.random(in: 0...0xFFFF, using: &rng))
            let tcp = TCPRepr(sourcePort: UInt16.random(in: 0...0xFFFF, using: &rng), destinationPort: 443,
                              sequenceNumber: rng.next(), flags: [.ack], window: 512, payloadLength: payloadLength)
            try frame.withUnsafeMutableBytes { b in
                _ = try ip.emit(into: b)
                _ = try tcp.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[20...]), pseudoHeaderSum: ip.pseudoHeaderSum)
                let p = IPv4Packet(unchecked: UnsafeRawBufferPointer(b))
                let s = TCPSegment(unchecked: p.payload)
                let newSrc = IPv4Address(value: rng.next())
                let newPort = UInt16.random(in: 0...0xFFFF, using: &rng)
                // NAT rewrite, incrementally.
                s.adjustChecksum(oldAddress: p.source, newAddress: newSrc)
                s.rewriteSourcePort(newPort)
                p.rewriteSource(newSrc)
                p.decrementTTL()
                let incrementalIP = p.checksum, incrementalTCP = s.checksum
                #expect(p.verifyChecksum())
                #expect(s.verifyChecksum(pseudoHeaderSum: p.pseudoHeaderSum))
                p.fillChecksum()
                s.fillChecksum(pseudoHeaderSum: p.pseudoHeaderSum)
                #expect(incrementalIP == p.checksum)
                #expect(incrementalTCP == s.checksum)
            }
        }
    }

    @Test func incrementalIPv6AndUDP() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let n = Int.random(in: 0...30, using: &rng)
            var seg = [UInt8](repeating: 0, count: 8 + n)
            for i in 8..<seg.count { seg[i] = UInt8.random(in: 0...255, using: &rng) }
            let src = IPv6Address(high: rng.next(), low: rng.next()), dst = IPv6Address(high: rng.next(), low: rng.next())
            let newSrc = IPv6Address(high: rng.next(), low: rng.next())
            try seg.withUnsafeMutableBytes { b in
                let ph = InternetChecksum.pseudoHeader(source: src, destination: dst, protocol: .udp, length: 8 + n)
                _ = try UDPRepr(sourcePort: 53, destinationPort: UInt16.random(in: 1...0xFFFF, using: &rng), payloadLength: n)
                    .emit(into: b, pseudoHeaderSum: ph)
                let d = UDPDatagram(unchecked: UnsafeRawBufferPointer(b))
                d.adjustChecksum(oldAddress: src, newAddress: newSrc)
                d.rewriteDestinationPort(UInt16.random(in: 1...0xFFFF, using: &rng))
                let incremental = d.checksum
                let ph2 = InternetChecksum.pseudoHeader(source: newSrc, destination: dst, protocol: .udp, length: 8 + n)
                #expect(d.verifyChecksumIPv6(pseudoHeaderSum: ph2))
                d.fillChecksum(pseudoHeaderSum: ph2)
                #expect(d.checksum == incremental)
            }
        }
    }
}
