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
