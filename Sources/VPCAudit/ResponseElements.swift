import Foundation

/// CloudTrail's `responseElements`: the action's XML result as JSON. Elements
/// with text become strings, `item` lists become arrays, repeated names arrays.
public enum ResponseElements {
    public static func json(requestId: String, resultXML: [UInt8]) -> JSONValue {
        var parser = Parser(bytes: resultXML)
        var members = parser.members(until: nil)
        members["requestId"] = .string(requestId)
        return .object(members)
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        /// Reads sibling elements up to `</name>` (or the end).
        mutating func members(until name: String?) -> [String: JSONValue] {
            var members: [String: JSONValue] = [:]
            var items: [JSONValue] = []
            while let (tag, closing, selfClosing) = nextTag() {
                if closing { break }
                let value: JSONValue = selfClosing ? .string("") : element(tag)
                if tag == "item" {
                    items.append(value)
                } else if let existing = members[tag] {
                    if case .array(let a) = existing { members[tag] = .array(a + [value]) } else { members[tag] = .array([existing, value]) }
                } else {
                    members[tag] = value
                }
            }
            if !items.isEmpty { members["items"] = .array(items) }
            return members
        }

        /// The body of `<tag>` after its opening: text or nested members.
        mutating func element(_ tag: String) -> JSONValue {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
            if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                let text = Self.unescape(String(decoding: bytes[start..<i], as: UTF8.self))
                _ = nextTag()
                return .string(text)
            }
            let members = self.members(until: tag)
            if members.count == 1, case .array(let items)? = members["items"] { return .object(["items": .array(items)]) }
            return .object(members)
        }

        /// The next tag's name; whether it closes; whether it is `<x/>`.
        mutating func nextTag() -> (String, Bool, Bool)? {
            while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
            guard i < bytes.count else { return nil }
            let start = i + 1
            while i < bytes.count, bytes[i] != UInt8(ascii: ">") { i += 1 }
            guard i < bytes.count else { return nil }
            var inner = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            let closing = inner.hasPrefix("/")
            let selfClosing = inner.hasSuffix("/")
            if closing { inner.removeFirst() }
            if selfClosing { inner.removeLast() }
            let name = inner.split(separator: " ").first.map(String.init) ?? inner
            return (name, closing, selfClosing)
        }

        static func unescape(_ s: String) -> String {
            guard s.contains("&") else { return s }
            return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                .replacingOccurrences(of: "&#xA;", with: "\n").replacingOccurrences(of: "&amp;", with: "&")
        }
    }
}
