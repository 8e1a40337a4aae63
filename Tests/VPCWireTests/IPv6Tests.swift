import Testing
import VPCWire

@Suite struct IPv6Tests {
    /// Echo request over IPv6 (ndp_icmpv6.pcap frame 2), without Ethernet.
    func echo() throws -> [UInt8] { Array(try Fixture.frame("ndp_icmpv6.pcap", 2)[14...]) }

    @Test func deconstruct() throws {
        try echo().withUnsafeBytes { b in
            let p = try IPv6Packet(checking: b)
            #expect(p.version == 6 && p.trafficClass == 0 && p.flowLabel == 0xdba18)
            #expect(p.payloadLength == 64 && p.nextHeader == .icmpv6 && p.hopLimit == 64)
            #expect(p.source == ip6A && p.destination == ip6B)
            let u = try p.upperLayer()
            #expect(u.protocol == .icmpv6 && u.offset == 0 && !u.hasFragmentHeader)
        }
    }

    @Test func construct() throws {
        let f = try echo()
        let r = IPv6Repr(source: ip6A, destination: ip6B, nextHeader: .icmpv6, payloadLength: 64, hopLimit: 64, flowLabel: 0xdba18)
        #expect(try emitted(40) { try r.emit(into: $0) } == Array(f[0..<40]))
    }

    @Test func parse() throws {
        let r = try echo().withUnsafeBytes { try IPv6Repr.parse($0) }
        #expect(r == IPv6Repr(source: ip6A, destination: ip6B, nextHeader: .icmpv6, payloadLength: 64, hopLimit: 64, flowLabel: 0xdba18))
    }

    @Test func emit() throws {
        let r = IPv6Repr(source: ip6B, destination: .allNodes, nextHeader: .udp, payloadLength: 3, hopLimit: 1,
                         trafficClass: 0xb8, flowLabel: 0xFFFFF)
        let bytes = try emitted(43) { try r.emit(into: $0) } + [1, 2, 3]
        #expect(try bytes.withUnsafeBytes { try IPv6Repr.parse($0) } == r)
    }

    @Test func capturedFragments() throws {
        let frames = try Fixture.frames("fragments.pcap")
        let expected: [(offset: Int, more: Bool)] = [(0, true), (1448, true), (2896, false)]
        for (i, e) in expected.enumerated() {
            try frames[6 + i].withUnsafeBytes { b in
                let p = try IPv6Packet(checking: UnsafeRawBufferPointer(rebasing: b[14...]))
                #expect(p.nextHeader == .fragment)
                let u = try p.upperLayer()
                #expect(u.protocol == .icmpv6 && u.offset == 8 && u.hasFragmentHeader)
                #expect(u.fragmentOffset == e.offset && u.moreFragments == e.more && u.isFragment)
                #expect(u.isNonFirstFragment == (e.offset != 0))
            }
        }
    }

    /// Builds an IPv6 packet whose payload is the given extension headers + 8 bytes of UDP.
    func chain(_ first: IPProtocol, _ ext: [UInt8]) throws -> [UInt8] {
        let r = IPv6Repr(source: ip6A, destination: ip6B, nextHeader: first, payloadLength: ext.count + 8)
        return try emitted(40) { try r.emit(into: $0) } + ext + [0, 53, 0, 53, 0, 8, 0, 0]
    }

    @Test func extensionHeaderChain() throws {
        // Hop-by-hop (8) → routing (8, type 4 segments-left 0) → destination options (16) → AH (12+4) → fragment (8) → UDP.
        let ext: [UInt8] =
            [43, 0, 1, 4, 0, 0, 0, 0] +                           // HBH: PadN
            [60, 0, 4, 0, 0, 0, 0, 0] +                           // Routing
            [51, 1] + [UInt8](repeating: 0, count: 14) +          // DestOpts, 16 bytes
            [44, 2, 0, 0, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 8) + // AH: (2+2)*4 = 16
            [17, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]                 // Fragment, offset 0, M=0 (atomic)
        let b = try chain(.hopByHop, ext)
        let r = try b.withUnsafeBytes { try IPv6Repr.parse($0) }
        #expect(r.nextHeader == .udp && r.payloadLength == 8)
        try b.withUnsafeBytes { p in
            let u = try IPv6Packet(checking: p).upperLayer()
            #expect(u.offset == ext.count && u.hasFragmentHeader && !u.isFragment && u.fragmentIdentification == 0xdeadbeef)
        }
    }

