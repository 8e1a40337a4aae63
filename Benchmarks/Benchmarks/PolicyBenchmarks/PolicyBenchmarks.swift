import Benchmark
import VPCDataplane
import VPCWire

// MARK: deterministic inputs

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func v4(_ a: UInt32) -> IPAddress { .v4(IPv4Address(value: a)) }
func prefix(_ a: UInt32, _ len: Int) -> IPPrefix { IPPrefix(IPv4Address(value: a), length: len) }

/// The i-th of a million distinct TCP flows: 65,536 clients × 16 ports to one of 4 servers.
@inline(__always)
func flow(_ i: Int) -> FlowTuple {
    let u = UInt32(truncatingIfNeeded: i)
    return FlowTuple(family: .v4, proto: 6,
                     source: AddressKey(high: 0, low: UInt64(0x0A00_0000 | (u >> 4))),
                     destination: AddressKey(high: 0, low: UInt64(0xAC10_0000 | (u & 3))),
                     sourcePort: UInt16(truncatingIfNeeded: 1024 + (u & 15) * 7), destinationPort: 443)
}

/// A realistic ENI policy of `n` rules: TCP services to CIDRs and to referenced-group
/// members, a few UDP and ICMP rules, egress open.
func policyRules(_ n: Int, seed: UInt64) -> [SecurityGroupRule] {
    var r = SplitMix(state: seed)
    var rules: [SecurityGroupRule] = [.allTraffic(.egress, .cidr(.anyV4)), .allTraffic(.egress, .cidr(.anyV6))]
    while rules.count < n {
        let port = UInt16([22, 80, 443, 3306, 5432, 6379, 8080, 9000].randomElement(using: &r)!) &+ UInt16.random(in: 0...20, using: &r)
        let net = UInt32(0x0A00_0000) | UInt32.random(in: 0...0xFFFF, using: &r) << 8
        switch Int.random(in: 0..<10, using: &r) {
        case 0: rules.append(.ports(.ingress, proto: 17, port, port, .cidr(prefix(net, 24))))
        case 1: rules.append(SecurityGroupRule(direction: .ingress, ipProtocol: 1, fromPort: 8, toPort: -1, peer: .cidr(prefix(net, 16))))
        case 2, 3: rules.append(.ports(.ingress, proto: 6, port, port, .securityGroup(id: 1, members: [v4(net | 5), v4(net | 9)])))
        case 4: rules.append(.ports(.ingress, proto: 6, 1024, 65535, .cidr(prefix(net, 20))))
        default: rules.append(.ports(.ingress, proto: 6, port, port &+ 2, .cidr(prefix(net, [16, 24, 28, 32].randomElement(using: &r)!))))
        }
    }
    return rules
}

