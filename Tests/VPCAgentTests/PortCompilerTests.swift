import Testing
import VPCAgent
import VPCDataplane
import VPCHostServices
import VPCModel
import VPCWire

/// A TCP tuple.
func tcp(_ s: IPv4Address, _ sp: UInt16, _ d: IPv4Address, _ dp: UInt16) -> FlowTuple {
    FlowTuple(proto: 6, source: .v4(s), destination: .v4(d), sourcePort: sp, destinationPort: dp)
}

@Suite struct PortCompilerTests {
    func compile(_ i: InterfaceSpec = Fixtures.interface(), network: NetworkSpec = Fixtures.network()) throws -> CompiledPort {
        try PortCompiler.compile(i, of: Fixtures.instance(interfaces: [i]), index: 3, network: network).get()
    }

    @Test func portCarriesAddressesGatewayResolverAndVNI() throws {
        let c = try compile()
        #expect(c.port.index == 3)
        #expect(c.port.eni == 0xA)
        #expect(c.port.mac == MACAddress(2, 0, 0, 0, 0, 0x0a))
        #expect(c.port.vni == 4242)
        #expect(c.port.ipv4Addresses == [IPv4Address(10, 0, 1, 10)])
        #expect(c.port.gateway == IPv4Address(10, 0, 1, 1))
        #expect(c.port.dnsResolver == IPv4Address(10, 0, 0, 2))
        #expect(c.instanceId == "i-a" && c.networkInterfaceId == Fixtures.eniA)
    }

    /// The interface's idle timeouts reach its port: AWS's defaults where it sets none, and
    /// values outside AWS's ranges held to them.
    @Test func connectionTimeoutsFollowTheInterface() throws {
        #expect(try compile().port.connectionTimeouts == .aws)
        var i = Fixtures.interface()
        i.tcpEstablishedTimeout = 120
        i.udpTimeout = 10
        let t = try compile(i).port.connectionTimeouts
        #expect(t.tcpEstablished == 120 && t.udp == 30 && t.udpStream == ConnectionTimeouts.aws.udpStream)
    }

    @Test func leaseAndZoneFollowTheVPC() throws {
        let c = try compile()
        #expect(c.lease.address == IPv4Address(10, 0, 1, 10) && c.lease.prefixLength == 24)
        #expect(c.lease.router == IPv4Address(10, 0, 1, 1))
        #expect(c.lease.domainNameServers == [IPv4Address(10, 0, 0, 2)])
        #expect(c.lease.domainName == "eu-west-1.compute.internal" && c.lease.mtu == 9001 && c.lease.leaseSeconds == 3600)
        #expect(c.lease.hostName == "ip-10-0-1-10")
        #expect(c.zone.domain == DNSName("eu-west-1.compute.internal"))
        #expect(c.zone.enableDnsSupport && !c.zone.enableDnsHostnames)
        #expect(c.zone.hosts == [IPv4Address(10, 0, 1, 10), IPv4Address(10, 0, 1, 11)])
    }

    @Test func leaseServersComeFromTheOptionSet() throws {
        var n = Fixtures.network()
        n.domainNameServers = ["10.9.9.9", "AmazonProvidedDNS", "fd00::53"]
        n.ntpServers = ["10.8.8.8", "fd00::123"]
        let c = try compile(network: n)
        #expect(c.lease.domainNameServers == [IPv4Address(10, 9, 9, 9), IPv4Address(10, 0, 0, 2)])
        #expect(c.lease.ntpServers == [IPv4Address(10, 8, 8, 8)])
        n.domainNameServers = []  // a set without domain-name-servers: none
        #expect(try compile(network: n).lease.domainNameServers.isEmpty)
    }

    @Test func securityGroupsAreTheUnionAndUnparseablePeersGrantNothing() throws {
        let c = try compile()
        let sg = c.port.securityGroups
        #expect(sg.evaluate(direction: .ingress, tuple: tcp(IPv4Address(10, 0, 2, 5), 40000, IPv4Address(10, 0, 1, 10), 22)).isAllowed)
        #expect(!sg.evaluate(direction: .ingress, tuple: tcp(IPv4Address(192, 0, 2, 5), 40000, IPv4Address(10, 0, 1, 10), 22)).isAllowed)
        #expect(!sg.evaluate(direction: .ingress, tuple: tcp(IPv4Address(10, 0, 2, 5), 40000, IPv4Address(10, 0, 1, 10), 80)).isAllowed)
        let none = try compile(Fixtures.interface(groups: ["sg-unknown"]))
        #expect(!none.port.securityGroups.evaluate(direction: .egress, tuple: tcp(IPv4Address(10, 0, 1, 10), 40000, IPv4Address(10, 0, 2, 5), 22)).isAllowed)
    }

