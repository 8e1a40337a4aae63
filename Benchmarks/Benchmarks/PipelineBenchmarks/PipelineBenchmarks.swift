import Benchmark
import VPCDataplane
import VPCWire

// The per-packet pipeline end to end. Host A (192.168.0.1) runs the sending ENI
// 10.0.0.10 (subnet 10.0.0.0/24, VPC 10.0.0.0/8, VNI 42); destinations live on 256
// other hosts. Every packet goes through parse, source check, SG (conntrack), NACL
// (different subnets, 6 rules), LPM (50 routes), mapping and Geneve encapsulation, with
// flow-log counters on. Flows are visited in a scattered order (multiplicative hash).

let routerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
let vpc = IPPrefix(IPv4Address(10, 0, 0, 0), length: 8)
let source = IPv4Address(10, 0, 0, 10)
let sourceMAC = MACAddress(0x02, 0, 0, 0, 0, 0x10)
let hostA = UnderlayEndpoint(address: IPv4Address(192, 168, 0, 1), mac: MACAddress(0x0A, 0, 0, 0, 0, 1),
                             nextHopMAC: MACAddress(0x0A, 0, 0, 0, 0, 0xFE))

func routes() -> RouteTable {
    var r: [Route] = [Route(destination: vpc, target: .local), Route(destination: .anyV4, target: .internetGateway(1))]
    var x: UInt32 = 0x2545_F491
    while r.count < 50 {
        x = x &* 1_664_525 &+ 1_013_904_223
        r.append(Route(destination: IPPrefix(IPv4Address(value: 0xAC00_0000 | (x >> 8)), length: 24), target: .transitGateway(UInt64(r.count))))
    }
    return RouteTable(routes: r)
}

/// 60 rules: ingress services, egress to the VPC on common ports, HTTPS anywhere. Tracked.
func rules() -> [SecurityGroupRule] {
    var r: [SecurityGroupRule] = [.ports(.egress, proto: 6, 443, 443, .cidr(.anyV4)), .ports(.egress, proto: 6, 1024, 65535, .cidr(vpc))]
    var x: UInt32 = 7
    while r.count < 60 {
        x = x &* 1_664_525 &+ 1_013_904_223
        let port = UInt16(truncatingIfNeeded: x >> 16) | 1
        let net = IPPrefix(IPv4Address(value: 0x0A00_0000 | (x & 0xFF_FF00)), length: 24)
        r.append(.ports(r.count & 1 == 0 ? .ingress : .egress, proto: 6, port, port, .cidr(net)))
    }
    return r
}

let acl = NetworkACL(rules: [
    NetworkACLRule(ruleNumber: 10, direction: .egress, action: .deny, ipProtocol: 6, cidr: IPPrefix(IPv4Address(10, 99, 0, 0), length: 16)),
    NetworkACLRule(ruleNumber: 20, direction: .egress, action: .deny, ipProtocol: 17, cidr: .anyV4, fromPort: 1900, toPort: 1900),
    NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: 6, cidr: vpc),
    NetworkACLRule(ruleNumber: 110, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
    NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: 6, cidr: vpc),
    NetworkACLRule(ruleNumber: 110, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
])

/// A sending host with `destinations` remote addresses (10.1.0.0 + i) mapped to 256 hosts.
func sendingHost(flows: Int, destinations: Int, flowLogs: Bool = true, extraRoutes: [Route] = []) -> Pipeline {
    let p = Pipeline(underlay: hostA, routerMAC: routerMAC, maxPorts: 4, connectionCapacity: flows + flows / 4 + 1024,
                     connectionsPerENI: 1 << 22, mappingCapacity: destinations + 16, flowLogCapacity: flows + 1024)
    p.install(ENIPort(index: 0, eni: 0x100, mac: sourceMAC, vni: 42, vpcIPv4: vpc,
                      subnetIPv4: IPPrefix(IPv4Address(10, 0, 0, 0), length: 24), ipv4Addresses: [source], flowLogs: flowLogs,
                      securityGroups: SecurityGroupPolicy(rules: rules()), networkACL: acl,
                      routeTable: RouteTable(routes: routes().routes + extraRoutes)))
    for d in 0..<destinations {
        p.mappings.insert(vni: 42, .v4(IPv4Address(value: 0x0A01_0000 &+ UInt32(d))),
                          MappingEntry(underlay: .v4(IPv4Address(value: 0xC0A8_0100 | UInt32(d & 255))),
                                       eni: 0x1000 + UInt64(d), mac: MACAddress(value: 0x0200_0000_0000 | UInt64(d)), version: 1))
    }
    return p
}

