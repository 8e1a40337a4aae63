/// MaxResults / NextToken paging over a list sorted by a stable key.
/// The token is the hex of the last key returned; anything else is
/// `InvalidPaginationToken`.
public struct Page<Element> {
    public var items: [Element]
    public var nextToken: String?

    public init(_ sorted: [Element], key: (Element) -> String, maxResults: Int?, nextToken: String?) throws(EC2Error) {
        var start = 0
        if let nextToken {
            guard let after = Self.decode(nextToken) else {
                throw EC2Error("InvalidPaginationToken", "Invalid pagination token")
            }
            start = sorted.firstIndex(where: { key($0) > after }) ?? sorted.count
        }
        let limit = maxResults ?? Int.max
        let end = limit >= sorted.count - start ? sorted.count : start + limit
        items = Array(sorted[start..<end])
        self.nextToken = end < sorted.count && !items.isEmpty ? Self.encode(key(items[items.count - 1])) : nil
    }

    static func encode(_ key: String) -> String {
        key.utf8.map { b in let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h }.joined()
    }

    static func decode(_ token: String) -> String? {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty, bytes.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let v = UInt8(String(decoding: bytes[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(v)
            i += 2
        }
        return String(validating: out, as: UTF8.self)
    }
}
