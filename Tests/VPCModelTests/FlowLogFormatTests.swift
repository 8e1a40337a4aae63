import Testing
import VPCModel

@Suite struct FlowLogFormatTests {
    let context = FlowLogContext(accountId: "123456789010", interfaceId: "eni-1235b8ca123456789", vpcId: "vpc-0a1b",
                                 subnetId: "subnet-0c2d", instanceId: "i-0e3f", region: "us-east-1", azId: "use1-az1")
    let ssh = FlowRecord(srcaddr: "172.31.16.139", dstaddr: "172.31.16.21", srcport: 20641, dstport: 22, protocol: 6,
                         packets: 20, bytes: 4249, start: 1418530010, end: 1418530070, action: .accept, tcpFlags: 19,
                         flowDirection: .ingress)

    /// The accepted-SSH example of the VPC User Guide ("Flow log record examples").
    @Test func defaultFormatIsVersion2AsAWSPrintsIt() throws {
        let format = FlowLogFormat.default
        #expect(format.text == "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}")
        #expect(format.line(ssh, context)
                == "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK")
        var rdp = ssh
        rdp.action = .reject
        rdp.dstport = 3389
        #expect(format.line(rdp, context).hasSuffix(" 3389 6 20 4249 1418530010 1418530070 REJECT OK"))
        #expect(try FlowLogFormat(parsing: format.text) == format)
    }

    /// "No data and skipped records": `-` for every traffic field, the interval's bounds.
    @Test func noDataAndSkipDataLines() {
        #expect(FlowLogFormat.default.statusLine(.noData, start: 1431280876, end: 1431280934, context)
                == "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA")
        #expect(FlowLogFormat.default.statusLine(.skipData, start: 1431280876, end: 1431280934, context)
                == "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - SKIPDATA")
        let custom = FlowLogFormat(fields: [.vpcId, .instanceId, .srcaddr, .logStatus, .azId])
        #expect(custom.statusLine(.noData, start: 1, end: 2, context) == "vpc-0a1b i-0e3f - NODATA use1-az1")
    }

    @Test func everyFieldOfVersions2To5() throws {
        let text = FlowLogField.allCases.map { "${\($0.rawValue)}" }.joined(separator: " ")
        let format = try FlowLogFormat(parsing: text)
        #expect(format.fields.count == 29)
        #expect(format.version == 5)
        var egress = ssh
        egress.flowDirection = .egress
        egress.trafficPath = 1
        #expect(format.line(egress, context).split(separator: " ") == [
            "5", "123456789010", "eni-1235b8ca123456789", "172.31.16.139", "172.31.16.21", "20641", "22", "6", "20",
            "4249", "1418530010", "1418530070", "ACCEPT", "OK", "vpc-0a1b", "subnet-0c2d", "i-0e3f", "19", "IPv4",
            "172.31.16.139", "172.31.16.21", "us-east-1", "use1-az1", "-", "-", "-", "-", "egress", "1",
        ])
        #expect(format.header.hasPrefix("version account-id interface-id srcaddr"))
        // traffic-path is reported for egress only; unknown context is `-`.
        let bare = FlowLogContext(accountId: "1", interfaceId: "eni-1", vpcId: nil, subnetId: nil, instanceId: nil,
                                  region: "us-east-1", azId: nil)
        let v3 = try FlowLogFormat(parsing: "${instance-id} ${traffic-path} ${type} ${flow-direction}")
        var v6 = ssh
        v6.srcaddr = "2600:1f18::1"
        v6.trafficPath = 8
        #expect(v3.line(v6, bare) == "- - IPv6 ingress")
        #expect(v3.version == 5)
        #expect(try FlowLogFormat(parsing: "${srcaddr}  ${vpc-id}").version == 3)
    }

    @Test func badFormatsAreRefused() {
        func message(_ text: String) -> String? {
            do { _ = try FlowLogFormat(parsing: text); return nil } catch { return error.message }
        }
        #expect(message("${srcaddr} ${nope} ${what}") == "Unknown fields provided: nope, what.")
        #expect(message("") != nil)
        #expect(message("   ") != nil)
        #expect(message("srcaddr") != nil)
        #expect(message("${srcaddr}${dstaddr}") != nil)
        #expect(message("${}") != nil)
        #expect(message("${reject-reason}") != nil)  // v8, not offered
    }
}

@Suite struct LogFilterPatternTests {
    let accept = "2 123456789010 eni-1 10.0.0.5 10.0.0.9 40000 22 6 10 840 1418530010 1418530070 ACCEPT OK"
    let reject = "2 123456789010 eni-1 10.0.0.5 10.0.0.9 40001 3389 6 1 60 1418530010 1418530070 REJECT OK"
    let nodata = "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA"

