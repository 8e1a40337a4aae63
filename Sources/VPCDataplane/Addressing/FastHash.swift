/// Multiply-fold mixing (wyhash style) for the open-addressing tables. Not keyed against
/// adversaries; tables are bounded and probe lengths are capped by load factor.
@usableFromInline
enum FastHash {
    @usableFromInline static let k0: UInt64 = 0xa076_1d64_78bd_642f
    @usableFromInline static let k1: UInt64 = 0xe703_7ed1_a0b4_28db
    @usableFromInline static let k2: UInt64 = 0x8ebc_6af0_9c88_c6e3
    @usableFromInline static let k3: UInt64 = 0x5899_65cc_7537_4cc3

    @inlinable @inline(__always)
    static func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    @inlinable @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64, _ e: UInt64) -> UInt64 {
        let x = mum(a ^ k0, b ^ k1)
        let y = mum(c ^ k2, d ^ k3)
        return mum(x ^ k1, y ^ e ^ k0)
    }

    /// Maps a hash onto `0..<n` without division (Lemire's fastrange).
    @inlinable @inline(__always)
    static func reduce(_ h: UInt64, _ n: Int) -> Int {
        Int(truncatingIfNeeded: h.multipliedFullWidth(by: UInt64(n)).high)
    }
}
