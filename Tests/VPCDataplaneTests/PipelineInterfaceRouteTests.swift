import Testing
@testable import VPCDataplane
import VPCWire

/// Routes to a network interface, and what an ENI with source/destination check off forwards.
///
/// The Lab's VPC with one more route, 192.168.50.0/24 → an ENI (an appliance holding that
/// network behind it): C on host 2 or B on host 1.
@Suite("Pipeline: routes to an ENI, source/destination check off")
struct PipelineInterfaceRouteTests {
    static let behind = v4("192.168.50.1")

    /// `host`'s pipeline: its Lab ports route 192.168.50.0/24 (and `also`) to `target`; the
    /// ENIs in `unchecked` have their check off (their ports and the directory say so).
    static func pipeline(host: UnderlayEndpoint, target: Lab.Instance, unchecked: Set<UInt64>, also: [IPPrefix] = [],
                         acl: NetworkACL = .defaultACL) -> Pipeline {
        let p = Lab.pipeline(host: host)
        let routes = RouteTable(routes: Lab.routes.routes + ([cidr("192.168.50.0/24")] + also).map {
            Route(destination: $0, target: .networkInterface(target.eni))
        })
        for i in Lab.all where i.host == host {
            var port = Lab.port(i, acl: acl, sourceDestCheck: !unchecked.contains(i.eni))
            port.routeTable = routes
            p.install(port)
        }
        p.interfaces.replace(with: Lab.all.map {
            InterfaceDirectory.Location(vni: Lab.vni, entry: MappingEntry(underlay: .v4($0.host.address), eni: $0.eni, mac: $0.mac, version: 1),
                                        sourceDestCheck: !unchecked.contains($0.eni), ipv4: $0.ip)
        })
        return p
    }

    /// What `p` sends to another host for `f` from `port`: the Geneve UDP payload.
    static func geneve(_ p: Pipeline, _ f: Frame, port: Int) -> [UInt8] {
        let r = p.fromInstance(f, port: port)
        guard case .sendToHost(let n) = r.action else { Issue.record("\(r.action)"); return [] }
        return Array(r.out[Pipeline.geneveOffset..<n])
    }