    func matches(_ pattern: String) throws -> [Bool] {
        let p = try LogFilterPattern(pattern)
        return [accept, reject, nodata].map(p.matches)
    }

    @Test func terms() throws {
        #expect(try matches("ACCEPT") == [true, false, false])
        #expect(try matches("10.0.0.5 3389") == [false, true, false])
        #expect(try matches("?REJECT ?NODATA") == [false, true, true])
        #expect(try matches("-NODATA") == [true, true, false])
        #expect(try matches("\"22 6\"") == [true, false, false])
        #expect(try matches("accept") == [false, false, false])  // case-sensitive
    }

    @Test func spaceDelimited() throws {
        #expect(try matches("[version, account, eni, source, destination, srcport, destport=\"22\", protocol, packets, bytes, windowstart, windowend, action, flowlogstatus]")
                == [true, false, false])
        #expect(try matches("[version, account, eni, source, destination, srcport, destport=22, ...]") == [true, false, false])
        #expect(try matches("[..., action=REJECT, status]") == [false, true, false])
        #expect(try matches("[v, a, e, source=10.0.0.*, ...]") == [true, true, false])
        #expect(try matches("[v, a, e, s, d, sp, dp, p, packets>=10, ...]") == [true, false, false])
        #expect(try matches("[v, a, e, s, d, sp, dp, p, packets<5, ...]") == [false, true, false])
        #expect(try matches("[..., action!=ACCEPT, status]") == [false, true, true])
        #expect(try matches("[a, b]") == [false, false, false])  // field count must match without `...`
    }

    /// Many `...` and `*` cost fields × values, not a try of every split (40 `...` before a
    /// field no message has took 2^40 tries).
    @Test(.timeLimit(.minutes(1))) func manyEllipsesAndStarsDoNotExplode() throws {
        let fields = Array(repeating: "...", count: 40).joined(separator: ", ")
        #expect(try matches("[\(fields), action=zzz]") == [false, false, false])
        #expect(try matches("[\(fields), action=REJECT, status]") == [false, true, false])
        let stars = String(repeating: "*", count: 200)
        #expect(try matches("[..., action=\(stars)Z\(stars), status]") == [false, false, false])
        #expect(try matches("[..., action=\(stars)J\(stars), status]") == [false, true, false])
    }

    /// Random space-delimited patterns (names, `...`, `=` with `*`) decide as the obvious
    /// recursive matcher does.
    @Test func spaceDelimitedAgreesWithARecursiveMatcher() throws {
        enum F { case ellipsis, any, equals(String) }
        func glob(_ p: Substring, _ t: Substring) -> Bool {
            guard let star = p.firstIndex(of: "*") else { return p == t }
            guard t.hasPrefix(p[..<star]) else { return false }
            var rest = t.dropFirst(p[..<star].count)
            while true {
                if glob(p[p.index(after: star)...], rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        }
        func oracle(_ f: ArraySlice<F>, _ v: ArraySlice<Substring>) -> Bool {
            guard let first = f.first else { return v.isEmpty }
            switch first {
            case .ellipsis: return (0...v.count).contains { oracle(f.dropFirst(), v.dropFirst($0)) }
            case .any: return !v.isEmpty && oracle(f.dropFirst(), v.dropFirst())
            case .equals(let p): return v.first.map { glob(p[...], $0) } == true && oracle(f.dropFirst(), v.dropFirst())
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let fields: [F] = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                switch Int.random(in: 0...2, using: &rng) {
                case 0: .ellipsis
                case 1: .any
                default: .equals(String((0..<Int.random(in: 1...4, using: &rng)).map { _ in "ab*".randomElement(using: &rng)! }))
                }
            }
            let text = fields.enumerated().map { i, f in
                switch f {
                case .ellipsis: "..."
                case .any: "f\(i)"
                case .equals(let p): "f\(i)=\(p)"
                }
            }.joined(separator: ", ")
            let words = (0..<Int.random(in: 0...5, using: &rng)).map { _ in ["a", "b", "ab", "ba", "aab"].randomElement(using: &rng)! }
            let pattern = try LogFilterPattern("[\(text)]")
            #expect(pattern.matches(words.joined(separator: " ")) == oracle(fields[...], words.map { $0[...] }[...]),
                    "\(text) on \(words)")
        }
    }

    @Test func invalidPatterns() {
        for bad in ["[a, b", "[a,, b]", "[a, b>x]", "\"unterminated", "[a b, c]"] {
            #expect(throws: FlowLogFormatError.self) { try LogFilterPattern(bad) }
        }
    }
}
