// Big-endian loads and stores on raw buffers. Network byte order everywhere
// (RFC 1700 "Data Notations"). Bounds are the caller's duty: views check once
// in `init(checking:)`, then read without further checks. The 16/32/64-bit loads
// are public for the pipeline and the agent's frame handling.

extension UnsafeRawBufferPointer {
    @inlinable @inline(__always)
    func _u8(_ offset: Int) -> UInt8 { self[offset] }

    @inlinable @inline(__always)
    public func _u16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable @inline(__always)
    public func _u32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable @inline(__always)
    public func _u64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inlinable @inline(__always)
    func _mac(_ offset: Int) -> MACAddress {
        MACAddress(value: UInt64(_u16(offset)) << 32 | UInt64(_u32(offset + 2)))
    }

    @inlinable @inline(__always)
    func _ipv4(_ offset: Int) -> IPv4Address { IPv4Address(value: _u32(offset)) }

    @inlinable @inline(__always)
    func _ipv6(_ offset: Int) -> IPv6Address {
        IPv6Address(high: _u64(offset), low: _u64(offset + 8))
    }

    /// A sub-buffer; `range` must lie inside `self`.
    @inlinable @inline(__always)
    func _slice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[start..<end])
    }

    /// Writable alias. Views write only into buffers their caller owns mutably.
    @inlinable @inline(__always)
    var _mutable: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(mutating: self) }
}

extension UnsafeMutableRawBufferPointer {
    @inlinable @inline(__always)
    func _set8(_ offset: Int, _ v: UInt8) { self[offset] = v }

    @inlinable @inline(__always)
    func _set16(_ offset: Int, _ v: UInt16) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    @inlinable @inline(__always)
    func _set32(_ offset: Int, _ v: UInt32) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    @inlinable @inline(__always)
    func _set64(_ offset: Int, _ v: UInt64) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt64.self)
    }

    @inlinable @inline(__always)
    func _setMAC(_ offset: Int, _ m: MACAddress) {
        _set16(offset, UInt16(truncatingIfNeeded: m.value >> 32))
        _set32(offset + 2, UInt32(truncatingIfNeeded: m.value))
    }

    @inlinable @inline(__always)
    func _setIPv4(_ offset: Int, _ a: IPv4Address) { _set32(offset, a.value) }

    @inlinable @inline(__always)
    func _setIPv6(_ offset: Int, _ a: IPv6Address) {
        _set64(offset, a.high)
        _set64(offset + 8, a.low)
    }

    @inlinable @inline(__always)
    func _zero(_ start: Int, _ end: Int) {
        if end > start { (baseAddress! + start).initializeMemory(as: UInt8.self, repeating: 0, count: end - start) }
    }

    @inlinable @inline(__always)
    func _copy(_ src: UnsafeRawBufferPointer, to offset: Int) {
        if src.count > 0 { (baseAddress! + offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
    }

    @inlinable @inline(__always)
    var _readOnly: UnsafeRawBufferPointer { UnsafeRawBufferPointer(self) }
}
