/// DHCP message type, option 53 (RFC 2132 §9.6).
public struct DHCPMessageType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let discover = DHCPMessageType(rawValue: 1)
    public static let offer = DHCPMessageType(rawValue: 2)
    public static let request = DHCPMessageType(rawValue: 3)
    public static let decline = DHCPMessageType(rawValue: 4)
    public static let ack = DHCPMessageType(rawValue: 5)
    public static let nak = DHCPMessageType(rawValue: 6)
    public static let release = DHCPMessageType(rawValue: 7)
    public static let inform = DHCPMessageType(rawValue: 8)
}

/// A DHCPv4 message with the options a VPC's DHCP service reads and writes
/// (RFC 2131, RFC 2132). Unknown options are skipped on parse.
public struct DHCPRepr: Hashable, Sendable {
    /// 1 BOOTREQUEST (client), 2 BOOTREPLY (server).
    public var op: UInt8
    public var messageType: DHCPMessageType
    public var transactionID: UInt32
    public var secs: UInt16
    public var broadcast: Bool
    public var hops: UInt8
    public var clientHardwareAddress: MACAddress
    public var clientAddress: IPv4Address
    public var yourAddress: IPv4Address
    public var serverAddress: IPv4Address
    public var relayAgentAddress: IPv4Address
    /// Option 50.
    public var requestedIPAddress: IPv4Address?
    /// Option 54.
    public var serverIdentifier: IPv4Address?
    /// Option 51, seconds.
    public var leaseTime: UInt32?
    /// Options 58 and 59, seconds.
    public var renewalTime: UInt32?
    public var rebindingTime: UInt32?
    /// Option 1.
    public var subnetMask: IPv4Address?
    /// Option 28.
    public var broadcastAddress: IPv4Address?
    /// Option 3.
    public var routers: [IPv4Address]
    /// Option 6.
    public var domainNameServers: [IPv4Address]
    /// Option 15.
    public var domainName: String?
    /// Option 42.
    public var ntpServers: [IPv4Address]
    /// Option 26 (AWS hands out 9001).
    public var interfaceMTU: UInt16?
    /// Option 12.
    public var hostName: String?
    /// Option 55.
    public var parameterRequestList: [UInt8]
    /// Option 57.
    public var maximumMessageSize: UInt16?
    /// Option 61, type byte included.
    public var clientIdentifier: [UInt8]?

    public init(op: UInt8, messageType: DHCPMessageType, transactionID: UInt32, clientHardwareAddress: MACAddress,
                secs: UInt16 = 0, broadcast: Bool = false, hops: UInt8 = 0,
                clientAddress: IPv4Address = .any, yourAddress: IPv4Address = .any,
                serverAddress: IPv4Address = .any, relayAgentAddress: IPv4Address = .any,
                requestedIPAddress: IPv4Address? = nil, serverIdentifier: IPv4Address? = nil,
                leaseTime: UInt32? = nil, renewalTime: UInt32? = nil, rebindingTime: UInt32? = nil,
                subnetMask: IPv4Address? = nil, broadcastAddress: IPv4Address? = nil,
                routers: [IPv4Address] = [], domainNameServers: [IPv4Address] = [], domainName: String? = nil,
                interfaceMTU: UInt16? = nil, hostName: String? = nil, parameterRequestList: [UInt8] = [],
                maximumMessageSize: UInt16? = nil, clientIdentifier: [UInt8]? = nil, ntpServers: [IPv4Address] = []) {
        self.op = op
        self.messageType = messageType
        self.transactionID = transactionID
        self.secs = secs
        self.broadcast = broadcast
        self.hops = hops
        self.clientHardwareAddress = clientHardwareAddress
        self.clientAddress = clientAddress
        self.yourAddress = yourAddress
        self.serverAddress = serverAddress
        self.relayAgentAddress = relayAgentAddress
        self.requestedIPAddress = requestedIPAddress
        self.serverIdentifier = serverIdentifier
        self.leaseTime = leaseTime
        self.renewalTime = renewalTime
        self.rebindingTime = rebindingTime
        self.subnetMask = subnetMask
        self.broadcastAddress = broadcastAddress
        self.routers = routers
        self.domainNameServers = domainNameServers
        self.domainName = domainName
        self.ntpServers = ntpServers
        self.interfaceMTU = interfaceMTU
        self.hostName = hostName
        self.parameterRequestList = parameterRequestList
        self.maximumMessageSize = maximumMessageSize
        self.clientIdentifier = clientIdentifier
    }

