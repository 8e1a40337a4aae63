import Testing
@testable import VPCDataplane
import VPCWire

@Suite("Pipeline: ICMP and IPv6 across hosts")
struct PipelineICMPTests {
    static func icmp(from: Lab.Instance, to dst: IPv4Address, _ m: ICMPv4Repr, payload: [UInt8] = []) -> Frame {
        Frame.ethernet(src: from.mac, type: .ipv4) { b in
            let ip = IPv4Repr(source: from.ip, destination: dst, protocol: .icmp, payloadLength: 8 + payload.count)
            let n = try! ip.emit(into: b)
            return n + payload.withUnsafeBytes { try! m.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]), payload: $0) }
        }
    }

    @Test func echoRequestAndReplyAreTracked() {
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.a, rules: [.allTraffic(.egress, .cidr(.anyV4))]))  // A admits nothing in
        #expect(p.fromInstance(Self.icmp(from: Lab.a, to: Lab.b.ip, .echoRequest(identifier: 7, sequence: 1)), port: 0).action.isDelivery)
        #expect(p.fromInstance(Self.icmp(from: Lab.b, to: Lab.a.ip, .echoReply(identifier: 7, sequence: 1)), port: 1).action.isDelivery)
        // A reply with another identifier is not part of the flow.
        #expect(p.fromInstance(Self.icmp(from: Lab.b, to: Lab.a.ip, .echoReply(identifier: 8, sequence: 1)), port: 1).action
                == .drop(.securityGroup))
    }

    /// A pinging B does not let B ping A with the same identifier (including 0 and 0xFFFF,
    /// where the tuple's ports wrap): an echo request never matches a connection as its reply.
    @Test func aPingOneWayDoesNotOpenPingsTheOtherWay() {
        for id: UInt16 in [7, 0, 0xFFFF] {
            let p = Lab.pipeline(host: Lab.host1)
            p.install(Lab.port(Lab.a, rules: [.allTraffic(.egress, .cidr(.anyV4))]))  // A admits nothing in
            p.install(Lab.port(Lab.b, rules: [.allTraffic(.egress, .cidr(.anyV4)), .allTraffic(.ingress, .cidr(.anyV4))]))
            #expect(p.fromInstance(Self.icmp(from: Lab.a, to: Lab.b.ip, .echoRequest(identifier: id, sequence: 1)), port: 0)
                .action.isDelivery)
            #expect(p.fromInstance(Self.icmp(from: Lab.b, to: Lab.a.ip, .echoRequest(identifier: id, sequence: 1)), port: 1)
                .action == .drop(.securityGroup), "id \(id)")
            #expect(p.fromInstance(Self.icmp(from: Lab.b, to: Lab.a.ip, .echoReply(identifier: id, sequence: 1)), port: 1)
                .action.isDelivery, "id \(id)")
        }
    }

    /// An ICMP error is related to a tracked connection only when it goes to the quoted
    /// packet's sender: A cannot send C an error quoting A's own connection with B.
    @Test func anErrorQuotingAConnectionGoesOnlyToItsSender() {
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.a, rules: [.allTraffic(.ingress, .cidr(.anyV4))]))  // A may send nothing new
        p.install(Lab.port(Lab.b, rules: [.allTraffic(.egress, .cidr(.anyV4))]))
        let fromB = Frame.udp(src: Lab.b.mac, from: Lab.b.ip, to: Lab.a.ip, sport: 5000, dport: 53)
        #expect(p.fromInstance(fromB, port: 1).action.isDelivery)  // B → A tracked on both ports
        let quoted = Array(fromB.bytes[14..<(14 + 28)])  // B → A, as A received it
        let toB = Self.icmp(from: Lab.a, to: Lab.b.ip, .destinationUnreachable(code: 3, nextHopMTU: 0), payload: quoted)
        #expect(p.fromInstance(toB, port: 0).action.isDelivery)  // back to the quoted packet's sender
        let toC = Self.icmp(from: Lab.a, to: Lab.c.ip, .destinationUnreachable(code: 3, nextHopMTU: 0), payload: quoted)
        #expect(p.fromInstance(toC, port: 0).action == .drop(.securityGroup))  // A's egress rules: none
    }

    @Test func icmpErrorQuotingATrackedFlowPasses() {
        let p = Lab.pipeline(host: Lab.host1)
        p.install(Lab.port(Lab.a, rules: [.allTraffic(.egress, .cidr(.anyV4))]))
        let probe = Frame.udp(src: Lab.a.mac, from: Lab.a.ip, to: Lab.b.ip, sport: 33434, dport: 9999)
        #expect(p.fromInstance(probe, port: 0).action == .drop(.securityGroup))  // B admits no UDP; A tracked it
        let quoted = Array(probe.bytes[14..<(14 + 28)])
        let unreachable = Self.icmp(from: Lab.b, to: Lab.a.ip, .destinationUnreachable(code: 3, nextHopMTU: 0), payload: quoted)
        #expect(p.fromInstance(unreachable, port: 1).action.isDelivery)
        // The same error quoting a flow A never sent is refused.
        var other = quoted
        other[22] = 0x11  // destination port 9999 → another port
        let stray = Self.icmp(from: Lab.b, to: Lab.a.ip, .destinationUnreachable(code: 3, nextHopMTU: 0), payload: other)
        #expect(p.fromInstance(stray, port: 1).action == .drop(.securityGroup))
        // A truncated quote is malformed.
        let short = Self.icmp(from: Lab.b, to: Lab.a.ip, .destinationUnreachable(code: 3, nextHopMTU: 0), payload: Array(quoted[0..<20]))
        #expect(p.fromInstance(short, port: 1).action == .drop(.malformed))
    }

    @Test func ipv6AcrossHosts() {
        let h1 = Lab.pipeline(host: Lab.host1), h2 = Lab.pipeline(host: Lab.host2)
        let f = Frame.tcp6(Lab.a, to: Lab.c.ip6)
        let r = h1.fromInstance(f, port: 0)
        guard case .sendToHost(let n) = r.action else { Issue.record("\(r.action)"); return }
        let g = Array(r.out[Pipeline.geneveOffset..<n])
        #expect(h2.fromUnderlay(g, outerSource: Lab.host1.address) == .deliver(port: 0, offset: 28, length: f.bytes.count))
        #expect(h2.fromUnderlay(g, outerSource: Lab.host2.address) == .drop(.forgedEncapsulation))
    }

    @Test func ipv6SpoofedSourceDropped() {
        let p = Lab.pipeline(host: Lab.host1)
        var f = Frame.tcp6(Lab.a, to: Lab.b.ip6)
        f.bytes[14 + 8 + 15] ^= 1  // last byte of the IPv6 source
        #expect(p.fromInstance(f, port: 0).action == .drop(.sourceIPSpoofed))
    }
}
