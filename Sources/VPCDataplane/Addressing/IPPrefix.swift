public import VPCWire

/// An IPv4 or IPv6 CIDR block (`10.0.0.0/16`, `2600:1f14::/56`), host bits cleared.
public struct IPPrefix: Hashable, Sendable {
    public let family: IPFamily
    /// First address of the block (host bits zero).
    public let first: AddressKey
    public let length: UInt8

    /// Creates a prefix; host bits of `address` are cleared. `length` is clamped to the family width.
    public init(_ address: IPAddress, length: Int) {
        let fam = address.family
        let len = max(0, min(length, fam.bitWidth))
        self.family = fam
        self.length = UInt8(len)
        self.first = IPPrefix.clearHostBits(AddressKey(address), family: fam, length: len)
    }

    public init(_ address: IPv4Address, length: Int) { self.init(.v4(address), length: length) }
    public init(_ address: IPv6Address, length: Int) { self.init(.v6(address), length: length) }

    /// `0.0.0.0/0` and `::/0`.
    public static let anyV4 = IPPrefix(.v4(IPv4Address(value: 0)), length: 0)
    public static let anyV6 = IPPrefix(.v6(IPv6Address(high: 0, low: 0)), length: 0)

    /// A host prefix (/32 or /128), as used for referenced security-group members.
    public static func host(_ address: IPAddress) -> IPPrefix {
        IPPrefix(address, length: address.family.bitWidth)
    }

    /// Last address of the block.
    public var last: AddressKey {
        let host = IPPrefix.hostMask(family: family, length: Int(length))
        return AddressKey(high: first.high | host.high, low: first.low | host.low)
    }

    public var isDefault: Bool { length == 0 }

    public func contains(_ key: AddressKey) -> Bool { first <= key && key <= last }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && contains(AddressKey(address))
    }

    static func hostMask(family: IPFamily, length: Int) -> AddressKey {
        switch family {
        case .v4:
            let m: UInt64 = length >= 32 ? 0 : (UInt64(0xFFFF_FFFF) >> UInt64(length))
            return AddressKey(high: 0, low: m)
        case .v6:
            if length >= 128 { return .zero }
            if length >= 64 { return AddressKey(high: 0, low: UInt64.max >> UInt64(length - 64)) }
            return AddressKey(high: length == 0 ? .max : UInt64.max >> UInt64(length), low: .max)
        }
    }

    static func clearHostBits(_ k: AddressKey, family: IPFamily, length: Int) -> AddressKey {
        let h = hostMask(family: family, length: length)
        return AddressKey(high: k.high & ~h.high, low: k.low & ~h.low)
    }
}
