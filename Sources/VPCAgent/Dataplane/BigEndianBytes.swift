/// Big-endian loads at byte offsets of a frame.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func be32(_ o: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always)
    func be64(_ o: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
}
