public import VPCWire

/// What the VPC's DHCP service hands one ENI (AWS: "DHCP option sets in Amazon VPC"):
/// its primary private address, the subnet's mask and router (base+1), the DNS and NTP
/// servers and domain name of the VPC's option set, MTU 9001 and a one-hour lease.
public struct DHCPLease: Hashable, Sendable {
    /// The ENI's MAC: requests from any other hardware address are ignored.
    public var clientMAC: MACAddress
    public var address: IPv4Address
    public var prefixLength: Int
    /// The subnet router (base+1); also the server identifier and the replies' source.
    public var router: IPv4Address
    /// Option 6: the VPC's option set's `domain-name-servers` (AmazonProvidedDNS: base+2).
    public var domainNameServers: [IPv4Address]
    /// Option 42: the option set's `ntp-servers`.
    public var ntpServers: [IPv4Address]
    /// Option 15, e.g. `ec2.internal`; nil sends none.
    public var domainName: String?
    /// Option 12, the private DNS host label (`ip-10-0-1-5`); nil sends none.
    public var hostName: String?
    public var mtu: UInt16
    public var leaseSeconds: UInt32

    public init(clientMAC: MACAddress, address: IPv4Address, prefixLength: Int, router: IPv4Address,
                domainNameServers: [IPv4Address], domainName: String?, hostName: String? = nil,
                ntpServers: [IPv4Address] = [], mtu: UInt16 = 9001, leaseSeconds: UInt32 = 3600) {
        self.clientMAC = clientMAC; self.address = address; self.prefixLength = prefixLength; self.router = router
        self.domainNameServers = domainNameServers; self.domainName = domainName; self.hostName = hostName
        self.ntpServers = ntpServers
        self.mtu = mtu; self.leaseSeconds = leaseSeconds
    }

    public var subnetMask: IPv4Address {
        IPv4Address(value: prefixLength <= 0 ? 0 : UInt32.max << UInt32(32 - min(prefixLength, 32)))
    }

    public var broadcastAddress: IPv4Address { IPv4Address(value: address.value | ~subnetMask.value) }
}