/// 1,024 packets: remote addresses near the rules' networks, assorted ports.
func probes(seed: UInt64) -> [(remote: AddressKey, port: UInt16)] {
    var r = SplitMix(state: seed)
    return (0..<1024).map { _ in
        (AddressKey(high: 0, low: UInt64(0x0A00_0000 | UInt32.random(in: 0...0xFF_FFFF, using: &r))),
         UInt16([22, 80, 443, 3306, 8080, 50000].randomElement(using: &r)!))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput, .instructions],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 100_000
    )

    // MARK: security groups

    for n in [60, 1000] {
        let policy = SecurityGroupPolicy(rules: policyRules(n, seed: 7))
        let packets = probes(seed: 11)
        Benchmark("SG decision, \(n) rules") { benchmark in
            var i = 0
            for _ in benchmark.scaledIterations {
                let p = packets[i & 1023]
                blackHole(policy.evaluate(direction: .ingress, family: .v4, proto: 6, remote: p.remote, key: p.port,
                                          replyPort: 40000))
                i &+= 1
            }
        }
    }

    let rules1000 = policyRules(1000, seed: 7)
    Benchmark("SG recompile, 1000 rules",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], scalingFactor: .one, maxDuration: .seconds(3))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(SecurityGroupPolicy(rules: rules1000))
        }
    }

    // MARK: connection tracking

    let million = 1 << 20
    nonisolated(unsafe) let table = ConnectionTable(capacity: million, zones: 1024, perZoneLimit: 1 << 20)
    for i in 0..<million { table.insert(zone: UInt32(i & 1023), flow(i), direction: .egress, tcpFlags: 0x10, now: 1) }
    precondition(table.count == million)

    Benchmark("conntrack lookup hit, 1M flows") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            let j = (i &* 0x9E37_79B1) & (million - 1)
            blackHole(table.contains(zone: UInt32(j & 1023), flow(j), now: 2))
            i &+= 1
        }
    }
    // Each key depends on a value loaded by the previous lookup (the connection state,
    // always ESTABLISHED = 3 here, folded in by xor): one lookup's latency, no overlap.
    // The key sequence is a full-period LCG over all 1M flows.
    Benchmark("conntrack lookup hit, 1M flows, dependent chain (latency)") { benchmark in
        var j = 1
        for _ in benchmark.scaledIterations {
            let state = table.state(zone: UInt32(j & 1023), flow(j), now: 2)
            j = ((j &* 0x9E37_79B1 &+ 1) ^ (Int(state?.rawValue ?? 0) ^ 3)) & (million - 1)
        }
        blackHole(j)
    }
    Benchmark("conntrack observe (reply direction, state update), 1M flows") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            let j = (i &* 0x9E37_79B1) & (million - 1)
            blackHole(table.observe(zone: UInt32(j & 1023), flow(j).reversed, tcpFlags: 0x10, now: 2))
            i &+= 1
        }
    }
    Benchmark("conntrack lookup miss, 1M flows") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            let j = (i &* 0x9E37_79B1) & (million - 1)
            var t = flow(j)
            t.destinationPort = 444
            blackHole(table.contains(zone: UInt32(j & 1023), t, now: 2))
            i &+= 1
        }
    }
    Benchmark("conntrack bytes per flow at 1M flows (reported as count)",
              configuration: .init(metrics: [.throughput], scalingFactor: .one, maxIterations: 1)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(table.memoryFootprint / table.count) }
        print("conntrack: \(table.memoryFootprint) bytes / \(table.count) flows = \(Double(table.memoryFootprint) / Double(table.count)) bytes per flow")
    }

    // MARK: mapping cache

    nonisolated(unsafe) let cache = MappingCache(capacity: million)
    for i in 0..<million {
        cache.insert(vni: UInt32(i & 63), v4(0x0A00_0000 | UInt32(i >> 6)),
                     MappingEntry(underlay: v4(0xC0A8_0000 | UInt32(i & 255)), eni: UInt64(i), mac: MACAddress(value: UInt64(i)), version: 1))
    }
    precondition(cache.count == million)
    Benchmark("mapping lookup hit, 1M entries") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            let j = (i &* 0x9E37_79B1) & (million - 1)
            blackHole(cache.lookup(vni: UInt32(j & 63), family: .v4, AddressKey(high: 0, low: UInt64(0x0A00_0000 | UInt32(j >> 6)))))
            i &+= 1
        }
    }

    // Next key depends on the ENI loaded by this lookup (eni == j, folded in by xor).
    Benchmark("mapping lookup hit, 1M entries, dependent chain (latency)") { benchmark in
        var j = 1
        for _ in benchmark.scaledIterations {
            let e = cache.lookup(vni: UInt32(j & 63), family: .v4, AddressKey(high: 0, low: UInt64(0x0A00_0000 | UInt32(j >> 6))))
            j = ((j &* 0x9E37_79B1 &+ 1) ^ (Int(truncatingIfNeeded: e?.eni ?? 0) ^ j)) & (million - 1)
        }
        blackHole(j)
    }

    // MARK: routing

    for n in [50, 1000] {
        var r = SplitMix(state: 3)
        var routes = [Route(destination: prefix(0x0A00_0000, 16), target: .local),
                      Route(destination: .anyV4, target: .internetGateway(1))]
        while routes.count < n {
            routes.append(Route(destination: prefix(UInt32.random(in: 0...UInt32.max, using: &r), [8, 16, 20, 24, 28, 32].randomElement(using: &r)!),
                                target: .transitGateway(UInt64(routes.count))))
        }
        let rt = RouteTable(routes: routes)
        let keys = (0..<1024).map { _ in AddressKey(high: 0, low: UInt64(UInt32.random(in: 0...UInt32.max, using: &r))) }
        Benchmark("LPM IPv4, \(n) routes") { benchmark in
            var i = 0
            for _ in benchmark.scaledIterations {
                blackHole(rt.longestPrefixMatchIndex(family: .v4, keys[i & 1023]))
                i &+= 1
            }
        }
        var routes6 = [Route(destination: IPPrefix(IPv6Address(high: 0x2600_1F14_0000_0000, low: 0), length: 56), target: .local),
                       Route(destination: .anyV6, target: .egressOnlyInternetGateway(1))]
        while routes6.count < n {
            routes6.append(Route(destination: IPPrefix(IPv6Address(high: r.next(), low: r.next()), length: [32, 48, 56, 64, 128].randomElement(using: &r)!),
                                 target: .vpcPeering(UInt64(routes6.count))))
        }
        let rt6 = RouteTable(routes: routes6)
        let keys6 = (0..<1024).map { _ in AddressKey(high: r.next(), low: r.next()) }
        Benchmark("LPM IPv6, \(n) routes") { benchmark in
            var i = 0
            for _ in benchmark.scaledIterations {
                blackHole(rt6.longestPrefixMatchIndex(family: .v6, keys6[i & 1023]))
                i &+= 1
            }
        }
    }

    // MARK: network ACL, flow log

    var aclRules: [NetworkACLRule] = []
    for k in 0..<20 {
        aclRules.append(NetworkACLRule(ruleNumber: UInt16(100 + k * 10), direction: .ingress, action: k % 3 == 0 ? .deny : .allow,
                                       ipProtocol: 6, cidr: prefix(0x0A00_0000 | UInt32(k) << 16, 16), fromPort: Int32(1000 + k), toPort: Int32(1000 + k)))
    }
    let acl = NetworkACL(rules: aclRules)
    let packets = probes(seed: 5)
    Benchmark("NACL decision, 20 rules (worst case: falls to *)") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            let p = packets[i & 1023]
            blackHole(acl.evaluate(direction: .ingress, family: .v4, proto: 6, remote: p.remote, key: p.port))
            i &+= 1
        }
    }

    nonisolated(unsafe) let flowLog = FlowLogAggregator(capacity: 1 << 16, now: 0)
    Benchmark("flow-log record, 64K-flow table") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            flowLog.record(eni: UInt32(i & 7), direction: .egress, tuple: flow(i & 0xFFFF), bytes: 1500, tcpFlags: 0x10, action: .accept, now: 1)
            i &+= 1
        }
    }
}
