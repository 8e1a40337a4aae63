import Testing
@testable import VPCDataplane
import VPCWire

/// Straight scan of the rules: the specification the compiled index must equal.
func naiveSecurityGroup(_ rules: [SecurityGroupRule], direction: TrafficDirection, family: IPFamily,
                        proto: UInt8, remote: AddressKey, key: UInt16, replyPort: UInt16) -> SecurityGroupVerdict {
    func allows(_ dir: TrafficDirection) -> Bool {
        rules.contains { r in
            r.direction == dir && (r.ipProtocol == -1 || r.ipProtocol == Int16(proto)) && r.keyRange.contains(key)
                && r.peer.prefixes.contains { $0.family == family && $0.contains(remote) }
        }
    }
    // The rules for 0.0.0.0/0 (::/0) of `dir` that cover this protocol.
    func open(_ dir: TrafficDirection) -> [ClosedRange<UInt16>] {
        rules.filter { r in
            r.direction == dir && (r.ipProtocol == -1 || r.ipProtocol == Int16(proto))
                && r.peer.prefixes.contains { $0.family == family && $0.length == 0 }
        }.map(\.keyRange)
    }
    func allPorts(_ ranges: [ClosedRange<UInt16>]) -> Bool {
        var next = 0  // the lowest port not yet covered
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where Int(r.lowerBound) <= next {
            next = max(next, Int(r.upperBound) + 1)
        }
        return next > 0xFFFF
    }
    guard allows(direction) else { return .deny }
    guard proto == IPProtocolNumber.tcp || proto == IPProtocolNumber.udp else { return .allowTracked }
    let reverse: TrafficDirection = direction == .ingress ? .egress : .ingress
    let here = open(direction), there = open(reverse)
    if here.contains(where: { $0.contains(key) }), there.contains(where: { $0.contains(replyPort) }),
       allPorts(here) || allPorts(there) {
        return .allowUntracked
    }
    return .allowTracked
}

let protocols: [Int16] = [-1, 6, 6, 6, 17, 17, 1, 58, 47]

func randomRule(_ r: inout SeededRNG, _ u: AddressUniverse) -> SecurityGroupRule {
    let dir: TrafficDirection = Bool.random(using: &r) ? .ingress : .egress
    let proto = protocols.randomElement(using: &r)!
    var from: Int32 = -1, to: Int32 = -1
    switch proto {
    case 6, 17:
        if Int.random(in: 0..<6, using: &r) > 0 {
            from = Int32.random(in: 0...1100, using: &r)
            to = from + [0, 1, 10, 500, 65535].randomElement(using: &r)!
            to = min(to, 65535)
            if Int.random(in: 0..<8, using: &r) == 0 { from = 0; to = 65535 }
        }
    case 1, 58:
        if Bool.random(using: &r) { from = Int32([0, 3, 8, 11, 128, 129].randomElement(using: &r)!); to = Bool.random(using: &r) ? -1 : Int32.random(in: 0...4, using: &r) }
    default: break
    }
    let peer: SecurityGroupRule.Peer
    switch Int.random(in: 0..<10, using: &r) {
    case 0: peer = .prefixList(id: 1, entries: (0..<Int.random(in: 0...3, using: &r)).map { _ in u.prefix(&r) })
    case 1:
        var other = u; other.family = u.family == .v4 ? .v6 : .v4
        peer = .securityGroup(id: 2, members: (0..<3).map { _ in
            let k = (Bool.random(using: &r) ? u : other).address(&r)
            return k.high == 0 && k.low <= 0xFFFF_FFFF && Bool.random(using: &r) ? .v4(IPv4Address(value: UInt32(k.low))) : .v6(IPv6Address(high: k.high, low: k.low))
        })
    case 2: peer = .cidr(u.family == .v4 ? .anyV4 : .anyV6)
    default: peer = .cidr(u.prefix(&r))
    }
    return SecurityGroupRule(direction: dir, ipProtocol: proto, fromPort: from, toPort: to, peer: peer)
}

