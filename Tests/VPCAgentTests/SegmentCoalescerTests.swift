import CVPCLinux
import Testing
@testable import VPCAgent
import VPCWire

/// Receive-side coalescing: segments cut by a sending agent (checksums partial) become one
/// super-frame again, whose headers and (completed) checksum VPCWire verifies.
@Suite struct SegmentCoalescerTests {
    /// Segments of a super-frame of `payload` bytes, MSS 1000, checksums left partial.
    func segments(v6: Bool, payload: Int) -> [[UInt8]] {
        let f = TCPSegmentationTests().superFrame(v6: v6, payload: payload)
        var got: [[UInt8]] = []
        var out = [UInt8](repeating: 0, count: 2000)
        f.withUnsafeBytes { fb in
            let s = TCPSegmentation.SuperFrame(fb, length: fb.count, mss: 1000)!
            out.withUnsafeMutableBytes { ob in
                _ = TCPSegmentation.segment(fb, s, partialChecksum: true, into: { _ in ob }) { b, n in got.append(Array(b[0..<n])) }
            }
        }
        return got
    }

    /// Offers `segs` (kept alive by the caller) for port 3 and takes the result as bytes:
    /// (frames written one by one, the gathered super-frame and its virtio header).
    func coalesce(_ segs: inout [[UInt8]]) -> (singles: Int, whole: [UInt8]?, header: [UInt8]) {
        var c = SegmentCoalescer()
        defer { c.deallocate() }
        var singles = 0
        var whole: [UInt8]?
        var header = [UInt8](repeating: 0, count: VirtioNetHeader.length)
        let take = { (c: inout SegmentCoalescer) in
            header.withUnsafeMutableBytes { h in
                c.take(vnetHeader: h, single: { _, _, _ in singles += 1 }, whole: { port, parts, count in
                    #expect(port == 3)
                    var bytes: [UInt8] = []
                    for i in 0..<count { bytes += UnsafeRawBufferPointer(start: parts[i].base, count: parts[i].length) }
                    whole = bytes
                })
            }
        }
        for i in segs.indices {
            segs[i].withUnsafeMutableBytes { b in
                let s = SegmentCoalescer.Segment(UnsafeRawBufferPointer(b))!
                if !c.offer(port: 3, b, s) {
                    take(&c)
                    let held = c.offer(port: 3, b, s)
                    #expect(held)
                }
            }
        }
        take(&c)
        return (singles, whole, header)
    }

    @Test(arguments: [false, true])
    func segmentsBecomeOneSuperFrame(v6: Bool) throws {
        var segs = segments(v6: v6, payload: 3500)
        #expect(segs.count == 4)
        let (singles, whole, header) = coalesce(&segs)
        #expect(singles == 0)
        var f = try #require(whole)
        let l4 = v6 ? 54 : 34
        #expect(f.count == l4 + 32 + 3500)
        let h = header.withUnsafeBytes { VirtioNetHeader($0) }
        // The first segment carries CWR: the super-frame is marked ECN, as Linux GRO marks it.
        #expect(h.gsoType == (v6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4) | VirtioNetHeader.gsoECN)
        #expect(h.gsoSize == 1000 && h.checksumStart == l4 && h.checksumOffset == 16)
        #expect(f.withUnsafeMutableBytes { TCPSegmentation.completeChecksum($0, length: $0.count, start: l4, offset: 16) })
        try f.withUnsafeBytes { b in
            let pseudo: UInt64
            if v6 {
                let ip = try IPv6Repr.parse(UnsafeRawBufferPointer(rebasing: b[14...]))
                #expect(ip.payloadLength == 32 + 3500)
                pseudo = InternetChecksum.pseudoHeader(source: ip.source, destination: ip.destination, protocol: .tcp,
                                                       length: 32 + 3500)
            } else {
                let ip = try IPv4Repr.parse(UnsafeRawBufferPointer(rebasing: b[14...]))  // header checksum verified
                #expect(ip.payloadLength == 32 + 3500)
                pseudo = ip.pseudoHeaderSum
            }
            let tcp = try TCPRepr.parse(UnsafeRawBufferPointer(rebasing: b[l4...]), pseudoHeaderSum: pseudo)
            #expect(tcp.sequenceNumber == 0xFFFF_FF00)
            #expect(tcp.flags.rawValue & 0x09 == 0x09)  // the last segment's PSH and FIN
            #expect(Array(b[(l4 + 32)...]) == (0..<3500).map { UInt8($0 % 251) })
        }
    }

    @Test func aGapEndsTheRun() {
        var segs = segments(v6: false, payload: 4000)
        segs.remove(at: 1)  // lost: the third does not continue the first
        let (singles, whole, _) = coalesce(&segs)
        #expect(singles == 1)  // the first alone
        #expect(whole?.count == 34 + 32 + 2000)  // the last two together
    }
}

/// What an instance (raw socket with a virtio header) or a host on the underlay could hand
/// the agent: valid super-frames with random bytes changed and random lengths. Nothing may
/// read or write out of bounds (debug builds check every buffer access), every frame
/// accepted must split into segments of at most the MSS that carry its payload exactly, and
/// the coalescer must gather only what it accepted.
@Suite struct SuperFrameMutationTests {
    @Test func mutatedSuperFramesAreRefusedOrSplitExactly() {
        var rng = SystemRandomNumberGenerator()
        var accepted = 0
        var out = [UInt8](repeating: 0, count: 70_000)
        for round in 0..<4000 {
            var f = TCPSegmentationTests().superFrame(v6: round % 2 == 1, payload: Int.random(in: 1...5000, using: &rng))
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                f[Int.random(in: 0..<min(f.count, 90), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let length = Bool.random(using: &rng) ? f.count : Int.random(in: 0...f.count, using: &rng)
            let mss = [1, 7, 536, 1000, 8961, 70_000][Int.random(in: 0..<6, using: &rng)]
            f.withUnsafeBytes { fb in
                guard let s = TCPSegmentation.SuperFrame(fb, length: length, mss: mss) else { return }
                accepted += 1
                var carried = 0, count = 0
                let ok = out.withUnsafeMutableBytes { ob in
                    TCPSegmentation.segment(fb, s, partialChecksum: Bool.random(), into: { _ in ob }) { _, n in
                        #expect(n - s.headers <= mss)
                        carried += n - s.headers
                        count += 1
                    }
                }
                #expect(ok)
                #expect(carried == s.payload && count == s.segments)
            }
            // The same bytes offered to the coalescer as received segments.
            f.withUnsafeMutableBytes { fb in
                let frame = UnsafeMutableRawBufferPointer(rebasing: fb[0..<length])
                guard let seg = SegmentCoalescer.Segment(UnsafeRawBufferPointer(frame)) else { return }
                var c = SegmentCoalescer()
                defer { c.deallocate() }
                var header = [UInt8](repeating: 0, count: VirtioNetHeader.length)
                _ = c.offer(port: 0, frame, seg)
                header.withUnsafeMutableBytes { h in
                    c.take(vnetHeader: h, single: { _, b, tcp in #expect(b.count == length && tcp == seg.tcp) },
                           whole: { _, _, _ in Issue.record("one segment") })
                }
            }
        }
        #expect(accepted > 100)  // the mutations leave valid frames too
    }
}
