/// CloudTrail's `requestParameters`: the flattened Query parameters
/// (`TagSpecification.1.Tag.1.Key=Name`) as nested JSON, numbered members as arrays.
public enum RequestParameters {
    /// Parameters that are never recorded (credentials, signatures).
    static let secret: Set<String> = ["X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential", "Signature"]

    public static func json(_ pairs: [(String, String)]) -> JSONValue {
        let root = Node()
        for (name, value) in pairs where !secret.contains(name) {
            var node = root
            for part in name.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
                if let child = node.children[part] {
                    node = child
                } else {
                    let child = Node()
                    node.children[part] = child
                    node.order.append(part)
                    node = child
                }
            }
            node.value = value
        }
        return root.children.isEmpty ? .null : root.json
    }

    private final class Node {
        var value: String?
        var children: [String: Node] = [:]
        var order: [String] = []

        var json: JSONValue {
            if children.isEmpty { return .string(value ?? "") }
            let numbered = order.compactMap { key in Int(key).map { ($0, key) } }
            if numbered.count == order.count {
                return .array(numbered.sorted { $0.0 < $1.0 }.map { children[$0.1]!.json })
            }
            var members: [String: JSONValue] = [:]
            for key in order { members[Self.lowerFirst(key)] = children[key]!.json }
            return .object(members)
        }

        /// CloudTrail names members in lowerCamelCase (`cidrBlock`).
        static func lowerFirst(_ s: String) -> String {
            guard let first = s.first else { return s }
            return first.lowercased() + s.dropFirst()
        }
    }
}