    @Test func networkACLWithAnUnparseableEntryDeniesEverything() throws {
        let bad = Fixtures.network(aclEntries: [
            NetworkAclEntrySpec(ruleNumber: 50, egress: false, allow: false, ipProtocol: -1, cidr: "10.0.9.0/33", fromPort: -1, toPort: -1),
            NetworkAclEntrySpec(ruleNumber: 100, egress: false, allow: true, ipProtocol: -1, cidr: "0.0.0.0/0", fromPort: -1, toPort: -1),
        ])
        let acl = try compile(network: bad).port.networkACL
        let t = tcp(IPv4Address(10, 0, 9, 1), 40000, IPv4Address(10, 0, 1, 10), 22)
        #expect(!acl.evaluate(direction: .ingress, tuple: t).allowed)
        let good = try compile().port.networkACL
        #expect(good.evaluate(direction: .ingress, tuple: t).allowed)
        #expect(good.evaluate(direction: .ingress, tuple: t).ruleNumber == 100)
    }

    @Test func routesMapTargetsAndUnknownKindsBecomeBlackholes() throws {
        let rt = try compile().port.routeTable
        #expect(rt.longestPrefixMatch(IPv4Address(10, 0, 7, 7))?.target == .local)
        #expect(rt.longestPrefixMatch(IPv4Address(8, 8, 8, 8))?.target == .internetGateway(0x1234_5678_9abc_def0))  // the 16 digits after the leading 0
        #expect(rt.longestPrefixMatch(IPv4Address(192, 168, 1, 1))?.target == .blackhole)
    }

    @Test(arguments: [
        Fixtures.interface("eni-bad"),
        Fixtures.interface(mac: "03:00:00:00:00:01"),          // multicast MAC
        Fixtures.interface(ip: "10.0.1"),
        InterfaceSpec(networkInterfaceId: Fixtures.eniA, deviceIndex: 0, macAddress: "02:00:00:00:00:0a", vpcId: "vpc-1",
                      subnetId: "subnet-missing", privateIpAddresses: ["10.0.1.10"], ipv6Addresses: [],
                      securityGroupIds: [], sourceDestCheck: true),
    ])
    func unusableInterfacesGetNoPort(_ i: InterfaceSpec) {
        let r = PortCompiler.compile(i, of: Fixtures.instance(interfaces: [i]), index: 0, network: Fixtures.network())
        #expect(throws: PortCompiler.Problem.self) { try r.get() }
    }

    @Test func mappingsCarryUnderlayENIMacAndVersion() {
        let m = PortCompiler.mappings(Fixtures.network(), version: 17)
        #expect(m.count == 2)
        let b = m.first { $0.address == .v4(IPv4Address(10, 0, 1, 11)) }
        #expect(b?.vni == 4242)
        #expect(b?.entry == MappingEntry(underlay: .v4(IPv4Address(192, 0, 2, 2)), underlayPort: 6081, eni: 0xB,
                                         mac: MACAddress(2, 0, 0, 0, 0, 0x0b), version: 17))
    }

    @Test func cidrAndTargetParsing() {
        #expect(IPPrefix(cidr: "10.0.0.0/16") == IPPrefix(IPv4Address(10, 0, 0, 0), length: 16))
        #expect(IPPrefix(cidr: "2600:1f14::/56")?.family == .v6)
        #expect(IPPrefix(cidr: "10.0.0.0") == nil && IPPrefix(cidr: "10.0.0.0/33") == nil && IPPrefix(cidr: "x/8") == nil)
        #expect(RouteTarget(feedTarget: "local") == .local)
        #expect(RouteTarget(feedTarget: "pcx-0000000000000000f") == .vpcPeering(15))
        #expect(RouteTarget(feedTarget: "eni-0000000000000001f") == .networkInterface(0x1f))
        #expect(RouteTarget(feedTarget: "vgw-1") == nil)
    }
}