func randomKey(_ r: inout SeededRNG, proto: UInt8) -> UInt16 {
    switch proto {
    case 6, 17: return [0, 22, 80, 443, 1024, 1100, 65535, UInt16.random(in: 0...1200, using: &r), UInt16.random(in: 0...65535, using: &r)].randomElement(using: &r)!
    case 1, 58: return icmpPortKey(type: [0, 3, 8, 11, 128, 129].randomElement(using: &r)!, code: UInt8.random(in: 0...4, using: &r))
    default: return 0
    }
}

@Suite struct SecurityGroupPropertyTests {
    @Test(arguments: [IPFamily.v4, .v6])
    func compiledMatchesNaiveScan(family: IPFamily) {
        let seed = testSeed()
        var r = SeededRNG(seed: seed)
        let u = AddressUniverse(family: family)
        var cases = 0
        var tally: [SecurityGroupVerdict: Int] = [:]
        for _ in 0..<300 {
            let rules = (0..<Int.random(in: 0...40, using: &r)).map { _ in randomRule(&r, u) }
            let policy = SecurityGroupPolicy(rules: rules)
            for _ in 0..<40 {
                let proto = UInt8([1, 6, 17, 58, 47, 50].randomElement(using: &r)!)
                let dir: TrafficDirection = Bool.random(using: &r) ? .ingress : .egress
                let remote = u.address(&r)
                let key = randomKey(&r, proto: proto)
                let replyPort = proto == 6 || proto == 17 ? randomKey(&r, proto: proto) : 0
                let got = policy.evaluate(direction: dir, family: family, proto: proto, remote: remote, key: key,
                                          replyPort: replyPort)
                let want = naiveSecurityGroup(rules, direction: dir, family: family, proto: proto, remote: remote, key: key,
                                              replyPort: replyPort)
                #expect(got == want, "seed \(seed): \(dir) proto \(proto) remote \(remote) key \(key) reply \(replyPort) rules \(rules)")
                // One flow, one verdict: its answer, the other way, is untracked exactly when it is.
                let answer = policy.evaluate(direction: dir == .ingress ? .egress : .ingress, family: family, proto: proto,
                                             remote: remote, key: replyPort, replyPort: key)
                #expect((got == .allowUntracked) == (answer == .allowUntracked), "seed \(seed): answer \(answer) to \(got)")
                if got != want { return }
                cases += 1
                tally[got, default: 0] += 1
            }
        }
        #expect(cases == 12_000)
        // The generator must exercise every outcome, not just "deny".
        #expect(tally[.deny, default: 0] > 1000 && tally[.allowTracked, default: 0] > 1000 && tally[.allowUntracked, default: 0] > 50, "\(tally)")
    }

