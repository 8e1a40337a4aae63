import Testing
import VPCHostServices
import VPCWire

@Suite struct DHCPServerTests {
    let lease = DHCPLease(clientMAC: Frames.client, address: IPv4Address(10, 0, 1, 10), prefixLength: 24,
                          router: IPv4Address(10, 0, 1, 1), domainNameServers: [IPv4Address(10, 0, 0, 2)],
                          domainName: "ec2.internal", hostName: "ip-10-0-1-10")

    func request(_ type: DHCPMessageType, requested: IPv4Address? = nil, server: IPv4Address? = nil,
                 ciaddr: IPv4Address = .any, broadcast: Bool = false, mac: MACAddress = Frames.client) -> DHCPRepr {
        DHCPRepr(op: 1, messageType: type, transactionID: 0x1234_5678, clientHardwareAddress: mac, broadcast: broadcast,
                 clientAddress: ciaddr, requestedIPAddress: requested, serverIdentifier: server,
                 parameterRequestList: [1, 3, 6, 15, 26])
    }

    func answer(_ r: DHCPRepr, mac: MACAddress = Frames.client) -> [UInt8]? {
        Frames.reply(Frames.dhcp(r, from: mac, source: r.clientAddress)) {
            DHCPServer.reply(toFrame: $0, lease: lease, routerMAC: Frames.router, into: $1)
        }
    }

    /// The OFFER frame, byte for byte, as an independent encoder (Python struct) builds it:
    /// unicast to the offered address at the client's MAC, from the subnet router.
    @Test func offerFrameIsExact() throws {
        let expected = Frames.bytes(hex: "02000000000a027670630001080045000154000000004011638f0a0001010a00010a0043004401407072020106001234567800000000000000000a00010a000000000000000002000000000a" + String(repeating: "00", count: 202) + "6382536335010236040a000101330400000e100104ffffff001c040a0001ff03040a00010106040a0000020f0c6563322e696e7465726e616c1a0223290c0c69702d31302d302d312d3130ff")
        #expect(answer(request(.discover)) == expected)
    }

    @Test func requestForTheLeaseIsAcknowledged() throws {
        let reply = try #require(answer(request(.request, requested: lease.address, server: lease.router)))
        let (udp, payload) = try #require(Frames.payload(reply))
        let ack = try payload.withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(ack.messageType == .ack)
        #expect(ack.yourAddress == lease.address)
        #expect(ack.interfaceMTU == 9001)
        #expect(ack.leaseTime == 3600)
        #expect(ack.routers == [IPv4Address(10, 0, 1, 1)])
        #expect(ack.domainNameServers == [IPv4Address(10, 0, 0, 2)])
        #expect(ack.subnetMask == IPv4Address(255, 255, 255, 0))
        #expect(ack.broadcastAddress == IPv4Address(10, 0, 1, 255))
        #expect(ack.domainName == "ec2.internal")
        #expect(udp.destination == .v4(lease.address) && udp.destinationMAC == Frames.client)
        #expect(udp.sourcePort == 67 && udp.destinationPort == 68)
    }

    /// NTP servers of the option set go out as option 42; a domain name longer than option
    /// 15 holds is left out, and the lease still given.
    @Test func ntpServersAndAnOverlongDomainName() throws {
        var l = lease
        l.ntpServers = [IPv4Address(10, 8, 8, 8)]
        l.domainName = String(repeating: "a", count: 256)
        let reply = try #require(Frames.reply(Frames.dhcp(request(.discover))) {
            DHCPServer.reply(toFrame: $0, lease: l, routerMAC: Frames.router, into: $1)
        })
        let (_, payload) = try #require(Frames.payload(reply))
        let offer = try payload.withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(offer.messageType == .offer && offer.yourAddress == lease.address)
        #expect(offer.ntpServers == [IPv4Address(10, 8, 8, 8)] && offer.domainName == nil)
    }

    @Test func requestForAnotherAddressIsRefusedWithABroadcastNAK() throws {
        let reply = try #require(answer(request(.request, requested: IPv4Address(10, 0, 1, 99))))
        let (udp, payload) = try #require(Frames.payload(reply))
        let nak = try payload.withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(nak.messageType == .nak)
        #expect(nak.yourAddress == .any && nak.leaseTime == nil && nak.routers.isEmpty)
        #expect(nak.serverIdentifier == lease.router)
        #expect(udp.destination == .v4(.broadcast) && udp.destinationMAC == .broadcast)
    }

    @Test func renewalIsUnicastToTheClientAddress() throws {
        let reply = try #require(answer(request(.request, ciaddr: lease.address)))
        let (udp, payload) = try #require(Frames.payload(reply))
        let ack = try payload.withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(ack.messageType == .ack && ack.clientAddress == lease.address)
        #expect(udp.destination == .v4(lease.address))
    }

    @Test func broadcastFlagIsHonoured() throws {
        let reply = try #require(answer(request(.discover, broadcast: true)))
        let (udp, _) = try #require(Frames.payload(reply))
        #expect(udp.destination == .v4(.broadcast) && udp.destinationMAC == .broadcast)
    }

    @Test func informGetsConfigurationWithoutALease() throws {
        let reply = try #require(answer(request(.inform, ciaddr: lease.address)))
        let (_, payload) = try #require(Frames.payload(reply))
        let ack = try payload.withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(ack.messageType == .ack && ack.yourAddress == .any && ack.leaseTime == nil)
        #expect(ack.routers == [lease.router])
    }

    @Test(arguments: [DHCPMessageType.release, .decline, DHCPMessageType(rawValue: 42)])
    func messagesWithoutAReply(_ type: DHCPMessageType) {
        #expect(answer(request(type, requested: lease.address)) == nil)
    }

    @Test func requestToAnotherServerIsIgnored() {
        #expect(answer(request(.request, requested: lease.address, server: IPv4Address(10, 0, 1, 2))) == nil)
    }

    @Test func otherHardwareAddressesAreIgnored() {
        let other = MACAddress(0x02, 0, 0, 0, 0, 0x0b)
        #expect(answer(request(.discover, mac: other), mac: other) == nil)
        // chaddr claims the ENI but the frame comes from another MAC
        #expect(answer(request(.discover), mac: other) == nil)
    }

    @Test func truncatedFramesGetNothing() {
        let frame = Frames.dhcp(request(.discover))
        for n in stride(from: 0, to: frame.count, by: 7) {
            let r = Frames.reply(Array(frame[0..<n])) { DHCPServer.reply(toFrame: $0, lease: lease, routerMAC: Frames.router, into: $1) }
            #expect(r == nil)
        }
    }

    @Test func subnetMaskAndBroadcast() {
        var l = lease
        l.prefixLength = 20
        #expect(l.subnetMask == IPv4Address(255, 255, 240, 0))
        #expect(l.broadcastAddress == IPv4Address(10, 0, 15, 255))
    }
}