    @Test func extensionHeaderErrors() throws {
        // A destination-options header claiming more than the payload.
        let long = try chain(.destinationOptions, [17, 9, 0, 0, 0, 0, 0, 0])
        #expect(throws: WireError(.truncated, .ipv6)) { try long.withUnsafeBytes { _ = try IPv6Repr.parse($0) } }
        // Hop-by-hop not first.
        let hbh = try chain(.destinationOptions, [0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0])
        #expect(throws: WireError(.malformed, .ipv6)) { try hbh.withUnsafeBytes { _ = try IPv6Repr.parse($0) } }
        // A chain longer than the bound.
        var many: [UInt8] = []
        for _ in 0..<20 { many += [60, 0, 1, 4, 0, 0, 0, 0] }
        many += [17, 0, 1, 4, 0, 0, 0, 0]
        let deep = try chain(.destinationOptions, many)
        #expect(throws: WireError(.malformed, .ipv6)) { try deep.withUnsafeBytes { _ = try IPv6Repr.parse($0) } }
        // Two fragment headers.
        let twoFrag = try chain(.fragment, [44, 0, 0, 0, 0, 0, 0, 1, 17, 0, 0, 0, 0, 0, 0, 1])
        #expect(throws: WireError(.malformed, .ipv6)) { try twoFrag.withUnsafeBytes { _ = try IPv6Repr.parse($0) } }
        var v4 = try echo()
        v4[0] = 0x40
        #expect(throws: WireError(.malformed, .ipv6)) { try v4.withUnsafeBytes { _ = try IPv6Packet(checking: $0) } }
    }

    @Test func truncation() throws {
        checkTruncations(try echo(), mustThrowBelow: 104) { _ = try IPv6Repr.parse($0) }
        let frag = Array(try Fixture.frame("fragments.pcap", 6)[14...])
        checkTruncations(frag, mustThrowBelow: frag.count) { _ = try IPv6Repr.parse($0) }
    }
}

@Suite struct ICMPv6Tests {
    /// (ICMPv6 bytes, source, destination) of a captured frame with no extension headers.
    func message(_ file: String, _ i: Int) throws -> ([UInt8], IPv6Address, IPv6Address) {
        let f = try Fixture.frame(file, i)
        return try f.withUnsafeBytes { b in
            let p = try IPv6Packet(checking: UnsafeRawBufferPointer(rebasing: b[14...]))
            return (Array(p.payload), p.source, p.destination)
        }
    }

    @Test func deconstructNeighborSolicitation() throws {
        let (m, s, d) = try message("ndp_icmpv6.pcap", 0)
        try m.withUnsafeBytes { b in
            let p = try ICMPv6Packet(checking: b)
            #expect(p.type == .neighborSolicitation && p.code == 0 && p.verifyChecksum(source: s, destination: d))
            #expect(p.targetAddress == ip6B)
            #expect(d == ip6B.solicitedNodeMulticast)
            #expect(p.ndpOptions.linkLayerAddress(.sourceLinkLayerAddress) == macA)
        }
    }

    @Test func deconstructRouterAdvertisement() throws {
        let (m, s, d) = try message("ndp_rs_ra.pcap", 4)
        try m.withUnsafeBytes { b in
            let p = try ICMPv6Packet(checking: b)
            #expect(p.type == .routerAdvertisement && p.verifyChecksum(source: s, destination: d))
            #expect(p.curHopLimit == 64 && p.routerLifetime == 1800 && p.reachableTime == 0)
            let types = p.ndpOptions.map(\.type)
            #expect(types == [.sourceLinkLayerAddress, .mtu, .prefixInformation])
            #expect(p.ndpOptions.mtu == 9001)
        }
    }

    @Test func parse() throws {
        let expected: [(String, Int, ICMPv6Repr)] = [
            ("ndp_icmpv6.pcap", 0, .ndp(.neighborSolicitation(target: ip6B, sourceLinkLayerAddress: macA))),
            ("ndp_icmpv6.pcap", 1, .ndp(.neighborAdvertisement(flags: [.solicited, .override], target: ip6B, targetLinkLayerAddress: macB))),
            ("ndp_icmpv6.pcap", 2, .echoRequest(identifier: 15317, sequence: 1)),
            ("ndp_icmpv6.pcap", 3, .echoReply(identifier: 15317, sequence: 1)),
            ("ndp_rs_ra.pcap", 2, .ndp(.routerSolicitation(sourceLinkLayerAddress: macA))),
            ("ndp_rs_ra.pcap", 4, .ndp(.routerAdvertisement(.init(
                curHopLimit: 64, routerLifetime: 1800, sourceLinkLayerAddress: macA, mtu: 9001,
                prefixes: [NDPPrefixInformation(prefixLength: 64, onLink: true, autonomous: true, validLifetime: 2_592_000,
                                                preferredLifetime: 604_800, prefix: IPv6Address("fd00:99::")!)])))),
            // DAD probe: unspecified source, a nonce option (type 14) we skip.
            ("ndp_rs_ra.pcap", 0, .ndp(.neighborSolicitation(target: IPv6Address("fe80::ff:fe00:a")!, sourceLinkLayerAddress: nil))),
        ]
        for (file, i, want) in expected {
            let (m, s, d) = try message(file, i)
            #expect(try m.withUnsafeBytes { try ICMPv6Repr.parse($0, source: s, destination: d) } == want, "\(file) #\(i)")
        }
    }