    /// Parses a checked message. Requires Ethernet chaddr (htype 1, hlen 6) and a message
    /// type option (RFC 2131 §3: every DHCP message has one); fixed-size options with the
    /// wrong length are `.malformed`.
    public init(_ p: DHCPPacket) throws(WireError) {
        guard p.hardwareType == 1, p.hardwareLength == 6 else { throw WireError(.unsupported, .dhcp) }
        self.init(op: p.op, messageType: DHCPMessageType(rawValue: 0), transactionID: p.transactionID,
                  clientHardwareAddress: p.clientHardwareAddress, secs: p.secs, broadcast: p.broadcast, hops: p.hops,
                  clientAddress: p.clientAddress, yourAddress: p.yourAddress, serverAddress: p.serverAddress,
                  relayAgentAddress: p.relayAgentAddress)
        var sawType = false
        for o in p.options {
            let d = o.data
            func addr() throws(WireError) -> IPv4Address {
                guard d.count == 4 else { throw WireError(.malformed, .dhcp) }
                return d._ipv4(0)
            }
            func addrs() throws(WireError) -> [IPv4Address] {
                guard d.count % 4 == 0, d.count > 0 else { throw WireError(.malformed, .dhcp) }
                return stride(from: 0, to: d.count, by: 4).map { d._ipv4($0) }
            }
            func u32() throws(WireError) -> UInt32 {
                guard d.count == 4 else { throw WireError(.malformed, .dhcp) }
                return d._u32(0)
            }
            func u16() throws(WireError) -> UInt16 {
                guard d.count == 2 else { throw WireError(.malformed, .dhcp) }
                return d._u16(0)
            }
            switch o.code {
            case .messageType:
                guard d.count == 1 else { throw WireError(.malformed, .dhcp) }
                messageType = DHCPMessageType(rawValue: d._u8(0))
                sawType = true
            case .subnetMask: subnetMask = try addr()
            case .router: routers = try addrs()
            case .domainNameServer: domainNameServers = try addrs()
            case .hostName: hostName = String(decoding: d, as: UTF8.self)
            case .domainName: domainName = String(decoding: d, as: UTF8.self)
            case .ntpServers: ntpServers = try addrs()
            case .interfaceMTU: interfaceMTU = try u16()
            case .broadcastAddress: broadcastAddress = try addr()
            case .requestedIPAddress: requestedIPAddress = try addr()
            case .leaseTime: leaseTime = try u32()
            case .serverIdentifier: serverIdentifier = try addr()
            case .parameterRequestList: parameterRequestList = Array(d)
            case .maximumMessageSize: maximumMessageSize = try u16()
            case .renewalTime: renewalTime = try u32()
            case .rebindingTime: rebindingTime = try u32()
            case .clientIdentifier: clientIdentifier = Array(d)
            default: break
            }
        }
        guard sawType else { throw WireError(.malformed, .dhcp) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> DHCPRepr {
        try DHCPRepr(try DHCPPacket(checking: bytes))
    }

    /// Bytes `emit` writes: fixed header, cookie, options, End, padded to the BOOTP minimum of 300.
    public var length: Int {
        var n = 240 + 3 + 1 // message type, end
        func opt(_ present: Bool, _ len: Int) { if present { n += 2 + len } }
        opt(requestedIPAddress != nil, 4)
        opt(serverIdentifier != nil, 4)
        opt(leaseTime != nil, 4)
        opt(renewalTime != nil, 4)
        opt(rebindingTime != nil, 4)
        opt(subnetMask != nil, 4)
        opt(broadcastAddress != nil, 4)
        opt(!routers.isEmpty, 4 * routers.count)
        opt(!domainNameServers.isEmpty, 4 * domainNameServers.count)
        opt(domainName != nil, domainName?.utf8.count ?? 0)
        opt(!ntpServers.isEmpty, 4 * ntpServers.count)
        opt(interfaceMTU != nil, 2)
        opt(hostName != nil, hostName?.utf8.count ?? 0)
        opt(!parameterRequestList.isEmpty, parameterRequestList.count)
        opt(maximumMessageSize != nil, 2)
        opt(clientIdentifier != nil, clientIdentifier?.count ?? 0)
        return max(n, 300)
    }

    /// Writes the whole message; returns its length. Options longer than 255 bytes are `.malformed`.
    public func emit(into b: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let total = length
        guard b.count >= total else { throw WireError(.truncated, .dhcp) }
        b._zero(0, total)
        b._set8(0, op)
        b._set8(1, 1)
        b._set8(2, 6)
        b._set8(3, hops)
        b._set32(4, transactionID)
        b._set16(8, secs)
        b._set16(10, broadcast ? 0x8000 : 0)
        b._setIPv4(12, clientAddress)
        b._setIPv4(16, yourAddress)
        b._setIPv4(20, serverAddress)
        b._setIPv4(24, relayAgentAddress)
        b._setMAC(28, clientHardwareAddress)
        b._set32(236, DHCPPacket.magicCookie)
        var i = 240
        func header(_ code: DHCPOptionCode, _ len: Int) throws(WireError) {
            guard len <= 255 else { throw WireError(.malformed, .dhcp) }
            b._set8(i, code.rawValue)
            b._set8(i + 1, UInt8(len))
            i += 2
        }
        func put(_ code: DHCPOptionCode, _ a: IPv4Address?) throws(WireError) {
            guard let a else { return }
            try header(code, 4); b._setIPv4(i, a); i += 4
        }
        func put(_ code: DHCPOptionCode, _ v: UInt32?) throws(WireError) {
            guard let v else { return }
            try header(code, 4); b._set32(i, v); i += 4
        }
        func put(_ code: DHCPOptionCode, _ v: UInt16?) throws(WireError) {
            guard let v else { return }
            try header(code, 2); b._set16(i, v); i += 2
        }
        func put(_ code: DHCPOptionCode, _ list: [IPv4Address]) throws(WireError) {
            guard !list.isEmpty else { return }
            try header(code, 4 * list.count)
            for a in list { b._setIPv4(i, a); i += 4 }
        }
        func put(_ code: DHCPOptionCode, _ bytes: [UInt8]?) throws(WireError) {
            guard let bytes else { return }
            try header(code, bytes.count)
            for x in bytes { b._set8(i, x); i += 1 }
        }
        try header(.messageType, 1); b._set8(i, messageType.rawValue); i += 1
        try put(.serverIdentifier, serverIdentifier)
        try put(.requestedIPAddress, requestedIPAddress)
        try put(.leaseTime, leaseTime)
        try put(.renewalTime, renewalTime)
        try put(.rebindingTime, rebindingTime)
        try put(.subnetMask, subnetMask)
        try put(.broadcastAddress, broadcastAddress)
        try put(.router, routers)
        try put(.domainNameServer, domainNameServers)
        try put(.domainName, domainName.map { Array($0.utf8) })
        try put(.ntpServers, ntpServers)
        try put(.interfaceMTU, interfaceMTU)
        try put(.hostName, hostName.map { Array($0.utf8) })
        try put(.parameterRequestList, parameterRequestList.isEmpty ? nil : parameterRequestList)
        try put(.maximumMessageSize, maximumMessageSize)
        try put(.clientIdentifier, clientIdentifier)
        b._set8(i, 255)
        return total
    }
}
