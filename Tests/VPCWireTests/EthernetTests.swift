import Testing
import VPCWire

@Suite struct EthernetTests {
    @Test func deconstruct() throws {
        let f = try Fixture.frame("arp_icmp.pcap", 0)
        try f.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            #expect(e.destination == .broadcast)
            #expect(e.source == macA)
            #expect(e.etherType == .arp)
            #expect(e.vlanID == nil && e.tagCount == 0 && e.headerLength == 14)
            #expect(e.payload.count == 28)
        }
    }

    @Test func deconstructVLAN() throws {
        let f = try Fixture.frame("vlan.pcap", 0)
        try f.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            #expect(e.tagCount == 1 && e.vlanID == 42 && e.innerVLANID == 42 && e.priority == 0)
            #expect(e.etherType == .ipv4 && e.headerLength == 18)
            #expect(try IPv4Packet(checking: e.payload).source == ipA)
        }
    }

    @Test func construct() throws {
        let f = try Fixture.frame("arp_icmp.pcap", 2)
        let r = EthernetRepr(source: macA, destination: macB, etherType: .ipv4)
        #expect(try emitted(14) { try r.emit(into: $0) } == Array(f[0..<14]))
        let v = try Fixture.frame("vlan.pcap", 0)
        let tagged = EthernetRepr(source: macA, destination: macB, etherType: .ipv4, vlanID: 42)
        #expect(try emitted(18) { try tagged.emit(into: $0) } == Array(v[0..<18]))
    }

    @Test func parse() throws {
        let f = try Fixture.frame("arp_icmp.pcap", 1)
        let r = try f.withUnsafeBytes { try EthernetRepr.parse($0) }
        #expect(r == EthernetRepr(source: macB, destination: macA, etherType: .arp))
    }

    @Test func emit() throws {
        for vlan in [nil, UInt16(7)] {
            let r = EthernetRepr(source: macB, destination: .broadcast, etherType: .ipv6, vlanID: vlan)
            let bytes = try emitted(r.headerLength) { try r.emit(into: $0) }
            #expect(try bytes.withUnsafeBytes { try EthernetRepr.parse($0) } == r)
        }
        #expect(throws: WireError(.truncated, .ethernet)) { try emitted(13) { try EthernetRepr(source: macA, destination: macB, etherType: .ipv4).emit(into: $0) } }
    }

    @Test func qinqAndTooManyTags() throws {
        var f = try Fixture.frame("vlan.pcap", 0)
        f.insert(contentsOf: [0x88, 0xA8, 0x00, 0x05], at: 12) // S-tag 5 outside C-tag 42
        try f.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            #expect(e.tagCount == 2 && e.vlanID == 5 && e.innerVLANID == 42 && e.etherType == .ipv4)
        }
        f.insert(contentsOf: [0x81, 0x00, 0x00, 0x06], at: 12)
        #expect(throws: WireError(.unsupported, .ethernet)) { try f.withUnsafeBytes { _ = try EthernetFrame(checking: $0) } }
    }

    @Test func truncation() throws {
        checkTruncations(try Fixture.frame("arp_icmp.pcap", 0), mustThrowBelow: 14) { _ = try EthernetFrame(checking: $0) }
        checkTruncations(try Fixture.frame("vlan.pcap", 0), mustThrowBelow: 18) { _ = try EthernetFrame(checking: $0) }
    }
}

@Suite struct ARPTests {
    @Test func deconstruct() throws {
        let f = try Fixture.frame("arp_icmp.pcap", 0)
        try f.withUnsafeBytes { b in
            let a = try ARPPacket(checking: try EthernetFrame(checking: b).payload)
            #expect(a.operation == .request)
            #expect(a.senderHardwareAddress == macA && a.senderProtocolAddress == ipA)
            #expect(a.targetHardwareAddress == .zero && a.targetProtocolAddress == ipB)
        }
    }

    @Test func construct() throws {
        // The VPC answers ARP: our reply to the captured request equals the kernel's reply.
        let request = try Fixture.frame("arp_icmp.pcap", 0)
        let reply = try Fixture.frame("arp_icmp.pcap", 1)
        let r = try request.withUnsafeBytes { try ARPRepr.parse(UnsafeRawBufferPointer(rebasing: $0[14...])) }
        #expect(try emitted(28) { try r.reply(with: macB).emit(into: $0) } == Array(reply[14..<42]))
    }

    @Test func parse() throws {
        let f = try Fixture.frame("arp_icmp.pcap", 1)
        let r = try f.withUnsafeBytes { try ARPRepr.parse(UnsafeRawBufferPointer(rebasing: $0[14...])) }
        #expect(r == ARPRepr(operation: .reply, senderHardwareAddress: macB, senderProtocolAddress: ipB,
                             targetHardwareAddress: macA, targetProtocolAddress: ipA))
    }

    @Test func emit() throws {
        let r = ARPRepr(operation: .request, senderHardwareAddress: macA, senderProtocolAddress: ipA,
                        targetHardwareAddress: .zero, targetProtocolAddress: ipB)
        let bytes = try emitted(28) { try r.emit(into: $0) }
        #expect(try bytes.withUnsafeBytes { try ARPRepr.parse($0) } == r)
        var bad = bytes
        bad[4] = 8 // hlen 8
        #expect(throws: WireError(.unsupported, .arp)) { try bad.withUnsafeBytes { _ = try ARPPacket(checking: $0) } }
        bad = bytes
        bad[7] = 9 // opcode 9
        #expect(throws: WireError(.unsupported, .arp)) { try bad.withUnsafeBytes { _ = try ARPRepr.parse($0) } }
    }

    @Test func truncation() throws {
        let f = Array(try Fixture.frame("arp_icmp.pcap", 0)[14...])
        checkTruncations(f, mustThrowBelow: 28) { _ = try ARPRepr.parse($0) }
    }
}
