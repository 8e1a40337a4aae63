import VPCDataplane
import VPCWire

/// Software segmentation and checksum completion for frames a TAP hands over with
/// offloads on (TSO, CHECKSUM_PARTIAL): what a NIC would do before the wire, done before
/// the pipeline so it only ever sees complete, checksummed frames of at most the MTU.
enum TCPSegmentation {
    /// Completes a CHECKSUM_PARTIAL frame: the 16-bit field at `start + offset` holds the
    /// folded pseudo-header sum; the checksum covers `start..<length`. False if out of bounds.
    @inline(__always)
    static func completeChecksum(_ f: UnsafeMutableRawBufferPointer, length: Int, start: Int, offset: Int) -> Bool {
        let field = start &+ offset
        guard start >= 14, field &+ 2 <= length, length <= f.count else { return false }
        let sum = InternetChecksum.add(UnsafeRawBufferPointer(rebasing: f[start ..< length]))
        let c = InternetChecksum.finish(sum)
        f[field] = UInt8(truncatingIfNeeded: c >> 8)
        f[field &+ 1] = UInt8(truncatingIfNeeded: c)
        return true
    }

    /// The smallest segment size accepted from a virtio header (Linux's `tcp_min_snd_mss`):
    /// smaller ones only come from crafted headers, and would multiply one frame into
    /// thousands of packets.
    static let minimumMSS = 48

    /// Where the headers of a TCP super-frame are, and how it splits on the wire.
    struct SuperFrame {
        var ipv4: Bool
        /// Offsets in the buffer of the inner Ethernet frame, its IP header, TCP header and payload.
        var inner: Int
        var ip: Int
        var tcp: Int
        var headers: Int
        var payload: Int
        var mss: Int

        /// Segments on the wire.
        var segments: Int { (payload &+ mss &- 1) / mss }
        /// Packets and Ethernet bytes the segments of the inner frame add up to.
        var wire: WireSize { WireSize(packets: segments, bytes: segments &* (headers &- inner) &+ payload) }

        /// Checks `f[inner..<length]` is an Ethernet + IPv4 (not a fragment; or IPv6 without
        /// extension headers) + TCP frame whose IP length matches, with payload to split into
        /// segments of `mss` bytes; nil otherwise.
        init?(_ f: UnsafeRawBufferPointer, inner: Int = 0, length: Int, mss: Int) {
            guard mss > 0, length <= f.count, length >= inner &+ 14 &+ 40 else { return nil }
            let type = f._u16(inner &+ 12)
            let l3 = inner &+ 14
            self.inner = inner
            ip = l3
            let ipLength: Int
            if type == 0x0800 {
                guard f[l3] >> 4 == 4, f[l3 &+ 9] == 6 else { return nil }
                ipLength = Int(f[l3] & 0x0F) &* 4
                let total = Int(f._u16(l3 &+ 2))
                // Not a fragment: MF clear, offset 0.
                guard ipLength >= 20, total == length &- l3, f[l3 &+ 6] & 0x3F == 0, f[l3 &+ 7] == 0 else { return nil }
                ipv4 = true
            } else if type == 0x86DD {
                guard f[l3] >> 4 == 6, f[l3 &+ 6] == 6 else { return nil }
                ipLength = 40
                let payloadLength = Int(f._u16(l3 &+ 4))
                guard payloadLength == length &- l3 &- 40 else { return nil }
                ipv4 = false
            } else {
                return nil
            }
            tcp = l3 &+ ipLength
            guard length >= tcp &+ 20 else { return nil }
            let tcpLength = Int(f[tcp &+ 12] >> 4) &* 4
            headers = tcp &+ tcpLength
            guard tcpLength >= 20, length > headers else { return nil }
            payload = length &- headers
            self.mss = mss
        }
    }

