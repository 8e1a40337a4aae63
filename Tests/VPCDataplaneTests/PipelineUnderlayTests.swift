import Testing
@testable import VPCDataplane
import VPCWire

@Suite("Pipeline: Geneve between hosts")
struct PipelineUnderlayTests {
    /// A's SYN to C as host 1 sends it: the Geneve UDP payload.
    static func encapsulated(_ h1: Pipeline, _ f: Frame = Frame.tcp(Lab.a, to: Lab.c.ip)) -> [UInt8] {
        let r = h1.fromInstance(f, port: 0)
        guard case .sendToHost(let n) = r.action else { Issue.record("\(r.action)"); return [] }
        return Array(r.out[Pipeline.geneveOffset..<n])
    }

    @Test func encapsulateThenDecapsulateOnTheOtherHost() throws {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        let f = Frame.tcp(Lab.a, to: Lab.c.ip)
        let r = h1.fromInstance(f, port: 0)
        #expect(r.action == .sendToHost(length: Pipeline.encapsulationOverhead + f.bytes.count))
        try r.out.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            #expect(e.source == Lab.host1.mac && e.destination == Lab.host1.nextHopMAC && e.etherType == .ipv4)
            let ip = try IPv4Packet(checking: e.payload)
            #expect(ip.verifyChecksum())
            #expect(ip.source == Lab.host1.address && ip.destination == Lab.host2.address && ip.protocol == .udp)
            let udp = try UDPDatagram(checking: ip.payload)
            #expect(udp.destinationPort == 6081 && udp.sourcePort >= 0xC000)
            let g = try GeneveRepr.parse(udp.payload)
            #expect(g.vni == Lab.vni && g.protocolType == .transparentEthernetBridging)
            #expect(g.eni == VPCENIOption(source: Lab.a.eni, destination: Lab.c.eni))
        }
        let geneve = Array(r.out[Pipeline.geneveOffset..<(Pipeline.encapsulationOverhead + f.bytes.count)])
        let d = h2.fromUnderlay(geneve, outerSource: Lab.host1.address)
        #expect(d == .deliver(port: 0, offset: 28, length: f.bytes.count))
        geneve.withUnsafeBytes { b in
            let inner = try! EthernetFrame(checking: UnsafeRawBufferPointer(rebasing: b[28...]))
            #expect(inner.destination == Lab.c.mac && inner.source == Lab.routerMAC)
        }
        #expect(h2.counters(port: 0).packetsIn == 1)

        // The reply goes back the same way and passes A's ingress as part of the tracked flow.
        let synAck = Frame.tcp(Lab.c, to: Lab.a.ip, sport: 22, dport: 40000, flags: [.syn, .ack])
        let back = Self.encapsulated(h2, synAck)
        #expect(h1.fromUnderlay(back, outerSource: Lab.host2.address) == .deliver(port: 0, offset: 28, length: synAck.bytes.count))
    }

    @Test func wrongOuterSourceIsForged() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        let g = Self.encapsulated(h1)
        #expect(h2.fromUnderlay(g, outerSource: v4("192.168.0.9")) == .drop(.forgedEncapsulation))
        #expect(h2.globalDrops(.forgedEncapsulation) == 1)
        #expect(h2.counters(port: 0).drops(.forgedEncapsulation) == 1)
        #expect(h2.counters(port: 0).packetsIn == 0)
    }

    @Test func wrongSourceENIIsForged() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        var g = Self.encapsulated(h1)
        g[19] ^= 0x01  // low byte of the source ENI in the option
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .drop(.forgedEncapsulation))
    }

    @Test func wrongVNIIsDropped() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        var g = Self.encapsulated(h1)
        g[6] = 43  // VNI 42 → 43: no local ENI in it
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .drop(.unknownVNI))
        #expect(h2.globalDrops(.unknownVNI) == 1)
    }

    @Test func missingOptionIsForged() {
        let h2 = Lab.pipeline(host: Lab.host2)
        let f = Frame.tcp(Lab.a, to: Lab.c.ip)
        var g = [UInt8](repeating: 0, count: 8 + f.bytes.count)
        g.withUnsafeMutableBytes { b in _ = try! GeneveRepr(vni: Lab.vni, eni: nil).emit(into: b) }
        g.replaceSubrange(8..., with: f.bytes)
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .drop(.forgedEncapsulation))
        #expect(h2.globalDrops(.forgedEncapsulation) == 1)
    }

    @Test func truncatedAndMalformedEncapsulationDropped() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        let g = Self.encapsulated(h1)
        for n in 0..<28 {
            #expect(h2.fromUnderlay(Array(g[0..<n]), outerSource: Lab.host1.address) == .drop(.malformedEncapsulation))
        }
        for n in 28..<g.count {
            #expect(h2.fromUnderlay(Array(g[0..<n]), outerSource: Lab.host1.address) == .drop(.malformed))
        }
        var v = g
        v[0] |= 0x40  // version 1
        #expect(h2.fromUnderlay(v, outerSource: Lab.host1.address) == .drop(.malformedEncapsulation))
        var oam = g
        oam[1] = 0x80
        #expect(h2.fromUnderlay(oam, outerSource: Lab.host1.address) == .drop(.malformedEncapsulation))
        #expect(h2.counters(port: 0).packetsIn == 0)
    }

    @Test func innerSourceWithoutMappingIsNotTrusted() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        let g = Self.encapsulated(h1)
        h2.mappings.invalidate(vni: Lab.vni, .v4(Lab.a.ip), version: 5)
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .mappingMiss(query: true))
        #expect(h2.counters(port: 0).drops(.unverifiedSource) == 1)
    }

    @Test func ingressPolicyAppliesOnTheReceivingHost() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        let g = Self.encapsulated(h1, Frame.tcp(Lab.a, to: Lab.c.ip, dport: 80))
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .drop(.securityGroup))
        let denyIn = NetworkACL(rules: [
            NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
        ])
        h2.install(Lab.port(Lab.c, acl: denyIn))
        let ssh = Self.encapsulated(h1)
        #expect(h2.fromUnderlay(ssh, outerSource: Lab.host1.address) == .drop(.networkACLInbound))
        let records = flowRecords(h2)
        #expect(records.count == 2 && records.allSatisfy { $0.action == .reject && $0.direction == .ingress })
    }

    @Test func destinationMustOwnTheInnerAddress() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        // Mapping on host 1 says 10.0.2.99 is C; C does not own it.
        h1.mappings.insert(vni: Lab.vni, .v4(v4("10.0.2.99")),
                           MappingEntry(underlay: .v4(Lab.host2.address), eni: Lab.c.eni, mac: Lab.c.mac, version: 1))
        let g = Self.encapsulated(h1, Frame.tcp(Lab.a, to: v4("10.0.2.99")))
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .drop(.forgedEncapsulation))
    }
}
