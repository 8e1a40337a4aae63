// Address types shared with VPCDataplane (identical definitions there).

/// An IEEE 802 MAC-48 address, kept in the low 48 bits of `value`.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt64

    @inlinable
    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    @inlinable
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        value = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24
            | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    public static let broadcast = MACAddress(value: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(value: 0)

    /// Parses `aa:bb:cc:dd:ee:ff` (also `-` separated), case-insensitive.
    public init?(_ string: String) {
        var v: UInt64 = 0
        var groups = 0
        var digits = 0
        var sep: UInt8 = 0
        for c in string.utf8 {
            if c == UInt8(ascii: ":") || c == UInt8(ascii: "-") {
                if digits == 0 || (sep != 0 && c != sep) { return nil }
                sep = c
                groups += 1
                digits = 0
                continue
            }
            guard let h = hexValue(c), digits < 2 else { return nil }
            v = v << 4 | UInt64(h)
            digits += 1
        }
        guard groups == 5, digits == 2 || digits == 1 else { return nil }
        // Single-digit groups shift short; reject them to keep the form strict.
        guard string.utf8.count == 17 else { return nil }
        self.init(value: v)
    }

    /// The I/G bit (IEEE 802-2014 §8.2): group address.
    @inlinable public var isMulticast: Bool { value & 0x0100_0000_0000 != 0 }
    @inlinable public var isBroadcast: Bool { value == 0xFFFF_FFFF_FFFF }
    @inlinable public var isUnicast: Bool { !isMulticast }

    /// Ethernet multicast address for an IPv6 multicast group (RFC 2464 §7): 33:33 + low 32 bits.
    @inlinable
    public init(ipv6Multicast a: IPv6Address) {
        self.init(value: 0x3333_0000_0000 | (a.low & 0xFFFF_FFFF))
    }

    public var description: String {
        var s = ""
        s.reserveCapacity(17)
        for i in stride(from: 40, through: 0, by: -8) {
            let b = UInt8(truncatingIfNeeded: value >> UInt64(i))
            appendHex2(&s, b)
            if i != 0 { s.append(":") }
        }
        return s
    }

    @inlinable
    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.value < b.value }
}

/// An IPv4 address; `value` is the numeric value in host byte order (10.0.0.1 == 0x0A000001).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt32

    @inlinable public init(value: UInt32) { self.value = value }

    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public static let any = IPv4Address(value: 0)
    public static let broadcast = IPv4Address(value: 0xFFFF_FFFF)

    /// Parses strict dotted-quad (`10.0.0.1`): four decimal octets, no leading zeros.
    public init?(_ string: String) {
        guard let v = parseDottedQuad(Substring(string)) else { return nil }
        value = v
    }

    @inlinable public var isMulticast: Bool { value >> 28 == 0xE }
    @inlinable public var isLoopback: Bool { value >> 24 == 127 }
    @inlinable public var isLinkLocal: Bool { value >> 16 == 0xA9FE }

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }

    @inlinable
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// An IPv6 address as two 64-bit halves, most significant first (host byte order values).
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static let any = IPv6Address(high: 0, low: 0)
    public static let loopback = IPv6Address(high: 0, low: 1)
    /// ff02::1, all nodes (RFC 4291 §2.7.1).
    public static let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)
    /// ff02::2, all routers.
    public static let allRouters = IPv6Address(high: 0xFF02_0000_0000_0000, low: 2)

    /// The 16-bit group `i` (0...7).
    @inlinable
    public func group(_ i: Int) -> UInt16 {
        let word = i < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64((3 - (i & 3)) * 16))
    }

    @inlinable
    public init(groups g: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16)) {
        high = UInt64(g.0) << 48 | UInt64(g.1) << 32 | UInt64(g.2) << 16 | UInt64(g.3)
        low = UInt64(g.4) << 48 | UInt64(g.5) << 32 | UInt64(g.6) << 16 | UInt64(g.7)
    }

    /// ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
    @inlinable
    public init(ipv4Mapped v4: IPv4Address) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(v4.value))
    }

    @inlinable public var isMulticast: Bool { high >> 56 == 0xFF }
    /// fe80::/10
    @inlinable public var isLinkLocal: Bool { high >> 54 == 0x3FA }
    @inlinable public var isUnspecified: Bool { high == 0 && low == 0 }
    @inlinable public var ipv4Mapped: IPv4Address? {
        high == 0 && low >> 32 == 0xFFFF ? IPv4Address(value: UInt32(truncatingIfNeeded: low)) : nil
    }

    /// ff02::1:ffXX:XXXX for this address (RFC 4291 §2.7.1), the target of a Neighbor Solicitation.
    @inlinable
    public var solicitedNodeMulticast: IPv6Address {
        IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (low & 0xFF_FFFF))
    }

    /// Parses RFC 4291 §2.2 text: hex groups, one `::`, optional trailing dotted IPv4.
    public init?(_ string: String) {
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var gap: Int? = nil
        let u = Array(string.utf8)
        if u.isEmpty || u.count > 45 { return nil }
        var i = 0
        if u.starts(with: [58, 58]) {
            gap = 0
            i = 2
            if i == u.count {
                self.init(high: 0, low: 0)
                return
            }
        } else if u[0] == 58 {
            return nil
        }
        while i < u.count {
            // one field
            var j = i
            var v: UInt32 = 0
            while j < u.count, let h = hexValue(u[j]), j - i < 4 {
                v = v << 4 | UInt32(h)
                j += 1
            }
            if j < u.count, u[j] == UInt8(ascii: ".") {
                // embedded IPv4 at the end
                guard groups.count <= 6,
                      let v4 = parseDottedQuad(Substring(decoding: u[i...], as: UTF8.self)) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                i = u.count
                break
            }
            if j == i { return nil }
            groups.append(UInt16(v))
            if groups.count > 8 { return nil }
            i = j
            if i == u.count { break }
            guard u[i] == 58 else { return nil }
            i += 1
            if i < u.count, u[i] == 58 {
                if gap != nil { return nil }
                gap = groups.count
                i += 1
                if i == u.count { break }
            } else if i == u.count {
                return nil // trailing single colon
            }
        }
        if let gap {
            guard groups.count <= 7 else { return nil }
            let zeros = [UInt16](repeating: 0, count: 8 - groups.count)
            groups.insert(contentsOf: zeros, at: gap)
        }
        guard groups.count == 8 else { return nil }
        self.init(groups: (groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7]))
    }

    /// RFC 5952 §4 canonical text: lowercase, no leading zeros, longest zero run (≥ 2 groups,
    /// first on a tie) as `::`; IPv4-mapped addresses end in dotted quad (§5).
    public var description: String {
        if let v4 = ipv4Mapped { return "::ffff:\(v4)" }
        var bestStart = -1, bestLen = 0, curStart = -1, curLen = 0
        for i in 0..<8 {
            if group(i) == 0 {
                if curStart < 0 { curStart = i; curLen = 0 }
                curLen += 1
                if curLen > bestLen { bestStart = curStart; bestLen = curLen }
            } else {
                curStart = -1
            }
        }
        if bestLen < 2 { bestStart = -1 }
        var s = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                s += "::"
                i += bestLen
                continue
            }
            if !s.isEmpty, !s.hasSuffix(":") { s += ":" }
            s += String(group(i), radix: 16)
            i += 1
        }
        return s
    }

    @inlinable
    public static func < (a: IPv6Address, b: IPv6Address) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}

