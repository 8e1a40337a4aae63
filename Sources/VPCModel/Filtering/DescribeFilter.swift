public import EC2Shapes

/// The `Filter.N.Name` / `Filter.N.Value.M` of a Describe call: filters are ANDed,
/// the values of one filter ORed; values may use `*` and `?` wildcards.
public struct DescribeFilter: Sendable {
    public struct Term: Sendable {
        public var name: String
        public var patterns: [WildcardPattern]
    }

    public var terms: [Term]
    /// The filters as given (names and values), for a NextToken to name what it continues.
    public let text: String

    /// Rejects filter names the resource does not know, as EC2 does.
    /// The most filter values one call may give, all filters together (EC2's limit).
    public static let maximumValues = 200

    public init(_ filters: [EC2.Filter]?, allowed: Set<String>) throws(EC2Error) {
        let values = (filters ?? []).reduce(0) { $0 + ($1.values?.count ?? 0) }
        guard values <= Self.maximumValues else {
            throw EC2Error("FilterLimitExceeded",
                           "The maximum number of filter values specified on a single call is \(Self.maximumValues)")
        }
        var terms: [Term] = []
        text = (filters ?? []).map { ([$0.name ?? ""] + ($0.values ?? [])).joined(separator: "\u{1}") }
            .joined(separator: "\u{2}")
        for filter in filters ?? [] {
            guard let name = filter.name else { throw .missingParameter("Filter.Name") }
            let tagFilter = name.hasPrefix("tag:") || name == "tag-key" || name == "tag-value"
            guard tagFilter || allowed.contains(name) else {
                throw EC2Error("InvalidParameterValue", "The filter '\(name)' is invalid")
            }
            terms.append(Term(name: name, patterns: (filter.values ?? []).map(WildcardPattern.init)))
        }
        self.terms = terms
    }

    /// Whether a resource matches: `values(name)` gives the resource's values for a
    /// filter name; tags are matched here.
    public func matches(tags: [EC2.Tag]?, values: (String) -> [String]) -> Bool {
        for term in terms {
            let candidates: [String]
            if term.name.hasPrefix("tag:") {
                let key = String(term.name.dropFirst(4))
                candidates = (tags ?? []).filter { $0.key == key }.map { $0.value ?? "" }
            } else if term.name == "tag-key" {
                candidates = (tags ?? []).compactMap(\.key)
            } else if term.name == "tag-value" {
                candidates = (tags ?? []).map { $0.value ?? "" }
            } else {
                candidates = values(term.name)
            }
            guard candidates.contains(where: { c in term.patterns.contains { $0.matches(c) } }) else { return false }
        }
        return true
    }
}

/// An EC2 filter value: `*` matches any run of characters, `?` one character,
/// `\*` and `\?` themselves.
public struct WildcardPattern: Sendable {
    enum Part: Sendable, Equatable { case literal(Character), any, one }
    let parts: [Part]
    let literal: String?

    public init(_ text: String) {
        var parts: [Part] = []
        var escaped = false
        for c in text {
            if escaped { parts.append(.literal(c)); escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "*": parts.append(.any)
            case "?": parts.append(.one)
            default: parts.append(.literal(c))
            }
        }
        if escaped { parts.append(.literal("\\")) }
        self.parts = parts
        literal = parts.allSatisfy { if case .literal = $0 { true } else { false } } ? String(parts.map {
            if case .literal(let c) = $0 { c } else { " " }
        }) : nil
    }

    public func matches(_ value: String) -> Bool {
        if let literal { return literal == value }
        let chars = Array(value)
        // Iterative glob match with backtracking on the last `*`.
        var p = 0, v = 0, starP = -1, starV = 0
        while v < chars.count {
            if p < parts.count {
                switch parts[p] {
                case .any: starP = p; starV = v; p += 1; continue
                case .one: p += 1; v += 1; continue
                case .literal(let c) where c == chars[v]: p += 1; v += 1; continue
                default: break
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1; starV += 1; v = starV
        }
        while p < parts.count, parts[p] == .any { p += 1 }
        return p == parts.count
    }
}
