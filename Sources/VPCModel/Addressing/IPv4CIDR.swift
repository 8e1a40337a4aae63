/// An IPv4 address as a number (host order), parsed strictly from dotted quads.
public struct IPv4: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }

    public init?(_ text: some StringProtocol) {
        var parts: [UInt32] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let v = UInt32(part), v <= 255 else { return nil }
            parts.append(v)
        }
        guard parts.count == 4 else { return nil }
        value = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

/// An IPv4 block in CIDR notation, canonicalised (host bits cleared) as AWS does.
public struct IPv4CIDR: Hashable, Sendable, CustomStringConvertible {
    public var network: IPv4
    public var prefixLength: Int

    public init(network: IPv4, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.network = IPv4(network.value & Self.mask(prefixLength))
    }

    /// Parses `a.b.c.d/n`; host bits are cleared (`100.68.0.18/18` → `100.68.0.0/18`).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4(parts[0]),
              parts[1].count <= 2, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let length = Int(parts[1]), length <= 32 else { return nil }
        self.init(network: address, prefixLength: length)
    }

    static func mask(_ length: Int) -> UInt32 { length == 0 ? 0 : UInt32.max << (32 - length) }

    public var mask: UInt32 { Self.mask(prefixLength) }
    public var size: UInt64 { UInt64(1) << (32 - prefixLength) }
    public var first: IPv4 { network }
    public var last: IPv4 { IPv4(network.value | ~mask) }

    public func contains(_ address: IPv4) -> Bool { address.value & mask == network.value }
    public func contains(_ other: IPv4CIDR) -> Bool { other.prefixLength >= prefixLength && contains(other.network) }
    public func overlaps(_ other: IPv4CIDR) -> Bool { contains(other.network) || other.contains(network) }

    /// The address at `offset` from the network address.
    public func address(at offset: UInt32) -> IPv4 { IPv4(network.value &+ offset) }

    public var description: String { "\(network)/\(prefixLength)" }
}