/// Either family, for code that handles both.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either textual form.
    public init?(_ string: String) {
        if let a = IPv4Address(string) { self = .v4(a) } else if let a = IPv6Address(string) { self = .v6(a) } else { return nil }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }
}

/// The numeric part of an ENI id, carried in our Geneve option.
///
/// AWS ids are `eni-` followed by 17 hex digits; ours always start with `0`,
/// so the remaining 16 digits are exactly a `UInt64`.
public struct NetworkInterfaceNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt64

    @inlinable public init(value: UInt64) { self.value = value }

    /// Parses `eni-0123456789abcdef0`-shaped ids: `eni-`, then 17 lowercase or uppercase hex
    /// digits of which the first must be `0`.
    public init?(_ id: String) {
        let u = Array(id.utf8)
        guard u.count == 21, u.starts(with: Array("eni-".utf8)), u[4] == UInt8(ascii: "0") else { return nil }
        var v: UInt64 = 0
        for c in u[5...] {
            guard let h = hexValue(c) else { return nil }
            v = v << 4 | UInt64(h)
        }
        value = v
    }

    /// `eni-0` followed by 16 lowercase hex digits.
    public var description: String {
        let hex = String(value, radix: 16)
        return "eni-0" + String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }

    @inlinable
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

// MARK: - text helpers

@usableFromInline
func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: c - 48
    case 97...102: c - 87
    case 65...70: c - 55
    default: nil
    }
}

func appendHex2(_ s: inout String, _ b: UInt8) {
    let digits: StaticString = "0123456789abcdef"
    digits.withUTF8Buffer { d in
        s.unicodeScalars.append(Unicode.Scalar(d[Int(b >> 4)]))
        s.unicodeScalars.append(Unicode.Scalar(d[Int(b & 0xF)]))
    }
}

func parseDottedQuad(_ s: Substring) -> UInt32? {
    var v: UInt32 = 0
    var octets = 0
    var cur: UInt32 = 0
    var digits = 0
    var leadingZero = false
    for c in s.utf8 {
        if c == UInt8(ascii: ".") {
            guard digits > 0, octets < 3 else { return nil }
            v = v << 8 | cur
            octets += 1
            cur = 0
            digits = 0
            continue
        }
        guard c >= 48, c <= 57 else { return nil }
        if digits == 1, leadingZero { return nil }
        if digits == 0 { leadingZero = c == 48 }
        cur = cur * 10 + UInt32(c - 48)
        digits += 1
        guard cur <= 255, digits <= 3 else { return nil }
    }
    guard octets == 3, digits > 0 else { return nil }
    return v << 8 | cur
}
