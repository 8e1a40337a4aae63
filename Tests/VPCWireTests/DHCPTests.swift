import Testing
import VPCWire

@Suite struct DHCPTests {
    /// The DHCP payload of dhcp.pcap frame `i`: 0 Discover, 1 Offer, 2 Request, 3 Ack (busybox udhcpc/udhcpd).
    func message(_ i: Int) throws -> [UInt8] { Array(try Fixture.frame("dhcp.pcap", i)[42...]) }

    @Test func deconstruct() throws {
        try message(0).withUnsafeBytes { b in
            let p = try DHCPPacket(checking: b)
            #expect(p.op == 1 && p.hardwareType == 1 && p.hardwareLength == 6 && p.clientHardwareAddress == macA)
            #expect(p.clientAddress == .any && p.yourAddress == .any)
            #expect(p.options[.messageType].map(Array.init) == [1])
            #expect(p.options[.hostName].map { String(decoding: $0, as: UTF8.self) } == "wirecap")
            #expect(p.options[.interfaceMTU] == nil)
            let codes = p.options.map(\.code.rawValue)
            #expect(codes == [53, 57, 55, 12, 60, 61])
        }
    }

    @Test func parse() throws {
        let discover = try message(0).withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(discover.messageType == .discover && discover.op == 1)
        #expect(discover.parameterRequestList == [1, 3, 6, 12, 15, 28, 42])
        #expect(discover.hostName == "wirecap" && discover.maximumMessageSize == 576)
        #expect(discover.clientIdentifier == [1, 2, 0, 0, 0, 0, 0x0a])
        let offer = try message(1).withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(offer.messageType == .offer && offer.op == 2 && offer.transactionID == discover.transactionID)
        #expect(offer.yourAddress == IPv4Address(10, 99, 0, 136) && offer.serverIdentifier == ipB)
        #expect(offer.leaseTime == 3600 && offer.routers == [ipB] && offer.domainNameServers == [ipB])
        #expect(offer.subnetMask == IPv4Address(255, 255, 255, 0) && offer.domainName == "ec2.internal")
        #expect(offer.interfaceMTU == 9001)
        let request = try message(2).withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(request.messageType == .request && request.requestedIPAddress == IPv4Address(10, 99, 0, 136))
        #expect(request.serverIdentifier == ipB)
        let ack = try message(3).withUnsafeBytes { try DHCPRepr.parse($0) }
        #expect(ack.messageType == .ack && ack.yourAddress == IPv4Address(10, 99, 0, 136))
    }

    /// What the VPC's DHCP service sends: an Offer like AWS's (MTU 9001, domain, DNS at base + 2).
    var awsOffer: DHCPRepr {
        DHCPRepr(op: 2, messageType: .offer, transactionID: 0x1234_5678, clientHardwareAddress: macA,
                 yourAddress: IPv4Address(10, 0, 1, 5), requestedIPAddress: nil, serverIdentifier: IPv4Address(10, 0, 0, 2),
                 leaseTime: 3600, renewalTime: 1800, rebindingTime: 3150, subnetMask: IPv4Address(255, 255, 255, 0),
                 broadcastAddress: IPv4Address(10, 0, 1, 255), routers: [IPv4Address(10, 0, 1, 1)],
                 domainNameServers: [IPv4Address(10, 0, 0, 2)], domainName: "ec2.internal", interfaceMTU: 9001,
                 hostName: "ip-10-0-1-5")
    }

    @Test func construct() throws {
        let b = try emitted(awsOffer.length) { try awsOffer.emit(into: $0) }
        #expect(b.count == awsOffer.length && b.count >= 300) // BOOTP minimum
        #expect(Array(b[0..<4]) == [2, 1, 6, 0])
        #expect(Array(b[16..<20]) == [10, 0, 1, 5])
        #expect(Array(b[236..<240]) == [0x63, 0x82, 0x53, 0x63])
        #expect(Array(b[240..<249]) == [53, 1, 2, 54, 4, 10, 0, 0, 2])
        let mtu = try #require(b.firstRange(of: [26, 2, 0x23, 0x29]))
        #expect(mtu.lowerBound > 240)
    }

    @Test func emit() throws {
        let b = try emitted(awsOffer.length) { try awsOffer.emit(into: $0) }
        #expect(try b.withUnsafeBytes { try DHCPRepr.parse($0) } == awsOffer)
        // Round trip of each captured message.
        for i in 0..<4 {
            let r = try message(i).withUnsafeBytes { try DHCPRepr.parse($0) }
            let out = try emitted(r.length) { try r.emit(into: $0) }
            #expect(try out.withUnsafeBytes { try DHCPRepr.parse($0) } == r)
        }
        var long = awsOffer
        long.hostName = String(repeating: "x", count: 256)
        #expect(throws: WireError(.malformed, .dhcp)) { try emitted(long.length) { try long.emit(into: $0) } }
    }

    @Test func malformed() throws {
        var m = try message(0)
        m[236] = 0 // cookie
        #expect(throws: WireError(.malformed, .dhcp)) { try m.withUnsafeBytes { _ = try DHCPPacket(checking: $0) } }
        m = try message(1)
        // Server id (54) with length 3.
        let i = try #require(m.firstRange(of: [54, 4])).lowerBound
        m[i + 1] = 3
        #expect(throws: WireError.self) { try m.withUnsafeBytes { _ = try DHCPRepr.parse($0) } }
        // No message type.
        m = try message(0)
        m[240] = 0; m[241] = 0; m[242] = 0
        #expect(throws: WireError(.malformed, .dhcp)) { try m.withUnsafeBytes { _ = try DHCPRepr.parse($0) } }
    }

    @Test func truncation() throws {
        let m = try message(1)
        let end = try #require(m.lastIndex(of: 255))
        // Every prefix that cuts the fixed header or an option TLV throws; after the last option it may parse.
        checkTruncations(m, mustThrowBelow: 240) { _ = try DHCPPacket(checking: $0) }
        var optionEnds: Set<Int> = [240]
        try m.withUnsafeBytes { b in for o in try DHCPPacket(checking: b).options { optionEnds.insert(o.data.baseAddress! - b.baseAddress! + o.data.count) } }
        for n in 240..<end where !optionEnds.contains(n) {
            #expect(throws: WireError(.truncated, .dhcp), "\(n)") { try Array(m[0..<n]).withUnsafeBytes { _ = try DHCPPacket(checking: $0) } }
        }
    }
}
