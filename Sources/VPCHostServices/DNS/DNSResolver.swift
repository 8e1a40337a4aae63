public import VPCWire

/// The VPC resolver (AWS "Amazon Route 53 Resolver" at VPC base+2 and 169.254.169.253),
/// authoritative for the VPC's private names only:
///
/// - `ip-a-b-c-d.<domain>` A → the address, when it belongs to an ENI in the VPC and
///   both `enableDnsSupport` and `enableDnsHostnames` are on; other names in the domain → NXDOMAIN.
/// - `d.c.b.a.in-addr.arpa` PTR for an address in the VPC → its `ip-…` name (same conditions).
/// - Everything else → REFUSED: this resolver does not forward to the internet.
/// - `enableDnsSupport` off → no answer at all, as on AWS.
///
/// Pure: a query frame in, a reply frame out. Not a hot path.
public enum DNSResolver {
    public static let port: UInt16 = 53
    static let inAddrArpa = DNSName("in-addr.arpa")!

    /// The response to `query`, or nil when none is sent.
    public static func respond(to query: DNSRepr, zone: ResolverZone) -> DNSRepr? {
        guard zone.enableDnsSupport, !query.flags.isResponse else { return nil }
        guard query.flags.opcode == 0 else { return query.response(answers: [], responseCode: .notImplemented) }
        guard query.questions.count == 1, let q = query.questions.first else {
            return query.response(answers: [], responseCode: .formatError)
        }
        guard q.recordClass == 1 || q.recordClass == 255 else { return query.response(answers: [], responseCode: .refused) }
        let name = q.name.lowercased()
        if let address = hostAddress(name, zone: zone) {
            guard zone.enableDnsHostnames, let address, zone.hosts.contains(address) else {
                return query.response(answers: [], responseCode: .nameError)
            }
            guard q.type == .a || q.type == .any else { return query.response(answers: []) }  // NODATA
            return query.response(answers: [DNSRecord(name: q.name, ttl: zone.ttl, data: .a(address))])
        }
        if let address = reverseAddress(name) {
            guard zone.inVPC(address) else { return query.response(answers: [], responseCode: .refused) }
            guard zone.enableDnsHostnames, zone.hosts.contains(address) else {
                return query.response(answers: [], responseCode: .nameError)
            }
            guard q.type == .ptr || q.type == .any else { return query.response(answers: []) }
            return query.response(answers: [DNSRecord(name: q.name, ttl: zone.ttl, data: .ptr(zone.hostName(address)))])
        }
        return query.response(answers: [], responseCode: .refused)
    }

    /// For a name in the zone's domain: `.some(address)` for `ip-a-b-c-d.<domain>`,
    /// `.some(nil)` for any other name in the domain; nil when outside it.
    static func hostAddress(_ name: DNSName, zone: ResolverZone) -> IPv4Address?? {
        let d = zone.domain.labels
        guard name.labels.count > d.count, Array(name.labels.suffix(d.count)) == d else {
            return name.labels == d ? .some(nil) : nil
        }
        guard name.labels.count == d.count + 1 else { return .some(nil) }
        let label = String(decoding: name.labels[0], as: UTF8.self)
        guard label.hasPrefix("ip-") else { return .some(nil) }
        let parts = label.dropFirst(3).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, let a = IPv4Address(parts.joined(separator: ".")),
              ResolverZone.hostLabel(a) == label  // canonical spelling only (no leading zeros)
        else { return .some(nil) }
        return .some(a)
    }

    /// `d.c.b.a.in-addr.arpa` → a.b.c.d (RFC 1035 §3.5).
    static func reverseAddress(_ name: DNSName) -> IPv4Address? {
        guard name.labels.count == 6, Array(name.labels.suffix(2)) == inAddrArpa.labels else { return nil }
        var octets: [UInt8] = []
        for label in name.labels.prefix(4).reversed() {
            let s = String(decoding: label, as: UTF8.self)
            guard let v = UInt8(s), String(v) == s else { return nil }
            octets.append(v)
        }
        return IPv4Address(octets[0], octets[1], octets[2], octets[3])
    }

    /// Answers the query frame `frame` (Ethernet/IP/UDP to port 53) from the VPC router at
    /// `routerMAC`; the reply's source is the address the query was sent to. Writes the
    /// reply frame into `out` and returns its length, or nil when nothing is sent.
    /// Unparseable queries with a readable header get FORMERR (RFC 1035 §4.1.1).
    public static func reply(toFrame frame: UnsafeRawBufferPointer, zone: ResolverZone, routerMAC: MACAddress,
                             into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard zone.enableDnsSupport, let (udp, payload) = UDPFrame.parse(frame), udp.destinationPort == port
        else { return nil }
        guard let header = try? DNSMessage(checking: payload), !header.flags.isResponse else { return nil }
        let response: DNSRepr
        // A query asks one question and carries no answer or authority records and at most one
        // additional one (an EDNS OPT; never read); any other is answered FORMERR unread, so no
        // query costs more than one name to parse.
        if header.questionCount == 1 && header.answerCount == 0 && header.authorityCount == 0
            && header.additionalCount <= 1, let query = try? DNSRepr.parse(payload) {
            guard let r = respond(to: query, zone: zone) else { return nil }
            response = r
        } else {
            response = DNSRepr(id: header.id, flags: header.flags, questions: []).response(answers: [], responseCode: .formatError)
        }
        let back = udp.reversed(from: routerMAC)
        let start = back.headerLength
        // RFC 1035 §4.2.1: 512 bytes over UDP; our answers are one record, far below it.
        guard out.count > start,
              let n = try? response.emit(into: UnsafeMutableRawBufferPointer(rebasing: out[start ..< min(out.count, start + 512)]))
        else { return nil }
        return back.emit(payloadLength: n, into: out)
    }
}
