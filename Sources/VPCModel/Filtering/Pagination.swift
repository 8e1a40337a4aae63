/// MaxResults / NextToken paging over a list sorted by a stable key.
/// The token is the hex of the last key returned and of a fingerprint of the request
/// (`context`: what is listed and how it is filtered), so a token continues only the
/// listing that issued it; anything else is `InvalidPaginationToken`.
public struct Page<Element> {
    public var items: [Element]
    public var nextToken: String?

    public init(_ sorted: [Element], key: (Element) -> String, maxResults: Int?, nextToken: String?,
                context: String = "") throws(EC2Error) {
        let fingerprint = Self.fingerprint(context)
        var start = 0
        if let nextToken {
            let parts = nextToken.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1] == fingerprint, let after = Self.decode(String(parts[0])) else {
                throw EC2Error("InvalidPaginationToken", "Invalid pagination token")
            }
            start = sorted.firstIndex(where: { key($0) > after }) ?? sorted.count
        }
        let limit = maxResults ?? Int.max
        let end = limit >= sorted.count - start ? sorted.count : start + limit
        items = Array(sorted[start..<end])
        self.nextToken = end < sorted.count && !items.isEmpty
            ? Self.encode(key(items[items.count - 1])) + "." + fingerprint : nil
    }

    /// FNV-1a of `context`, hex: stable across restarts (tokens outlive a process).
    static func fingerprint(_ context: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in context.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
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
