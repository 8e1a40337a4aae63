public import VPCWire

/// The VPC's DHCPv4 server for one ENI (RFC 2131): DISCOVER → OFFER, REQUEST for the
/// ENI's address → ACK, REQUEST for anything else → NAK, INFORM → ACK without a lease.
/// Pure: a request frame in, a reply frame out. Not a hot path (a few packets per hour).
public enum DHCPServer {
    public static let serverPort: UInt16 = 67
    public static let clientPort: UInt16 = 68

    /// The reply to `request`, or nil when none is due (not ours, another server chosen,
    /// RELEASE, DECLINE, unknown type).
    public static func respond(to request: DHCPRepr, lease: DHCPLease) -> DHCPRepr? {
        guard request.op == 1, request.clientHardwareAddress == lease.clientMAC, request.hops == 0 else { return nil }
        switch request.messageType {
        case .discover:
            return reply(request, lease, .offer, yourAddress: lease.address, withLease: true)
        case .request:
            // SELECTING names the chosen server; a REQUEST for another server is not ours.
            if let id = request.serverIdentifier, id != lease.router { return nil }
            // SELECTING / INIT-REBOOT carry option 50; RENEWING / REBINDING carry ciaddr (§4.3.2).
            let wanted = request.requestedIPAddress ?? (request.clientAddress == .any ? nil : request.clientAddress)
            guard let wanted else { return nil }
            guard wanted == lease.address else { return nak(request, lease) }
            return reply(request, lease, .ack, yourAddress: lease.address, withLease: true)
        case .inform:
            return reply(request, lease, .ack, yourAddress: .any, withLease: false)
        default:
            return nil
        }
    }

    static func reply(_ q: DHCPRepr, _ lease: DHCPLease, _ type: DHCPMessageType, yourAddress: IPv4Address,
                      withLease: Bool) -> DHCPRepr {
        DHCPRepr(op: 2, messageType: type, transactionID: q.transactionID, clientHardwareAddress: q.clientHardwareAddress,
                 broadcast: q.broadcast, clientAddress: type == .offer ? .any : q.clientAddress,
                 yourAddress: yourAddress, serverIdentifier: lease.router,
                 leaseTime: withLease ? lease.leaseSeconds : nil,
                 subnetMask: lease.subnetMask, broadcastAddress: lease.broadcastAddress,
                 routers: [lease.router], domainNameServers: Array(lease.domainNameServers.prefix(63)),
                 // A name longer than option 15 holds is left out rather than failing the reply.
                 domainName: lease.domainName.flatMap { $0.utf8.count <= 255 ? $0 : nil }, interfaceMTU: lease.mtu,
                 hostName: lease.hostName, ntpServers: Array(lease.ntpServers.prefix(63)))
    }

    static func nak(_ q: DHCPRepr, _ lease: DHCPLease) -> DHCPRepr {
        // RFC 2131 §4.3.2: a NAK carries no address or configuration, and is broadcast.
        DHCPRepr(op: 2, messageType: .nak, transactionID: q.transactionID, clientHardwareAddress: q.clientHardwareAddress,
                 broadcast: true, serverIdentifier: lease.router)
    }

    /// Answers the DHCP request frame `frame` (Ethernet/IPv4/UDP to port 67) from the VPC
    /// router at `routerMAC`; writes the reply frame into `out` and returns its length, or nil.
    ///
    /// Destination (RFC 2131 §4.1): ciaddr when set (unicast); else broadcast when the client
    /// asked for it or for a NAK; else the offered address at the client's MAC.
    public static func reply(toFrame frame: UnsafeRawBufferPointer, lease: DHCPLease, routerMAC: MACAddress,
                             into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let (udp, payload) = UDPFrame.parse(frame), udp.destinationPort == serverPort,
              case .v4 = udp.source, udp.sourceMAC == lease.clientMAC,
              let request = try? DHCPRepr.parse(payload), let answer = respond(to: request, lease: lease)
        else { return nil }
        let toClient: IPv4Address, toMAC: MACAddress
        if answer.messageType != .nak && request.clientAddress != .any {
            toClient = request.clientAddress; toMAC = lease.clientMAC
        } else if answer.broadcast {
            toClient = .broadcast; toMAC = .broadcast
        } else {
            toClient = answer.yourAddress; toMAC = lease.clientMAC
        }
        let header = UDPFrame(sourceMAC: routerMAC, destinationMAC: toMAC, source: .v4(lease.router),
                              destination: .v4(toClient), sourcePort: serverPort, destinationPort: clientPort)
        let start = header.headerLength
        guard out.count > start,
              let n = try? answer.emit(into: UnsafeMutableRawBufferPointer(rebasing: out[start...]))
        else { return nil }
        return header.emit(payloadLength: n, into: out)
    }
}