/// A 64-byte TCP frame from the sending ENI; `set(frame, flow)` patches destination and source port.
func template() -> [UInt8] {
    var f = [UInt8](repeating: 0, count: 64)
    f.withUnsafeMutableBytes { b in
        let n = try! EthernetRepr(source: sourceMAC, destination: routerMAC, etherType: .ipv4).emit(into: b)
        let t = TCPRepr(sourcePort: 1024, destinationPort: 443, sequenceNumber: 1, acknowledgmentNumber: 1, flags: .ack,
                        window: 512, payloadLength: 10)
        let ip = IPv4Repr(source: source, destination: IPv4Address(10, 1, 0, 0), protocol: .tcp, payloadLength: 30)
        let m = try! ip.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]))
        _ = try! t.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[(n + m)...]), pseudoHeaderSum: nil)
    }
    return f
}

@inline(__always)
func set(_ frame: UnsafeMutableRawBufferPointer, flow i: Int, destinations: Int, base: UInt32 = 0x0A01_0000) {
    frame.storeBytes(of: (base &+ UInt32(i % destinations)).bigEndian, toByteOffset: 30, as: UInt32.self)
    frame.storeBytes(of: UInt16(truncatingIfNeeded: 1024 &+ i / destinations).bigEndian, toByteOffset: 34, as: UInt16.self)
}

/// Scattered order over `0..<n` (n a power of two or not): a multiplicative hash.
@inline(__always)
func scatter(_ i: Int, _ n: Int) -> Int { Int((UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15) >> 20) % n }

/// Flows in scattered order, as (destination address << 16 | source port), power-of-two length.
final class Keys: @unchecked Sendable {
    let keys: UnsafeMutableBufferPointer<UInt64>
    init(flows: Int, destinations: Int, base: UInt32 = 0x0A01_0000) {
        var n = 1
        while n < flows { n <<= 1 }
        keys = .allocate(capacity: n)
        for i in 0..<n {
            let f = scatter(i, flows)
            keys[i] = UInt64(base &+ UInt32(f % destinations)) << 16 | UInt64(1024 + f / destinations)
        }
    }
    @inline(__always)
    func apply(_ i: Int, to frame: UnsafeMutableRawBufferPointer) {
        let k = keys[i & (keys.count - 1)]
        frame.storeBytes(of: UInt32(truncatingIfNeeded: k >> 16).bigEndian, toByteOffset: 30, as: UInt32.self)
        frame.storeBytes(of: UInt16(truncatingIfNeeded: k).bigEndian, toByteOffset: 34, as: UInt16.self)
    }
}

/// Index of the next never-seen flow.
final class FreshFlows: @unchecked Sendable { var next = 0 }

final class Buffers: @unchecked Sendable {
    let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 64)
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 9216 + 128, alignment: 64)
    init() { template().withUnsafeBytes { frame.copyMemory(from: $0) } }
}

