import Testing
import VPCWire

@Suite struct TCPTests {
    /// (TCP bytes, pseudo-header sum) of tcp.pcap frame `i` (IPv4 frames 0–9, IPv6 10–19).
    func segment(_ i: Int) throws -> ([UInt8], UInt64) {
        let f = try Fixture.frame("tcp.pcap", i)
        return try f.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            if e.etherType == .ipv4 {
                let p = try IPv4Packet(checking: e.payload)
                return (Array(p.payload), p.pseudoHeaderSum)
            }
            let p = try IPv6Packet(checking: e.payload)
            return (Array(p.payload), p.pseudoHeaderSum(protocol: .tcp, length: p.payloadLength))
        }
    }

    let syn = TCPRepr(sourcePort: 42638, destinationPort: 8080, sequenceNumber: 2_982_725_002, flags: [.syn], window: 64240,
                      maximumSegmentSize: 1460, windowScale: 10, sackPermitted: true,
                      timestamp: TCPTimestamp(value: 3_267_618_291, echo: 0))

    @Test func deconstruct() throws {
        let (s, ph) = try segment(0)
        try s.withUnsafeBytes { b in
            let t = try TCPSegment(checking: b)
            #expect(t.sourcePort == 42638 && t.destinationPort == 8080)
            #expect(t.sequenceNumber == 2_982_725_002 && t.acknowledgmentNumber == 0)
            #expect(t.flags == [.syn] && t.window == 64240 && t.urgentPointer == 0)
            #expect(t.headerLength == 40 && t.optionsLength == 20 && t.payload.isEmpty)
            #expect(t.checksum == 0x521a && t.verifyChecksum(pseudoHeaderSum: ph))
        }
        let (data, _) = try segment(3)
        try data.withUnsafeBytes { b in
            let t = try TCPSegment(checking: b)
            #expect(t.flags == [.psh, .ack] && Array(t.payload) == Array("hello\n".utf8))
        }
    }

    @Test func construct() throws {
        let (s, ph) = try segment(0)
        #expect(try emitted(40) { try syn.emit(into: $0, pseudoHeaderSum: ph) } == s)
        // A data segment (NOP NOP timestamps) with its payload.
        let (d, ph3) = try segment(3)
        var r = try d.withUnsafeBytes { try TCPRepr.parse($0) }
        r.payloadLength = 6
        var out = [UInt8](repeating: 0, count: d.count)
        out.replaceSubrange(32..<38, with: "hello\n".utf8)
        let n = try out.withUnsafeMutableBytes { try r.emit(into: $0, pseudoHeaderSum: ph3) }
        #expect(n == 32 && out == d)
    }

    @Test func parse() throws {
        let (s, ph) = try segment(0)
        #expect(try s.withUnsafeBytes { try TCPRepr.parse($0, pseudoHeaderSum: ph) } == syn)
        for i in 0..<20 {
            let (seg, sum) = try segment(i)
            #expect(throws: Never.self) { try seg.withUnsafeBytes { _ = try TCPRepr.parse($0, pseudoHeaderSum: sum) } }
        }
        var bad = s
        bad[30] ^= 0xFF
        #expect(throws: WireError(.badChecksum, .tcp)) { try bad.withUnsafeBytes { _ = try TCPRepr.parse($0, pseudoHeaderSum: ph) } }
    }

    @Test func emit() throws {
        let variants = [
            TCPRepr(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4, flags: [.rst, .ack], window: 0),
            TCPRepr(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, flags: [.syn, .ece, .cwr], window: 9, sackPermitted: true),
            TCPRepr(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, flags: [.fin, .urg, .ns], window: 9, urgentPointer: 5, windowScale: 14),
            syn,
        ]
        for r in variants {
            let b = try emitted(r.headerLength) { try r.emit(into: $0, pseudoHeaderSum: 0x1234) }
            #expect(b.count % 4 == 0)
            #expect(try b.withUnsafeBytes { try TCPRepr.parse($0, pseudoHeaderSum: 0x1234) } == r)
        }
    }

    @Test func malformedOptions() throws {
        var (s, _) = try segment(0)
        s[21] = 1 // MSS option length 1
        #expect(throws: WireError(.malformed, .tcp)) { try s.withUnsafeBytes { _ = try TCPRepr.parse($0) } }
        s[21] = 40 // beyond the options area
        #expect(throws: WireError(.malformed, .tcp)) { try s.withUnsafeBytes { _ = try TCPRepr.parse($0) } }
        s[12] = 0x40 // data offset 4
        #expect(throws: WireError(.malformed, .tcp)) { try s.withUnsafeBytes { _ = try TCPSegment(checking: $0) } }
    }

    @Test func truncation() throws {
        let (s, ph) = try segment(3)
        checkTruncations(s, mustThrowBelow: 32) { _ = try TCPSegment(checking: $0) }
        checkTruncations(s, mustThrowBelow: s.count) { _ = try TCPRepr.parse($0, pseudoHeaderSum: ph) }
    }
}

