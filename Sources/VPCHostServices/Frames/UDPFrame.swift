public import VPCWire

/// The addressing of one UDP datagram inside an Ethernet frame, as the VPC's services read
/// a request and write a reply. Both families; IPv4 headers carry no options on emit.
public struct UDPFrame: Hashable, Sendable {
    public var sourceMAC: MACAddress
    public var destinationMAC: MACAddress
    public var source: IPAddress
    public var destination: IPAddress
    public var sourcePort: UInt16
    public var destinationPort: UInt16

    public init(sourceMAC: MACAddress, destinationMAC: MACAddress, source: IPAddress, destination: IPAddress,
                sourcePort: UInt16, destinationPort: UInt16) {
        self.sourceMAC = sourceMAC; self.destinationMAC = destinationMAC
        self.source = source; self.destination = destination
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
    }

    /// Parses an untagged Ethernet/IPv4-or-IPv6/UDP frame; returns the addressing and the
    /// UDP payload, or nil when it is anything else, a fragment, or truncated. The UDP
    /// checksum is verified when present (IPv4 zero means none; IPv6 requires one).
    public static func parse(_ frame: UnsafeRawBufferPointer) -> (UDPFrame, UnsafeRawBufferPointer)? {
        guard let eth = try? EthernetRepr.parse(frame), eth.vlanID == nil else { return nil }
        let l3 = UnsafeRawBufferPointer(rebasing: frame[eth.headerLength...])
        let source: IPAddress, destination: IPAddress, l4: UnsafeRawBufferPointer, pseudo: UInt64, v6: Bool
        switch eth.etherType {
        case .ipv4:
            guard let p = try? IPv4Packet(checking: l3), let ip = try? IPv4Repr(p), !ip.isFragment, ip.protocol == .udp
            else { return nil }
            source = .v4(ip.source); destination = .v4(ip.destination)
            l4 = p.payload; pseudo = ip.pseudoHeaderSum; v6 = false
        case .ipv6:
            guard let p = try? IPv6Packet(checking: l3), let upper = try? p.upperLayer(), upper.protocol == .udp
            else { return nil }
            source = .v6(p.source); destination = .v6(p.destination)
            let start = 40 + upper.offset, end = 40 + p.payloadLength
            guard end <= l3.count, start <= end else { return nil }
            l4 = UnsafeRawBufferPointer(rebasing: l3[start ..< end])
            pseudo = InternetChecksum.pseudoHeader(source: p.source, destination: p.destination, protocol: .udp,
                                                   length: end - start)
            v6 = true
        default:
            return nil
        }
        guard let d = try? UDPDatagram(checking: l4), (try? UDPRepr(d, pseudoHeaderSum: pseudo, ipv6: v6)) != nil
        else { return nil }
        let f = UDPFrame(sourceMAC: eth.source, destinationMAC: eth.destination, source: source, destination: destination,
                         sourcePort: d.sourcePort, destinationPort: d.destinationPort)
        return (f, d.payload)
    }

    /// The reply's addressing: everything swapped, the frame sent from `mac`.
    public func reversed(from mac: MACAddress) -> UDPFrame {
        UDPFrame(sourceMAC: mac, destinationMAC: sourceMAC, source: destination, destination: source,
                 sourcePort: destinationPort, destinationPort: sourcePort)
    }

    /// Header bytes in front of the payload.
    public var headerLength: Int {
        if case .v6 = source { return 14 + 40 + 8 }
        return 14 + 20 + 8
    }

    /// Writes Ethernet, IP and UDP headers (with checksums) around the `payloadLength`
    /// bytes already at `out[headerLength...]`; returns the frame length, or nil if it
    /// does not fit or the families differ.
    public func emit(payloadLength: Int, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let total = headerLength + payloadLength
        guard out.count >= total else { return nil }
        let udp = UDPRepr(sourcePort: sourcePort, destinationPort: destinationPort, payloadLength: payloadLength)
        let pseudo: UInt64
        switch (source, destination) {
        case (.v4(let s), .v4(let d)):
            guard (try? EthernetRepr(source: sourceMAC, destination: destinationMAC, etherType: .ipv4).emit(into: out)) != nil,
                  (try? IPv4Repr(source: s, destination: d, protocol: .udp, payloadLength: 8 + payloadLength, ttl: 64,
                                 dontFragment: false).emit(into: UnsafeMutableRawBufferPointer(rebasing: out[14...]))) != nil
            else { return nil }
            pseudo = InternetChecksum.pseudoHeader(source: s, destination: d, protocol: .udp, length: 8 + payloadLength)
        case (.v6(let s), .v6(let d)):
            guard (try? EthernetRepr(source: sourceMAC, destination: destinationMAC, etherType: .ipv6).emit(into: out)) != nil,
                  (try? IPv6Repr(source: s, destination: d, nextHeader: .udp, payloadLength: 8 + payloadLength, hopLimit: 64)
                    .emit(into: UnsafeMutableRawBufferPointer(rebasing: out[14...]))) != nil
            else { return nil }
            pseudo = InternetChecksum.pseudoHeader(source: s, destination: d, protocol: .udp, length: 8 + payloadLength)
        default:
            return nil
        }
        let l4 = UnsafeMutableRawBufferPointer(rebasing: out[(headerLength - 8) ..< total])
        guard (try? udp.emit(into: l4, pseudoHeaderSum: pseudo)) != nil else { return nil }
        return total
    }
}
