import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Random (version 4) UUIDs in lowercase text, the form of request and event
/// ids. The bytes come from /dev/urandom, 4 KiB at a time: a `getrandom` call
/// per id (two per API call) cost more than the rest of the id, and
/// Foundation's `UUID()` opens, stats, reads and closes /dev/urandom on every
/// call on Linux.
enum RandomUUID {
    static func lowercased() -> String {
        // Bytes 0-7 and 8-15, big-endian: the version nibble is bits 12-15 of
        // the first half, the variant (binary 10) the top two bits of the second.
        let (first, second) = pool.withLock { $0.next() }
        let high = first & ~0xF000 | 0x4000
        let low = second & ~(0xC0 << 56) | (0x80 << 56)
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

    private static let pool = Mutex(RandomPool())

    /// System random words handed out once each, refilled 512 words at a time.
    struct RandomPool: ~Copyable {
        private var words = [UInt64](repeating: 0, count: 512)
        private var used = 512

        mutating func next() -> (UInt64, UInt64) {
            if used == words.count {
                words.withUnsafeMutableBytes { Self.fill($0) }
                used = 0
            }
            defer { used += 2 }
            return (words[used], words[used + 1])
        }

        /// Fills `buffer` from the kernel's random source: one read of 4 KiB from
        /// /dev/urandom (opened once), or word by word if that fails.
        private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
            #if canImport(Glibc)
            var filled = 0
            while urandom >= 0 && filled < buffer.count {
                let n = read(urandom, buffer.baseAddress! + filled, buffer.count - filled)
                if n > 0 { filled += n } else if n == 0 || errno != EINTR { break }
            }
            if filled == buffer.count { return }
            #endif
            var random = SystemRandomNumberGenerator()
            for i in stride(from: 0, to: buffer.count, by: 8) {
                buffer.storeBytes(of: random.next() as UInt64, toByteOffset: i, as: UInt64.self)
            }
        }

        #if canImport(Glibc)
        private static let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        #endif
    }
}
