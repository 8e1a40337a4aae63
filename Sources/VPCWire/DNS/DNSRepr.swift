/// One question (RFC 1035 §4.1.2).
public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSRecordType
    /// QCLASS; 1 is IN.
    public var recordClass: UInt16

    public init(name: DNSName, type: DNSRecordType, recordClass: UInt16 = 1) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}

/// One resource record (RFC 1035 §4.1.3) with the data types a resolver answers.
public struct DNSRecord: Hashable, Sendable {
    public enum Data: Hashable, Sendable {
        case a(IPv4Address)
        case aaaa(IPv6Address)
        case ptr(DNSName)
        case cname(DNSName)
        /// Anything else, RDATA kept raw (names inside are not decompressed).
        case other(type: DNSRecordType, bytes: [UInt8])
    }

    public var name: DNSName
    public var recordClass: UInt16
    public var ttl: UInt32
    public var data: Data

    public init(name: DNSName, ttl: UInt32, data: Data, recordClass: UInt16 = 1) {
        self.name = name
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSRecordType {
        switch data {
        case .a: .a
        case .aaaa: .aaaa
        case .ptr: .ptr
        case .cname: .cname
        case .other(let t, _): t
        }
    }
}

/// A DNS message: header, questions, answers (RFC 1035 §4.1). Authority and
/// additional sections are counted on parse but not kept; emit writes none.
public struct DNSRepr: Hashable, Sendable {
    public var id: UInt16
    public var flags: DNSFlags
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]

    public init(id: UInt16, flags: DNSFlags, questions: [DNSQuestion], answers: [DNSRecord] = []) {
        self.id = id
        self.flags = flags
        self.questions = questions
        self.answers = answers
    }

    /// More than this many questions or answers is refused as `.unsupported`
    /// (real queries carry one question; this bounds work per packet).
    public static let maximumRecords = 64

    public init(_ m: DNSMessage) throws(WireError) {
        let b = m.bytes
        guard m.questionCount <= Self.maximumRecords, m.answerCount <= Self.maximumRecords
        else { throw WireError(.unsupported, .dns) }
        id = m.id
        flags = m.flags
        questions = []
        answers = []
        var i = 12
        for _ in 0..<m.questionCount {
            let (name, next) = try DNSName.parse(b, at: i)
            guard next + 4 <= b.count else { throw WireError(.truncated, .dns) }
            questions.append(DNSQuestion(name: name, type: DNSRecordType(rawValue: b._u16(next)), recordClass: b._u16(next + 2)))
            i = next + 4
        }
        for _ in 0..<m.answerCount {
            let (name, next) = try DNSName.parse(b, at: i)
            guard next + 10 <= b.count else { throw WireError(.truncated, .dns) }
            let type = DNSRecordType(rawValue: b._u16(next))
            let cls = b._u16(next + 2)
            let ttl = b._u32(next + 4)
            let rdlen = Int(b._u16(next + 8))
            let rd = next + 10
            guard rd + rdlen <= b.count else { throw WireError(.truncated, .dns) }
            let data: DNSRecord.Data
            switch type {
            case .a:
                guard rdlen == 4 else { throw WireError(.malformed, .dns) }
                data = .a(b._ipv4(rd))
            case .aaaa:
                guard rdlen == 16 else { throw WireError(.malformed, .dns) }
                data = .aaaa(b._ipv6(rd))
            case .ptr, .cname:
                let (target, after) = try DNSName.parse(b, at: rd)
                guard after == rd + rdlen else { throw WireError(.malformed, .dns) }
                data = type == .ptr ? .ptr(target) : .cname(target)
            default:
                data = .other(type: type, bytes: Array(b._slice(rd, rd + rdlen)))
            }
            answers.append(DNSRecord(name: name, ttl: ttl, data: data, recordClass: cls))
            i = rd + rdlen
        }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> DNSRepr {
        try DNSRepr(try DNSMessage(checking: bytes))
    }

    /// A response to this query: same id and questions, QR set, RD copied, RA set.
    public func response(answers: [DNSRecord], responseCode: DNSResponseCode = .noError) -> DNSRepr {
        var f = DNSFlags(rawValue: 0)
        f.isResponse = true
        f.recursionDesired = flags.recursionDesired
        f.recursionAvailable = true
        f.responseCode = responseCode
        return DNSRepr(id: id, flags: f, questions: questions, answers: answers)
    }

    /// Writes the message; a record whose owner is the first question's name points to it
    /// (offset 12, RFC 1035 §4.1.4). Returns the length.
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        guard b.count >= 12 else { throw WireError(.truncated, .dns) }
        guard questions.count <= 0xFFFF, answers.count <= 0xFFFF else { throw WireError(.malformed, .dns) }
        b._set16(0, id)
        b._set16(2, flags.rawValue)
        b._set16(4, UInt16(questions.count))
        b._set16(6, UInt16(answers.count))
        b._set16(8, 0)
        b._set16(10, 0)
        var i = 12
        for q in questions {
            i = try q.name.emit(into: b, at: i)
            guard i + 4 <= b.count else { throw WireError(.truncated, .dns) }
            b._set16(i, q.type.rawValue)
            b._set16(i + 2, q.recordClass)
            i += 4
        }
        let first = questions.first?.name
        for r in answers {
            if let first, r.name == first, !first.labels.isEmpty {
                guard i + 2 <= b.count else { throw WireError(.truncated, .dns) }
                b._set16(i, 0xC00C)
                i += 2
            } else {
                i = try r.name.emit(into: b, at: i)
            }
            guard i + 10 <= b.count else { throw WireError(.truncated, .dns) }
            b._set16(i, r.type.rawValue)
            b._set16(i + 2, r.recordClass)
            b._set32(i + 4, r.ttl)
            let rd = i + 10
            var end = rd
            switch r.data {
            case .a(let a):
                guard rd + 4 <= b.count else { throw WireError(.truncated, .dns) }
                b._setIPv4(rd, a); end = rd + 4
            case .aaaa(let a):
                guard rd + 16 <= b.count else { throw WireError(.truncated, .dns) }
                b._setIPv6(rd, a); end = rd + 16
            case .ptr(let n), .cname(let n):
                end = try n.emit(into: b, at: rd)
            case .other(_, let bytes):
                guard rd + bytes.count <= b.count, bytes.count <= 0xFFFF else { throw WireError(.truncated, .dns) }
                for (k, x) in bytes.enumerated() { b._set8(rd + k, x) }
                end = rd + bytes.count
            }
            b._set16(i + 8, UInt16(end - rd))
            i = end
        }
        return i
    }
}
