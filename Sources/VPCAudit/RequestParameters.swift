/// CloudTrail's `requestParameters`: the flattened Query parameters
/// (`TagSpecification.1.Tag.1.Key=Name`) as nested JSON, numbered members as
/// arrays, names in lowerCamelCase, written in canonical form (keys sorted).
public enum RequestParameters {
    /// Parameters that are never recorded (credentials, signatures).
    static let secret: Set<String> = ["X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential", "Signature"]

    /// Writes the parameters' JSON (`null` when there are none) and passes each
    /// value to `leaf` in the order written.
    public static func write(_ pairs: [(String, String)], to out: inout [UInt8], leaf: (String) -> Void = { _ in }) {
        var tree = ParameterTree()
        for (name, value) in pairs where !secret.contains(name) { tree.insert(name, value) }
        guard tree.nodes[0].lastChild >= 0 else { return out.append(contentsOf: "null".utf8) }
        tree.write(0, to: &out, leaf: leaf)
    }
}

/// The parameters' names split at dots, as a tree in one array (a record is
/// encoded once per call: no object per node).
private struct ParameterTree {
    struct Node {
        var name: Substring
        var value: String?
        var lastChild = -1
        var previousSibling = -1
        var children = 0
    }

    var nodes = [Node(name: "", value: nil)]
    /// The children of nodes with many, by name: a 1 MB request of distinct
    /// `X.N` names must not cost a search of all earlier siblings per name.
    var index: [Int: [Substring: Int]] = [:]

    init() { nodes.reserveCapacity(16) }

    mutating func insert(_ name: String, _ value: String) {
        var node = 0
        var start = name.startIndex
        while true {
            let end = name.utf8[start...].firstIndex(of: UInt8(ascii: ".")) ?? name.endIndex
            node = child(of: node, named: name[start..<end])
            guard end < name.endIndex else { break }
            start = name.utf8.index(after: end)
        }
        nodes[node].value = value
    }

    /// The child of that name, made if new. Parameters come grouped
    /// (`Filter.1.Name`, `Filter.1.Value.1`): the newest child is searched first,
    /// and past 16 children an index is.
    mutating func child(of parent: Int, named name: Substring) -> Int {
        if nodes[parent].children > 16 {
            if let c = index[parent]?[name] { return c }
        } else {
            var c = nodes[parent].lastChild
            while c >= 0 {
                if nodes[c].name == name { return c }
                c = nodes[c].previousSibling
            }
        }
        let c = nodes.count
        nodes.append(Node(name: name, value: nil, previousSibling: nodes[parent].lastChild))
        nodes[parent].lastChild = c
        nodes[parent].children += 1
        if nodes[parent].children == 17 {
            var byName: [Substring: Int] = [:]
            var sibling = c
            while sibling >= 0 { byName[nodes[sibling].name] = sibling; sibling = nodes[sibling].previousSibling }
            index[parent] = byName
        } else if nodes[parent].children > 17 {
            index[parent]![name] = c
        }
        return c
    }

    func write(_ node: Int, to out: inout [UInt8], leaf: (String) -> Void) {
        guard nodes[node].lastChild >= 0 else {
            let value = nodes[node].value ?? ""
            JSONValue.writeString(value, to: &out)
            return leaf(value)
        }
        var children: [Int] = []  // in insertion order (node indices grow with it)
        var c = nodes[node].lastChild
        while c >= 0 { children.append(c); c = nodes[c].previousSibling }
        children.reverse()
        let numbers = children.compactMap { Int(nodes[$0].name) }
        if numbers.count == children.count {
            // Numbered members: an array in number order.
            let order = zip(numbers, children).sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            out.append(UInt8(ascii: "["))
            for (i, member) in order.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(member.1, to: &out, leaf: leaf)
            }
            out.append(UInt8(ascii: "]"))
            return
        }
        // Named members, sorted. Of names equal once lowerCamelCased (String equality:
        // canonically equivalent), the first given names the member and the last its value.
        let members = children.map { (Self.lowerFirst(nodes[$0].name), $0) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        out.append(UInt8(ascii: "{"))
        var runStart = 0  // the first member of the run of equal names
        for (i, member) in members.enumerated() {
            guard i + 1 == members.count || members[i + 1].0 != member.0 else { continue }
            if runStart > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(members[runStart].0, to: &out)
            out.append(UInt8(ascii: ":"))
            write(member.1, to: &out, leaf: leaf)
            runStart = i + 1
        }
        out.append(UInt8(ascii: "}"))
    }

    /// CloudTrail names members in lowerCamelCase (`cidrBlock`).
    static func lowerFirst(_ s: Substring) -> String {
        guard let first = s.utf8.first else { return "" }
        if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") {
            return String(unsafeUninitializedCapacity: s.utf8.count) { buffer in
                _ = buffer.initialize(fromContentsOf: s.utf8)
                buffer[0] = first + 32
                return s.utf8.count
            }
        }
        guard first >= 0x80, let character = s.first else { return String(s) }
        return character.lowercased() + s.dropFirst()
    }
}
