/// A JSON value with one deterministic rendering (object keys sorted, no
/// insignificant whitespace): the canonical bytes the record chain hashes.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(to: &out)
        return out
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { out.append(contentsOf: String(Int64(n)).utf8) } else { out.append(contentsOf: "\(n)".utf8) }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        writeStringContents(s, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A string's JSON escaping, without the quotes.
    static func writeStringContents(_ s: String, to out: inout [UInt8]) {
        // Most values need no escaping: one copy.
        let copied = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: needsEscape) else { return false }
            out.append(contentsOf: bytes)
            return true
        } ?? false
        if !copied {
            for byte in s.utf8 { writeByte(byte, to: &out) }
        }
    }

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    static func writeByte(_ byte: UInt8, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        switch byte {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
        case 0..<0x20:
            out.append(contentsOf: "\\u00".utf8)
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 15)])
        default: out.append(byte)
        }
    }
}

/// Writes one JSON object member by member; the caller gives the names in
/// sorted order, so the bytes are those `JSONValue.bytes` renders.
struct JSONObjectWriter {
    private var empty = true

    mutating func name(_ name: StaticString, _ out: inout [UInt8]) {
        out.append(empty ? UInt8(ascii: "{") : UInt8(ascii: ","))
        empty = false
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: "\":".utf8)
    }

    mutating func string(_ name: StaticString, _ value: String, _ out: inout [UInt8]) {
        self.name(name, &out)
        JSONValue.writeString(value, to: &out)
    }

    mutating func value(_ name: StaticString, _ value: JSONValue, _ out: inout [UInt8]) {
        self.name(name, &out)
        value.write(to: &out)
    }

    func end(_ out: inout [UInt8]) {
        if empty { out.append(UInt8(ascii: "{")) }
        out.append(UInt8(ascii: "}"))
    }
}
