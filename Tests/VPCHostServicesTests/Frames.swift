import VPCHostServices
import VPCWire

/// Builds request frames and reads replies for the service tests.
enum Frames {
    static let client = MACAddress(0x02, 0, 0, 0, 0, 0x0a)
    static let router = MACAddress(0x02, 0x76, 0x70, 0x63, 0x00, 0x01)

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// Ethernet/IP/UDP around `payload`, built with the services' own emitter.
    static func udp(_ f: UDPFrame, payload: [UInt8]) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: f.headerLength + payload.count)
        buf.withUnsafeMutableBytes { b in
            UnsafeMutableRawBufferPointer(rebasing: b[f.headerLength...]).copyBytes(from: payload)
            _ = f.emit(payloadLength: payload.count, into: b)
        }
        return buf
    }

    static func dhcp(_ r: DHCPRepr, from mac: MACAddress = client, source: IPv4Address = .any) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: r.length)
        _ = p.withUnsafeMutableBytes { try! r.emit(into: $0) }
        return udp(UDPFrame(sourceMAC: mac, destinationMAC: .broadcast, source: .v4(source), destination: .v4(.broadcast),
                            sourcePort: 68, destinationPort: 67), payload: p)
    }

    /// Runs `body` with the frame as input and a scratch output; returns the reply bytes.
    static func reply(_ frame: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int?) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 2048)
        let n = frame.withUnsafeBytes { f in out.withUnsafeMutableBytes { body(f, $0) } }
        return n.map { Array(out[0..<$0]) }
    }

    /// The UDP payload of a reply frame, checksums verified.
    static func payload(_ frame: [UInt8]) -> (UDPFrame, [UInt8])? {
        frame.withUnsafeBytes { b in UDPFrame.parse(b).map { ($0.0, Array($0.1)) } }
    }
}