    /// Denies everything inbound but TCP from 10.0.1.0/24 (subnet A), allows everything out.
    static let onlyFromA = NetworkACL(rules: [
        NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: 6, cidr: Lab.subnetA, fromPort: 0, toPort: 65535),
        NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
    ])

    @Test func aForeignSourceDoesNotSkipTheNetworkACLOfTheSubnetItClaims() {
        // A (subnet A, check off) sends as 10.0.2.77, an address of subnet B: B's inbound
        // ACL still applies, since the sender is not in subnet B; it admits only subnet A.
        let spoof = Frame.tcp(Lab.a, to: Lab.c.ip, srcIP: v4("10.0.2.77"))
        let h1 = Self.pipeline(host: Lab.host1, target: Lab.c, unchecked: [Lab.a.eni], acl: Self.onlyFromA)
        let h2 = Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [Lab.a.eni], acl: Self.onlyFromA)
        let sent = PipelineUnderlayTests.encapsulated(h1, spoof)
        #expect(h2.fromUnderlay(sent, outerSource: Lab.host1.address) == .drop(.networkACLInbound))
        // On one host too (to B, in subnet B).
        #expect(h1.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, srcIP: v4("10.0.2.77")), port: 0).action == .drop(.networkACLInbound))
        // From a forwarder inside subnet B (B, check off) the same source crosses no subnet
        // boundary into C's subnet: no ACL, though the ACL would refuse that source.
        let fromB = Self.pipeline(host: Lab.host1, target: Lab.c, unchecked: [Lab.b.eni], acl: Self.onlyFromA)
        let h2b = Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [Lab.b.eni], acl: Self.onlyFromA)
        let inside = Frame.tcp(Lab.b, to: Lab.c.ip, srcIP: v4("10.0.3.77"))
        let fromBGeneve = Self.geneve(fromB, inside, port: 1)
        #expect(h2b.fromUnderlay(fromBGeneve, outerSource: Lab.host1.address) == .deliver(port: 0, offset: 28, length: inside.bytes.count))
        // A forwarder whose subnet is unknown (no IPv4 address listed) gets the ACL.
        h2b.interfaces.replace(with: [InterfaceDirectory.Location(
            vni: Lab.vni, entry: MappingEntry(underlay: .v4(Lab.host1.address), eni: Lab.b.eni, mac: Lab.b.mac, version: 1),
            sourceDestCheck: false)])
        #expect(h2b.fromUnderlay(fromBGeneve, outerSource: Lab.host1.address) == .drop(.networkACLInbound))
    }

    @Test func trafficWithinASubnetIsNeverRouted() {
        // Subnet A's block routed to C: B (subnet B) reaches A through C, A's own subnet does not.
        let h1 = Self.pipeline(host: Lab.host1, target: Lab.c, unchecked: [Lab.c.eni], also: [Lab.subnetA])
        guard case .sendToHost = h1.fromInstance(Frame.tcp(Lab.b, to: Lab.a.ip), port: 1).action else {
            Issue.record("not routed to C"); return
        }
        guard case .mappingMiss = h1.fromInstance(Frame.tcp(Lab.a, to: v4("10.0.1.99")), port: 0).action else {
            Issue.record("routed within the subnet"); return
        }
    }

    @Test func routedToAnUncheckedENIOnAnotherHostAndBack() throws {
        let h1 = Self.pipeline(host: Lab.host1, target: Lab.c, unchecked: [Lab.c.eni])
        let h2 = Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [Lab.c.eni])
        let syn = Frame.tcp(Lab.a, to: Self.behind)
        let sent = h1.fromInstance(syn, port: 0)
        guard case .sendToHost(let n) = sent.action else { Issue.record("\(sent.action)"); return }
        let geneve = Array(sent.out[Pipeline.geneveOffset..<n])
        try geneve.withUnsafeBytes { b in
            let g = try GeneveRepr.parse(b)
            #expect(g.eni == VPCENIOption(source: Lab.a.eni, destination: Lab.c.eni))
            let inner = try EthernetFrame(checking: UnsafeRawBufferPointer(rebasing: b[28...]))
            #expect(inner.destination == Lab.c.mac && inner.source == Lab.routerMAC)
        }
        #expect(h2.fromUnderlay(geneve, outerSource: Lab.host1.address) == .deliver(port: 0, offset: 28, length: syn.bytes.count))

        // The appliance answers from the network behind it: its host sends that source on,
        // and A's host takes it from C's host, C's check being off.
        let synAck = Frame.tcp(Lab.c, to: Lab.a.ip, sport: 22, dport: 40000, flags: [.syn, .ack], srcIP: Self.behind)
        let back = PipelineUnderlayTests.encapsulated(h2, synAck)
        #expect(h1.fromUnderlay(back, outerSource: Lab.host2.address) == .deliver(port: 0, offset: 28, length: synAck.bytes.count))
        #expect(h1.counters(port: 0).packetsIn == 1)

        // From any other host it is not C's: unverified (the source is nobody's), never delivered.
        guard case .mappingMiss = h1.fromUnderlay(back, outerSource: v4("192.168.0.9")) else { Issue.record("accepted"); return }
        #expect(h1.counters(port: 0).drops(.unverifiedSource) == 1)
    }

    @Test func aCheckedENIOnlyTakesItsOwnAddresses() {
        let h1 = Self.pipeline(host: Lab.host1, target: Lab.c, unchecked: [])
        #expect(h1.fromInstance(Frame.tcp(Lab.a, to: Self.behind), port: 0).action == .drop(.destinationCheck))
        #expect(h1.counters(port: 0).drops(.destinationCheck) == 1)

        // Nor does a receiving host take another source from a checked ENI.
        let h2 = Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [])
        let spoof = Frame.tcp(Lab.c, to: Lab.a.ip, sport: 22, dport: 40000, flags: [.syn, .ack], srcIP: Self.behind)
        #expect(h2.fromInstance(spoof, port: 0).action == .drop(.sourceIPSpoofed))
        let forged = PipelineUnderlayTests.encapsulated(Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [Lab.c.eni]), spoof)
        guard case .mappingMiss = h1.fromUnderlay(forged, outerSource: Lab.host2.address) else { Issue.record("accepted"); return }
        #expect(h1.counters(port: 0).packetsIn == 0)
    }

    @Test func routedToAnENIOnTheSameHost() {
        let h1 = Self.pipeline(host: Lab.host1, target: Lab.b, unchecked: [Lab.b.eni])
        let syn = Frame.tcp(Lab.a, to: Self.behind)
        let r = h1.fromInstance(syn, port: 0)
        #expect(r.action == .deliver(port: 1, offset: 0, length: syn.bytes.count))
        r.frame.withUnsafeBytes { b in
            let e = try! EthernetFrame(checking: b)
            #expect(e.destination == Lab.b.mac && e.source == Lab.routerMAC)
        }
        let checked = Self.pipeline(host: Lab.host1, target: Lab.b, unchecked: [])
        #expect(checked.fromInstance(syn, port: 0).action == .drop(.destinationCheck))
    }

    @Test func anUncheckedENIMayAskARPFromTheAddressItForwards() {
        // A router asks for the next hop from the source of the packet it forwards.
        let ask = Frame.arp(src: Lab.c.mac, senderIP: Self.behind, targetIP: v4("10.0.2.99"))
        let unchecked = Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [Lab.c.eni])
        guard case .replyToInstance = unchecked.fromInstance(ask, port: 0).action else { Issue.record("not answered"); return }
        let checked = Self.pipeline(host: Lab.host2, target: Lab.c, unchecked: [])
        #expect(checked.fromInstance(ask, port: 0).action == .drop(.arpSpoofed))
        // Its MAC is still checked.
        let otherMAC = Frame.arp(src: Lab.a.mac, senderIP: Self.behind, targetIP: v4("10.0.2.99"))
        #expect(unchecked.fromInstance(otherMAC, port: 0).action == .drop(.sourceMACSpoofed))
    }

    @Test func anENIThatIsNotPlacedIsABlackhole() {
        let h1 = Self.pipeline(host: Lab.host1, target: Lab.c, unchecked: [Lab.c.eni])
        h1.interfaces.replace(with: [])
        #expect(h1.fromInstance(Frame.tcp(Lab.a, to: Self.behind), port: 0).action == .drop(.blackhole))
        // An ENI of another VPC is not a target either.
        h1.interfaces.replace(with: [InterfaceDirectory.Location(
            vni: Lab.vni &+ 1, entry: MappingEntry(underlay: .v4(Lab.host2.address), eni: Lab.c.eni, mac: Lab.c.mac, version: 1),
            sourceDestCheck: false)])
        #expect(h1.fromInstance(Frame.tcp(Lab.a, to: Self.behind), port: 0).action == .drop(.blackhole))
    }
}
