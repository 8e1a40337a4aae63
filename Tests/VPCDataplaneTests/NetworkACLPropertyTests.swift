import Testing
@testable import VPCDataplane

func naiveNACL(_ rules: [NetworkACLRule], direction: TrafficDirection, family: IPFamily, proto: UInt8,
               remote: AddressKey, key: UInt16) -> NetworkACL.Decision {
    let ordered = rules
    var best: NetworkACLRule?
    var firstByNumber: [UInt16: Int] = [:]
    for (i, r) in ordered.enumerated() where firstByNumber[r.ruleNumber] == nil && r.direction == direction && r.cidr.family == family {
        firstByNumber[r.ruleNumber] = i
    }
    for (i, r) in ordered.enumerated() where firstByNumber[r.ruleNumber] == i {
        guard r.ruleNumber >= 1 && r.ruleNumber <= 32766 else { continue }
        guard r.ipProtocol == -1 || r.ipProtocol == Int16(proto), r.cidr.contains(remote), r.keyRange.contains(key) else { continue }
        if best == nil || r.ruleNumber < best!.ruleNumber { best = r }
    }
    if let b = best { return .init(allowed: b.action == .allow, ruleNumber: b.ruleNumber) }
    return .init(allowed: false, ruleNumber: family == .v4 ? 32767 : 32768)
}

@Suite struct NetworkACLPropertyTests {
    @Test(arguments: [IPFamily.v4, .v6])
    func compiledMatchesNaiveScan(family: IPFamily) {
        let seed = testSeed()
        var r = SeededRNG(seed: seed)
        let u = AddressUniverse(family: family)
        for _ in 0..<300 {
            let rules: [NetworkACLRule] = (0..<Int.random(in: 0...40, using: &r)).map { _ in
                let sg = randomRule(&r, u)
                var other = u; other.family = family == .v4 ? .v6 : .v4
                let p = Int.random(in: 0..<10, using: &r) == 0 ? other.prefix(&r) : u.prefix(&r)
                return NetworkACLRule(ruleNumber: UInt16.random(in: 1...120, using: &r) * 10, direction: sg.direction,
                                      action: Bool.random(using: &r) ? .allow : .deny, ipProtocol: sg.ipProtocol,
                                      cidr: p, fromPort: sg.fromPort, toPort: sg.toPort)
            }
            let acl = NetworkACL(rules: rules)
            for _ in 0..<40 {
                let proto = UInt8([1, 6, 17, 58, 47].randomElement(using: &r)!)
                let dir: TrafficDirection = Bool.random(using: &r) ? .ingress : .egress
                let remote = u.address(&r)
                let key = randomKey(&r, proto: proto)
                let got = acl.evaluate(direction: dir, family: family, proto: proto, remote: remote, key: key)
                let want = naiveNACL(rules, direction: dir, family: family, proto: proto, remote: remote, key: key)
                #expect(got == want, "seed \(seed): \(dir) \(proto) \(remote) \(key)")
                if got != want { return }
            }
        }
    }

    @Test func defaultDenyAndOrder() {
        let acl = NetworkACL(rules: [
            NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: 6, cidr: .anyV4, fromPort: 443, toPort: 443),
            NetworkACLRule(ruleNumber: 90, direction: .ingress, action: .deny, ipProtocol: 6, cidr: cidr("198.51.100.0/24"), fromPort: 443, toPort: 443),
        ])
        #expect(acl.evaluate(direction: .ingress, tuple: tcp("198.51.100.1", 1, "10.0.0.5", 443)) == .init(allowed: false, ruleNumber: 90))
        #expect(acl.evaluate(direction: .ingress, tuple: tcp("192.0.2.1", 1, "10.0.0.5", 443)) == .init(allowed: true, ruleNumber: 100))
        #expect(acl.evaluate(direction: .ingress, tuple: tcp("192.0.2.1", 1, "10.0.0.5", 80)) == .init(allowed: false, ruleNumber: 32767))
        #expect(acl.evaluate(direction: .egress, tuple: tcp("2001:db8::1", 1, "2001:db8::2", 80)) == .init(allowed: false, ruleNumber: 32768))
        #expect(NetworkACL.defaultACL.evaluate(direction: .egress, tuple: tcp("2001:db8::1", 1, "2001:db8::2", 80)).allowed)
    }
}
