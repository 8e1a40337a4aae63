import FuzzSupport
import PipelineFuzzSupport
import VPCDataplane
import VPCWire

// Pipeline.processFromUnderlay on arbitrary Geneve payloads. Input: byte 0 bits 0-1 pick the
// outer source (the sender's real host, another host, an unknown one); bit 2 overwrites the
// first 28 bytes with a valid Geneve header and ENI option (VNI 42, source ENI from byte 1,
// destination a local ENI), so inputs reach the inner checks. The rest is the packet.

let routerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
let vpc = IPPrefix(IPv4Address(10, 0, 0, 0), length: 16)
let routes = RouteTable(routes: [Route(destination: vpc, target: .local), Route(destination: .anyV4, target: .internetGateway(7))])
let rules: [SecurityGroupRule] = [
    .allTraffic(.egress, .cidr(.anyV4)), .ports(.ingress, proto: 6, 22, 22, .cidr(vpc)),
    SecurityGroupRule(direction: .ingress, ipProtocol: 1, peer: .cidr(vpc)), .ports(.ingress, proto: 17, 0, 65535, .cidr(.anyV4)),
    .allTraffic(.ingress, .cidr(.anyV6)), .allTraffic(.egress, .cidr(.anyV6)),
]
let acl = NetworkACL(rules: [
    NetworkACLRule(ruleNumber: 10, direction: .ingress, action: .deny, ipProtocol: 6, cidr: .anyV4, fromPort: 23, toPort: 23),
    NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
    NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
    NetworkACLRule(ruleNumber: 101, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV6),
])
let local = IPv4Address(192, 168, 0, 2)
let hosts = [IPv4Address(192, 168, 0, 1), IPv4Address(192, 168, 0, 3), IPv4Address(192, 168, 0, 9), local]
/// (ENI, IPv4, IPv6 low, host index, local port or -1, VNI)
let members: [(UInt64, IPv4Address, UInt64, Int, Int, UInt32)] = [
    (0x100, IPv4Address(10, 0, 1, 10), 0x10, 0, -1, 42),
    (0x101, IPv4Address(10, 0, 2, 20), 0x20, 1, -1, 42),
    (0x200, IPv4Address(10, 0, 2, 30), 0x30, 3, 0, 42),
    (0x201, IPv4Address(10, 0, 1, 40), 0x40, 3, 1, 42),
    (0x202, IPv4Address(10, 0, 1, 50), 0x50, 3, 2, 77),
]

nonisolated(unsafe) let pipeline: Pipeline = {
    let p = Pipeline(underlay: UnderlayEndpoint(address: local, mac: MACAddress(0x0A, 0, 0, 0, 0, 2), nextHopMAC: .broadcast),
                     routerMAC: routerMAC, maxPorts: 4, connectionCapacity: 4096, connectionsPerENI: 1024,
                     mappingCapacity: 64, flowLogCapacity: 1024)
    for (eni, ip, low6, host, port, vni) in members {
        let mac = MACAddress(value: 0x0200_0000_0000 | eni)
        let ip6 = IPv6Address(high: 0x2600_1F14_0000_0001, low: low6)
        let e = MappingEntry(underlay: .v4(hosts[host]), eni: eni, mac: mac, version: 1)
        p.mappings.insert(vni: vni, .v4(ip), e)
        p.mappings.insert(vni: vni, .v6(ip6), e)
        guard port >= 0 else { continue }
        p.install(ENIPort(index: port, eni: eni, mac: mac, vni: vni, vpcIPv4: vpc,
                          subnetIPv4: IPPrefix(ip, length: 24), ipv4Addresses: [ip], ipv6Addresses: [ip6],
                          subnetIPv6: IPPrefix(ip6, length: 64), sourceDestCheck: port != 1,
                          securityGroups: SecurityGroupPolicy(rules: rules), networkACL: acl, routeTable: routes))
    }
    // ENI 0x101 (remote) and local port 1 have the check off: their forwarded sources are taken.
    p.interfaces.replace(with: members.map { eni, ip, _, host, port, vni in
        InterfaceDirectory.Location(vni: vni, entry: MappingEntry(underlay: .v4(hosts[host]), eni: eni,
                                                                  mac: MACAddress(value: 0x0200_0000_0000 | eni), version: 1),
                                    sourceDestCheck: eni != 0x101 && port != 1, ipv4: ip)
    })
    return p
}()
nonisolated(unsafe) var runs: UInt32 = 0
nonisolated(unsafe) var churn = PipelineChurn()
nonisolated(unsafe) let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 9216, alignment: 16)

@main enum FuzzPipelineUnderlay {
    static func main() {
        fuzzMain { data, size in
            guard size >= 2, let data else { return 0 }
            let mode = data[0], pick = Int(data[1])
            runs &+= 1
            let now = runs >> 6
            churn.step(pipeline, run: runs, now: now)
            let sender = members[pick % members.count]
            let outer = mode & 3 == 0 ? hosts[sender.3] : hosts[Int(mode & 3) % hosts.count]
            withFuzzInput(data + 2, size - 2) { packet in
                if mode & 4 != 0 && packet.count >= 28 {
                    let dst = members[2 + (pick >> 4) % 3].0
                    _ = try? GeneveRepr(vni: 42, eni: VPCENIOption(source: sender.0, destination: dst)).emit(into: packet)
                }
                let a = pipeline.processFromUnderlay(UnsafeRawBufferPointer(packet), outerSource: outer, now: now, out: out)
                if case .deliver(let p, let off, let len) = a {
                    fuzzCheck(p >= 0 && p < 3 && off >= 8 && off + len == packet.count && len >= 14, "deliver in bounds")
                }
            }
            return 0
        }
    }
}
