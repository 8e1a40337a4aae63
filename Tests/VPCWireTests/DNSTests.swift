import Testing
import VPCWire

@Suite struct DNSTests {
    /// dns.pcap: 0/1 A query/answer, 2/3 AAAA, 4/5 PTR (dig against a python responder).
    func message(_ i: Int) throws -> [UInt8] { Array(try Fixture.frame("dns.pcap", i)[42...]) }
    let name = DNSName("ip-10-99-0-5.ec2.internal")!

    @Test func deconstruct() throws {
        try message(0).withUnsafeBytes { b in
            let m = try DNSMessage(checking: b)
            #expect(m.id == 49398 && !m.flags.isResponse && m.flags.recursionDesired && m.flags.opcode == 0)
            #expect(m.questionCount == 1 && m.answerCount == 0 && m.authorityCount == 0 && m.additionalCount == 1)
        }
        try message(1).withUnsafeBytes { b in
            let m = try DNSMessage(checking: b)
            #expect(m.flags.isResponse && m.flags.authoritative && m.flags.responseCode == .noError && m.answerCount == 1)
        }
    }

    @Test func parse() throws {
        let q = try message(0).withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(q.id == 49398 && q.questions == [DNSQuestion(name: name, type: .a)] && q.answers.isEmpty)
        let a = try message(1).withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(a.answers == [DNSRecord(name: name, ttl: 60, data: .a(IPv4Address(10, 99, 0, 5)))])
        let aaaa = try message(3).withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(aaaa.questions.first?.type == .aaaa && aaaa.answers.first?.data == .aaaa(IPv6Address("fd00:99::5")!))
        let ptrQ = try message(4).withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(ptrQ.questions.first?.name == DNSName(reverse: IPv4Address(10, 99, 0, 5)))
        #expect(ptrQ.questions.first?.name.description == "5.0.99.10.in-addr.arpa")
        let ptr = try message(5).withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(ptr.answers.first?.data == .ptr(name))
    }

    @Test func construct() throws {
        // Answering each captured query reproduces the responder's bytes exactly.
        let answers: [(Int, DNSRecord.Data)] = [
            (0, .a(IPv4Address(10, 99, 0, 5))), (2, .aaaa(IPv6Address("fd00:99::5")!)), (4, .ptr(name)),
        ]
        for (i, data) in answers {
            let q = try message(i).withUnsafeBytes { try DNSRepr.parse($0) }
            var r = q.response(answers: [DNSRecord(name: q.questions[0].name, ttl: 60, data: data)])
            r.flags.authoritative = true // the responder sent 0x8580: QR AA RD RA
            #expect(try emitted(512) { try r.emit(into: $0) } == (try message(i + 1)), "answer to #\(i)")
        }
    }

    @Test func emit() throws {
        let q = DNSRepr(id: 7, flags: DNSFlags(rawValue: 0x0100), questions: [DNSQuestion(name: DNSName(reverse: IPv6Address("2001:db8::1")!), type: .ptr)])
        let r = q.response(answers: [
            DNSRecord(name: q.questions[0].name, ttl: 5, data: .ptr(DNSName("host.example")!)),
            DNSRecord(name: DNSName("other.example")!, ttl: 5, data: .cname(DNSName("x.example")!)),
            DNSRecord(name: DNSName("t.example")!, ttl: 5, data: .other(type: .txt, bytes: [3, 0x61, 0x62, 0x63])),
        ], responseCode: .nameError)
        let b = try emitted(512) { try r.emit(into: $0) }
        let back = try b.withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(back == r && back.flags.responseCode == .nameError && back.flags.recursionDesired)
        #expect(q.questions[0].name.description == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
        #expect(throws: WireError(.truncated, .dns)) { try emitted(40) { try r.emit(into: $0) } }
    }

    @Test func forwarding() throws {
        // Forwarding rewrites the id in place and leaves the rest alone.
        var m = try message(0)
        let before = m
        m.withUnsafeMutableBytes { DNSMessage(unchecked: UnsafeRawBufferPointer($0)).id = 0xBEEF }
        #expect(Array(m[0..<2]) == [0xBE, 0xEF] && Array(m[2...]) == Array(before[2...]))
    }

    @Test func compressionLoopsAreBounded() throws {
        let header: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        // Pointer to itself.
        let selfLoop = header + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: WireError(.malformed, .dns)) { try selfLoop.withUnsafeBytes { _ = try DNSRepr.parse($0) } }
        // Forward pointer (would allow loops): rejected.
        let forward = header + [0xC0, 14, 1, 0x61, 0, 0, 1, 0, 1]
        #expect(throws: WireError(.malformed, .dns)) { try forward.withUnsafeBytes { _ = try DNSRepr.parse($0) } }
        // Two pointers pointing at each other.
        let pingPong = header + [0xC0, 14, 0xC0, 12, 0, 1, 0, 1]
        #expect(throws: WireError(.malformed, .dns)) { try pingPong.withUnsafeBytes { _ = try DNSRepr.parse($0) } }
        // A valid backward chain decompresses.
        let answer = try message(1)
        let r = try answer.withUnsafeBytes { try DNSRepr.parse($0) }
        #expect(r.answers[0].name == name)
        // Reserved label type 0x40.
        let ext = header + [0x41, 0, 0, 1, 0, 1]
        #expect(throws: WireError(.malformed, .dns)) { try ext.withUnsafeBytes { _ = try DNSRepr.parse($0) } }
        // A name longer than 255 bytes.
        var long = header
        for _ in 0..<5 { long += [63] + [UInt8](repeating: 0x61, count: 63) }
        long += [0, 0, 1, 0, 1]
        #expect(throws: WireError(.malformed, .dns)) { try long.withUnsafeBytes { _ = try DNSRepr.parse($0) } }
    }

    @Test func names() {
        #expect(DNSName("a..b") == nil)
        #expect(DNSName(String(repeating: "a", count: 64)) == nil)
        #expect(DNSName(".")?.labels.isEmpty == true && DNSName(".")?.description == ".")
        #expect(DNSName("EC2.Internal.")!.lowercased() == DNSName("ec2.internal"))
    }

    @Test func truncation() throws {
        for i in 0..<6 {
            let m = try message(i)
            // Additional records are not parsed, so the query's trailing OPT record may be cut.
            let q = try m.withUnsafeBytes { try DNSRepr.parse($0) }
            let needed = i % 2 == 0 ? 12 + q.questions[0].name.wireLength + 4 : m.count
            checkTruncations(m, mustThrowBelow: needed) { _ = try DNSRepr.parse($0) }
        }
    }
}
