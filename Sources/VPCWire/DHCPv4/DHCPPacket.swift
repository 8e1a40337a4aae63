/// Zero-copy view of a DHCPv4 message (RFC 2131 §2, options RFC 2132).
///
/// `init(checking:)` guarantees the 236-byte fixed header, the magic cookie
/// (RFC 2131 §3), and that every option TLV lies inside the buffer.
public struct DHCPPacket {
    @usableFromInline
    enum Field {
        @inlinable static var op: Int { 0 }
        @inlinable static var htype: Int { 1 }
        @inlinable static var hlen: Int { 2 }
        @inlinable static var hops: Int { 3 }
        @inlinable static var xid: Int { 4 }
        @inlinable static var secs: Int { 8 }
        @inlinable static var flags: Int { 10 }
        @inlinable static var ciaddr: Int { 12 }
        @inlinable static var yiaddr: Int { 16 }
        @inlinable static var siaddr: Int { 20 }
        @inlinable static var giaddr: Int { 24 }
        @inlinable static var chaddr: Int { 28 }
        @inlinable static var sname: Int { 44 }
        @inlinable static var file: Int { 108 }
        @inlinable static var cookie: Int { 236 }
        @inlinable static var options: Int { 240 }
    }

    /// 99.130.83.99 (RFC 2131 §3).
    public static let magicCookie: UInt32 = 0x6382_5363

    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable
    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Field.options else { throw WireError(.truncated, .dhcp) }
        guard bytes._u32(Field.cookie) == Self.magicCookie else { throw WireError(.malformed, .dhcp) }
        let op = bytes._u8(Field.op)
        guard op == 1 || op == 2 else { throw WireError(.malformed, .dhcp) }
        self.bytes = bytes
        try options.validate()
    }

    /// 1 BOOTREQUEST, 2 BOOTREPLY.
    @inlinable public var op: UInt8 { bytes._u8(Field.op) }
    @inlinable public var hardwareType: UInt8 { bytes._u8(Field.htype) }
    @inlinable public var hardwareLength: UInt8 { bytes._u8(Field.hlen) }
    @inlinable public var hops: UInt8 { bytes._u8(Field.hops) }
    @inlinable public var transactionID: UInt32 { bytes._u32(Field.xid) }
    @inlinable public var secs: UInt16 { bytes._u16(Field.secs) }
    /// The BROADCAST flag (RFC 2131 §2, Figure 2).
    @inlinable public var broadcast: Bool { bytes._u16(Field.flags) & 0x8000 != 0 }
    @inlinable public var clientAddress: IPv4Address { bytes._ipv4(Field.ciaddr) }
    @inlinable public var yourAddress: IPv4Address { bytes._ipv4(Field.yiaddr) }
    @inlinable public var serverAddress: IPv4Address { bytes._ipv4(Field.siaddr) }
    @inlinable public var relayAgentAddress: IPv4Address { bytes._ipv4(Field.giaddr) }
    /// chaddr as a MAC (htype 1, hlen 6).
    @inlinable public var clientHardwareAddress: MACAddress { bytes._mac(Field.chaddr) }
    @inlinable public var options: DHCPOptions { DHCPOptions(bytes: bytes._slice(Field.options, bytes.count)) }
}

/// DHCP option codes (RFC 2132).
public struct DHCPOptionCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let pad = DHCPOptionCode(rawValue: 0)
    public static let subnetMask = DHCPOptionCode(rawValue: 1)
    public static let router = DHCPOptionCode(rawValue: 3)
    public static let domainNameServer = DHCPOptionCode(rawValue: 6)
    public static let ntpServers = DHCPOptionCode(rawValue: 42)
    public static let hostName = DHCPOptionCode(rawValue: 12)
    public static let domainName = DHCPOptionCode(rawValue: 15)
    public static let interfaceMTU = DHCPOptionCode(rawValue: 26)
    public static let broadcastAddress = DHCPOptionCode(rawValue: 28)
    public static let requestedIPAddress = DHCPOptionCode(rawValue: 50)
    public static let leaseTime = DHCPOptionCode(rawValue: 51)
    public static let messageType = DHCPOptionCode(rawValue: 53)
    public static let serverIdentifier = DHCPOptionCode(rawValue: 54)
    public static let parameterRequestList = DHCPOptionCode(rawValue: 55)
    public static let maximumMessageSize = DHCPOptionCode(rawValue: 57)
    public static let renewalTime = DHCPOptionCode(rawValue: 58)
    public static let rebindingTime = DHCPOptionCode(rawValue: 59)
    public static let clientIdentifier = DHCPOptionCode(rawValue: 61)
    public static let end = DHCPOptionCode(rawValue: 255)
}

/// The options area: pad (0) and end (255) are single bytes, the rest code/length/value.
public struct DHCPOptions: Sequence {
    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Every TLV up to End (or the buffer's end) fits. A missing End is tolerated,
    /// as many clients pad to 300 bytes with zeros instead.
    @inlinable public func validate() throws(WireError) {
        var i = 0
        while i < bytes.count {
            let c = bytes._u8(i)
            if c == 255 { return }
            if c == 0 { i += 1; continue }
            guard i + 2 <= bytes.count else { throw WireError(.truncated, .dhcp) }
            let len = Int(bytes._u8(i + 1))
            guard i + 2 + len <= bytes.count else { throw WireError(.truncated, .dhcp) }
            i += 2 + len
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    public struct Iterator: IteratorProtocol {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var offset = 0
        @inlinable init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        @inlinable public mutating func next() -> DHCPOption? {
            while offset < bytes.count {
                let c = bytes._u8(offset)
                if c == 255 { return nil }
                if c == 0 { offset += 1; continue }
                guard offset + 2 <= bytes.count else { return nil }
                let len = Int(bytes._u8(offset + 1))
                guard offset + 2 + len <= bytes.count else { return nil }
                defer { offset += 2 + len }
                return DHCPOption(code: DHCPOptionCode(rawValue: c), data: bytes._slice(offset + 2, offset + 2 + len))
            }
            return nil
        }
    }

    /// The data of the first option with `code`.
    @inlinable public subscript(code: DHCPOptionCode) -> UnsafeRawBufferPointer? {
        for o in self where o.code == code { return o.data }
        return nil
    }
}

/// One option: its code and data (without code and length bytes).
public struct DHCPOption {
    public let code: DHCPOptionCode
    public let data: UnsafeRawBufferPointer
    @inlinable init(code: DHCPOptionCode, data: UnsafeRawBufferPointer) {
        self.code = code
        self.data = data
    }
}
