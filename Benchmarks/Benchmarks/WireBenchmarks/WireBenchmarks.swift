import Benchmark
import VPCWire

/// tcp.pcap frame 3: 10.99.0.1:42638 → 10.99.0.2:8080 [P.] "hello\n", real capture.
private let tcpFrame: [UInt8] = {
    let hex = "02000000000b02000000000a08004500003a20904000400605660a6300010a630002a68e1f90b1c8c58ba582b0048018003f935500000101080ac2c3e5f31780374468656c6c6f0a"
    var out: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        out.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return out
}()

/// The data plane's first steps on a frame: Ethernet → IPv4 (header checksum) → TCP
/// (checksum over pseudo-header and segment). Returns the 5-tuple's ports and flags.
@inline(never)
func parseTCPFrame(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> (UInt16, UInt16, TCPFlags) {
    let eth = try EthernetFrame(checking: bytes)
    guard eth.etherType == .ipv4 else { throw WireError(.unsupported, .ethernet) }
    let ip = try IPv4Packet(checking: eth.payload)
    guard ip.verifyChecksum() else { throw WireError(.badChecksum, .ipv4) }
    guard ip.protocol == .tcp, !ip.isFragment else { throw WireError(.unsupported, .ipv4) }
    let tcp = try TCPSegment(checking: ip.payload)
    guard tcp.verifyChecksum(pseudoHeaderSum: ip.pseudoHeaderSum) else { throw WireError(.badChecksum, .tcp) }
    return (tcp.sourcePort, tcp.destinationPort, tcp.flags)
}

/// Writes our 28-byte Geneve header (VNI + ENI option) in front of a frame.
@inline(never)
func encapsulate(_ out: UnsafeMutableRawBufferPointer, vni: UInt32) throws(WireError) -> Int {
    try GeneveRepr(vni: vni, eni: VPCENIOption(source: 0x0123_4567_89AB_CDEF, destination: 42)).emit(into: out)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput, .instructions],
        warmupIterations: 1000,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 100_000
    )

    // The frame lives in a buffer allocated once, as a TAP read buffer would.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: tcpFrame.count, alignment: 16)
    buffer.copyBytes(from: tcpFrame)
    nonisolated(unsafe) let frame = UnsafeRawBufferPointer(buffer)
    precondition((try? parseTCPFrame(frame))?.0 == 42638)

    Benchmark("parse TCP frame") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? parseTCPFrame(frame))
        }
    }

    nonisolated(unsafe) let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
    Benchmark("emit Geneve header") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try? encapsulate(out, vni: UInt32(truncatingIfNeeded: i) & 0xFF_FFFF))
        }
    }
}
