/// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
///
/// Sums are kept unfolded in a `UInt64` so callers can add a pseudo-header and
/// a payload, then `finish` once. The one's-complement sum is byte-order
/// independent (RFC 1071 §2(B)), so we add native-endian 64-bit words and swap
/// once at the end.
public enum InternetChecksum {
    /// Adds `bytes` (as if starting at an even offset) to an unfolded sum.
    @inlinable
    public static func add(_ bytes: UnsafeRawBufferPointer, to sum: UInt64 = 0) -> UInt64 {
        var acc = sum
        var i = 0
        let n = bytes.count
        // 64-bit words with end-around carry.
        while i + 8 <= n {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let (s, o) = acc.addingReportingOverflow(w)
            acc = s &+ (o ? 1 : 0)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i + 2 <= n {
            tail |= UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt16.self)) << shift
            shift += 16
            i += 2
        }
        if i < n {
            // Odd trailing byte: pad with zero (RFC 1071 §4.1); in memory order that is the first byte.
            var pad: UInt16 = 0
            withUnsafeMutableBytes(of: &pad) { $0[0] = bytes[i] }
            tail |= UInt64(pad) << shift
        }
        let (s, o) = acc.addingReportingOverflow(tail)
        return s &+ (o ? 1 : 0)
    }

    /// Adds a 16-bit value given in host order (as read from the wire with a big-endian load).
    @inlinable
    public static func add(word: UInt16, to sum: UInt64) -> UInt64 {
        let (s, o) = sum.addingReportingOverflow(UInt64(word.bigEndian))
        return s &+ (o ? 1 : 0)
    }

    /// Adds a 32-bit value given in host order.
    @inlinable
    public static func add(word32 w: UInt32, to sum: UInt64) -> UInt64 {
        let (s, o) = sum.addingReportingOverflow(UInt64(w.bigEndian))
        return s &+ (o ? 1 : 0)
    }

    /// Folds to 16 bits, in host order, *not* complemented.
    @inlinable
    public static func fold(_ sum: UInt64) -> UInt16 {
        var s = (sum & 0xFFFF_FFFF) &+ (sum >> 32)
        s = (s & 0xFFFF_FFFF) &+ (s >> 32)
        s = (s & 0xFFFF) &+ (s >> 16)
        s = (s & 0xFFFF) &+ (s >> 16)
        s = (s & 0xFFFF) &+ (s >> 16)
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: s))
    }

    /// The checksum field value: the complement of the folded sum, host order.
    @inlinable
    public static func finish(_ sum: UInt64) -> UInt16 { ~fold(sum) }

    /// Checksum of a whole buffer.
    @inlinable
    public static func compute(_ bytes: UnsafeRawBufferPointer) -> UInt16 { finish(add(bytes)) }

    /// Unfolded IPv4 pseudo-header sum (RFC 793 §3.1, RFC 768).
    @inlinable
    public static func pseudoHeader(source: IPv4Address, destination: IPv4Address,
                                    protocol proto: IPProtocol, length: Int) -> UInt64 {
        var s = add(word32: source.value, to: 0)
        s = add(word32: destination.value, to: s)
        s = add(word: UInt16(proto.rawValue), to: s)
        return add(word: UInt16(truncatingIfNeeded: length), to: s)
    }

    /// Unfolded IPv6 pseudo-header sum (RFC 8200 §8.1).
    @inlinable
    public static func pseudoHeader(source: IPv6Address, destination: IPv6Address,
                                    protocol proto: IPProtocol, length: Int) -> UInt64 {
        var s = add(word32: UInt32(truncatingIfNeeded: source.high >> 32), to: 0)
        s = add(word32: UInt32(truncatingIfNeeded: source.high), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: source.low >> 32), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: source.low), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: destination.high >> 32), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: destination.high), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: destination.low >> 32), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: destination.low), to: s)
        s = add(word32: UInt32(truncatingIfNeeded: length), to: s)
        return add(word32: UInt32(proto.rawValue), to: s)
    }

    // MARK: RFC 1624 incremental update

    /// New checksum after one 16-bit field changed from `old` to `new`: HC' = ~(~HC + ~m + m') (RFC 1624 eqn. 3).
    @inlinable
    public static func update(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        var s = UInt32(~checksum) &+ UInt32(~old) &+ UInt32(new)
        s = (s & 0xFFFF) &+ (s >> 16)
        s = (s & 0xFFFF) &+ (s >> 16)
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// Update for a changed 32-bit field (an IPv4 address).
    @inlinable
    public static func update(_ checksum: UInt16, old: UInt32, new: UInt32) -> UInt16 {
        var s = UInt64(~checksum)
        s &+= UInt64(~UInt16(truncatingIfNeeded: old >> 16)) &+ UInt64(~UInt16(truncatingIfNeeded: old))
        s &+= UInt64(UInt16(truncatingIfNeeded: new >> 16)) &+ UInt64(UInt16(truncatingIfNeeded: new))
        return ~foldHost(s)
    }

    /// Update for a changed IPv6 address (in a pseudo-header).
    @inlinable
    public static func update(_ checksum: UInt16, old: IPv6Address, new: IPv6Address) -> UInt16 {
        var s = UInt64(~checksum)
        s &+= sumWords(~old.high) &+ sumWords(~old.low)
        s &+= sumWords(new.high) &+ sumWords(new.low)
        return ~foldHost(s)
    }

    @inlinable
    static func sumWords(_ w: UInt64) -> UInt64 {
        (w >> 48) &+ ((w >> 32) & 0xFFFF) &+ ((w >> 16) & 0xFFFF) &+ (w & 0xFFFF)
    }

    @inlinable
    static func foldHost(_ sum: UInt64) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return UInt16(truncatingIfNeeded: s)
    }
}
