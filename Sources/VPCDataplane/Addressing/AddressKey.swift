public import VPCWire

/// A 128-bit unsigned address used as the one key type of every policy structure.
///
/// IPv4 addresses occupy `high == 0, low == value`; IPv6 addresses are the full 128 bits.
/// The two families are always kept in separate tables, so they never collide.
@frozen
public struct AddressKey: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64

    @inlinable @inline(__always)
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    @inlinable @inline(__always)
    public init(_ a: IPv4Address) { self.high = 0; self.low = UInt64(a.value) }

    @inlinable @inline(__always)
    public init(_ a: IPv6Address) { self.high = a.high; self.low = a.low }

    /// The key of an address and whether it is IPv6.
    @inlinable @inline(__always)
    public init(_ a: IPAddress) {
        switch a {
        case .v4(let v4): self.init(v4)
        case .v6(let v6): self.init(v6)
        }
    }

    public static let zero = AddressKey(high: 0, low: 0)
    public static let maxV4 = AddressKey(high: 0, low: 0xFFFF_FFFF)
    public static let maxV6 = AddressKey(high: .max, low: .max)

    @inlinable @inline(__always)
    public static func < (a: AddressKey, b: AddressKey) -> Bool {
        a.high < b.high || (a.high == b.high && a.low < b.low)
    }

    @inlinable @inline(__always)
    public static func <= (a: AddressKey, b: AddressKey) -> Bool {
        a.high < b.high || (a.high == b.high && a.low <= b.low)
    }

    /// `self + 1`, wrapping.
    @inlinable
    public var successor: AddressKey {
        let (l, o) = low.addingReportingOverflow(1)
        return AddressKey(high: o ? high &+ 1 : high, low: l)
    }

    /// `self - 1`, wrapping.
    @inlinable
    public var predecessor: AddressKey {
        let (l, o) = low.subtractingReportingOverflow(1)
        return AddressKey(high: o ? high &- 1 : high, low: l)
    }
}

/// IP family of an address, prefix or flow.
public enum IPFamily: UInt8, Sendable, Hashable {
    case v4 = 0
    case v6 = 1

    @inlinable public var maxKey: AddressKey { self == .v4 ? .maxV4 : .maxV6 }
    @inlinable public var bitWidth: Int { self == .v4 ? 32 : 128 }
}

extension IPAddress {
    @inlinable public var family: IPFamily {
        if case .v4 = self { return .v4 }
        return .v6
    }
}
