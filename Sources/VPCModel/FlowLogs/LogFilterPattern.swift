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
            return Self.match(fields, message.split(separator: " ", omittingEmptySubsequences: true))
        }
    }

    /// Whether `fields` consume exactly `values`: one pass per field over the set of value
    /// counts the fields before it can consume (an `...` any number more), so a pattern of
    /// many `...` costs fields × values, not a try of every split.
    static func match(_ fields: [Field], _ values: [Substring]) -> Bool {
        var consumed = [Bool](repeating: false, count: values.count + 1)
        consumed[0] = true
        for field in fields {
            var next = [Bool](repeating: false, count: values.count + 1)
            if field.ellipsis {
                var reached = false
                for j in 0...values.count {
                    reached = reached || consumed[j]
                    next[j] = reached
                }
            } else {
                for j in 0..<values.count where consumed[j] && field.satisfied(by: values[j]) { next[j + 1] = true }
            }
            consumed = next
        }
        return consumed[values.count]
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

    /// `*` matches any run of characters. Greedy, going back only to the last `*`: at most
    /// pattern × text steps however many `*` there are.
    static func wildcard(_ pattern: Substring, _ text: Substring) -> Bool {
        let p = Array(pattern), t = Array(text)
        var i = 0, j = 0
        var star: Int?, resume = 0  // the last `*` seen, and where its run now ends in the text
        while j < t.count {
            if i < p.count, p[i] == "*" {
                star = i; resume = j; i += 1
            } else if i < p.count, p[i] == t[j] {
                i += 1; j += 1
            } else if let s = star {
                i = s + 1; resume += 1; j = resume
            } else {
                return false
            }
        }
        while i < p.count, p[i] == "*" { i += 1 }
        return i == p.count
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
