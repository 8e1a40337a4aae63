import Testing
import VPCWire

@Suite struct GeneveTests {
    /// geneve.pcap: outer Ethernet/IPv4/UDP 6081, Geneve with our option, inner = arp_icmp.pcap frame 2.
    /// tcpdump -vv prints: "Geneve, Flags [none], vni 0xabcd, proto TEB (0x6558), options [class
    /// Experimental (0xfff0) type 0x1 len 20 data 01234567 89abcdef 0fedcba9 87654321]".
    func geneve() throws -> [UInt8] {
        let f = try Fixture.frame("geneve.pcap", 0)
        return try f.withUnsafeBytes { b in
            let ip = try IPv4Packet(checking: try EthernetFrame(checking: b).payload)
            let udp = try UDPDatagram(checking: ip.payload)
            #expect(udp.destinationPort == GenevePacket.udpPort && udp.verifyChecksum(pseudoHeaderSum: ip.pseudoHeaderSum))
            return Array(udp.payload)
        }
    }

    let eni = VPCENIOption(source: 0x0123_4567_89AB_CDEF, destination: 0x0FED_CBA9_8765_4321)

    @Test func deconstruct() throws {
        let inner = try Fixture.frame("arp_icmp.pcap", 2)
        try geneve().withUnsafeBytes { b in
            let g = try GenevePacket(checking: b)
            #expect(g.version == 0 && g.optionsLength == 20 && g.headerLength == 28)
            #expect(!g.isOAM && !g.hasCriticalOptions && g.protocolType == .transparentEthernetBridging)
            #expect(g.vni == 0xABCD)
            #expect(g.eniOption == eni && !g.hasUnknownCriticalOption)
            let opts = Array(g.options.map { ($0.optionClass, $0.type, $0.data.count) })
            #expect(opts.count == 1 && opts[0] == (0xFFF0, 1, 16))
            #expect(Array(g.payload) == inner)
            #expect(try EthernetFrame(checking: g.payload).etherType == .ipv4)
        }
    }

    @Test func construct() throws {
        let g = try geneve()
        #expect(try emitted(28) { try GeneveRepr(vni: 0xABCD, eni: eni).emit(into: $0) } == Array(g[0..<28]))
    }

    @Test func parse() throws {
        #expect(try geneve().withUnsafeBytes { try GeneveRepr.parse($0) } == GeneveRepr(vni: 0xABCD, eni: eni))
    }

    @Test func emit() throws {
        for r in [GeneveRepr(vni: 0xFF_FFFF, eni: nil, isOAM: true), GeneveRepr(vni: 1, eni: VPCENIOption(source: .max, destination: 0))] {
            let b = try emitted(r.headerLength) { try r.emit(into: $0) }
            #expect(try b.withUnsafeBytes { try GeneveRepr.parse($0) } == r)
        }
        #expect(throws: WireError(.malformed, .geneve)) { try emitted(28) { try GeneveRepr(vni: 1 << 24, eni: nil).emit(into: $0) } }
        // ENI ids map to the option's numbers.
        let src = NetworkInterfaceNumber("eni-0123456789abcdef0")!
        #expect(VPCENIOption(source: src.value, destination: 0).source == 0x1234_5678_9ABC_DEF0)
    }

    @Test func distrust() throws {
        let good = try geneve()
        var b = good
        b[0] = 0x40 | 5 // version 1
        #expect(throws: WireError(.unsupported, .geneve)) { try b.withUnsafeBytes { _ = try GenevePacket(checking: $0) } }
        b = Array(good[0..<20]) // opt_len says 20 bytes, only 12 present
        #expect(throws: WireError(.truncated, .geneve)) { try b.withUnsafeBytes { _ = try GenevePacket(checking: $0) } }
        b = good
        b[11] = 5 // option claims 20 data bytes, area holds 16
        #expect(throws: WireError(.malformed, .geneve)) { try b.withUnsafeBytes { _ = try GenevePacket(checking: $0) } }
        b = good
        b[0] = 4 // opt_len 16: our option no longer fits
        #expect(throws: WireError(.malformed, .geneve)) { try b.withUnsafeBytes { _ = try GenevePacket(checking: $0) } }
        // Our option with the wrong length: two options of 8 bytes each instead of one of 16.
        b = good
        b[11] = 2
        b.replaceSubrange(20..<24, with: [0xFF, 0xF0, 0x01, 2])
        #expect(throws: WireError(.malformed, .geneve)) { try b.withUnsafeBytes { _ = try GenevePacket(checking: $0) } }
        // An unknown critical option must be dropped (RFC 8926 §3.5.1).
        b = good
        b.insert(contentsOf: [0x01, 0x02, 0x83, 0], at: 28)
        b[0] = 6
        b[1] = 0x40
        try b.withUnsafeBytes { p in
            let g = try GenevePacket(checking: p)
            #expect(g.hasCriticalOptions && g.hasUnknownCriticalOption && g.eniOption == eni)
            #expect(throws: WireError(.unsupported, .geneve)) { _ = try GeneveRepr(g) }
        }
        // Option header cut by opt_len.
        b = good
        b[0] = 6
        b.insert(contentsOf: [0x01, 0x02, 0x03, 1], at: 28)
        #expect(throws: WireError(.malformed, .geneve)) { try b.withUnsafeBytes { _ = try GenevePacket(checking: $0) } }
    }

    @Test func truncation() throws {
        checkTruncations(try geneve(), mustThrowBelow: 28) { _ = try GeneveRepr.parse($0) }
    }
}

/// Every frame of every fixture goes through the full stack without a crash,
/// and the TCP/UDP/ICMP checksums of real traffic verify.
@Suite struct PipelineTests {
    @Test(arguments: ["arp_icmp.pcap", "dhcp.pcap", "dns.pcap", "fragments.pcap", "geneve.pcap", "ndp_icmpv6.pcap",
                      "ndp_rs_ra.pcap", "tcp.pcap", "udp6.pcap", "vlan.pcap"])
    func allFixturesParse(file: String) throws {
        for f in try Fixture.frames(file) {
            try f.withUnsafeBytes { b in
                let e = try EthernetFrame(checking: b)
                switch e.etherType {
                case .arp: _ = try ARPRepr.parse(e.payload)
                case .ipv4:
                    let p = try IPv4Packet(checking: e.payload)
                    _ = try IPv4Repr(p)
                    if p.isFragment { return }
                    switch p.protocol {
                    case .tcp: _ = try TCPRepr.parse(p.payload, pseudoHeaderSum: p.pseudoHeaderSum)
                    case .udp: _ = try UDPRepr.parse(p.payload, pseudoHeaderSum: p.pseudoHeaderSum)
                    case .icmp: _ = try ICMPv4Repr.parse(p.payload)
                    default: Issue.record("unexpected protocol")
                    }
                case .ipv6:
                    let p = try IPv6Packet(checking: e.payload)
                    let u = try p.upperLayer()
                    if u.isFragment { return }
                    let upper = UnsafeRawBufferPointer(rebasing: p.payload[u.offset...])
                    let ph = p.pseudoHeaderSum(protocol: u.protocol, length: upper.count)
                    switch u.protocol {
                    case .tcp: _ = try TCPRepr.parse(upper, pseudoHeaderSum: ph)
                    case .udp: _ = try UDPRepr.parse(upper, pseudoHeaderSum: ph, ipv6: true)
                    case .icmpv6: _ = try ICMPv6Repr.parse(upper, source: p.source, destination: p.destination)
                    default: Issue.record("unexpected protocol")
                    }
                default: Issue.record("unexpected ethertype \(e.etherType)")
                }
            }
        }
    }
}
