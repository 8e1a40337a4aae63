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
