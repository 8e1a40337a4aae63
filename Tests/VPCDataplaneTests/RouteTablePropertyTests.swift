import Testing
@testable import VPCDataplane

func naiveLPM(_ routes: [Route], _ family: IPFamily, _ k: AddressKey) -> Int {
    var best = -1
    for (i, r) in routes.enumerated() where r.destination.family == family && r.destination.contains(k) {
        if best < 0 || r.destination.length >= routes[best].destination.length { best = i }
    }
    return best
}

@Suite struct RouteTablePropertyTests {
    @Test(arguments: [IPFamily.v4, .v6])
    func matchesNaiveLongestPrefix(family: IPFamily) {
        let seed = testSeed()
        var r = SeededRNG(seed: seed)
        let u = AddressUniverse(family: family)
        var other = u; other.family = family == .v4 ? .v6 : .v4
        let targets: [RouteTarget] = [.local, .internetGateway(1), .natGateway(2), .blackhole, .transitGateway(3), .vpcPeering(4)]
        var hits = 0
        defer { #expect(hits > 3000, "too few matches: \(hits)") }
        for _ in 0..<300 {
            let routes = (0..<Int.random(in: 0...60, using: &r)).map { _ in
                Route(destination: Int.random(in: 0..<8, using: &r) == 0 ? other.prefix(&r) : u.prefix(&r),
                      target: targets.randomElement(using: &r)!)
            }
            let table = RouteTable(routes: routes)
            for _ in 0..<40 {
                let k = u.address(&r)
                let got = table.longestPrefixMatchIndex(family: family, k)
                let want = naiveLPM(routes, family, k)
                #expect(got == want, "seed \(seed): \(k) routes \(routes)")
                hits += got >= 0 ? 1 : 0
                if got != want { return }
            }
        }
    }

    @Test func typicalTable() {
        let t = RouteTable(routes: [
            Route(destination: cidr("10.0.0.0/16"), target: .local),
            Route(destination: cidr("0.0.0.0/0"), target: .internetGateway(7)),
            Route(destination: cidr("10.1.0.0/16"), target: .vpcPeering(3)),
            Route(destination: cidr("10.1.5.0/24"), target: .blackhole),
            Route(destination: cidr("2600:1f14::/56"), target: .local),
            Route(destination: cidr("::/0"), target: .egressOnlyInternetGateway(9)),
        ])
        #expect(t.longestPrefixMatch(ip("10.0.3.4"))?.target == .local)
        #expect(t.longestPrefixMatch(ip("8.8.8.8"))?.target == .internetGateway(7))
        #expect(t.longestPrefixMatch(ip("10.1.5.9"))?.target == .blackhole)
        #expect(t.longestPrefixMatch(ip("10.1.6.9"))?.target == .vpcPeering(3))
        #expect(t.longestPrefixMatch(ip("2600:1f14::5"))?.target == .local)
        #expect(t.longestPrefixMatch(ip("2001:db8::1"))?.target == .egressOnlyInternetGateway(9))
        #expect(RouteTable(routes: []).longestPrefixMatch(ip("10.0.0.1")) == nil)
    }
}
