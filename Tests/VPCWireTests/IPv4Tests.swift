import Testing
import VPCWire

@Suite struct IPv4Tests {
    /// The echo request's IPv4 packet (after the 14-byte Ethernet header).
    func echoRequest() throws -> [UInt8] { Array(try Fixture.frame("arp_icmp.pcap", 2)[14...]) }

    @Test func deconstruct() throws {
        try echoRequest().withUnsafeBytes { b in
            let p = try IPv4Packet(checking: b)
            #expect(p.version == 4 && p.headerLength == 20 && p.totalLength == 84)
            #expect(p.dscp == 0 && p.ecn == 0 && p.identification == 8197)
            #expect(p.dontFragment && !p.moreFragments && p.fragmentOffset == 0 && !p.isFragment)
            #expect(p.ttl == 64 && p.protocol == .icmp)
            #expect(p.source == ipA && p.destination == ipB)
            #expect(p.options.isEmpty && p.payload.count == 64)
            #expect(p.verifyChecksum())
        }
    }

    @Test func construct() throws {
        let f = try echoRequest()
        let r = IPv4Repr(source: ipA, destination: ipB, protocol: .icmp, payloadLength: 64, ttl: 64, identification: 8197)
        #expect(try emitted(20) { try r.emit(into: $0) } == Array(f[0..<20]))
    }

    @Test func parse() throws {
        let r = try echoRequest().withUnsafeBytes { try IPv4Repr.parse($0) }
        #expect(r == IPv4Repr(source: ipA, destination: ipB, protocol: .icmp, payloadLength: 64, ttl: 64, identification: 8197))
    }

    @Test func emit() throws {
        let r = IPv4Repr(source: ipB, destination: ipA, protocol: .udp, payloadLength: 1000, ttl: 3, dscp: 46, ecn: 1,
                         identification: 7, dontFragment: false, moreFragments: true, fragmentOffset: 1480)
        var bytes = try emitted(20) { try r.emit(into: $0) }
        bytes += [UInt8](repeating: 0, count: 1000)
        #expect(try bytes.withUnsafeBytes { try IPv4Repr.parse($0) } == r)
        #expect(r.isFragment)
    }

    @Test func badChecksumAndMalformed() throws {
        var f = try echoRequest()
        f[8] = 63 // TTL changed without checksum update
        #expect(throws: WireError(.badChecksum, .ipv4)) { try f.withUnsafeBytes { _ = try IPv4Repr.parse($0) } }
        #expect(try f.withUnsafeBytes { try IPv4Repr.parse($0, verifyChecksum: false).ttl } == 63)
        f = try echoRequest()
        f[0] = 0x65
        #expect(throws: WireError(.malformed, .ipv4)) { try f.withUnsafeBytes { _ = try IPv4Packet(checking: $0) } }
        f[0] = 0x44 // IHL 4
        #expect(throws: WireError(.malformed, .ipv4)) { try f.withUnsafeBytes { _ = try IPv4Packet(checking: $0) } }
        f = try echoRequest()
        f[2] = 0; f[3] = 19 // total length below header
        #expect(throws: WireError(.malformed, .ipv4)) { try f.withUnsafeBytes { _ = try IPv4Packet(checking: $0) } }
    }

    @Test func options() throws {
        // A header with a Router Alert option (RFC 2113): IHL 6.
        var r = IPv4Repr(source: ipA, destination: ipB, protocol: .udp, payloadLength: 0)
        r.dontFragment = false
        var b = try emitted(20) { try r.emit(into: $0) }
        b.insert(contentsOf: [0x94, 0x04, 0x00, 0x00], at: 20)
        b[0] = 0x46
        b[3] = 24
        try b.withUnsafeBytes { p in
            let v = try IPv4Packet(checking: p)
            v.fillChecksum()
            #expect(v.headerLength == 24 && Array(v.options) == [0x94, 4, 0, 0] && v.payload.isEmpty)
            #expect(try IPv4Repr(v).payloadLength == 0)
        }
    }

    @Test func fragments() throws {
        let frames = try Fixture.frames("fragments.pcap")
        let expected: [(mf: Bool, offset: Int)] = [(true, 0), (true, 1480), (false, 2960)]
        for (i, e) in expected.enumerated() {
            try frames[i].withUnsafeBytes { b in
                let p = try IPv4Packet(checking: UnsafeRawBufferPointer(rebasing: b[14...]))
                #expect(p.isFragment && p.moreFragments == e.mf && p.fragmentOffset == e.offset)
                #expect(p.verifyChecksum())
            }
        }
    }

    @Test func truncation() throws {
        checkTruncations(try echoRequest(), mustThrowBelow: 84) { _ = try IPv4Repr.parse($0) }
    }

    @Test func ttlAndRewrite() throws {
        var f = try echoRequest()
        f.withUnsafeMutableBytes { b in
            let p = IPv4Packet(unchecked: UnsafeRawBufferPointer(b))
            #expect(p.decrementTTL() == 63)
            p.rewriteDestination(IPv4Address(192, 0, 2, 9))
            #expect(p.verifyChecksum())
        }
    }
}

@Suite struct ICMPv4Tests {
    func icmp(_ i: Int) throws -> [UInt8] { Array(try Fixture.frame("arp_icmp.pcap", i)[34...]) }

    @Test func deconstruct() throws {
        try icmp(2).withUnsafeBytes { b in
            let p = try ICMPv4Packet(checking: b)
            #expect(p.type == 8 && p.code == 0 && p.echoIdentifier == 15253 && p.echoSequence == 1)
            #expect(p.payload.count == 56 && p.verifyChecksum())
        }
    }

    @Test func construct() throws {
        // Echo reply built from the request's payload equals the kernel's reply.
        let request = try icmp(2), reply = try icmp(3)
        let out = try request.withUnsafeBytes { b in
            try emitted(64) { try ICMPv4Repr.echoReply(identifier: 15253, sequence: 1).emit(into: $0, payload: ICMPv4Packet(unchecked: b).payload) }
        }
        #expect(out == reply)
    }

    @Test func parse() throws {
        #expect(try icmp(2).withUnsafeBytes { try ICMPv4Repr.parse($0) } == .echoRequest(identifier: 15253, sequence: 1))
        #expect(try icmp(3).withUnsafeBytes { try ICMPv4Repr.parse($0) } == .echoReply(identifier: 15253, sequence: 1))
    }

    @Test func emit() throws {
        // Fragmentation needed with MTU (RFC 1191), quoting an IP header + 8 bytes.
        let quoted = Array(try Fixture.frame("arp_icmp.pcap", 2)[14..<42])
        let r = ICMPv4Repr.destinationUnreachable(code: 4, nextHopMTU: 1500)
        let bytes = try quoted.withUnsafeBytes { q in try emitted(36) { try r.emit(into: $0, payload: q) } }
        #expect(try bytes.withUnsafeBytes { try ICMPv4Repr.parse($0) } == r)
        #expect(Array(bytes[8...]) == quoted)
        let t = ICMPv4Repr.timeExceeded(code: 0)
        #expect(try emitted(8) { try t.emit(into: $0, payload: UnsafeRawBufferPointer(start: nil, count: 0)) }.withUnsafeBytes { try ICMPv4Repr.parse($0) } == t)
        var bad = bytes
        bad[9] ^= 1
        #expect(throws: WireError(.badChecksum, .icmpv4)) { try bad.withUnsafeBytes { _ = try ICMPv4Repr.parse($0) } }
    }

    @Test func truncation() throws {
        checkTruncations(try icmp(2), mustThrowBelow: 8) { _ = try ICMPv4Packet(checking: $0) }
    }
}
