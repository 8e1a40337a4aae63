import Testing
@testable import VPCDataplane
import VPCWire

@Suite("Pipeline: frames from instances")
struct PipelineInstanceTests {
    @Test func sameHostDeliveryRewritesMACs() {
        let p = Lab.pipeline(host: Lab.host1)
        let f = Frame.tcp(Lab.a, to: Lab.b.ip)
        let r = p.fromInstance(f, port: 0)
        #expect(r.action == .deliver(port: 1, offset: 0, length: f.bytes.count))
        r.frame.withUnsafeBytes { b in
            let e = try! EthernetFrame(checking: b)
            #expect(e.destination == Lab.b.mac)
            #expect(e.source == Lab.routerMAC)  // between subnets: from the router
        }
        #expect(p.counters(port: 0).packetsOut == 1)
        #expect(p.counters(port: 1).packetsIn == 1)
        #expect(p.counters(port: 1).bytesIn == UInt64(f.bytes.count))
    }

    /// A removed ENI's connections go a slice at a time (`continueRemoving`); an ENI installed
    /// at its index before that is done never sees them: they go first, all at once.
    @Test func aRemovedENIsConnectionsNeverReachTheENIReusingItsIndex() {
        let p = Lab.pipeline(host: Lab.host1)
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 0).action.isDeliver)
        #expect(p.connections.count(zone: 0) == 1 && p.connections.count(zone: 1) == 1)
        p.remove(port: 1)
        #expect(p.connections.isRemoving(zone: 1) && p.connections.count(zone: 1) == 1)
        var reused = Lab.b
        reused.eni = 0x999
        p.install(Lab.port(reused))
        #expect(p.connections.count(zone: 1) == 0 && !p.connections.isRemoving)
        #expect(p.connections.count(zone: 0) == 1)
        // Without a reuse, the slices remove them, and only them.
        p.install(Lab.port(Lab.b))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, sport: 40001), port: 0).action.isDeliver)
        #expect(p.connections.count(zone: 1) == 1 && p.connections.count(zone: 0) == 2)
        p.remove(port: 1)
        var slices = 0
        while !p.connections.continueRemoving(maxSlots: 100) { slices += 1 }
        #expect(slices > 1)
        #expect(p.connections.count(zone: 1) == 0 && p.connections.count(zone: 0) == 2)
    }

    @Test func sameHostIPv6Delivery() {
        let p = Lab.pipeline(host: Lab.host1)
        let f = Frame.tcp6(Lab.a, to: Lab.b.ip6)
        #expect(p.fromInstance(f, port: 0).action == .deliver(port: 1, offset: 0, length: f.bytes.count))
    }

    @Test func securityGroupDenyIsCountedAndLogged() {
        let p = Lab.pipeline(host: Lab.host1)
        let r = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, dport: 80), port: 0)
        #expect(r.action == .drop(.securityGroup))
        #expect(p.counters(port: 1).drops(.securityGroup) == 1)
        #expect(p.counters(port: 1).packetsIn == 0)
    }

    @Test func networkACLDeniesOutbound() {
        let deny = NetworkACL(rules: [
            NetworkACLRule(ruleNumber: 50, direction: .egress, action: .deny, ipProtocol: 6, cidr: Lab.subnetB, fromPort: 22, toPort: 22),
            NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
            NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
        ])
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.a, acl: deny))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 0).action == .drop(.networkACLOutbound))
        #expect(p.counters(port: 0).drops(.networkACLOutbound) == 1)
        // Other destinations still pass.
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: v4("8.8.8.8"), dport: 443), port: 0).action == .toGateway(.internetGateway(7)))
    }

    @Test func networkACLDeniesInbound() {
        let deny = NetworkACL(rules: [
            NetworkACLRule(ruleNumber: 10, direction: .ingress, action: .deny, ipProtocol: -1, cidr: Lab.subnetA),
            NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
            NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
        ])
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.b, acl: deny))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 0).action == .drop(.networkACLInbound))
        #expect(p.counters(port: 1).drops(.networkACLInbound) == 1)
    }

    @Test func networkACLDoesNotApplyWithinTheSubnet() {
        // B and C share subnet B; an ACL denying everything does not stop traffic between them.
        let denyAll = NetworkACL(rules: [])
        let h2 = Lab.pipeline(host: Lab.host2, acl: denyAll)
        let r = h2.fromInstance(Frame.tcp(Lab.c, to: Lab.b.ip), port: 0)
        guard case .sendToHost = r.action else { Issue.record("\(r.action)"); return }
        #expect(h2.fromInstance(Frame.tcp(Lab.c, to: Lab.a.ip), port: 0).action == .drop(.networkACLOutbound))
    }

    @Test func statelessReplyDroppedWithoutOutboundRule() {
        // Subnet B admits SSH and may only send to port 22: the reply to the ephemeral port is denied.
        let acl = NetworkACL(rules: [
            NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
            NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: 6, cidr: .anyV4, fromPort: 22, toPort: 22),
        ])
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.b, acl: acl))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 0).action.isDelivery)
        let reply = Frame.tcp(Lab.b, to: Lab.a.ip, sport: 22, dport: 40000, flags: [.syn, .ack])
        #expect(p.fromInstance(reply, port: 1).action == .drop(.networkACLOutbound))
    }

    @Test func trackedFlowSurvivesRuleRemoval() {
        // A may open SSH to the VPC and has no ingress rule.
        let openSSH: [SecurityGroupRule] = [.ports(.egress, proto: 6, 22, 22, .cidr(Lab.vpc))]
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.a, rules: openSSH))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 0).action.isDelivery)
        p.install(Lab.port(Lab.a, rules: []))  // rule revoked
        let synAck = Frame.tcp(Lab.b, to: Lab.a.ip, sport: 22, dport: 40000, flags: [.syn, .ack])
        #expect(p.fromInstance(synAck, port: 1).action.isDelivery)
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, flags: .ack), port: 0).action.isDelivery)
        // A new flow is refused.
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, sport: 40001), port: 0).action == .drop(.securityGroup))
    }

    @Test func untrackedFlowCutWhenRuleGoes() {
        let open: [SecurityGroupRule] = [.allTraffic(.egress, .cidr(.anyV4)), .allTraffic(.ingress, .cidr(.anyV4))]
        let p = Lab.pipeline(host: Lab.host1, rules: open)
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, dport: 5000), port: 0).action.isDelivery)
        #expect(p.connections.count == 0)  // 0.0.0.0/0 all ports both ways: untracked
        p.install(Lab.port(Lab.b, rules: [.allTraffic(.egress, .cidr(.anyV4))]))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, dport: 5000, flags: .ack), port: 0).action == .drop(.securityGroup))
    }

    /// AWS's example: inbound TCP 80 from 0.0.0.0/0 and all traffic out leave that flow
    /// untracked on the server's ENI, both ways: its answer starts no connection, and the
    /// flow stops once the rule goes.
    @Test func openPortWithAllTrafficOutIsUntrackedBothWays() {
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.b, rules: [.allTraffic(.egress, .cidr(.anyV4)), .ports(.ingress, proto: 6, 80, 80, .cidr(.anyV4))]))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, dport: 80), port: 0).action.isDelivery)
        #expect(p.connections.count == 1)  // the client's: no 0.0.0.0/0 rule lets its answers in
        let synAck = Frame.tcp(Lab.b, to: Lab.a.ip, sport: 80, dport: 40000, flags: [.syn, .ack])
        #expect(p.fromInstance(synAck, port: 1).action.isDelivery)
        #expect(p.connections.count == 1)
        p.install(Lab.port(Lab.b, rules: [.allTraffic(.egress, .cidr(.anyV4))]))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, dport: 80, flags: .ack), port: 0).action == .drop(.securityGroup))
    }

    /// An installed port's idle timeouts and allowance become its zone's; a port installed
    /// without them gets the defaults back (a reused index keeps nothing of the ENI before).
    @Test func installedPortSetsItsConnectionTimeoutsAndAllowance() {
        let p = Lab.pipeline(host: Lab.host1)
        var port = Lab.port(Lab.a)
        port.connectionTimeouts = ConnectionTimeouts(tcpEstablished: 300)
        port.connectionLimit = 1
        p.install(port)
        #expect(p.connections.timeouts(zone: 0).tcpEstablished == 300)
        let flows = (0..<2).map { tcp("10.0.1.10", UInt16(40000 + $0), "10.0.2.20", 22) }
        #expect(p.connections.insert(zone: 0, flows[0], direction: .egress, tcpFlags: TCPFlagBits.syn, now: 0) == .inserted)
        #expect(p.connections.insert(zone: 0, flows[1], direction: .egress, tcpFlags: TCPFlagBits.syn, now: 0) == .allowanceExceeded)
        p.install(Lab.port(Lab.a))
        #expect(p.connections.timeouts(zone: 0) == .aws)
        #expect(p.connections.insert(zone: 0, flows[1], direction: .egress, tcpFlags: TCPFlagBits.syn, now: 0) == .inserted)
    }

    @Test func spoofedSourceIPAndMACAreDroppedAndCounted() {
        let p = Lab.pipeline(host: Lab.host1)
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, srcIP: v4("10.0.1.99")), port: 0).action == .drop(.sourceIPSpoofed))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, srcMAC: Lab.c.mac), port: 0).action == .drop(.sourceMACSpoofed))
        let c = p.counters(port: 0)
        #expect(c.drops(.sourceIPSpoofed) == 1 && c.drops(.sourceMACSpoofed) == 1 && c.totalDrops == 2)
        #expect(p.counters(port: 1).packetsIn == 0)
    }

    @Test func sourceDestCheckOffLetsForeignSourcesOut() {
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.a, sourceDestCheck: false))
        let f = Frame.tcp(Lab.a, to: v4("8.8.8.8"), dport: 443, srcIP: v4("172.16.0.5"))
        #expect(p.fromInstance(f, port: 0).action == .toGateway(.internetGateway(7)))
        // The MAC is still checked.
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, srcMAC: Lab.b.mac), port: 0).action == .drop(.sourceMACSpoofed))
    }

    @Test func arpForGatewayAnsweredWithRouterMAC() throws {
        let p = Lab.pipeline(host: Lab.host1)
        let r = p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: Lab.a.ip, targetIP: v4("10.0.1.1")), port: 0)
        #expect(r.action == .replyToInstance(length: 42))
        try r.out.withUnsafeBytes { b in
            let e = try EthernetFrame(checking: b)
            #expect(e.destination == Lab.a.mac && e.etherType == .arp)
            let a = try ARPRepr.parse(UnsafeRawBufferPointer(rebasing: b[14..<42]))
            #expect(a.operation == .reply)
            #expect(a.senderHardwareAddress == Lab.routerMAC)
            #expect(a.senderProtocolAddress == v4("10.0.1.1"))
            #expect(a.targetHardwareAddress == Lab.a.mac && a.targetProtocolAddress == Lab.a.ip)
        }
    }

    @Test(arguments: [("10.0.2.20", Lab.b.mac), ("10.0.7.7", Lab.routerMAC), ("10.0.0.2", Lab.routerMAC)])
    func arpForVPCAddressesUsesTheMapping(target: String, mac: MACAddress) throws {
        let p = Lab.pipeline(host: Lab.host1)
        let r = p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: Lab.a.ip, targetIP: v4(target)), port: 0)
        #expect(r.action == .replyToInstance(length: 42))
        let a = try r.out.withUnsafeBytes { try ARPRepr.parse(UnsafeRawBufferPointer(rebasing: $0[14..<42])) }
        #expect(a.senderHardwareAddress == mac)
    }

    /// A probe (sender 0.0.0.0, RFC 5227) is answered only for an address in use, so an
    /// instance checking an address it is about to take sees no false conflict; no address
    /// that is not one host's (0.0.0.0, broadcast, multicast) is answered at all.
    @Test func arpProbesAndNonUnicastTargets() {
        let p = Lab.pipeline(host: Lab.host1)
        #expect(p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: v4("0.0.0.0"), targetIP: v4("10.0.7.7")), port: 0).action == .absorbed)
        #expect(p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: v4("0.0.0.0"), targetIP: Lab.b.ip), port: 0).action
            == .replyToInstance(length: 42))
        #expect(p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: v4("0.0.0.0"), targetIP: v4("10.0.1.1")), port: 0).action
            == .replyToInstance(length: 42))
        for target in ["0.0.0.0", "255.255.255.255", "224.0.0.251"] {
            #expect(p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: Lab.a.ip, targetIP: v4(target)), port: 0).action == .absorbed)
        }
    }

    @Test func arpPoisoningIsDropped() {
        let p = Lab.pipeline(host: Lab.host1)
        // Gratuitous ARP claiming another instance's address.
        let g = Frame.arp(src: Lab.a.mac, senderIP: Lab.b.ip, targetIP: Lab.b.ip)
        #expect(p.fromInstance(g, port: 0).action == .drop(.arpSpoofed))
        let forged = Frame.arp(src: Lab.a.mac, op: .reply, senderMAC: Lab.c.mac, senderIP: Lab.a.ip, targetIP: Lab.b.ip)
        #expect(p.fromInstance(forged, port: 0).action == .drop(.arpSpoofed))
        #expect(p.counters(port: 0).drops(.arpSpoofed) == 2)
        // Gratuitous ARP for its own address is absorbed.
        #expect(p.fromInstance(Frame.arp(src: Lab.a.mac, senderIP: Lab.a.ip, targetIP: Lab.a.ip), port: 0).action == .absorbed)
    }

    @Test func neighborSolicitationAnswered() throws {
        let p = Lab.pipeline(host: Lab.host1)
        let ns = Frame.ndp(Lab.a, dst: Lab.c.ip6.solicitedNodeMulticast,
                           .neighborSolicitation(target: Lab.c.ip6, sourceLinkLayerAddress: Lab.a.mac))
        let r = p.fromInstance(ns, port: 0)
        guard case .replyToInstance(let n) = r.action else { Issue.record("\(r.action)"); return }
        try r.out.withUnsafeBytes { b in
            let ip = try IPv6Packet(checking: UnsafeRawBufferPointer(rebasing: b[14..<n]))
            #expect(ip.source == Lab.c.ip6 && ip.destination == Lab.a.ip6 && ip.hopLimit == 255)
            let icmp = try ICMPv6Repr.parse(ip.payload, source: ip.source, destination: ip.destination)
            #expect(icmp == .ndp(.neighborAdvertisement(flags: [.solicited, .override], target: Lab.c.ip6,
                                                        targetLinkLayerAddress: Lab.c.mac)))
        }
    }

    @Test func neighborAdvertisementForForeignTargetDropped() {
        let p = Lab.pipeline(host: Lab.host1)
        let na = Frame.ndp(Lab.a, dst: .allNodes, .neighborAdvertisement(flags: [.override], target: Lab.b.ip6,
                                                                         targetLinkLayerAddress: Lab.a.mac))
        #expect(p.fromInstance(na, port: 0).action == .drop(.ndpSpoofed))
        #expect(p.counters(port: 0).drops(.ndpSpoofed) == 1)
        let own = Frame.ndp(Lab.a, dst: .allNodes, .neighborAdvertisement(flags: [.override], target: Lab.a.ip6,
                                                                          targetLinkLayerAddress: Lab.a.mac))
        #expect(p.fromInstance(own, port: 0).action == .absorbed)
    }

    @Test func dhcpAndDNSBypassPolicy() {
        // No security-group rules and a deny-all ACL: DHCP and DNS still reach the host services.
        let p = Lab.pipeline(host: Lab.host1, rules: [], acl: NetworkACL(rules: []))
        let dhcp = Frame.udp(src: Lab.a.mac, from: .any, to: .broadcast, sport: 68, dport: 67)
        #expect(p.fromInstance(dhcp, port: 0).action == .handToDHCP)
        let renewal = Frame.udp(src: Lab.a.mac, from: Lab.a.ip, to: v4("10.0.1.1"), sport: 68, dport: 67)
        #expect(p.fromInstance(renewal, port: 0).action == .handToDHCP)
        // To another instance's port 67: policy decides, as for any port.
        let toPeer = Frame.udp(src: Lab.a.mac, from: Lab.a.ip, to: Lab.b.ip, sport: 68, dport: 67)
        #expect(p.fromInstance(toPeer, port: 0).action == .drop(.securityGroup))
        for resolver in ["10.0.0.2", "169.254.169.253"] {
            let dns = Frame.udp(src: Lab.a.mac, from: Lab.a.ip, to: v4(resolver), sport: 5353, dport: 53)
            #expect(p.fromInstance(dns, port: 0).action == .handToDNS)
        }
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 0).action == .drop(.securityGroup))
    }

    @Test func flowLogsRecordAcceptAndReject() {
        let p = Lab.pipeline(host: Lab.host1)
        let syn = Frame.tcp(Lab.a, to: Lab.b.ip), ack = Frame.tcp(Lab.a, to: Lab.b.ip, flags: .ack)
        _ = p.fromInstance(syn, port: 0)
        _ = p.fromInstance(ack, port: 0)
        _ = p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, dport: 80), port: 0)
        let records = flowRecords(p)
        let acceptIn = records.first { $0.eni == 1 && $0.direction == .ingress && $0.action == .accept }
        #expect(acceptIn?.packets == 2 && acceptIn?.destinationPort == 22)
        // IP bytes, as AWS counts them: the frames less their 14-byte Ethernet header.
        #expect(acceptIn?.bytes == UInt64(syn.bytes.count + ack.bytes.count - 28))
        #expect(acceptIn?.tcpFlags == TCPFlagBits.syn)  // AWS reports no lone ACK
        let reject = records.first { $0.eni == 1 && $0.action == .reject }
        #expect(reject?.destinationPort == 80 && reject?.packets == 1)
        #expect(records.filter { $0.eni == 0 && $0.direction == .egress && $0.action == .accept }.count == 2)
    }

    @Test func mappingMissRecordedOnce() {
        let p = Lab.pipeline(host: Lab.host1)
        let f = Frame.tcp(Lab.a, to: v4("10.0.3.5"))
        #expect(p.fromInstance(f, port: 0, now: 100).action == .mappingMiss(query: true))
        #expect(p.fromInstance(f, port: 0, now: 100).action == .mappingMiss(query: false))
        #expect(p.mappings.pendingMisses.count == 1)
        #expect(p.mappings.pendingMisses.isPending(vni: Lab.vni, .v4(v4("10.0.3.5"))))
        #expect(p.counters(port: 0).drops(.mappingMiss) == 2)
        // Answered: the miss is forgotten and the next packet goes out.
        p.mappings.insert(vni: Lab.vni, .v4(v4("10.0.3.5")),
                          MappingEntry(underlay: .v4(Lab.host2.address), eni: 0x300, mac: .zero, version: 2))
        #expect(p.mappings.pendingMisses.count == 0)
        guard case .sendToHost = p.fromInstance(f, port: 0).action else { Issue.record("not sent"); return }
    }

    @Test func routesBlackholeGatewayAndVLAN() {
        let p = Lab.pipeline(host: Lab.host1)
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: v4("10.9.1.1")), port: 0).action == .drop(.blackhole))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: v4("1.1.1.1"), dport: 443), port: 0).action
                == .toGateway(.internetGateway(7)))
        var tagged = Frame.tcp(Lab.a, to: Lab.b.ip)
        tagged.bytes.insert(contentsOf: [0x81, 0x00, 0x00, 0x05], at: 12)
        #expect(p.fromInstance(tagged, port: 0).action == .drop(.vlanTagged))
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip), port: 3).action == .drop(.unknownPort))
        #expect(p.globalDrops(.unknownPort) == 1)
    }

    @Test func noMatchingRouteIsNoRoute() {
        let p = Lab.pipeline(host: Lab.host1)
        var a = Lab.port(Lab.a)
        a.routeTable = RouteTable(routes: [Route(destination: Lab.vpc, target: .local)])
        p.install(a)
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: v4("8.8.8.8"), dport: 443), port: 0).action == .drop(.noRoute))
        #expect(p.fromInstance(Frame.tcp6(Lab.a, to: v6("2001:db8::1"), dport: 443), port: 0).action == .drop(.noRoute))
        #expect(p.counters(port: 0).drops(.noRoute) == 2)
    }

    @Test func conntrackAllowanceExceededCountedPerENI() {
        let p = Lab.pipeline(host: Lab.host1)
        var a = Lab.port(Lab.a)
        a.connectionLimit = 2
        p.install(a)
        for sport in UInt16(40000)..<40002 {
            #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, sport: sport), port: 0).action.isDelivery)
        }
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, sport: 40002), port: 0).action == .drop(.conntrackAllowanceExceeded))
        #expect(p.counters(port: 0).conntrackAllowanceExceeded == 1)
        // Existing flows continue.
        #expect(p.fromInstance(Frame.tcp(Lab.a, to: Lab.b.ip, sport: 40000, flags: .ack), port: 0).action.isDelivery)
    }

    @Test func everyTruncationOfAFrameIsHandled() {
        let p = Lab.pipeline(host: Lab.host1)
        let f = Frame.tcp(Lab.a, to: Lab.b.ip)
        for n in 0..<f.bytes.count {
            let r = p.fromInstance(Frame(bytes: Array(f.bytes[0..<n])), port: 0)
            #expect(r.action == .drop(.malformed))
        }
    }
}

extension PipelineAction {
    var isDelivery: Bool {
        if case .deliver = self { return true }
        return false
    }
}
