import Testing
import VPCHostServices
import VPCWire

@Suite struct DNSResolverTests {
    let zone = ResolverZone(enableDnsSupport: true, enableDnsHostnames: true, domain: DNSName("ec2.internal")!,
                            blocks: [IPv4Address(10, 0, 0, 0).value...IPv4Address(10, 0, 255, 255).value],
                            hosts: [IPv4Address(10, 0, 1, 10), IPv4Address(10, 0, 1, 11)])

    func query(_ name: String, _ type: DNSRecordType = .a, to server: IPv4Address = IPv4Address(10, 0, 0, 2)) -> [UInt8] {
        var flags = DNSFlags(rawValue: 0)
        flags.recursionDesired = true
        let q = DNSRepr(id: 0xBEEF, flags: flags, questions: [DNSQuestion(name: DNSName(name)!, type: type)])
        var p = [UInt8](repeating: 0, count: 512)
        let n = p.withUnsafeMutableBytes { try! q.emit(into: $0) }
        return Frames.udp(UDPFrame(sourceMAC: Frames.client, destinationMAC: Frames.router, source: .v4(IPv4Address(10, 0, 1, 10)),
                                   destination: .v4(server), sourcePort: 40000, destinationPort: 53),
                          payload: Array(p[0..<n]))
    }

    func answer(_ frame: [UInt8], zone: ResolverZone? = nil) -> [UInt8]? {
        Frames.reply(frame) { DNSResolver.reply(toFrame: $0, zone: zone ?? self.zone, routerMAC: Frames.router, into: $1) }
    }

    func response(_ frame: [UInt8], zone: ResolverZone? = nil) throws -> (UDPFrame, DNSRepr) {
        let reply = try #require(answer(frame, zone: zone))
        let (udp, payload) = try #require(Frames.payload(reply))
        return (udp, try payload.withUnsafeBytes { try DNSRepr.parse($0) })
    }

    /// The A answer, byte for byte, as an independent encoder (Python struct) builds it.
    @Test func privateNameAnswerIsExact() {
        let expected = Frames.bytes(hex: "02000000000a027670630001080045000057000000004011658b0a0000020a00010a00359c4000430233beef818000010001000000000c69702d31302d302d312d31310365633208696e7465726e616c0000010001c00c000100010000003c00040a00010b")
        #expect(answer(query("ip-10-0-1-11.ec2.internal")) == expected)
    }

    @Test func linkLocalResolverAnswersFromItsOwnAddress() throws {
        let (udp, r) = try response(query("IP-10-0-1-10.EC2.internal", to: IPv4Address(169, 254, 169, 253)))
        #expect(udp.source == .v4(IPv4Address(169, 254, 169, 253)))
        #expect(r.answers.map(\.data) == [.a(IPv4Address(10, 0, 1, 10))])
        #expect(r.answers.first?.name == DNSName("IP-10-0-1-10.EC2.internal"))  // owner spelled as asked
    }

    @Test func reverseLookupOfAnENIAddress() throws {
        let (_, r) = try response(query("11.1.0.10.in-addr.arpa", .ptr))
        #expect(r.flags.responseCode == .noError)
        #expect(r.answers.map(\.data) == [.ptr(DNSName("ip-10-0-1-11.ec2.internal")!)])
    }

    @Test(arguments: [
        ("ip-10-0-1-99.ec2.internal", DNSRecordType.a, DNSResponseCode.nameError),   // no ENI has it
        ("ip-10-0-1-010.ec2.internal", .a, .nameError),                              // not the canonical spelling
        ("www.ec2.internal", .a, .nameError),
        ("99.1.0.10.in-addr.arpa", .ptr, .nameError),                                // in the VPC, no ENI
        ("1.1.168.192.in-addr.arpa", .ptr, .refused),                                // outside the VPC
        ("example.com", .a, .refused),                                               // no forwarding
        ("ip-10-0-1-11.eu-west-1.compute.internal", .a, .refused),                   // another region's domain
    ])
    func responseCodes(_ name: String, _ type: DNSRecordType, _ code: DNSResponseCode) throws {
        let (_, r) = try response(query(name, type))
        #expect(r.flags.responseCode == code)
        #expect(r.answers.isEmpty)
        #expect(r.id == 0xBEEF && r.flags.isResponse && r.flags.recursionDesired)
    }

    @Test func otherTypesOfAKnownNameHaveNoData() throws {
        let (_, r) = try response(query("ip-10-0-1-11.ec2.internal", .aaaa))
        #expect(r.flags.responseCode == .noError && r.answers.isEmpty)
    }

    @Test func withoutDnsHostnamesPrivateNamesDoNotResolve() throws {
        var z = zone
        z.enableDnsHostnames = false
        #expect(try response(query("ip-10-0-1-11.ec2.internal"), zone: z).1.flags.responseCode == .nameError)
        #expect(try response(query("11.1.0.10.in-addr.arpa", .ptr), zone: z).1.flags.responseCode == .nameError)
    }

    @Test func withoutDnsSupportNothingIsAnswered() {
        var z = zone
        z.enableDnsSupport = false
        #expect(answer(query("ip-10-0-1-11.ec2.internal"), zone: z) == nil)
        #expect(answer(query("example.com"), zone: z) == nil)
    }

