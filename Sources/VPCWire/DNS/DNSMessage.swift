/// Zero-copy view of a DNS message header (RFC 1035 §4.1.1), enough to
/// forward a query (rewrite the ID) without parsing the rest.
public struct DNSMessage {
    @usableFromInline
    enum Field {
        @inlinable static var id: Int { 0 }
        @inlinable static var flags: Int { 2 }
        @inlinable static var qdcount: Int { 4 }
        @inlinable static var ancount: Int { 6 }
        @inlinable static var nscount: Int { 8 }
        @inlinable static var arcount: Int { 10 }
        @inlinable static var headerLength: Int { 12 }
    }

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.truncated, .dns) }
        self.bytes = bytes
    }

    @inlinable public var id: UInt16 {
        get { bytes._u16(Field.id) }
        nonmutating set { bytes._mutable._set16(Field.id, newValue) }
    }

    @inlinable public var flags: DNSFlags { DNSFlags(rawValue: bytes._u16(Field.flags)) }
    @inlinable public var questionCount: Int { Int(bytes._u16(Field.qdcount)) }
    @inlinable public var answerCount: Int { Int(bytes._u16(Field.ancount)) }
    @inlinable public var authorityCount: Int { Int(bytes._u16(Field.nscount)) }
    @inlinable public var additionalCount: Int { Int(bytes._u16(Field.arcount)) }
}

/// The 16-bit flags word (RFC 1035 §4.1.1).
public struct DNSFlags: Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable public var isResponse: Bool {
        get { rawValue & 0x8000 != 0 }
        set { rawValue = newValue ? rawValue | 0x8000 : rawValue & ~0x8000 }
    }
    @inlinable public var opcode: UInt8 { UInt8((rawValue >> 11) & 0xF) }
    @inlinable public var authoritative: Bool {
        get { rawValue & 0x0400 != 0 }
        set { rawValue = newValue ? rawValue | 0x0400 : rawValue & ~0x0400 }
    }
    @inlinable public var truncated: Bool { rawValue & 0x0200 != 0 }
    @inlinable public var recursionDesired: Bool {
        get { rawValue & 0x0100 != 0 }
        set { rawValue = newValue ? rawValue | 0x0100 : rawValue & ~0x0100 }
    }
    @inlinable public var recursionAvailable: Bool {
        get { rawValue & 0x0080 != 0 }
        set { rawValue = newValue ? rawValue | 0x0080 : rawValue & ~0x0080 }
    }
    @inlinable public var responseCode: DNSResponseCode {
        get { DNSResponseCode(rawValue: UInt8(rawValue & 0xF)) }
        set { rawValue = rawValue & ~0xF | UInt16(newValue.rawValue & 0xF) }
    }
}

/// RCODE (RFC 1035 §4.1.1).
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)
}

/// RR TYPE / QTYPE (RFC 1035 §3.2.2, RFC 3596).
public struct DNSRecordType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let opt = DNSRecordType(rawValue: 41)
    public static let any = DNSRecordType(rawValue: 255)
}

/// A domain name as its labels, each 1–63 bytes, total wire length ≤ 255 (RFC 1035 §2.3.4).
/// Comparison is case-sensitive; use `lowercased()` for lookups (RFC 4343).
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    public var labels: [[UInt8]]

    public init(labels: [[UInt8]]) { self.labels = labels }

    /// Parses dotted text (`ip-10-0-1-5.ec2.internal`, trailing dot optional).
    public init?(_ text: String) {
        if text == "." || text.isEmpty {
            labels = []
            return
        }
        var labels: [[UInt8]] = []
        var cur: [UInt8] = []
        for c in text.utf8 {
            if c == UInt8(ascii: ".") {
                guard !cur.isEmpty else { return nil }
                labels.append(cur)
                cur = []
            } else {
                cur.append(c)
            }
        }
        if !cur.isEmpty { labels.append(cur) }
        guard labels.allSatisfy({ $0.count <= 63 }) else { return nil }
        self.labels = labels
        guard wireLength <= 255 else { return nil }
    }

    /// Uncompressed wire length, root label included.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    public func lowercased() -> DNSName {
        DNSName(labels: labels.map { $0.map { (65...90).contains($0) ? $0 + 32 : $0 } })
    }

    public var description: String {
        labels.isEmpty ? "." : labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    /// The largest number of compression pointers followed in one name; each must also
    /// point strictly backwards, so a loop is impossible (RFC 1035 §4.1.4, RFC 9267 §2).
    public static let maximumPointers = 64

    /// Reads a possibly compressed name starting at `offset` in `message`; returns the name
    /// and the offset just past it in the original position.
    public static func parse(_ message: UnsafeRawBufferPointer, at offset: Int) throws(WireError) -> (DNSName, Int) {
        var labels: [[UInt8]] = []
        var i = offset
        var end: Int? = nil
        var pointers = 0
        var length = 1
        var lowestJump = offset
        while true {
            guard i < message.count else { throw WireError(.truncated, .dns) }
            let len = message._u8(i)
            switch len & 0xC0 {
            case 0x00:
                if len == 0 {
                    return (DNSName(labels: labels), end ?? i + 1)
                }
                let n = Int(len)
                guard i + 1 + n <= message.count else { throw WireError(.truncated, .dns) }
                length += 1 + n
                guard length <= 255 else { throw WireError(.malformed, .dns) }
                labels.append(Array(message._slice(i + 1, i + 1 + n)))
                i += 1 + n
            case 0xC0:
                guard i + 2 <= message.count else { throw WireError(.truncated, .dns) }
                let target = Int(message._u16(i) & 0x3FFF)
                pointers += 1
                guard target < lowestJump, pointers <= maximumPointers else { throw WireError(.malformed, .dns) }
                if end == nil { end = i + 2 }
                lowestJump = target
                i = target
            default:
                // 0x40 and 0x80 label types are obsolete / reserved (RFC 6891 §5).
                throw WireError(.malformed, .dns)
            }
        }
    }

    /// Writes the uncompressed name at `offset`; returns the offset after it.
    func emit(into b: UnsafeMutableRawBufferPointer, at offset: Int) throws(WireError) -> Int {
        guard offset + wireLength <= b.count else { throw WireError(.truncated, .dns) }
        var i = offset
        for l in labels {
            guard !l.isEmpty, l.count <= 63 else { throw WireError(.malformed, .dns) }
            b._set8(i, UInt8(l.count))
            for (k, c) in l.enumerated() { b._set8(i + 1 + k, c) }
            i += 1 + l.count
        }
        b._set8(i, 0)
        return i + 1
    }

    /// The reverse-lookup name for an IPv4 address (RFC 1035 §3.5): `d.c.b.a.in-addr.arpa`.
    public init(reverse a: IPv4Address) {
        var l: [[UInt8]] = []
        for s in [0, 8, 16, 24] { l.append(Array(String((a.value >> UInt32(s)) & 0xFF).utf8)) }
        l.append(Array("in-addr".utf8))
        l.append(Array("arpa".utf8))
        labels = l
    }

    /// The reverse-lookup name for an IPv6 address (RFC 3596 §2.5): nibbles under `ip6.arpa`.
    public init(reverse a: IPv6Address) {
        var l: [[UInt8]] = []
        let hex = Array("0123456789abcdef".utf8)
        for word in [a.low, a.high] {
            for k in 0..<16 { l.append([hex[Int((word >> UInt64(4 * k)) & 0xF)]]) }
        }
        l.append(Array("ip6".utf8))
        l.append(Array("arpa".utf8))
        labels = l
    }
}