    /// Splits the super-frame `s` found in `f` into segments of at most `s.mss` payload
    /// bytes, segment `k` built in `into(k)` with lengths, IPv4 id and header checksum,
    /// sequence number, flags (FIN and PSH on the last segment only, CWR on the first only)
    /// and TCP checksum fixed up (bytes in front of the inner frame, an encapsulation, are
    /// copied as they are: the caller fixes them in `emit`); `emit(buffer, length)` after each. With
    /// `partialChecksum` each TCP checksum holds only its pseudo-header sum (CHECKSUM_PARTIAL,
    /// for a receiver that completes it). False (stopping there) if a buffer is too small.
    @inline(__always)
    static func segment(_ f: UnsafeRawBufferPointer, _ s: SuperFrame, partialChecksum: Bool = false,
                        into: (Int) -> UnsafeMutableRawBufferPointer,
                        emit: (UnsafeMutableRawBufferPointer, Int) -> Void) -> Bool {
        let headers = s.headers, tcp = s.tcp, v4 = s.ipv4, ipStart = s.ip
        let tcpLength = headers &- tcp
        let seq0 = f._u32(tcp &+ 4)
        let id0 = v4 ? f._u16(ipStart &+ 4) : 0
        let flags0 = f[tcp &+ 13]
        var offset = 0
        var k: UInt16 = 0
        repeat {
            let out = into(Int(k))
            let chunk = min(s.mss, s.payload &- offset)
            guard out.count >= headers &+ chunk else { return false }
            let last = offset &+ chunk >= s.payload
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: f[0 ..< headers]))
            UnsafeMutableRawBufferPointer(rebasing: out[headers ..< headers &+ chunk])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: f[(headers &+ offset) ..< (headers &+ offset &+ chunk)]))
            let segmentTCP = tcpLength &+ chunk
            if v4 { put16(out, ipStart &+ 4, id0 &+ k) }
            let pseudo = setLength(out, ip: ipStart, tcp: tcp, ipv4: v4, tcpLength: segmentTCP)
            out.storeBytes(of: (seq0 &+ UInt32(truncatingIfNeeded: offset)).bigEndian, toByteOffset: tcp &+ 4, as: UInt32.self)
            var flags = flags0
            if !last { flags &= ~0x09 }  // FIN, PSH
            if k > 0 { flags &= ~0x80 }  // CWR
            out[tcp &+ 13] = flags
            put16(out, tcp &+ 16, 0)
            if partialChecksum {
                put16(out, tcp &+ 16, InternetChecksum.fold(pseudo))
            } else {
                let o = UnsafeRawBufferPointer(out)
                let sum = InternetChecksum.add(UnsafeRawBufferPointer(rebasing: o[tcp ..< tcp &+ segmentTCP]), to: pseudo)
                put16(out, tcp &+ 16, InternetChecksum.finish(sum))
            }
            emit(out, headers &+ chunk)
            offset &+= chunk
            k &+= 1
        } while offset < s.payload
        return true
    }

    /// Gives the IPv4 or IPv6 header at `ip` in `b` the length of a TCP segment of
    /// `tcpLength` bytes at `tcp` (an IPv4 header's checksum recomputed, after any other
    /// change the caller made to it) and returns the segment's pseudo-header sum.
    @inline(__always)
    static func setLength(_ b: UnsafeMutableRawBufferPointer, ip: Int, tcp: Int, ipv4: Bool, tcpLength: Int) -> UInt64 {
        let r = UnsafeRawBufferPointer(b)
        if ipv4 {
            put16(b, ip &+ 2, UInt16(truncatingIfNeeded: tcp &- ip &+ tcpLength))
            put16(b, ip &+ 10, 0)
            put16(b, ip &+ 10, InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: r[ip ..< tcp])))
            return InternetChecksum.pseudoHeader(source: IPv4Address(value: r._u32(ip &+ 12)),
                                                 destination: IPv4Address(value: r._u32(ip &+ 16)),
                                                 protocol: .tcp, length: tcpLength)
        }
        put16(b, ip &+ 4, UInt16(truncatingIfNeeded: tcpLength))
        return InternetChecksum.pseudoHeader(source: IPv6Address(high: r._u64(ip &+ 8), low: r._u64(ip &+ 16)),
                                             destination: IPv6Address(high: r._u64(ip &+ 24), low: r._u64(ip &+ 32)),
                                             protocol: .tcp, length: tcpLength)
    }

    @inline(__always)
    static func put16(_ b: UnsafeMutableRawBufferPointer, _ o: Int, _ v: UInt16) {
        b.storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt16.self)
    }
}