@Suite struct UDPTests {
    func datagram(_ file: String, _ i: Int) throws -> ([UInt8], UInt64, Bool) {
        let f = try Fixture.frame(file, i)
        return try f.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            if e.etherType == .ipv4 {
                let p = try IPv4Packet(checking: e.payload)
                return (Array(p.payload), p.pseudoHeaderSum, false)
            }
            let p = try IPv6Packet(checking: e.payload)
            return (Array(p.payload), p.pseudoHeaderSum(protocol: .udp, length: p.payloadLength), true)
        }
    }

    @Test func deconstruct() throws {
        let (d, ph, _) = try datagram("dns.pcap", 0)
        try d.withUnsafeBytes { b in
            let u = try UDPDatagram(checking: b)
            #expect(u.sourcePort == 37793 && u.destinationPort == 53 && u.length == 74 && u.payload.count == 66)
            #expect(u.verifyChecksum(pseudoHeaderSum: ph))
        }
        let (d6, ph6, _) = try datagram("udp6.pcap", 0)
        try d6.withUnsafeBytes { b in
            let u = try UDPDatagram(checking: b)
            #expect(u.sourcePort == 36855 && u.destinationPort == 9999 && Array(u.payload) == Array("ping\n".utf8))
            #expect(u.verifyChecksumIPv6(pseudoHeaderSum: ph6))
        }
    }

    @Test func construct() throws {
        for (file, i) in [("dns.pcap", 0), ("dns.pcap", 1), ("udp6.pcap", 0), ("dhcp.pcap", 0)] {
            let (d, ph, _) = try datagram(file, i)
            var out = d
            out.replaceSubrange(0..<8, with: [UInt8](repeating: 0xEE, count: 8))
            let r = UDPRepr(sourcePort: UInt16(d[0]) << 8 | UInt16(d[1]), destinationPort: UInt16(d[2]) << 8 | UInt16(d[3]), payloadLength: d.count - 8)
            _ = try out.withUnsafeMutableBytes { try r.emit(into: $0, pseudoHeaderSum: ph) }
            #expect(out == d, "\(file) #\(i)")
        }
    }

    @Test func parse() throws {
        let (d, ph, _) = try datagram("dns.pcap", 1)
        #expect(try d.withUnsafeBytes { try UDPRepr.parse($0, pseudoHeaderSum: ph) } == UDPRepr(sourcePort: 53, destinationPort: 37793, payloadLength: 59))
        var bad = d
        bad[10] ^= 1
        #expect(throws: WireError(.badChecksum, .udp)) { try bad.withUnsafeBytes { _ = try UDPRepr.parse($0, pseudoHeaderSum: ph) } }
        // Zero checksum: "none" over IPv4, forbidden over IPv6 (RFC 8200 §8.1).
        var none = d
        none[6] = 0; none[7] = 0
        #expect(throws: Never.self) { try none.withUnsafeBytes { _ = try UDPRepr.parse($0, pseudoHeaderSum: ph) } }
        #expect(throws: WireError(.badChecksum, .udp)) { try none.withUnsafeBytes { _ = try UDPRepr.parse($0, pseudoHeaderSum: ph, ipv6: true) } }
    }

    @Test func emit() throws {
        let r = UDPRepr(sourcePort: 68, destinationPort: 67, payloadLength: 3)
        var b = [UInt8](repeating: 0, count: 11)
        b[8] = 1; b[9] = 2; b[10] = 3
        _ = try b.withUnsafeMutableBytes { try r.emit(into: $0, pseudoHeaderSum: 0xFFFF) }
        #expect(try b.withUnsafeBytes { try UDPRepr.parse($0, pseudoHeaderSum: 0xFFFF, ipv6: true) } == r)
        var short = b
        short[5] = 7 // length 7 < 8
        #expect(throws: WireError(.malformed, .udp)) { try short.withUnsafeBytes { _ = try UDPDatagram(checking: $0) } }
    }

    @Test func truncation() throws {
        let (d, _, _) = try datagram("dns.pcap", 0)
        checkTruncations(d, mustThrowBelow: d.count) { _ = try UDPDatagram(checking: $0) }
    }
}
