@testable import VPCDataplane
import VPCWire

/// A two-host VPC for pipeline tests.
///
/// VPC 10.0.0.0/16 (VNI 42), subnets A 10.0.1.0/24 and B 10.0.2.0/24. Host 1
/// (192.168.0.1): port 0 = ENI 0x100 10.0.1.10 in A, port 1 = ENI 0x101 10.0.2.20 in B.
/// Host 2 (192.168.0.2): port 0 = ENI 0x200 10.0.2.30 in B.
enum Lab {
    static let vni: UInt32 = 42
    static let routerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let vpc = cidr("10.0.0.0/16")
    static let subnetA = cidr("10.0.1.0/24")
    static let subnetB = cidr("10.0.2.0/24")
    static let host1 = UnderlayEndpoint(address: v4("192.168.0.1"), mac: MACAddress(0x0A, 0, 0, 0, 0, 1),
                                        nextHopMAC: MACAddress(0x0A, 0, 0, 0, 0, 0xFE))
    static let host2 = UnderlayEndpoint(address: v4("192.168.0.2"), mac: MACAddress(0x0A, 0, 0, 0, 0, 2),
                                        nextHopMAC: MACAddress(0x0A, 0, 0, 0, 0, 0xFE))

    struct Instance {
        var eni: UInt64
        var mac: MACAddress
        var ip: IPv4Address
        var ip6: IPv6Address
        var subnet: IPPrefix
        var host: UnderlayEndpoint
        var port: Int
    }

    static let a = Instance(eni: 0x100, mac: MACAddress(0x02, 0, 0, 0, 1, 0x10), ip: v4("10.0.1.10"),
                            ip6: v6("2600:1f14:0:1::10"), subnet: subnetA, host: host1, port: 0)
    static let b = Instance(eni: 0x101, mac: MACAddress(0x02, 0, 0, 0, 2, 0x20), ip: v4("10.0.2.20"),
                            ip6: v6("2600:1f14:0:2::20"), subnet: subnetB, host: host1, port: 1)
    static let c = Instance(eni: 0x200, mac: MACAddress(0x02, 0, 0, 0, 2, 0x30), ip: v4("10.0.2.30"),
                            ip6: v6("2600:1f14:0:2::30"), subnet: subnetB, host: host2, port: 0)
    static let all = [a, b, c]

    static let routes = RouteTable(routes: [
        Route(destination: vpc, target: .local),
        Route(destination: cidr("2600:1f14::/56"), target: .local),
        Route(destination: .anyV4, target: .internetGateway(7)),
        Route(destination: cidr("10.9.0.0/16"), target: .blackhole),
    ])

    /// Egress everything; ingress TCP 22 and ICMP from the VPC.
    static let webRules: [SecurityGroupRule] = [
        .allTraffic(.egress, .cidr(.anyV4)), .allTraffic(.egress, .cidr(.anyV6)),
        .ports(.ingress, proto: 6, 22, 22, .cidr(vpc)),
        .ports(.ingress, proto: 6, 22, 22, .cidr(cidr("2600:1f14::/56"))),
        SecurityGroupRule(direction: .ingress, ipProtocol: 1, peer: .cidr(vpc)),
    ]

    static func port(_ i: Instance, rules: [SecurityGroupRule] = webRules, acl: NetworkACL = .defaultACL,
                     sourceDestCheck: Bool = true) -> ENIPort {
        ENIPort(index: i.port, eni: i.eni, mac: i.mac, vni: vni, vpcIPv4: vpc, subnetIPv4: i.subnet,
                ipv4Addresses: [i.ip], ipv6Addresses: [i.ip6], subnetIPv6: IPPrefix(i.ip6, length: 64),
                sourceDestCheck: sourceDestCheck, securityGroups: SecurityGroupPolicy(rules: rules),
                networkACL: acl, routeTable: routes)
    }

    /// Host 1's or host 2's pipeline with its ports installed and every mapping known.
    static func pipeline(host: UnderlayEndpoint, rules: [SecurityGroupRule] = webRules,
                         acl: NetworkACL = .defaultACL) -> Pipeline {
        let p = Pipeline(underlay: host, routerMAC: routerMAC, maxPorts: 4, connectionCapacity: 1024,
                         connectionsPerENI: 512, mappingCapacity: 64, flowLogCapacity: 256)
        for i in all where i.host == host { p.install(port(i, rules: rules, acl: acl)) }
        for i in all {
            let e = MappingEntry(underlay: .v4(i.host.address), eni: i.eni, mac: i.mac, version: 1)
            p.mappings.insert(vni: vni, .v4(i.ip), e)
            p.mappings.insert(vni: vni, .v6(i.ip6), e)
        }
        return p
    }
}

/// A frame under construction, with a buffer for the pipeline's output.
struct Frame {
    var bytes: [UInt8]

    static func ethernet(src: MACAddress, dst: MACAddress = Lab.routerMAC, type: EtherType,
                         payload: (UnsafeMutableRawBufferPointer) -> Int) -> Frame {
        var b = [UInt8](repeating: 0, count: 2048)
        let n = b.withUnsafeMutableBytes { buf -> Int in
            let h = try! EthernetRepr(source: src, destination: dst, etherType: type).emit(into: buf)
            return h + payload(UnsafeMutableRawBufferPointer(rebasing: buf[h...]))
        }
        return Frame(bytes: Array(b[0..<n]))
    }

