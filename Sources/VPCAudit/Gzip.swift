/// A deterministic gzip encoder (RFC 1952) using stored deflate blocks
/// (RFC 1951 §3.2.4): the same bytes always give the same file, so a verifier
/// can rebuild a log file from its records and compare hashes.
public enum Gzip {
    public static func compress(_ data: [UInt8]) -> [UInt8] {
        // Header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown.
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        out.reserveCapacity(data.count + data.count / 65535 * 5 + 32)
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        out += littleEndian(crc32(data)) + littleEndian(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    /// The content of a gzip file of stored blocks, as `compress` writes it, its CRC-32 and
    /// length checked; nil for anything else (truncated, altered, or compressed).
    public static func decompressStored(_ gz: [UInt8]) -> [UInt8]? {
        guard gz.count >= 18, gz[0] == 0x1f, gz[1] == 0x8b, gz[2] == 8, gz[3] == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(gz.count)
        var i = 10
        var final = false
        while !final {
            guard i + 5 <= gz.count, gz[i] & 0b110 == 0 else { return nil }  // BTYPE 00: stored
            final = gz[i] & 1 == 1
            let n = Int(gz[i + 1]) | Int(gz[i + 2]) << 8
            guard Int(gz[i + 3]) | Int(gz[i + 4]) << 8 == ~n & 0xFFFF, i + 5 + n <= gz.count else { return nil }
            out += gz[(i + 5)..<(i + 5 + n)]
            i += 5 + n
        }
        guard i + 8 == gz.count, Array(gz[i..<(i + 4)]) == littleEndian(crc32(out)),
              Array(gz[(i + 4)...]) == littleEndian(UInt32(truncatingIfNeeded: out.count)) else { return nil }
        return out
    }

    static func littleEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)]
    }

    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in data { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
