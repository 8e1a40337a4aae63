/// Decodes `application/x-www-form-urlencoded` text (a body or a query string)
/// into name/value pairs: `+` is a space, `%XX` a byte; malformed escapes are
/// kept literally, as lenient servers do.
public enum FormDecoding {
    public static func pairs(_ text: String) -> [(String, String)] {
        var text = text
        return text.withUTF8(pairs(in:))
    }

    public static func pairs(_ bytes: [UInt8]) -> [(String, String)] {
        bytes.withUnsafeBufferPointer(pairs(in:))
    }

    /// Concrete over a buffer (not generic across modules): this runs on every call.
    static func pairs(in bytes: UnsafeBufferPointer<UInt8>) -> [(String, String)] {
        var out: [(String, String)] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {
                let part = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if let eq = part.firstIndex(of: UInt8(ascii: "=")) {
                    out.append((decode(UnsafeBufferPointer(rebasing: part[..<eq])),
                                decode(UnsafeBufferPointer(rebasing: part[(eq + 1)...]))))
                } else {
                    out.append((decode(part), ""))
                }
            }
            start = end + 1
        }
        return out
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.count,
                      let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
