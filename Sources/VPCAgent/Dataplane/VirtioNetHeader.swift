/// The 10-byte `struct virtio_net_hdr` a TAP opened with IFF_VNET_HDR puts in front of
/// every frame (include/uapi/linux/virtio_net.h): how the sending kernel left checksum
/// and segmentation to us. Little-endian fields (TUNSETVNETLE is not used: x86 and
/// arm64 hosts are little-endian).
struct VirtioNetHeader {
    static let length = 10
    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum at `csumStart + csumOffset` holds only the
    /// pseudo-header sum; the rest is ours to add.
    static let needsChecksum: UInt8 = 1
    static let gsoNone: UInt8 = 0
    static let gsoTCPv4: UInt8 = 1
    static let gsoTCPv6: UInt8 = 4
    static let gsoECN: UInt8 = 0x80

    var flags: UInt8
    var gsoType: UInt8
    var gsoSize: Int
    var checksumStart: Int
    var checksumOffset: Int

    @inline(__always)
    init(_ b: UnsafeRawBufferPointer) {
        flags = b[0]
        gsoType = b[1]
        gsoSize = Int(UInt16(b[4]) | UInt16(b[5]) << 8)
        checksumStart = Int(UInt16(b[6]) | UInt16(b[7]) << 8)
        checksumOffset = Int(UInt16(b[8]) | UInt16(b[9]) << 8)
    }
}

extension VirtioNetHeader {
    /// Writes the header that hands a TCP super-frame to a TAP for its kernel to segment:
    /// NEEDS_CSUM at the TCP checksum (at `tcp` + 16, holding the pseudo-header sum), TCP GSO
    /// of the frame's family with segments of `mss` payload bytes after `headers` bytes.
    static func writeSegmentation(ipv4: Bool, tcp: Int, headers: Int, mss: Int, ecn: Bool,
                                  into b: UnsafeMutableRawBufferPointer) {
        write(into: b, gsoType: (ipv4 ? gsoTCPv4 : gsoTCPv6) | (ecn ? gsoECN : 0), headers: headers, gsoSize: mss,
              checksumStart: tcp, checksumOffset: 16)
    }

    /// Writes the header of a complete frame whose checksum at `start + offset` holds only
    /// the pseudo-header sum (NEEDS_CSUM, no segmentation).
    static func writePartialChecksum(start: Int, offset: Int, into b: UnsafeMutableRawBufferPointer) {
        write(into: b, gsoType: gsoNone, headers: 0, gsoSize: 0, checksumStart: start, checksumOffset: offset)
    }

    private static func write(into b: UnsafeMutableRawBufferPointer, gsoType: UInt8, headers: Int, gsoSize: Int,
                              checksumStart: Int, checksumOffset: Int) {
        b[0] = needsChecksum
        b[1] = gsoType
        func le16(_ o: Int, _ v: Int) {
            b[o] = UInt8(truncatingIfNeeded: v)
            b[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
        le16(2, headers)
        le16(4, gsoSize)
        le16(6, checksumStart)
        le16(8, checksumOffset)
    }
}
