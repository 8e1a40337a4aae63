/// An IPv6 address as two 64-bit halves, parsed from RFC 4291 text and printed per RFC 5952.
public struct IPv6: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    public init?(_ text: some StringProtocol) {
        let s = String(text)
        guard !s.isEmpty, s.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var seenGap = false
        let halves = Self.splitOnDoubleColon(s)
        guard halves.count <= 2 else { return nil }
        func parse(_ part: String, allowV4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if allowV4 && i == fields.count - 1 && f.contains(".") {
                    guard let v4 = IPv4(f) else { return nil }
                    out.append(UInt16(v4.value >> 16)); out.append(UInt16(v4.value & 0xffff))
                    continue
                }
                guard !f.isEmpty, f.count <= 4, let v = UInt16(f, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        if halves.count == 2 {
            seenGap = true
            guard let a = parse(halves[0], allowV4: false), let b = parse(halves[1], allowV4: true) else { return nil }
            groups = a; tail = b
            guard groups.count + tail.count <= 7 else { return nil }
        } else {
            guard let a = parse(halves[0], allowV4: true), a.count == 8 else { return nil }
            groups = a
        }
        if seenGap { groups += Array(repeating: 0, count: 8 - groups.count - tail.count) + tail }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        high = h; low = l
    }

    static func splitOnDoubleColon(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var previousColon = false
        for c in s {
            if c == ":" && previousColon {
                current.removeLast()
                out.append(current)
                current = ""
                previousColon = false
                continue
            }
            previousColon = c == ":"
            current.append(c)
        }
        out.append(current)
        return out
    }

    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    public var description: String {
        let g = groups
        // RFC 5952: compress the longest run (≥ 2) of zero groups, the first if tied.
        var bestStart = -1, bestLength = 1, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLength { bestStart = i; bestLength = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ r: ArraySlice<UInt16>) -> String { r.map { String($0, radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(g[...]) }
        return hex(g[..<bestStart]) + "::" + hex(g[(bestStart + bestLength)...])
    }

    public static func < (a: Self, b: Self) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// Adds a 64-bit offset to the interface identifier half.
    public func adding(_ offset: UInt64) -> IPv6 { IPv6(high: high, low: low &+ offset) }
}

/// An IPv6 block in CIDR notation, canonicalised.
public struct IPv6CIDR: Hashable, Sendable, CustomStringConvertible {
    public var network: IPv6
    public var prefixLength: Int

    public init(network: IPv6, prefixLength: Int) {
        self.prefixLength = prefixLength
        let (mh, ml) = Self.masks(prefixLength)
        self.network = IPv6(high: network.high & mh, low: network.low & ml)
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv6(parts[0]),
              parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let length = Int(parts[1]), length <= 128 else { return nil }
        self.init(network: address, prefixLength: length)
    }

    static func masks(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : UInt64.max << (64 - length))
        let low: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : UInt64.max << (128 - length))
        return (high, low)
    }

    public func contains(_ a: IPv6) -> Bool {
        let (mh, ml) = Self.masks(prefixLength)
        return a.high & mh == network.high && a.low & ml == network.low
    }

    public func contains(_ other: IPv6CIDR) -> Bool { other.prefixLength >= prefixLength && contains(other.network) }
    public func overlaps(_ other: IPv6CIDR) -> Bool { contains(other.network) || other.contains(network) }

    public var description: String { "\(network)/\(prefixLength)" }
}