    @Test func awsExamples() {
        let policy = SecurityGroupPolicy(rules: [
            .ports(.ingress, proto: 6, 22, 22, .cidr(cidr("203.0.113.0/24"))),
            .ports(.ingress, proto: 6, 443, 443, .cidr(.anyV4)),
            SecurityGroupRule(direction: .ingress, ipProtocol: 1, fromPort: 8, toPort: -1, peer: .cidr(cidr("10.0.0.0/16"))),
            .allTraffic(.egress, .cidr(.anyV4)),
        ])
        #expect(policy.evaluate(direction: .ingress, tuple: tcp("203.0.113.9", 5000, "10.0.1.5", 22)) == .allowTracked)
        #expect(policy.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 5000, "10.0.1.5", 22)) == .deny)
        // 443 from 0.0.0.0/0 and all traffic out: untracked, both ways (AWS's own example,
        // with port 80); SSH from a narrower block stays tracked.
        #expect(policy.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 5000, "10.0.1.5", 443)) == .allowUntracked)
        #expect(policy.evaluate(direction: .egress, tuple: tcp("10.0.1.5", 443, "198.51.100.1", 5000)) == .allowUntracked)
        // An SSH answer: no 0.0.0.0/0 rule lets port 22 in, so that flow stays tracked.
        #expect(policy.evaluate(direction: .egress, tuple: tcp("10.0.1.5", 22, "203.0.113.9", 5000)) == .allowTracked)
        let ping = FlowTuple.icmpEcho(source: ip("10.0.3.3"), destination: ip("10.0.1.5"), identifier: 7, request: true)
        #expect(policy.evaluate(direction: .ingress, tuple: ping, icmpType: 8) == .allowTracked)
        #expect(policy.evaluate(direction: .ingress, tuple: ping, icmpType: 13) == .deny)
        #expect(policy.evaluate(direction: .egress, tuple: udp("10.0.1.5", 5000, "8.8.8.8", 53)) == .allowTracked)

        let open = SecurityGroupPolicy(rules: [
            .ports(.ingress, proto: 6, 0, 65535, .cidr(.anyV4)), .allTraffic(.egress, .cidr(.anyV4)),
            SecurityGroupRule(direction: .ingress, ipProtocol: 1, peer: .cidr(.anyV4)),
        ])
        #expect(open.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 5000, "10.0.1.5", 80)) == .allowUntracked)
        #expect(open.evaluate(direction: .egress, tuple: udp("10.0.1.5", 5000, "8.8.8.8", 53)) == .allowTracked)
        #expect(open.evaluate(direction: .ingress, tuple: ping, icmpType: 8) == .allowTracked)  // ICMP always tracked

        // The load-balancer example: inbound TCP 443 from 0.0.0.0/0, outbound TCP 0-65535 to 0.0.0.0/0.
        let balancer = SecurityGroupPolicy(rules: [
            .ports(.ingress, proto: 6, 443, 443, .cidr(.anyV4)), .ports(.egress, proto: 6, 0, 65535, .cidr(.anyV4)),
        ])
        #expect(balancer.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 40000, "10.0.1.5", 443)) == .allowUntracked)
        #expect(balancer.evaluate(direction: .egress, tuple: tcp("10.0.1.5", 443, "198.51.100.1", 40000)) == .allowUntracked)
        #expect(balancer.evaluate(direction: .egress, tuple: udp("10.0.1.5", 5000, "8.8.8.8", 53)) == .deny)
        // Outbound open to a narrower block, or on some ports only (two rules that together
        // cover every port count as every port): tracked.
        for egress in [[SecurityGroupRule.ports(.egress, proto: 6, 0, 65535, .cidr(cidr("10.0.0.0/8")))],
                       [.ports(.egress, proto: 6, 1024, 65535, .cidr(.anyV4))]] {
            let narrow = SecurityGroupPolicy(rules: [.ports(.ingress, proto: 6, 443, 443, .cidr(.anyV4))] + egress)
            #expect(narrow.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 40000, "10.0.1.5", 443)) == .allowTracked)
        }
        let split = SecurityGroupPolicy(rules: [
            .ports(.ingress, proto: 6, 443, 443, .cidr(.anyV4)), .ports(.egress, proto: 6, 1024, 65535, .cidr(.anyV4)),
            .ports(.egress, proto: 6, 0, 1023, .cidr(.anyV4)),
        ])
        #expect(split.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 40000, "10.0.1.5", 443)) == .allowUntracked)
        // IPv6 rules count for IPv6 flows only.
        let v4only = SecurityGroupPolicy(rules: [
            .ports(.ingress, proto: 6, 443, 443, .cidr(.anyV6)), .allTraffic(.egress, .cidr(.anyV4)),
        ])
        #expect(v4only.evaluate(direction: .ingress, tuple: tcp("2001:db8::1", 40000, "2001:db8:1::5", 443)) == .allowTracked)
    }
}
