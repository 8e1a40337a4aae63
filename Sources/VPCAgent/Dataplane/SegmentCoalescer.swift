import CVPCLinux
import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// Receive-side coalescing, as GRO does in a NIC driver: consecutive, in-order TCP segments
/// of one flow from the underlay, for one port, held (pointers into the receive buffers)
/// and then written to its TAP as one super-frame with a GSO virtio header, so the
/// instance's kernel takes one large packet instead of many. Only segments whose checksum
/// is partial (cut by the sending agent from a super-frame) are held: the super-frame's
/// checksum is left partial too. The holder must `take` before the buffers are reused.
struct SegmentCoalescer {
    /// The headers of one TCP segment in an Ethernet frame.
    struct Segment {
        var ipv4: Bool
        var tcp: Int
        var headers: Int
        var payload: Int
        var sequence: UInt32
        var flags: UInt8

        /// IPv4 (or IPv6 without extension headers) TCP whose IP length matches the frame.
        init?(_ f: UnsafeRawBufferPointer) {
            guard let layout = TCPSegmentation.SuperFrame(f, length: f.count, mss: 1) else { return nil }
            ipv4 = layout.ipv4
            tcp = layout.tcp
            headers = layout.headers
            payload = layout.payload
            sequence = f._u32(tcp &+ 4)
            flags = f[tcp &+ 13]
        }
    }

    static let ack: UInt8 = 0x10, psh: UInt8 = 0x08, fin: UInt8 = 0x01, cwr: UInt8 = 0x80
    /// Most segments held (one part each).
    static let maxSegments = Int(VPC_TAP_MAX_PARTS)

    let parts: UnsafeMutablePointer<vpc_bytes>
    private(set) var count = 0
    private(set) var port = -1
    private var first = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var head = Segment?.none
    private var payload = 0
    private var nextSequence: UInt32 = 0
    private var lastFlags: UInt8 = 0
    /// A segment shorter than the first, or with PSH or FIN, ended the run.
    private var closed = false

    init() {
        parts = .allocate(capacity: SegmentCoalescer.maxSegments)
    }

    func deallocate() { parts.deallocate() }

    /// Holds `frame` for `port`, after what is held if it continues it; false if it does not
    /// (the caller takes what is held and offers it again).
    mutating func offer(port: Int, _ frame: UnsafeMutableRawBufferPointer, _ s: Segment) -> Bool {
        // CWR only on the first segment of a run, as segmentation leaves it.
        let allowed = Self.ack | Self.psh | Self.fin | (count == 0 ? Self.cwr : 0)
        guard s.flags & ~allowed == 0, s.flags & Self.ack != 0, s.payload > 0 else { return false }
        if count == 0 {
            self.port = port
            first = frame
            head = s
            payload = s.payload
            parts[0] = vpc_bytes(base: frame.baseAddress, length: frame.count)
            count = 1
        } else {
            guard let h = head, port == self.port, !closed, count < Self.maxSegments, s.sequence == nextSequence,
                  s.ipv4 == h.ipv4, s.headers == h.headers, s.payload <= h.payload,
                  h.headers &- 14 &+ payload &+ s.payload <= 65535, sameHeaders(frame, h)
            else { return false }
            parts[count] = vpc_bytes(base: frame.baseAddress! + s.headers, length: s.payload)
            count &+= 1
            payload &+= s.payload
        }
        nextSequence = s.sequence &+ UInt32(truncatingIfNeeded: s.payload)
        lastFlags = s.flags
        closed = s.flags & (Self.psh | Self.fin) != 0 || s.payload < head!.payload
        return true
    }

    /// Whether `f` repeats the held first segment's headers but for lengths, IPv4 id and
    /// checksum, sequence number, flags and TCP checksum.
    private func sameHeaders(_ f: UnsafeMutableRawBufferPointer, _ h: Segment) -> Bool {
        let a = UnsafeRawBufferPointer(first), b = UnsafeRawBufferPointer(f)
        func same(_ from: Int, _ to: Int) -> Bool { memcmp(a.baseAddress! + from, b.baseAddress! + from, to &- from) == 0 }
        let ip = h.ipv4 ? same(0, 16) && same(20, 24) && same(26, h.tcp) : same(0, 18) && same(20, h.tcp)
        return ip && same(h.tcp, h.tcp &+ 4) && same(h.tcp &+ 8, h.tcp &+ 13) && same(h.tcp &+ 14, h.tcp &+ 16)
            && same(h.tcp &+ 18, h.headers)
    }

    /// Ends the run: with one segment, hands back its frame and TCP offset (`single`); with more, rewrites
    /// the first segment's headers for the whole (lengths, IPv4 header checksum, PSH and FIN
    /// of the last segment, the pseudo-header sum for a partial checksum), writes the GSO
    /// virtio header to `vnetHeader` and hands back the parts (`whole`).
    mutating func take(vnetHeader: UnsafeMutableRawBufferPointer,
                       single: (Int, UnsafeMutableRawBufferPointer, Int) -> Void,
                       whole: (Int, UnsafePointer<vpc_bytes>, Int) -> Void) {
        guard count > 0, let h = head else { return }
        defer { count = 0; head = nil; port = -1; closed = false }
        if count == 1 { single(port, first, h.tcp); return }
        let f = first
        let pseudo = TCPSegmentation.setLength(f, ip: 14, tcp: h.tcp, ipv4: h.ipv4, tcpLength: h.headers &- h.tcp &+ payload)
        f[h.tcp &+ 13] = h.flags | lastFlags & (Self.psh | Self.fin)
        f.storeBytes(of: InternetChecksum.fold(pseudo).bigEndian, toByteOffset: h.tcp &+ 16, as: UInt16.self)
        VirtioNetHeader.writeSegmentation(ipv4: h.ipv4, tcp: h.tcp, headers: h.headers, mss: h.payload,
                                          ecn: h.flags & Self.cwr != 0, into: vnetHeader)
        whole(port, parts, count)
    }
}
