/// The flattened EC2 query form (`Filter.1.Value.2=x`) as a tree, so that the
/// generated decoders can walk it and the parameters nobody read can be found.
public final class QueryNode {
    /// The value when this key itself was sent (`VpcId=vpc-…`).
    public private(set) var value: String?
    public private(set) var children: [String: QueryNode] = [:]
    /// The dotted path of this node, as the client sent it.
    public let key: String
    private var visited = false

    public init(key: String = "") { self.key = key }

    /// Builds the tree from decoded form pairs. A key sent twice keeps its last value.
    public convenience init(parameters: [(String, String)]) {
        self.init()
        for (name, value) in parameters {
            var node = self
            for part in name.split(separator: ".", omittingEmptySubsequences: false) {
                let part = String(part)
                if let next = node.children[part] {
                    node = next
                } else {
                    let next = QueryNode(key: node.key.isEmpty ? part : node.key + "." + part)
                    node.children[part] = next
                    node = next
                }
            }
            node.value = value
        }
    }

    public func child(_ name: String) -> QueryNode? { children[name] }

    /// The path of a member below this node, for error messages.
    public func path(_ name: String) -> String { key.isEmpty ? name : key + "." + name }

    public func markVisited() { visited = true }

    /// Takes the parameters the server handles itself (Action, Version, …) out of the tree.
    public func remove(_ name: String) -> String? {
        defer { children[name] = nil }
        return children[name]?.value
    }

    /// The full keys of every sent parameter that no decoder read.
    public func unvisitedKeys() -> [String] {
        var out: [String] = []
        collectUnvisited(into: &out)
        return out.sorted()
    }

    private func collectUnvisited(into out: inout [String]) {
        if !visited {
            if value != nil || children.isEmpty { out.append(key) }
            for child in children.values where child.value != nil || !child.children.isEmpty {
                child.collectUnvisited(into: &out)
            }
            // Report the shallowest unread key only once.
            if value != nil { return }
            return
        }
        for child in children.values { child.collectUnvisited(into: &out) }
    }

    // MARK: Typed reads used by generated decoders

    public func string() throws(QueryError) -> String {
        visited = true
        guard let value else { throw .invalidValue(key, "") }
        return value
    }

    public func enumeration(_ allowed: [String]) throws(QueryError) -> String {
        let v = try string()
        guard allowed.contains(v) else { throw .invalidValue(key, v) }
        return v
    }

    public func integer(min: Int? = nil, max: Int? = nil) throws(QueryError) -> Int {
        let text = try string()
        guard let v = Int(text) else { throw .invalidValue(key, text) }
        if let min, v < min { throw .outOfRange(key, text, "Expecting a value greater than or equal to \(min).") }
        if let max, v > max { throw .outOfRange(key, text, "Expecting a value less than or equal to \(max).") }
        return v
    }

    public func double() throws(QueryError) -> Double {
        let text = try string()
        guard let v = Double(text) else { throw .invalidValue(key, text) }
        return v
    }

    public func boolean() throws(QueryError) -> Bool {
        let text = try string()
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidValue(key, text)
        }
    }

    public func timestamp() throws(QueryError) -> EC2Timestamp {
        let text = try string()
        if let t = EC2Timestamp(iso8601: text) { return t }
        if let seconds = Double(text) { return EC2Timestamp(secondsSince1970: seconds) }
        throw .invalidValue(key, text)
    }

    /// A flattened list: children `1`, `2`, … in numeric order.
    public func list<T>(_ element: (QueryNode) throws(QueryError) -> T) throws(QueryError) -> [T] {
        visited = true
        var indexed: [(Int, QueryNode)] = []
        indexed.reserveCapacity(children.count)
        for (k, node) in children {
            guard let i = Int(k), i >= 1 else { continue }  // left unvisited: reported as unknown
            indexed.append((i, node))
        }
        indexed.sort { $0.0 < $1.0 }
        var out: [T] = []
        out.reserveCapacity(indexed.count)
        for (_, node) in indexed { out.append(try element(node)) }
        return out
    }
}

/// A shape that decodes from the flattened query form.
public protocol QueryDecodable {
    init(query node: QueryNode) throws(QueryError)
}

/// Why a query could not be decoded; rendered as the EC2 error codes.
public enum QueryError: Error, Equatable, Sendable {
    case missingParameter(String)
    case invalidValue(String, String)
    case outOfRange(String, String, String)
    case unknownParameter(String)

    public var code: String {
        switch self {
        case .missingParameter: "MissingParameter"
        case .invalidValue, .outOfRange: "InvalidParameterValue"
        case .unknownParameter: "UnknownParameter"
        }
    }

    public var message: String {
        switch self {
        case .missingParameter(let name):
            "The request must contain the parameter \(name)"
        case .invalidValue(let name, let value):
            "Value (\(value)) for parameter \(name) is invalid."
        case .outOfRange(let name, let value, let expectation):
            "Value ( \(value) ) for parameter \(name) is invalid. \(expectation)"
        case .unknownParameter(let name):
            "The parameter \(name) is not recognized"
        }
    }
}