    @Test func construct() throws {
        // Each captured ND message, re-emitted from its repr, is byte-identical.
        for (file, i) in [("ndp_icmpv6.pcap", 0), ("ndp_icmpv6.pcap", 1), ("ndp_rs_ra.pcap", 2), ("ndp_rs_ra.pcap", 4)] {
            let (m, s, d) = try message(file, i)
            let r = try m.withUnsafeBytes { try ICMPv6Repr.parse($0, source: s, destination: d) }
            #expect(try emitted(m.count) { try r.emit(into: $0, source: s, destination: d) } == m, "\(file) #\(i)")
        }
        // Echo reply from the request's data equals the kernel's reply.
        let (req, _, _) = try message("ndp_icmpv6.pcap", 2)
        let (rep, s, d) = try message("ndp_icmpv6.pcap", 3)
        let built = try Array(req[8...]).withUnsafeBytes { data in
            try emitted(rep.count) { try ICMPv6Repr.echoReply(identifier: 15317, sequence: 1).emit(into: $0, source: s, destination: d, payload: data) }
        }
        #expect(built == rep)
    }

    @Test func emit() throws {
        let s = IPv6Address("fe80::1")!, d = IPv6Address.allNodes
        let cases: [ICMPv6Repr] = [
            .packetTooBig(mtu: 1280), .destinationUnreachable(code: 3), .timeExceeded(code: 0),
            .ndp(.neighborAdvertisement(flags: [.router, .solicited], target: s, targetLinkLayerAddress: macB)),
            .ndp(.routerAdvertisement(.init(flags: 0x80, prefixes: [
                NDPPrefixInformation(prefixLength: 56, onLink: false, autonomous: false, validLifetime: 1, preferredLifetime: 0, prefix: IPv6Address("2600:1f18::")!),
                NDPPrefixInformation(prefixLength: 64, onLink: true, autonomous: true, validLifetime: .max, preferredLifetime: .max, prefix: IPv6Address("2600:1f18:0:1::")!)]))),
        ]
        for r in cases {
            let bytes = try emitted(128) { try r.emit(into: $0, source: s, destination: d) }
            #expect(try bytes.withUnsafeBytes { try ICMPv6Repr.parse($0, source: s, destination: d) } == r)
            #expect(throws: WireError(.badChecksum, .icmpv6)) { try bytes.withUnsafeBytes { _ = try ICMPv6Repr.parse($0, source: s, destination: .allRouters) } }
        }
    }

    @Test func badOptions() throws {
        let (m, s, d) = try message("ndp_icmpv6.pcap", 0)
        var zero = m
        zero[25] = 0 // option length 0: must be discarded (RFC 4861 §4.6)
        #expect(throws: WireError(.malformed, .ndp)) { try zero.withUnsafeBytes { _ = try ICMPv6Repr.parse($0, source: s, destination: d, verifyChecksum: false) } }
        var long = m
        long[25] = 2 // 16 bytes claimed, 8 present
        #expect(throws: WireError(.truncated, .ndp)) { try long.withUnsafeBytes { _ = try ICMPv6Repr.parse($0, source: s, destination: d, verifyChecksum: false) } }
    }

    @Test func truncation() throws {
        for (file, i) in [("ndp_icmpv6.pcap", 0), ("ndp_icmpv6.pcap", 1), ("ndp_rs_ra.pcap", 2), ("ndp_rs_ra.pcap", 4), ("ndp_icmpv6.pcap", 2)] {
            let (m, s, d) = try message(file, i)
            // Every strict prefix fails (fixed part, an option, or the checksum).
            checkTruncations(m, mustThrowBelow: m.count) { _ = try ICMPv6Repr.parse($0, source: s, destination: d) }
            checkTruncations(m, mustThrowBelow: 4) { _ = try ICMPv6Packet(checking: $0) }
        }
    }
}