    @Test func responsesAreNotAnswered() {
        var frame = query("ip-10-0-1-11.ec2.internal")
        frame[14 + 20 + 8 + 2] |= 0x80  // QR
        // fix the UDP checksum by rebuilding through the emitter
        let payload = Array(frame[(14 + 20 + 8)...])
        frame = Frames.udp(UDPFrame(sourceMAC: Frames.client, destinationMAC: Frames.router, source: .v4(IPv4Address(10, 0, 1, 10)),
                                    destination: .v4(IPv4Address(10, 0, 0, 2)), sourcePort: 40000, destinationPort: 53),
                           payload: payload)
        #expect(answer(frame) == nil)
    }

    @Test func garbageWithAHeaderGetsFormatError() throws {
        let payload: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3F]
        let frame = Frames.udp(UDPFrame(sourceMAC: Frames.client, destinationMAC: Frames.router, source: .v4(IPv4Address(10, 0, 1, 10)),
                                        destination: .v4(IPv4Address(10, 0, 0, 2)), sourcePort: 40000, destinationPort: 53),
                               payload: payload)
        let (_, r) = try response(frame)
        #expect(r.id == 0x1234 && r.flags.responseCode == .formatError)
    }

    /// One question, no records but an EDNS OPT: anything else is refused unread, so a
    /// query of 64 questions and 64 answers cannot make the shared thread parse them all.
    @Test func onlyOneQuestionIsRead() throws {
        let name: [UInt8] = [12] + Array("ip-10-0-1-11".utf8) + [3] + Array("ec2".utf8) + [8] + Array("internal".utf8) + [0]
        func frame(questions: Int, answers: Int = 0, additional: [UInt8] = [], additionalCount: Int = 0) -> [UInt8] {
            var p: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0x00, UInt8(questions), 0x00, UInt8(answers), 0x00, 0x00, 0x00, UInt8(additionalCount)]
            for _ in 0..<questions { p += name + [0x00, 0x01, 0x00, 0x01] }
            for _ in 0..<answers { p += [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 0x04, 10, 0, 1, 11] }
            p += additional
            return Frames.udp(UDPFrame(sourceMAC: Frames.client, destinationMAC: Frames.router, source: .v4(IPv4Address(10, 0, 1, 10)),
                                       destination: .v4(IPv4Address(10, 0, 0, 2)), sourcePort: 40000, destinationPort: 53),
                              payload: p)
        }
        let opt: [UInt8] = [0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x00]  // EDNS0, 4096-byte UDP payload
        let (_, edns) = try response(frame(questions: 1, additional: opt, additionalCount: 1))
        #expect(edns.flags.responseCode == .noError && edns.answers.map(\.data) == [.a(IPv4Address(10, 0, 1, 11))])
        for bad in [frame(questions: 2), frame(questions: 1, answers: 1), frame(questions: 0),
                    frame(questions: 1, additional: opt + opt, additionalCount: 2)] {
            let (_, r) = try response(bad)
            #expect(r.flags.responseCode == .formatError && r.questions.isEmpty && r.answers.isEmpty)
        }
    }

    @Test func privateDomainPerRegion() {
        #expect(ResolverZone.privateDomain(region: "us-east-1") == "ec2.internal")
        #expect(ResolverZone.privateDomain(region: "eu-west-1") == "eu-west-1.compute.internal")
        #expect(ResolverZone.hostLabel(IPv4Address(172, 31, 0, 5)) == "ip-172-31-0-5")
    }
}

@Suite struct DNSResolverIPv6Tests {
    @Test func queryToTheIPv6ResolverIsAnsweredFromIt() throws {
        let zone = ResolverZone(enableDnsSupport: true, enableDnsHostnames: true, domain: DNSName("ec2.internal")!,
                                blocks: [IPv4Address(10, 0, 0, 0).value...IPv4Address(10, 0, 255, 255).value],
                                hosts: [IPv4Address(10, 0, 1, 11)])
        let resolver = IPv6Address("fd00:ec2::253")!, client = IPv6Address("2600:1f14::10")!
        let q = DNSRepr(id: 7, flags: DNSFlags(rawValue: 0x0100),
                        questions: [DNSQuestion(name: DNSName("ip-10-0-1-11.ec2.internal")!, type: .a)])
        var p = [UInt8](repeating: 0, count: 512)
        let n = p.withUnsafeMutableBytes { try! q.emit(into: $0) }
        let frame = Frames.udp(UDPFrame(sourceMAC: Frames.client, destinationMAC: Frames.router, source: .v6(client),
                                        destination: .v6(resolver), sourcePort: 5353, destinationPort: 53),
                               payload: Array(p[0..<n]))
        let reply = try #require(Frames.reply(frame) { DNSResolver.reply(toFrame: $0, zone: zone, routerMAC: Frames.router, into: $1) })
        let (udp, payload) = try #require(Frames.payload(reply))  // UDP checksum over IPv6 verified
        #expect(udp.source == .v6(resolver) && udp.destination == .v6(client) && udp.destinationPort == 5353)
        let r = try payload.withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(r.answers.map(\.data) == [.a(IPv4Address(10, 0, 1, 11))])
    }
}