    static func tcp(_ from: Lab.Instance, to dst: IPv4Address, sport: UInt16 = 40000, dport: UInt16 = 22,
                    flags: TCPFlags = .syn, srcIP: IPv4Address? = nil, srcMAC: MACAddress? = nil) -> Frame {
        let s = srcIP ?? from.ip
        return ethernet(src: srcMAC ?? from.mac, type: .ipv4) { b in
            let t = TCPRepr(sourcePort: sport, destinationPort: dport, sequenceNumber: 1, flags: flags, window: 1000)
            let ip = IPv4Repr(source: s, destination: dst, protocol: .tcp, payloadLength: t.headerLength)
            let n = try! ip.emit(into: b)
            let m = try! t.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]), pseudoHeaderSum: ip.pseudoHeaderSum)
            return n + m
        }
    }

    static func tcp6(_ from: Lab.Instance, to dst: IPv6Address, sport: UInt16 = 40000, dport: UInt16 = 22,
                     flags: TCPFlags = .syn) -> Frame {
        ethernet(src: from.mac, type: .ipv6) { b in
            let t = TCPRepr(sourcePort: sport, destinationPort: dport, sequenceNumber: 1, flags: flags, window: 1000)
            let ip = IPv6Repr(source: from.ip6, destination: dst, nextHeader: .tcp, payloadLength: t.headerLength)
            let n = try! ip.emit(into: b)
            let m = try! t.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]), pseudoHeaderSum: ip.pseudoHeaderSum)
            return n + m
        }
    }

    static func udp(src: MACAddress, from: IPv4Address, to dst: IPv4Address, sport: UInt16, dport: UInt16,
                    payload: Int = 16) -> Frame {
        ethernet(src: src, type: .ipv4) { b in
            let ip = IPv4Repr(source: from, destination: dst, protocol: .udp, payloadLength: 8 + payload)
            let n = try! ip.emit(into: b)
            let u = UDPRepr(sourcePort: sport, destinationPort: dport, payloadLength: payload)
            return n + (try! u.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]), pseudoHeaderSum: nil)) + payload
        }
    }

    static func arp(src: MACAddress, op: ARPOperation = .request, senderMAC: MACAddress? = nil,
                    senderIP: IPv4Address, targetIP: IPv4Address) -> Frame {
        ethernet(src: src, dst: .broadcast, type: .arp) { b in
            try! ARPRepr(operation: op, senderHardwareAddress: senderMAC ?? src, senderProtocolAddress: senderIP,
                         targetHardwareAddress: .zero, targetProtocolAddress: targetIP).emit(into: b)
        }
    }

    static func ndp(_ from: Lab.Instance, src: IPv6Address? = nil, dst: IPv6Address, _ msg: NDPRepr) -> Frame {
        ethernet(src: from.mac, dst: MACAddress(ipv6Multicast: dst), type: .ipv6) { b in
            let m = ICMPv6Repr.ndp(msg)
            let s = src ?? from.ip6
            let ip = IPv6Repr(source: s, destination: dst, nextHeader: .icmpv6, payloadLength: m.headerLength, hopLimit: 255)
            let n = try! ip.emit(into: b)
            return n + (try! m.emit(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]), source: s, destination: dst))
        }
    }
}

/// Output buffer of a run plus the action.
struct Outcome {
    var action: PipelineAction
    var out: [UInt8]
    var frame: [UInt8]
}

extension Pipeline {
    func fromInstance(_ f: Frame, port: Int, now: UInt32 = 100, wire: WireSize? = nil) -> Outcome {
        var frame = f.bytes
        var out = [UInt8](repeating: 0, count: 9216)
        let a = frame.withUnsafeMutableBytes { fb in
            out.withUnsafeMutableBytes { ob in
                processFromInstance(fb, length: fb.count, port: port, now: now, out: ob, wire: wire)
            }
        }
        return Outcome(action: a, out: out, frame: frame)
    }

    func fromUnderlay(_ geneve: [UInt8], outerSource: IPv4Address, now: UInt32 = 100) -> PipelineAction {
        var out = [UInt8](repeating: 0, count: 9216)
        return geneve.withUnsafeBytes { gb in
            out.withUnsafeMutableBytes { ob in processFromUnderlay(gb, outerSource: outerSource, now: now, out: ob) }
        }
    }
}

/// Closes the flow-log interval and returns its records, `merged`.
func flowRecords(_ p: Pipeline, now: UInt32 = 200) -> [FlowLogRecord] {
    var records: [FlowLogRecord] = []
    p.closeFlowLogInterval(now: now) { records.append($0) }
    return merged(records)
}

/// Flow-log records, those of one key added up as the writer does (a flow's counts can come
/// partly from its connection entry), in first-seen order.
func merged(_ records: [FlowLogRecord]) -> [FlowLogRecord] {
    var merged: [FlowLogRecord] = []
    for r in records {
        if let i = merged.firstIndex(where: { FlowLogKey($0) == FlowLogKey(r) }) {
            merged[i].packets += r.packets; merged[i].bytes += r.bytes; merged[i].tcpFlags |= r.tcpFlags
            merged[i].start = min(merged[i].start, r.start); merged[i].end = max(merged[i].end, r.end)
        } else {
            merged.append(r)
        }
    }
    return merged
}

/// What identifies a flow-log record: everything but its counters, times and flags.
struct FlowLogKey: Hashable {
    var eni: UInt32, direction: TrafficDirection, action: FlowLogAction
    var source: AddressKey, destination: AddressKey, sourcePort: UInt16, destinationPort: UInt16

    init(_ r: FlowLogRecord) {
        self.init(eni: r.eni, direction: r.direction, action: r.action, source: r.source, destination: r.destination,
                  sourcePort: r.sourcePort, destinationPort: r.destinationPort)
    }

    init(eni: UInt32, direction: TrafficDirection, action: FlowLogAction, source: AddressKey, destination: AddressKey,
         sourcePort: UInt16, destinationPort: UInt16) {
        self.eni = eni; self.direction = direction; self.action = action; self.source = source
        self.destination = destination; self.sourcePort = sourcePort; self.destinationPort = destinationPort
    }
}
