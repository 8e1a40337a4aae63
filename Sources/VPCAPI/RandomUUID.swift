/// Random (version 4) UUIDs in lowercase text, the form of request and event
/// ids, straight from the system random source: Foundation's `UUID()` opens,
/// stats, reads and closes /dev/urandom on every call on Linux.
enum RandomUUID {
    static func lowercased() -> String {
        var random = SystemRandomNumberGenerator()
        // Bytes 0-7 and 8-15, big-endian: the version nibble is bits 12-15 of
        // the first half, the variant (binary 10) the top two bits of the second.
        let high = (random.next() as UInt64) & ~0xF000 | 0x4000
        let low = (random.next() as UInt64) & ~(0xC0 << 56) | (0x80 << 56)
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { out in
            var i = 0
            func put(_ value: UInt64, nibbles: ClosedRange<Int>) {
                for n in nibbles.reversed() {
                    out[i] = hex.utf8Start[Int(value >> UInt64(n * 4) & 15)]
                    i += 1
                }
            }
            put(high, nibbles: 8...15)
            out[i] = UInt8(ascii: "-"); i += 1
            put(high, nibbles: 4...7)
            out[i] = UInt8(ascii: "-"); i += 1
            put(high, nibbles: 0...3)
            out[i] = UInt8(ascii: "-"); i += 1
            put(low, nibbles: 12...15)
            out[i] = UInt8(ascii: "-"); i += 1
            put(low, nibbles: 0...11)
            return i
        }
    }
}