/// Sends the flows of `keys` (all established) through `pipeline`, one packet per iteration.
func benchmarkEstablished(_ name: String, _ pipeline: Pipeline, _ keys: Keys, _ buf: Buffers) {
    nonisolated(unsafe) let p = pipeline
    Benchmark(name) { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            keys.apply(i, to: buf.frame)
            blackHole(p.processFromInstance(buf.frame, length: 64, port: 0, now: 2, out: buf.out))
            i &+= 1
        }
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

    // MARK: established flows, instance → other host

    for (flows, destinations, flowLogs) in [(10_000, 1000, true), (10_000, 1000, false), (1 << 20, 1 << 16, true),
                                             (1 << 20, 1 << 16, false)] {
        nonisolated(unsafe) let p = sendingHost(flows: flows, destinations: destinations, flowLogs: flowLogs)
        let buf = Buffers()
        for i in 0..<flows {  // open every flow
            set(buf.frame, flow: i, destinations: destinations)
            guard case .sendToHost = p.processFromInstance(buf.frame, length: 64, port: 0, now: 1, out: buf.out) else {
                fatalError("setup: flow \(i) not sent")
            }
        }
        precondition(p.connections.count == flows)
        let label = (flows >= 1 << 20 ? "1M flows" : "10k flows") + (flowLogs ? "" : ", flow logs off")
        // The visiting order, precomputed so the loop does no division: destination << 16 | port.
        let keys = Keys(flows: flows, destinations: destinations)
        benchmarkEstablished("pipeline established, instance → encap, \(label)", p, keys, buf)
        guard flows >= 1 << 20 && flowLogs else { continue }
        // What closing an interval costs when every flow sent: each flow's first packet is
        // in the flow-log table, the rest in its connection entry. The agent does it a slice
        // of 16,384 slots per loop turn; the longest slice is what a packet can wait.
        let slice = 16_384
        func sendEveryFlowTwice() {
            for now in UInt32(2)...3 {
                for i in 0..<flows {
                    set(buf.frame, flow: i, destinations: destinations)
                    blackHole(p.processFromInstance(buf.frame, length: 64, port: 0, now: now, out: buf.out))
                }
            }
        }
        let close = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 0,
                                           scalingFactor: .one, maxDuration: .seconds(30), maxIterations: 5)
        Benchmark("flow-log interval close, whole (entries settled, table handed over), 1M flows",
                  configuration: close) { benchmark in
            for _ in benchmark.scaledIterations {
                sendEveryFlowTwice()
                benchmark.startMeasurement()
                var records = 0
                p.closeFlowLogInterval(now: 4) { _ in records &+= 1 }
                benchmark.stopMeasurement()
                precondition(records == 2 * flows, "\(records) records for \(flows) flows")
            }
        }
        let longestSlice = BenchmarkMetric.custom("longest slice (ns)", useScalingFactor: false)
        Benchmark("flow-log interval close, a slice of \(slice) slots at a time, 1M flows",
                  configuration: .init(metrics: [.wallClock, longestSlice], warmupIterations: 0, scalingFactor: .one,
                                       maxDuration: .seconds(30), maxIterations: 5)) { benchmark in
            for _ in benchmark.scaledIterations {
                sendEveryFlowTwice()
                var records = 0, longest = Duration.zero
                benchmark.startMeasurement()
                p.beginFlowLogIntervalClose(now: 4)
                while true {
                    let start = ContinuousClock.now
                    let done = p.continueFlowLogIntervalClose(maxSlots: slice) { _ in records &+= 1 } != nil
                    longest = max(longest, ContinuousClock.now - start)
                    if done { break }
                }
                benchmark.stopMeasurement()
                precondition(records == 2 * flows, "\(records) records for \(flows) flows")
                benchmark.measurement(longestSlice, Int(longest / .nanoseconds(1)))
            }
        }
    }

    // MARK: an ENI's connections removed (its instance terminated)

    do {
        let flows = 1 << 20, destinations = 1 << 16, slice = 16_384
        nonisolated(unsafe) let p = sendingHost(flows: flows, destinations: destinations, flowLogs: false)
        let eni = p.port(0)!
        let buf = Buffers()
        let longestSlice = BenchmarkMetric.custom("longest slice (ns)", useScalingFactor: false)
        // The data-plane thread removes them a slice per loop turn; the longest slice is
        // what a packet of another ENI can wait.
        Benchmark("ENI removal, its 1M connections a slice of \(slice) slots at a time",
                  configuration: .init(metrics: [.wallClock, longestSlice], warmupIterations: 0, scalingFactor: .one,
                                       maxDuration: .seconds(30), maxIterations: 5)) { benchmark in
            for _ in benchmark.scaledIterations {
                p.install(eni)
                for i in 0..<flows {
                    set(buf.frame, flow: i, destinations: destinations)
                    blackHole(p.processFromInstance(buf.frame, length: 64, port: 0, now: 1, out: buf.out))
                }
                precondition(p.connections.count == flows, "\(p.connections.count) connections for \(flows) flows")
                var longest = Duration.zero
                benchmark.startMeasurement()
                p.remove(port: 0)
                while true {
                    let start = ContinuousClock.now
                    let done = p.connections.continueRemoving(maxSlots: slice)
                    longest = max(longest, ContinuousClock.now - start)
                    if done { break }
                }
                benchmark.stopMeasurement()
                precondition(p.connections.count == 0)
                benchmark.measurement(longestSlice, Int(longest / .nanoseconds(1)))
            }
        }
    }

    // MARK: first packet: SG rule evaluation + conntrack insert

    // MARK: established flows, instance → an appliance (a route to an ENI) on another host

    do {
        let flows = 10_000, destinations = 1000, appliance: UInt64 = 0x5000
        let behind: UInt32 = 0x6440_0000  // 100.64.0.0/10, routed to the appliance's ENI
        nonisolated(unsafe) let p = sendingHost(flows: flows, destinations: destinations, extraRoutes: [
            Route(destination: IPPrefix(IPv4Address(value: behind), length: 10), target: .networkInterface(appliance))])
        p.interfaces.replace(with: [InterfaceDirectory.Location(
            vni: 42, entry: MappingEntry(underlay: .v4(IPv4Address(192, 168, 1, 7)), eni: appliance,
                                         mac: MACAddress(0x02, 0, 0, 0, 0x50, 0), version: 1),
            sourceDestCheck: false, ipv4: IPv4Address(10, 1, 0, 7))])
        let buf = Buffers()
        for i in 0..<flows {
            set(buf.frame, flow: i, destinations: destinations, base: behind)
            guard case .sendToHost = p.processFromInstance(buf.frame, length: 64, port: 0, now: 1, out: buf.out) else {
                fatalError("setup: flow \(i) not sent to the appliance")
            }
        }
        let keys = Keys(flows: flows, destinations: destinations, base: behind)
        benchmarkEstablished("pipeline established, instance → encap, routed to an ENI, 10k flows", p, keys, buf)
    }

    do {
        let maxFlows = 1 << 20
        nonisolated(unsafe) let p = sendingHost(flows: maxFlows, destinations: 1 << 16)
        let buf = Buffers()
        let fresh = FreshFlows()
        Benchmark("pipeline first packet (SG rules + conntrack insert) → encap",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput, .instructions],
                                       warmupIterations: 1, scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 900)) { benchmark in
            for _ in benchmark.scaledIterations {
                precondition(fresh.next < maxFlows, "out of fresh flows")
                set(buf.frame, flow: fresh.next, destinations: 1 << 16)
                blackHole(p.processFromInstance(buf.frame, length: 64, port: 0, now: 1, out: buf.out))
                fresh.next &+= 1
            }
        }
    }

    // MARK: underlay receive: Geneve from host A to an ENI on host B

    for forwarded in [false, true] {
        let flows = 10_000, senders = 1000
        // Host A's sender has source/destination check off and speaks for 1000 addresses:
        // mapped to its ENI, so each packet passes host B's anti-spoofing check, or
        // (`forwarded`) unmapped, addresses behind it, accepted as its ENI's forwarding.
        let sourceBase: UInt32 = forwarded ? 0x6440_0100 : 0x0A00_0100
        nonisolated(unsafe) let a = Pipeline(underlay: hostA, routerMAC: routerMAC, maxPorts: 2, connectionCapacity: 1 << 15,
                                             mappingCapacity: 4096, flowLogCapacity: 1 << 15)
        a.install(ENIPort(index: 0, eni: 0x100, mac: sourceMAC, vni: 42, vpcIPv4: vpc,
                          subnetIPv4: IPPrefix(IPv4Address(10, 0, 0, 0), length: 24), ipv4Addresses: [source],
                          sourceDestCheck: false, securityGroups: SecurityGroupPolicy(rules: rules()), networkACL: acl, routeTable: routes()))
        let hostB = UnderlayEndpoint(address: IPv4Address(192, 168, 0, 2), mac: MACAddress(0x0A, 0, 0, 0, 0, 2), nextHopMAC: hostA.mac)
        let target = IPv4Address(10, 2, 0, 20)
        nonisolated(unsafe) let b = Pipeline(underlay: hostB, routerMAC: routerMAC, maxPorts: 4, connectionCapacity: 1 << 15,
                                             mappingCapacity: 4096, flowLogCapacity: 1 << 15)
        var ingress = rules()
        ingress.append(.ports(.ingress, proto: 6, 443, 443, .cidr(forwarded ? .anyV4 : vpc)))
        b.install(ENIPort(index: 1, eni: 0x200, mac: MACAddress(0x02, 0, 0, 0, 2, 0x20), vni: 42, vpcIPv4: vpc,
                          subnetIPv4: IPPrefix(IPv4Address(10, 2, 0, 0), length: 24), ipv4Addresses: [target],
                          securityGroups: SecurityGroupPolicy(rules: ingress), networkACL: acl, routeTable: routes()))
        let toB = MappingEntry(underlay: .v4(hostB.address), eni: 0x200, mac: MACAddress(0x02, 0, 0, 0, 2, 0x20), version: 1)
        a.mappings.insert(vni: 42, .v4(target), toB)
        b.mappings.insert(vni: 42, .v4(target), toB)
        for s in 0..<senders where !forwarded {
            b.mappings.insert(vni: 42, .v4(IPv4Address(value: sourceBase &+ UInt32(s))),
                              MappingEntry(underlay: .v4(hostA.address), eni: 0x100, mac: sourceMAC, version: 1))
        }
        b.interfaces.replace(with: [InterfaceDirectory.Location(
            vni: 42, entry: MappingEntry(underlay: .v4(hostA.address), eni: 0x100, mac: sourceMAC, version: 1),
            sourceDestCheck: false, ipv4: source)])
        let buf = Buffers()
        let stride = 128
        let packets = UnsafeMutableRawBufferPointer.allocate(byteCount: flows * stride, alignment: 64)
        var length = 0
        for i in 0..<flows {
            buf.frame.storeBytes(of: (sourceBase &+ UInt32(i % senders)).bigEndian, toByteOffset: 26, as: UInt32.self)
            buf.frame.storeBytes(of: target.value.bigEndian, toByteOffset: 30, as: UInt32.self)
            buf.frame.storeBytes(of: UInt16(truncatingIfNeeded: 1024 + i / senders).bigEndian, toByteOffset: 34, as: UInt16.self)
            guard case .sendToHost(let n) = a.processFromInstance(buf.frame, length: 64, port: 0, now: 1, out: buf.out) else {
                fatalError("setup: not encapsulated")
            }
            length = n - Pipeline.geneveOffset
            UnsafeMutableRawBufferPointer(rebasing: packets[(i * stride)...]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: buf.out[Pipeline.geneveOffset..<n]))
            guard case .deliver = b.processFromUnderlay(UnsafeRawBufferPointer(rebasing: packets[(i * stride) ..< (i * stride + length)]),
                                                        outerSource: hostA.address, now: 1, out: buf.out) else {
                fatalError("setup: not delivered")
            }
        }
        let packetLength = length
        let all = UnsafeRawBufferPointer(packets)
        let name = forwarded ? "pipeline underlay receive, forwarded sources (a sender with source/destination check off), 10k flows"
                             : "pipeline underlay receive (Geneve checks, anti-spoofing, NACL, SG conntrack hit), 10k flows"
        Benchmark(name) { benchmark in
            var i = 0
            for _ in benchmark.scaledIterations {
                let k = scatter(i, flows) &* stride
                blackHole(b.processFromUnderlay(UnsafeRawBufferPointer(rebasing: all[k ..< k &+ packetLength]),
                                                outerSource: hostA.address, now: 2, out: buf.out))
                i &+= 1
            }
        }
    }
}
