import FuzzSupport
import PipelineFuzzSupport
import VPCDataplane
import VPCWire

// Pipeline.processFromInstance on arbitrary frames. Input: byte 0 picks the port (3 is not
// installed); byte 1 bit 0 writes the port's own source MAC, bit 1 its IPv4 source
// (when the frame is IPv4), so inputs get past the source check; bit 2 makes `out` too
// small for any reply. The rest is the frame. Checks every action stays in bounds.

let routerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
let vpc = IPPrefix(IPv4Address(10, 0, 0, 0), length: 16)
let routes = RouteTable(routes: [
    Route(destination: vpc, target: .local),
    Route(destination: IPPrefix(IPv6Address(high: 0x2600_1F14_0000_0000, low: 0), length: 56), target: .local),
    Route(destination: .anyV4, target: .internetGateway(7)),
    Route(destination: IPPrefix(IPv4Address(10, 0, 9, 0), length: 24), target: .blackhole),
    // Appliances: a local ENI with the check off, a remote one, one that is not placed.
    Route(destination: IPPrefix(IPv4Address(100, 64, 0, 0), length: 24), target: .networkInterface(0x102)),
    Route(destination: IPPrefix(IPv4Address(100, 64, 1, 0), length: 24), target: .networkInterface(0x200)),
    Route(destination: IPPrefix(IPv4Address(100, 64, 2, 0), length: 24), target: .networkInterface(0x999)),
])
let rules: [SecurityGroupRule] = [
    .allTraffic(.egress, .cidr(.anyV4)), .allTraffic(.egress, .cidr(.anyV6)),
    .ports(.ingress, proto: 6, 22, 22, .cidr(vpc)), SecurityGroupRule(direction: .ingress, ipProtocol: 1, peer: .cidr(vpc)),
    .ports(.ingress, proto: 17, 1000, 2000, .cidr(.anyV4)),
]
let acl = NetworkACL(rules: [
    NetworkACLRule(ruleNumber: 10, direction: .ingress, action: .deny, ipProtocol: 6, cidr: .anyV4, fromPort: 23, toPort: 23),
    NetworkACLRule(ruleNumber: 100, direction: .ingress, action: .allow, ipProtocol: -1, cidr: .anyV4),
    NetworkACLRule(ruleNumber: 100, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV4),
    NetworkACLRule(ruleNumber: 101, direction: .egress, action: .allow, ipProtocol: -1, cidr: .anyV6),
])
struct Member { var eni: UInt64; var mac: MACAddress; var ip: IPv4Address; var ip6: IPv6Address; var subnet: UInt8; var host: IPv4Address }
let local = IPv4Address(192, 168, 0, 1), remote = IPv4Address(192, 168, 0, 2)
let members = [
    Member(eni: 0x100, mac: MACAddress(2, 0, 0, 0, 1, 0x10), ip: IPv4Address(10, 0, 1, 10),
           ip6: IPv6Address(high: 0x2600_1F14_0000_0001, low: 0x10), subnet: 1, host: local),
    Member(eni: 0x101, mac: MACAddress(2, 0, 0, 0, 2, 0x20), ip: IPv4Address(10, 0, 2, 20),
           ip6: IPv6Address(high: 0x2600_1F14_0000_0002, low: 0x20), subnet: 2, host: local),
    Member(eni: 0x102, mac: MACAddress(2, 0, 0, 0, 2, 0x21), ip: IPv4Address(10, 0, 2, 21),
           ip6: IPv6Address(high: 0x2600_1F14_0000_0002, low: 0x21), subnet: 2, host: local),
    Member(eni: 0x200, mac: MACAddress(2, 0, 0, 0, 2, 0x30), ip: IPv4Address(10, 0, 2, 30),
           ip6: IPv6Address(high: 0x2600_1F14_0000_0002, low: 0x30), subnet: 2, host: remote),
]

nonisolated(unsafe) let pipeline: Pipeline = {
    let p = Pipeline(underlay: UnderlayEndpoint(address: local, mac: MACAddress(0x0A, 0, 0, 0, 0, 1), nextHopMAC: .broadcast),
                     routerMAC: routerMAC, maxPorts: 4, connectionCapacity: 4096, connectionsPerENI: 1024,
                     mappingCapacity: 64, flowLogCapacity: 1024)
    for (i, m) in members.enumerated() {
        let e = MappingEntry(underlay: .v4(m.host), eni: m.eni, mac: m.mac, version: 1)
        p.mappings.insert(vni: 42, .v4(m.ip), e)
        p.mappings.insert(vni: 42, .v6(m.ip6), e)
        guard m.host == local else { continue }
        p.install(ENIPort(index: i, eni: m.eni, mac: m.mac, vni: 42, vpcIPv4: vpc,
                          subnetIPv4: IPPrefix(IPv4Address(10, 0, m.subnet, 0), length: 24),
                          ipv4Addresses: [m.ip, IPv4Address(10, 0, m.subnet, 100)], ipv6Addresses: [m.ip6],
                          subnetIPv6: IPPrefix(m.ip6, length: 64), sourceDestCheck: i != 2,
                          connectionLimit: i == 1 ? 8 : nil, securityGroups: SecurityGroupPolicy(rules: rules),
                          networkACL: acl, routeTable: routes))
    }
    p.interfaces.replace(with: members.enumerated().map { i, m in
        InterfaceDirectory.Location(vni: 42, entry: MappingEntry(underlay: .v4(m.host), eni: m.eni, mac: m.mac, version: 1),
                                    sourceDestCheck: i != 2, ipv4: m.ip)
    })
    return p
}()
nonisolated(unsafe) var runs: UInt32 = 0
nonisolated(unsafe) var churn = PipelineChurn()
nonisolated(unsafe) let big = UnsafeMutableRawBufferPointer.allocate(byteCount: 9216 + 70, alignment: 16)
nonisolated(unsafe) let small = UnsafeMutableRawBufferPointer.allocate(byteCount: 40, alignment: 16)

@main enum FuzzPipelineInstance {
    static func main() {
        fuzzMain { data, size in
            guard size >= 2, let data else { return 0 }
            let port = Int(data[0] & 3), mode = data[1]
            runs &+= 1
            let now = runs >> 6
            churn.step(pipeline, run: runs, now: now)
            withFuzzInput(data + 2, size - 2) { frame in
                if port < 3 {
                    let m = members[port]
                    if mode & 1 != 0 && frame.count >= 12 {
                        frame.storeBytes(of: UInt16(truncatingIfNeeded: m.mac.value >> 32).bigEndian, toByteOffset: 6, as: UInt16.self)
                        frame.storeBytes(of: UInt32(truncatingIfNeeded: m.mac.value).bigEndian, toByteOffset: 8, as: UInt32.self)
                    }
                    if mode & 2 != 0 && frame.count >= 34 && frame[12] == 0x08 && frame[13] == 0 {
                        frame.storeBytes(of: m.ip.value.bigEndian, toByteOffset: 26, as: UInt32.self)
                    }
                }
                let out = mode & 4 != 0 ? small : big
                let a = pipeline.processFromInstance(frame, length: frame.count, port: port, now: now, out: out)
                switch a {
                case .deliver(let p, let off, let len):
                    fuzzCheck(p >= 0 && p < 3 && off == 0 && len == frame.count, "deliver in bounds")
                case .sendToHost(let len):
                    fuzzCheck(len <= out.count && len == frame.count + Pipeline.encapsulationOverhead, "encap in bounds")
                case .replyToInstance(let len):
                    fuzzCheck(len > 0 && len <= out.count, "reply in bounds")
                default:
                    break
                }
            }
            return 0
        }
    }
}
