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

    /// Splits the TCP super-frame `f[0..<length]` (Ethernet, IPv4 or IPv6 without extension
    /// headers, TCP) into segments of at most `mss` payload bytes, each built in `out` with
    /// lengths, IPv4 id and header checksum, sequence number, flags (FIN and PSH on the last
    /// segment only, CWR on the first only) and TCP checksum fixed up; calls `emit(segmentLength)`
    /// after each. Returns false (nothing emitted) if the frame is not such a packet.
    @inline(__always)
    static func segment(_ f: UnsafeRawBufferPointer, length: Int, mss: Int, out: UnsafeMutableRawBufferPointer,
                        emit: (Int) -> Void) -> Bool {
        guard length >= 14 + 40, length <= f.count, mss > 0 else { return false }
        let type = UInt16(f[12]) << 8 | UInt16(f[13])
        let v4 = type == 0x0800
        guard v4 || type == 0x86DD else { return false }
        let ipLength: Int
        if v4 {
            guard f[14] >> 4 == 4, f[23] == 6 else { return false }
            ipLength = Int(f[14] & 0x0F) &* 4
            guard ipLength >= 20 else { return false }
        } else {
            guard f[14] >> 4 == 6, f[20] == 6 else { return false }
            ipLength = 40
        }
        let tcp = 14 &+ ipLength
        guard length >= tcp &+ 20 else { return false }
        let tcpLength = Int(f[tcp &+ 12] >> 4) &* 4
        let headers = tcp &+ tcpLength
        guard tcpLength >= 20, length >= headers, out.count >= headers &+ mss else { return false }
        let payload = length &- headers
        let seq0 = UInt32(bigEndian: f.loadUnaligned(fromByteOffset: tcp &+ 4, as: UInt32.self))
        let id0 = v4 ? UInt16(f[18]) << 8 | UInt16(f[19]) : 0
        let flags0 = f[tcp &+ 13]
        var offset = 0
        var k: UInt16 = 0
        repeat {
            let chunk = min(mss, payload &- offset)
            let last = offset &+ chunk >= payload
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: f[0 ..< headers]))
            UnsafeMutableRawBufferPointer(rebasing: out[headers ..< headers &+ chunk])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: f[(headers &+ offset) ..< (headers &+ offset &+ chunk)]))
            let segmentTCP = tcpLength &+ chunk
            if v4 {
                put16(out, 16, UInt16(truncatingIfNeeded: ipLength &+ segmentTCP))
                put16(out, 18, id0 &+ k)
                put16(out, 24, 0)
                put16(out, 24, InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: out[14 ..< tcp])))
            } else {
                put16(out, 18, UInt16(truncatingIfNeeded: segmentTCP))
            }
            out.storeBytes(of: (seq0 &+ UInt32(truncatingIfNeeded: offset)).bigEndian, toByteOffset: tcp &+ 4, as: UInt32.self)
            var flags = flags0
            if !last { flags &= ~0x09 }  // FIN, PSH
            if k > 0 { flags &= ~0x80 }  // CWR
            out[tcp &+ 13] = flags
            put16(out, tcp &+ 16, 0)
            let o = UnsafeRawBufferPointer(out)
            let pseudo: UInt64 = v4
                ? InternetChecksum.pseudoHeader(source: IPv4Address(value: be32(o, 26)), destination: IPv4Address(value: be32(o, 30)),
                                                protocol: .tcp, length: segmentTCP)
                : InternetChecksum.pseudoHeader(source: IPv6Address(high: be64(o, 22), low: be64(o, 30)),
                                                destination: IPv6Address(high: be64(o, 38), low: be64(o, 46)),
                                                protocol: .tcp, length: segmentTCP)
            let sum = InternetChecksum.add(UnsafeRawBufferPointer(rebasing: o[tcp ..< tcp &+ segmentTCP]), to: pseudo)
            put16(out, tcp &+ 16, InternetChecksum.finish(sum))
            emit(headers &+ chunk)
            offset &+= chunk
            k &+= 1
        } while offset < payload
        return true
    }

    @inline(__always)
    static func put16(_ b: UnsafeMutableRawBufferPointer, _ o: Int, _ v: UInt16) {
        b.storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt16.self)
    }

    @inline(__always)
    static func be32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }

    @inline(__always)
    static func be64(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt64 {
        UInt64(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }
}
