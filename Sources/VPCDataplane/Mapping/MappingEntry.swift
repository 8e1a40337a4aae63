public import VPCWire

/// Where a virtual address lives: the host's underlay endpoint and the ENI that owns it.
@frozen
public struct MappingEntry: Hashable, Sendable {
    /// Underlay (outer) address of the host agent.
    public var underlay: IPAddress
    /// Underlay UDP port (Geneve: 6081).
    public var underlayPort: UInt16
    public var eni: UInt64
    public var mac: MACAddress
    /// Version of the mapping feed this entry comes from.
    public var version: UInt64

    @inlinable
    public init(underlay: IPAddress, underlayPort: UInt16 = 6081, eni: UInt64, mac: MACAddress, version: UInt64) {
        self.underlay = underlay; self.underlayPort = underlayPort; self.eni = eni; self.mac = mac; self.version = version
    }
}

/// One 64-byte slot of the mapping cache.
@frozen @usableFromInline
struct MappingSlot {
    @usableFromInline var ipHigh: UInt64
    @usableFromInline var ipLow: UInt64
    @usableFromInline var underHigh: UInt64
    @usableFromInline var underLow: UInt64
    @usableFromInline var eni: UInt64
    @usableFromInline var version: UInt64
    /// MAC << 16 | underlay port.
    @usableFromInline var macPort: UInt64
    @usableFromInline var vni: UInt32
    /// 0 empty, 1 live, 2 withdrawn (keeps the version so older updates stay ignored).
    @usableFromInline var state: UInt8
    @usableFromInline var keyV6: UInt8
    @usableFromInline var underV6: UInt8
    @usableFromInline var pad: UInt8

    @usableFromInline static let empty: UInt8 = 0
    @usableFromInline static let live: UInt8 = 1
    @usableFromInline static let withdrawn: UInt8 = 2

    @inlinable @inline(__always)
    var entry: MappingEntry {
        MappingEntry(
            underlay: underV6 != 0 ? .v6(IPv6Address(high: underHigh, low: underLow)) : .v4(IPv4Address(value: UInt32(truncatingIfNeeded: underLow))),
            underlayPort: UInt16(truncatingIfNeeded: macPort), eni: eni,
            mac: MACAddress(value: macPort >> 16), version: version)
    }
}
