/// A CloudWatch Logs filter pattern (FilterLogEvents `filterPattern`), the two forms flow
/// logs are searched with:
/// - terms: `ACCEPT 443` (every term), `"exact phrase"`, `?REJECT ?NODATA` (any `?` term),
///   `-NODATA` (none of the `-` terms); case-sensitive substrings.
/// - space-delimited: `[version, account, eni, source, destination, srcport, destport="22", …]`,
///   one name per field (`...` for any number of fields), each optionally with a condition
///   `=`, `!=`, `<`, `<=`, `>`, `>=` against a number or a string (`*` matches any characters).
public struct LogFilterPattern: Sendable, Equatable {
    enum Kind: Equatable {
        case terms(all: [String], any: [String], none: [String])
        case fields([Field])
    }

    struct Field: Equatable {
        var ellipsis: Bool
        var op: String?
        var value: String?
    }

    let kind: Kind

    /// Parses `text`; throws with the InvalidParameterException message when it is not a pattern.
    public init(_ text: String) throws(FlowLogFormatError) {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("[") {
            guard trimmed.hasSuffix("]") else { throw Self.invalid(text) }
            let inner = trimmed.dropFirst().dropLast()
            var fields: [Field] = []
            for raw in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let part = String(raw).trimmingSpaces
                guard !part.isEmpty else { throw Self.invalid(text) }
                if part == "..." { fields.append(Field(ellipsis: true)); continue }
                if let range = Self.operatorRange(part) {
                    let name = part[..<range.lowerBound].trimmingSpaces
                    var value = part[range.upperBound...].trimmingSpaces
                    guard !name.isEmpty, !value.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
                    else { throw Self.invalid(text) }
                    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                    let op = String(part[range])
                    if op != "=" && op != "!=" && Double(value) == nil { throw Self.invalid(text) }
                    fields.append(Field(ellipsis: false, op: op, value: value))
                } else {
                    guard part.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { throw Self.invalid(text) }
                    fields.append(Field(ellipsis: false))
                }
            }
            kind = .fields(fields)
            return
        }
        var all: [String] = [], any: [String] = [], none: [String] = []
        var chars = Substring(trimmed)
        while let first = chars.first {
            if first == " " { chars = chars.dropFirst(); continue }
            var prefix: Character?
            if first == "?" || first == "-" { prefix = first; chars = chars.dropFirst() }
            var term: String
            if chars.first == "\"" {
                chars = chars.dropFirst()
                guard let close = chars.firstIndex(of: "\"") else { throw Self.invalid(text) }
                term = String(chars[..<close])
                chars = chars[chars.index(after: close)...]
            } else {
                let end = chars.firstIndex(of: " ") ?? chars.endIndex
                term = String(chars[..<end])
                chars = chars[end...]
            }
            guard !term.isEmpty else { throw Self.invalid(text) }
            switch prefix {
            case "?": any.append(term)
            case "-": none.append(term)
            default: all.append(term)
            }
        }
        kind = .terms(all: all, any: any, none: none)
    }

    /// The first comparison operator in a field (`!=`, `<=`, `>=` before `=`, `<`, `>`).
    static func operatorRange(_ s: String) -> Range<String.Index>? {
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "!" || c == "<" || c == ">" || c == "=" {
                let next = s.index(after: i)
                if next < s.endIndex, s[next] == "=", c != "=" { return i..<s.index(after: next) }
                if c != "!" { return i..<next }
            }
            i = s.index(after: i)
        }
        return nil
    }

    static func invalid(_ text: String) -> FlowLogFormatError {
        FlowLogFormatError(message: "Invalid filter pattern: \(text)")
    }

    public func matches(_ message: String) -> Bool {
        switch kind {
        case .terms(let all, let any, let none):
            return all.allSatisfy { message.contains($0) } && (any.isEmpty || any.contains { message.contains($0) })
                && !none.contains { message.contains($0) }
        case .fields(let fields):
            let values = message.split(separator: " ", omittingEmptySubsequences: true)
            return Self.match(fields[...], values[...])
        }
    }

    static func match(_ fields: ArraySlice<Field>, _ values: ArraySlice<Substring>) -> Bool {
        guard let field = fields.first else { return values.isEmpty }
        if field.ellipsis {
            for skip in 0...values.count where match(fields.dropFirst(), values.dropFirst(skip)) { return true }
            return false
        }
        guard let value = values.first, field.satisfied(by: value) else { return false }
        return match(fields.dropFirst(), values.dropFirst())
    }
}

extension LogFilterPattern.Field {
    func satisfied(by value: Substring) -> Bool {
        guard let op, let expected = self.value else { return true }
        if let a = Double(value), let b = Double(expected) {
            switch op {
            case "=": return a == b
            case "!=": return a != b
            case "<": return a < b
            case "<=": return a <= b
            case ">": return a > b
            default: return a >= b
            }
        }
        let equal = Self.wildcard(expected[...], value)
        switch op {
        case "=": return equal
        case "!=": return !equal
        default: return false
        }
    }

    /// `*` matches any run of characters.
    static func wildcard(_ pattern: Substring, _ text: Substring) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
        let head = pattern[..<star]
        guard text.hasPrefix(head) else { return false }
        let rest = pattern[pattern.index(after: star)...]
        var t = text.dropFirst(head.count)
        while true {
            if wildcard(rest, t) { return true }
            if t.isEmpty { return false }
            t = t.dropFirst()
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
