public import VPCWire

/// One ENI attached to this host, as the agent installs it: where it is (port index, VNI),
/// who it is (ENI id, MAC, addresses) and the policy that applies to it.
public struct ENIPort: Sendable {
    /// Index of the ENI's TAP on this host; also its connection-tracking zone and flow-log id.
    public var index: Int
    /// ENI number (`eni-…` as a UInt64), carried in the Geneve ENI option.
    public var eni: UInt64
    public var mac: MACAddress
    /// The VPC's 24-bit network id (Geneve VNI).
    public var vni: UInt32
    /// Private IPv4 addresses, primary first.
    public var ipv4Addresses: [IPv4Address]
    public var ipv6Addresses: [IPv6Address]
    /// The subnet's blocks: network ACLs only apply to traffic leaving or entering them.
    public var subnetIPv4: IPPrefix
    public var subnetIPv6: IPPrefix?
    /// The subnet router (subnet base+1); ARP for it gets the VPC router MAC.
    public var gateway: IPv4Address
    /// The VPC resolver (VPC base+2).
    public var dnsResolver: IPv4Address
    /// Source/destination check (on by default; off for NAT and router instances).
    public var sourceDestCheck: Bool
    /// Whether flow-log records are kept for this ENI.
    public var flowLogs: Bool
    /// Per-ENI tracked-connection allowance; nil keeps the pipeline default.
    public var connectionLimit: Int?
    /// Idle timeouts of the ENI's tracked connections (its ConnectionTrackingSpecification).
    public var connectionTimeouts: ConnectionTimeouts
    public var securityGroups: SecurityGroupPolicy
    /// The network ACL of the ENI's subnet.
    public var networkACL: NetworkACL
    /// The route table of the ENI's subnet.
    public var routeTable: RouteTable

    /// The link-local resolver address every VPC answers on (AWS "Amazon DNS server").
    public static let linkLocalDNS = IPv4Address(169, 254, 169, 253)
    /// The IPv6 resolver address on Nitro instances (fd00:ec2::253).
    public static let linkLocalDNSv6 = IPv6Address(high: 0xFD00_0EC2_0000_0000, low: 0x253)

    /// Derives the gateway (subnet base+1) and resolver (VPC base+2) from the blocks.
    public init(index: Int, eni: UInt64, mac: MACAddress, vni: UInt32, vpcIPv4: IPPrefix, subnetIPv4: IPPrefix,
                ipv4Addresses: [IPv4Address], ipv6Addresses: [IPv6Address] = [], subnetIPv6: IPPrefix? = nil,
                sourceDestCheck: Bool = true, flowLogs: Bool = true, connectionLimit: Int? = nil,
                connectionTimeouts: ConnectionTimeouts = .aws,
                securityGroups: SecurityGroupPolicy, networkACL: NetworkACL = .defaultACL, routeTable: RouteTable) {
        self.index = index; self.eni = eni; self.mac = mac; self.vni = vni
        self.ipv4Addresses = ipv4Addresses; self.ipv6Addresses = ipv6Addresses
        self.subnetIPv4 = subnetIPv4; self.subnetIPv6 = subnetIPv6
        self.gateway = IPv4Address(value: UInt32(truncatingIfNeeded: subnetIPv4.first.low) &+ 1)
        self.dnsResolver = IPv4Address(value: UInt32(truncatingIfNeeded: vpcIPv4.first.low) &+ 2)
        self.sourceDestCheck = sourceDestCheck; self.flowLogs = flowLogs; self.connectionLimit = connectionLimit
        self.connectionTimeouts = connectionTimeouts
        self.securityGroups = securityGroups; self.networkACL = networkACL; self.routeTable = routeTable
    }

    public func owns(_ a: IPv4Address) -> Bool { ipv4Addresses.contains(a) }
    public func owns(_ a: IPv6Address) -> Bool { ipv6Addresses.contains(a) }
}

/// This host's side of the underlay: the outer source of Geneve packets.
public struct UnderlayEndpoint: Hashable, Sendable {
    public var address: IPv4Address
    public var mac: MACAddress
    /// MAC of the underlay next hop (the host's default gateway or a peer on the same link).
    public var nextHopMAC: MACAddress

    public init(address: IPv4Address, mac: MACAddress, nextHopMAC: MACAddress) {
        self.address = address; self.mac = mac; self.nextHopMAC = nextHopMAC
    }
}

/// The hot-path copy of an installed port: plain values and unretained references (the
/// `ENIPort` held in `Pipeline.configs` keeps the objects alive).

struct PortState {
    var active: Bool
    var sourceDestCheck: Bool
    var flowLogs: Bool
    /// More than one IPv4 (IPv6) address: look in the config after the primary.
    var moreIPv4: Bool
    var moreIPv6: Bool
    var hasIPv6: Bool
    var vni: UInt32
    var eni: UInt64
    var mac: MACAddress
    var ipv4: UInt32
    var ipv6: AddressKey
    var gateway: UInt32
    var dns: UInt32
    var subnet4First: UInt32
    var subnet4Last: UInt32
    var subnet6First: AddressKey
    var subnet6Last: AddressKey
    var securityGroups: Unmanaged<SecurityGroupPolicy>
    var networkACL: Unmanaged<NetworkACL>
    var routeTable: Unmanaged<RouteTable>

    init(_ p: ENIPort) {
        active = true
        sourceDestCheck = p.sourceDestCheck
        flowLogs = p.flowLogs
        moreIPv4 = p.ipv4Addresses.count > 1
        moreIPv6 = p.ipv6Addresses.count > 1
        hasIPv6 = !p.ipv6Addresses.isEmpty
        vni = p.vni
        eni = p.eni
        mac = p.mac
        ipv4 = p.ipv4Addresses.first?.value ?? 0
        ipv6 = p.ipv6Addresses.first.map { AddressKey($0) } ?? .zero
        gateway = p.gateway.value
        dns = p.dnsResolver.value
        subnet4First = UInt32(truncatingIfNeeded: p.subnetIPv4.first.low)
        subnet4Last = UInt32(truncatingIfNeeded: p.subnetIPv4.last.low)
        if let s6 = p.subnetIPv6, s6.family == .v6 {
            subnet6First = s6.first; subnet6Last = s6.last
        } else {
            subnet6First = .maxV6; subnet6Last = .zero  // empty range
        }
        securityGroups = .passUnretained(p.securityGroups)
        networkACL = .passUnretained(p.networkACL)
        routeTable = .passUnretained(p.routeTable)
    }

    /// Whether `key` (of `family`) lies in the ENI's subnet.
    @inline(__always)
    func inSubnet(_ family: IPFamily, _ key: AddressKey) -> Bool {
        if family == .v4 {
            let a = UInt32(truncatingIfNeeded: key.low)
            return a >= subnet4First && a <= subnet4Last
        }
        return subnet6First <= key && key <= subnet6Last
    }
}
