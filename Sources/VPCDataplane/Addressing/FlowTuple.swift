public import VPCWire

/// IANA protocol numbers the policy code names.
public enum IPProtocolNumber {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let icmpv6: UInt8 = 58
}

/// Direction of traffic relative to an ENI (security groups) or subnet (network ACLs).
public enum TrafficDirection: UInt8, Sendable, Hashable {
    case ingress = 0
    case egress = 1
}

/// TCP header flag bits, as in the header (RFC 9293). (Named so as not to clash with VPCWire.TCPFlags.)
public enum TCPFlagBits {
    public static let fin: UInt8 = 0x01
    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04
    public static let psh: UInt8 = 0x08
    public static let ack: UInt8 = 0x10
}

/// The 5-tuple of one packet as the caller parsed it.
///
/// Ports are the TCP/UDP ports; for an ICMP echo the identifier and the next, in an order
/// that tells a request from a reply (`echoPorts`); for other protocols 0.
@frozen
public struct FlowTuple: Hashable, Sendable {
    public var source: AddressKey
    public var destination: AddressKey
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var proto: UInt8
    public var family: IPFamily

    @inlinable
    public init(family: IPFamily, proto: UInt8, source: AddressKey, destination: AddressKey,
                sourcePort: UInt16 = 0, destinationPort: UInt16 = 0) {
        self.family = family; self.proto = proto
        self.source = source; self.destination = destination
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
    }

    @inlinable
    public init(proto: UInt8, source: IPAddress, destination: IPAddress,
                sourcePort: UInt16 = 0, destinationPort: UInt16 = 0) {
        self.init(family: source.family, proto: proto, source: AddressKey(source),
                  destination: AddressKey(destination), sourcePort: sourcePort, destinationPort: destinationPort)
    }

    /// An ICMP/ICMPv6 echo request or reply, its ports set by `echoPorts`.
    @inlinable
    public static func icmpEcho(source: IPAddress, destination: IPAddress, identifier: UInt16, request: Bool) -> FlowTuple {
        let p = source.family == .v4 ? IPProtocolNumber.icmp : IPProtocolNumber.icmpv6
        let (sourcePort, destinationPort) = echoPorts(identifier: identifier, request: request)
        return FlowTuple(proto: p, source: source, destination: destination,
                         sourcePort: sourcePort, destinationPort: destinationPort)
    }

    /// An echo's ports: its identifier and the next, (id, id+1) for a request and (id+1, id)
    /// for a reply. A reply then matches its request's connection reversed, while a request
    /// the other way with the same identifier does not ((y, y+1) is never (x+1, x)): a ping
    /// one way does not open pings the other way.
    @inlinable @inline(__always)
    public static func echoPorts(identifier: UInt16, request: Bool) -> (UInt16, UInt16) {
        request ? (identifier, identifier &+ 1) : (identifier &+ 1, identifier)
    }

    /// The same flow seen from the other end.
    @inlinable public var reversed: FlowTuple {
        FlowTuple(family: family, proto: proto, source: destination, destination: source,
                  sourcePort: destinationPort, destinationPort: sourcePort)
    }
}

/// ICMP type and code packed as `type << 8 | code`, the "port" key security-group
/// and network-ACL rules match ICMP on.
@inlinable @inline(__always)
public func icmpPortKey(type: UInt8, code: UInt8) -> UInt16 { UInt16(type) << 8 | UInt16(code) }
