/// Appends EC2-style XML to a byte buffer: elements named by the model's
/// `locationName`, lists as `<name><item>…</item></name>`, absent values omitted.
public struct XMLWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func open(_ tag: String) {
        bytes.append(UInt8(ascii: "<")); raw(tag); bytes.append(UInt8(ascii: ">"))
    }

    public mutating func close(_ tag: String) {
        bytes.append(UInt8(ascii: "<")); bytes.append(UInt8(ascii: "/")); raw(tag); bytes.append(UInt8(ascii: ">"))
    }

    public mutating func escaped(_ text: String) {
        // Ids, CIDRs, states: almost every value needs no escaping; copy those in one go.
        if !text.utf8.contains(where: Self.needsEscape) {
            bytes.append(contentsOf: text.utf8)
            return
        }
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "<"): raw("&lt;")
            case UInt8(ascii: ">"): raw("&gt;")
            case UInt8(ascii: "&"): raw("&amp;")
            case UInt8(ascii: "\""): raw("&quot;")
            case UInt8(ascii: "'"): raw("&apos;")
            default: bytes.append(b)
            }
        }
    }

    @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "&")
            || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
    }

    public mutating func value<V: XMLScalar>(_ tag: String, _ v: V?) {
        guard let v else { return }
        open(tag); v.writeText(to: &self); close(tag)
    }

    public mutating func structure<S: XMLEncodable>(_ tag: String, _ s: S?) {
        guard let s else { return }
        open(tag); s.encode(to: &self); close(tag)
    }

    public mutating func list<E: XMLListElement>(_ tag: String, item: String, _ elements: [E]?) {
        guard let elements else { return }
        open(tag)
        for e in elements { e.encodeItem(item, to: &self) }
        close(tag)
    }
}

/// A value that renders as element text.
public protocol XMLScalar: XMLListElement {
    func writeText(to xml: inout XMLWriter)
}

extension XMLScalar {
    public func encodeItem(_ tag: String, to xml: inout XMLWriter) { xml.value(tag, self) }
}

/// Something that can stand as an `<item>` of a list.
public protocol XMLListElement {
    func encodeItem(_ tag: String, to xml: inout XMLWriter)
}

/// A structure that renders its members as child elements.
public protocol XMLEncodable: XMLListElement {
    func encode(to xml: inout XMLWriter)
}

extension XMLEncodable {
    public func encodeItem(_ tag: String, to xml: inout XMLWriter) { xml.structure(tag, self) }
}

extension String: XMLScalar {
    public func writeText(to xml: inout XMLWriter) { xml.escaped(self) }
}

extension Int: XMLScalar {
    public func writeText(to xml: inout XMLWriter) { xml.raw(String(self)) }
}

extension Bool: XMLScalar {
    public func writeText(to xml: inout XMLWriter) { xml.raw(self ? "true" : "false") }
}

extension Double: XMLScalar {
    public func writeText(to xml: inout XMLWriter) { xml.raw(String(self)) }
}

extension EC2Timestamp: XMLScalar {
    public func writeText(to xml: inout XMLWriter) { xml.raw(iso8601) }
}
