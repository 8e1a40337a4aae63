import CVPCLinux
public import VPCDataplane
import VPCHostServices
import VPCModel
import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// The data-plane thread's own state: the pipeline, the installed ports' descriptors,
/// leases and resolver zones, preallocated buffers, and agent-level counters. Touched
/// only on that thread (through `DataplaneWorker.perform`).
public final class DataplaneState {
    public let pipeline: Pipeline
    let epfd: Int32
    let underlayFD: Int32
    /// Called with (VNI, address, generation) for an address to ask the mapping service about.
    let onMiss: (UInt32, IPAddress, UInt64) -> Void

    /// By port index; -1 when none.
    var tapFDs: [Int32]
    /// The TAP of the port was opened with IFF_VNET_HDR.
    var vnets: [Bool]
    var leases: [DHCPLease?]
    var zones: [ResolverZone?]
    var vnis: [UInt32]
    var portNames: [(eni: String, instance: String)?]
    var mappingKeys: Set<MappingKey> = []
    /// Ports with flow logs in the current aggregation interval (with those removed during
    /// it, whose records are still in the aggregator), those of the installed configuration,
    /// the interval in seconds (0: no flow log) and when it was last closed (monotonic seconds).
    var flowLogPorts: [Int: FlowLogDrain.Port] = [:]
    var flowLogCurrent: Set<Int> = []
    var flowLogInterval: UInt32 = 0
    var flowLogClosedAt: UInt32 = 0
    /// The interval being closed a slice at a time (`DataplaneState+FlowLogs.swift`): its
    /// records so far, with the ports and clock offset at its close; or, when the first
    /// flow logs start a fresh one, whether it goes undelivered.
    var closingRecords: [FlowLogRecord] = []
    var closingPorts: [FlowLogDrain.Port] = []
    var closingWallOffset: Int64 = 0
    var closingDiscards = false
    /// Receives each closed interval (it must only hand it on).
    var onFlowInterval: (@Sendable (FlowLogDrain) -> Void)?
    public private(set) var appliedVersion: UInt64 = 0
    /// Counts installed configurations; the version mapping entries carry in the cache.
    /// Local rather than the feed version, so a control plane whose counter went backwards
    /// (restored from a backup, `full: true` with a lower version) cannot leave its entries
    /// ignored as stale; a lookup answer carries the generation it was asked in, so any
    /// configuration installed since wins over it.
    public private(set) var generation: UInt64 = 0

    /// TAP read buffer (room for a virtio_net_hdr and a 64 KB super-frame), the buffer
    /// segments are built in, a super-frame's encapsulation, the virtio_net_hdr a
    /// super-frame is written with, one output buffer per batched datagram, underlay
    /// receive buffers.
    let readBuffer: UnsafeMutableRawBufferPointer
    let segmentBuffer: UnsafeMutableRawBufferPointer
    let superOutput: UnsafeMutableRawBufferPointer
    let vnetHeader: UnsafeMutableRawBufferPointer
    /// The virtio_net_hdr of a complete frame (all zeros: no offload).
    let completeFrameHeader: UnsafeMutableRawPointer
    let outputs: UnsafeMutableRawBufferPointer
    let receives: UnsafeMutableRawBufferPointer
    let txBatch: UnsafeMutablePointer<vpc_datagram>
    let rxBatch: UnsafeMutablePointer<vpc_datagram>
    var pendingTx = 0
    var coalescer = SegmentCoalescer()

    /// Agent-level counters (Prometheus names without the `vpc_agent_` prefix).
    var underlayRxPackets: UInt64 = 0, underlayRxBytes: UInt64 = 0, underlayRxTruncated: UInt64 = 0
    var underlayRxOversize: UInt64 = 0
    var underlayTxPackets: UInt64 = 0, underlayTxBytes: UInt64 = 0, underlayTxErrors: UInt64 = 0
    var tapRxFrames: UInt64 = 0, tapRxBytes: UInt64 = 0, tapTxFrames: UInt64 = 0, tapTxDrops: UInt64 = 0
    var offloadDrops: UInt64 = 0, segmentedFrames: UInt64 = 0, wholeSuperFrames: UInt64 = 0, coalescedSegments: UInt64 = 0
    var toGatewayDrops: UInt64 = 0, dhcpReplies: UInt64 = 0, dhcpIgnored: UInt64 = 0
    var dnsReplies: UInt64 = 0, dnsIgnored: UInt64 = 0, mappingQueries: UInt64 = 0
    /// DNS and DHCP packets over a port's `serviceRate`, dropped unanswered.
    var serviceRateDrops: UInt64 = 0
    /// Per port: the second (data-plane clock) its DNS and DHCP packets were last counted
    /// in, and how many came in it.
    var serviceSecond: [UInt32]
    var servicePackets: [UInt32]
    /// Polls that found nothing to read while busy polling (`DataplaneWorker`).
    var busyPollsEmpty: UInt64 = 0

    struct MappingKey: Hashable { var vni: UInt32; var address: IPAddress }

    init(pipeline: Pipeline, epfd: Int32, underlayFD: Int32, onMiss: @escaping (UInt32, IPAddress, UInt64) -> Void) {
        self.pipeline = pipeline
        self.epfd = epfd
        self.underlayFD = underlayFD
        self.onMiss = onMiss
        let n = pipeline.maxPorts
        tapFDs = Array(repeating: -1, count: n)
        serviceSecond = Array(repeating: 0, count: n)
        servicePackets = Array(repeating: 0, count: n)
        vnets = Array(repeating: false, count: n)
        leases = Array(repeating: nil, count: n)
        zones = Array(repeating: nil, count: n)
        vnis = Array(repeating: 0, count: n)
        portNames = Array(repeating: nil, count: n)
        let b = DataplaneWorker.batch, cap = DataplaneWorker.bufferCapacity
        readBuffer = .allocate(byteCount: DataplaneState.readCapacity, alignment: 64)
        segmentBuffer = .allocate(byteCount: cap, alignment: 64)
        superOutput = .allocate(byteCount: DataplaneState.readCapacity + Pipeline.encapsulationOverhead, alignment: 64)
        vnetHeader = .allocate(byteCount: VirtioNetHeader.length, alignment: 8)
        completeFrameHeader = .allocate(byteCount: VirtioNetHeader.length, alignment: 8)
        completeFrameHeader.initializeMemory(as: UInt8.self, repeating: 0, count: VirtioNetHeader.length)
        outputs = .allocate(byteCount: cap * b, alignment: 64)
        receives = .allocate(byteCount: DataplaneState.receiveCapacity * b, alignment: 64)
        txBatch = .allocate(capacity: b)
        rxBatch = .allocate(capacity: b)
        txBatch.initialize(repeating: vpc_datagram(), count: b)
        rxBatch.initialize(repeating: vpc_datagram(), count: b)
    }

    deinit {
        readBuffer.deallocate(); segmentBuffer.deallocate(); superOutput.deallocate(); vnetHeader.deallocate(); completeFrameHeader.deallocate()
        outputs.deallocate(); receives.deallocate()
        txBatch.deallocate(); rxBatch.deallocate(); coalescer.deallocate()
    }

    static let readCapacity = VirtioNetHeader.length + 65536 + 256
    /// Room for the largest UDP payload: datagrams UDP GRO coalesced.
    static let receiveCapacity = 65536
    /// The largest datagram (UDP payload) another agent sends: Geneve with the ENI option
    /// and a frame of at most `DataplaneWorker.frameCapacity`.
    static let largestDatagram = Pipeline.encapsulationOverhead &- Pipeline.geneveOffset &+ DataplaneWorker.frameCapacity

    /// CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The data plane's clock (seconds of CLOCK_MONOTONIC) at `nanoseconds`, or now.
    static func monotonicSeconds(_ nanoseconds: UInt64 = monotonicNanoseconds()) -> UInt32 {
        UInt32(truncatingIfNeeded: nanoseconds / 1_000_000_000)
    }

    // MARK: configuration

    /// Installs `config`: ports (replacing one keeps its tracked connections), TAP
    /// descriptors in epoll, leases and zones, the mapping entries and the ENIs' placements;
    /// mappings no longer listed are withdrawn at the config's version.
    func apply(_ config: DataplaneConfig) {
        closeFlowIntervalBeforeReuse(config)
        let wanted = Set(config.ports.map { $0.compiled.port.index })
        for i in 0..<tapFDs.count where tapFDs[i] >= 0 && !wanted.contains(i) {
            _ = vpc_epoll_remove(epfd, tapFDs[i])
            tapFDs[i] = -1
            vnets[i] = false
            pipeline.remove(port: i)
            leases[i] = nil; zones[i] = nil; portNames[i] = nil
        }
        for p in config.ports {
            let i = p.compiled.port.index
            pipeline.install(p.compiled.port)
            if tapFDs[i] != p.tapFD {
                if tapFDs[i] >= 0 { _ = vpc_epoll_remove(epfd, tapFDs[i]) }
                _ = vpc_epoll_add(epfd, p.tapFD, UInt64(i) + 2)
                tapFDs[i] = p.tapFD
            }
            vnets[i] = p.vnetHeader
            leases[i] = p.compiled.lease
            zones[i] = p.compiled.zone
            vnis[i] = p.compiled.port.vni
            portNames[i] = (p.compiled.networkInterfaceId, p.compiled.instanceId)
        }
        generation &+= 1
        var keys = Set<MappingKey>()
        for m in config.mappings {
            var e = m.entry
            e.version = generation
            pipeline.mappings.insert(vni: m.vni, m.address, e)
            keys.insert(MappingKey(vni: m.vni, address: m.address))
        }
        for k in mappingKeys.subtracting(keys) { pipeline.mappings.invalidate(vni: k.vni, k.address, version: generation) }
        mappingKeys = keys
        pipeline.interfaces.replace(with: config.mappings.map { m in
            var v4: IPv4Address?
            if case .v4(let a) = m.address { v4 = a }
            return InterfaceDirectory.Location(vni: m.vni, entry: m.entry, sourceDestCheck: m.sourceDestCheck, ipv4: v4)
        })
        if pipeline.mappings.count > pipeline.mappings.capacity / 2 {
            pipeline.mappings.purgeWithdrawn(throughVersion: generation &- 1)
        }
        applyFlowLogs(config)
        appliedVersion = config.version
    }

    /// Inserts an answer of the mapping service (its entry stamped with the generation it
    /// was asked in, so a configuration installed since wins).
    public func insertLookup(_ m: CompiledMapping) {
        pipeline.mappings.insert(vni: m.vni, m.address, m.entry)
    }

    // MARK: packets

    /// Reads up to a batch of frames from the TAP of port `index` and acts on each; partial
    /// checksums are completed first, TCP super-frames go to `handleSuperFrame`.
    func drainTAP(_ index: Int, now: UInt32) {
        guard index >= 0 && index < tapFDs.count else { return }
        let fd = tapFDs[index]
        guard fd >= 0 else { return }
        let header = vnets[index] ? VirtioNetHeader.length : 0
        let frame = UnsafeMutableRawBufferPointer(rebasing: readBuffer[header...])
        var frames = 0
        while frames < DataplaneWorker.batch {
            let n = read(fd, readBuffer.baseAddress, DataplaneState.readCapacity)
            if n <= header { break }
            frames += 1
            tapRxFrames &+= 1
            let length = n &- header
            tapRxBytes &+= UInt64(truncatingIfNeeded: length)
            if header != 0 {
                let h = VirtioNetHeader(UnsafeRawBufferPointer(rebasing: readBuffer[0 ..< header]))
                if h.gsoType & ~VirtioNetHeader.gsoECN != VirtioNetHeader.gsoNone {
                    handleSuperFrame(frame, length: length, header: h, port: index, now: now)
                    continue
                }
                if h.flags & VirtioNetHeader.needsChecksum != 0
                    && !TCPSegmentation.completeChecksum(frame, length: length, start: h.checksumStart, offset: h.checksumOffset) {
                    offloadDrops &+= 1
                    continue
                }
            }
            handleFrame(frame, length: length, port: index, now: now)
        }
        flushDatagrams()
    }

    /// A TCP super-frame (TSO) from the instance on `index`, whose headers and segment size
    /// were checked: the pipeline decides on it once, counting its segments. To an instance
    /// on this host it goes whole, its segmentation left to that instance's kernel (as
    /// between two virtio NICs) when both TAPs have offloads; to another host it is split
    /// into segments of at most the MTU, each encapsulated.
    func handleSuperFrame(_ frame: UnsafeMutableRawBufferPointer, length: Int, header h: VirtioNetHeader, port index: Int,
                          now: UInt32) {
        let gso = h.gsoType & ~VirtioNetHeader.gsoECN
        guard h.gsoSize >= TCPSegmentation.minimumMSS,
              let s = TCPSegmentation.SuperFrame(UnsafeRawBufferPointer(frame), length: length, mss: h.gsoSize),
              s.ipv4 == (gso == VirtioNetHeader.gsoTCPv4), s.ipv4 || gso == VirtioNetHeader.gsoTCPv6,
              s.headers &+ s.mss <= DataplaneWorker.frameCapacity
        else {
            offloadDrops &+= 1
            return
        }
        switch pipeline.processFromInstance(frame, length: length, port: index, now: now, out: superOutput, wire: s.wire) {
        case .deliver(let port, let offset, let n):
            let checksumAsSent = h.flags & VirtioNetHeader.needsChecksum != 0 && h.checksumStart == s.tcp
                && h.checksumOffset == 16
            // (`.deliver` from an instance is the frame itself, rewritten in place: offset 0, whole.)
            if offset == 0 && n == length && checksumAsSent && vnets[port] {
                VirtioNetHeader.writeSegmentation(ipv4: s.ipv4, tcp: s.tcp, headers: s.headers, mss: s.mss,
                                                  ecn: h.gsoType & VirtioNetHeader.gsoECN != 0, into: vnetHeader)
                if writeTAP(port, offload: UnsafeRawPointer(vnetHeader.baseAddress!), UnsafeRawPointer(frame.baseAddress!), length) {
                    wholeSuperFrames &+= 1
                }
            } else {
                _ = TCPSegmentation.segment(UnsafeRawBufferPointer(frame), s, into: { _ in segmentBuffer }) { b, n in
                    segmentedFrames &+= 1
                    writeTAP(port, UnsafeRawPointer(b.baseAddress!), n)
                }
            }
        case .sendToHost(let total):
            let encapsulated = UnsafeRawBufferPointer(superOutput)
            guard let e = TCPSegmentation.SuperFrame(encapsulated, inner: Pipeline.encapsulationOverhead, length: total,
                                                    mss: s.mss)
            else { offloadDrops &+= 1; return }
            // The segments' TCP checksums are left partial for the receiving agent (the ENI
            // option's partial-checksum variant says so; UDP's checksum covers the transit).
            superOutput[Pipeline.geneveOffset &+ 1] |= 0x40  // C: a critical option is present
            superOutput[Pipeline.geneveOffset &+ 10] = 0x80 | VPCENIOption.partialChecksumType
            _ = TCPSegmentation.segment(encapsulated, e, partialChecksum: true, into: { _ in outputSlot(pendingTx) }) { b, n in
                segmentedFrames &+= 1
                queueDatagram(b, n)  // the socket builds the outer IP and UDP headers
            }
        case .mappingMiss(let query):
            if query { missFromInstance(index, UnsafeRawBufferPointer(rebasing: frame[0 ..< length])) }
        case .toGateway:
            toGatewayDrops &+= 1
        case .handToDNS:
            dnsIgnored &+= 1  // DNS over TCP is not answered
        case .drop, .absorbed, .replyToInstance, .handToDHCP:
            break
        }
    }

    /// One complete frame from the instance on `index`, through the pipeline.
    @inline(__always)
    func handleFrame(_ frame: UnsafeMutableRawBufferPointer, length n: Int, port index: Int, now: UInt32) {
        guard n <= DataplaneWorker.frameCapacity else {  // larger than the MTU allows, not a super-frame
            offloadDrops &+= 1
            return
        }
        let out = outputSlot(pendingTx)
        switch pipeline.processFromInstance(frame, length: n, port: index, now: now, out: out) {
        case .sendToHost(let length):
            queueDatagram(out, length)
        case .deliver(let port, let offset, let length):
            writeTAP(port, UnsafeRawPointer(frame.baseAddress! + offset), length)
        case .replyToInstance(let length):
            writeTAP(index, UnsafeRawPointer(out.baseAddress!), length)
        case .handToDHCP:
            if withinServiceRate(index, now: now) { answerDHCP(index, UnsafeRawBufferPointer(rebasing: frame[0 ..< n]), out: out) }
        case .handToDNS:
            if withinServiceRate(index, now: now) { answerDNS(index, UnsafeRawBufferPointer(rebasing: frame[0 ..< n]), out: out) }
        case .mappingMiss(let query):
            if query { missFromInstance(index, UnsafeRawBufferPointer(rebasing: frame[0 ..< n])) }
        case .toGateway:
            toGatewayDrops &+= 1
        case .drop, .absorbed:
            break
        }
    }

    /// Receives Geneve datagrams (a few batches at most, then yields to the TAPs); a buffer
    /// may hold several datagrams of one sender coalesced by UDP GRO.
    func drainUnderlay(now: UInt32) {
        let b = DataplaneWorker.batch, cap = DataplaneState.receiveCapacity
        for _ in 0..<4 {
            for i in 0..<b {
                rxBatch[i].base = UnsafeMutableRawPointer(receives.baseAddress! + i * cap)
                rxBatch[i].length = UInt32(cap)
            }
            let n = Int(vpc_udp_receive_batch(underlayFD, rxBatch, UInt32(b)))
            if n <= 0 { return }
            let out = outputSlot(0)
            for i in 0..<n {
                let d = rxBatch[i]
                let source = IPv4Address(value: UInt32(bigEndian: d.peer_address))
                let length = Int(d.length)
                if length == 0 { underlayRxTruncated &+= 1 }
                let step = d.segment_size > 0 ? Int(d.segment_size) : max(length, 1)
                var offset = 0
                while offset < length {
                    let packet = UnsafeRawBufferPointer(start: d.base! + offset, count: min(step, length &- offset))
                    offset &+= step
                    underlayRxPackets &+= 1
                    underlayRxBytes &+= UInt64(packet.count)
                    // No agent sends more than one frame of at most the MTU per datagram.
                    guard packet.count <= DataplaneState.largestDatagram else {
                        underlayRxOversize &+= 1
                        continue
                    }
                    switch pipeline.processFromUnderlay(packet, outerSource: source, now: now, out: out) {
                    case .deliver(let port, let at, let size):
                        let frame = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(mutating: packet)[at ..< at &+ size])
                        if GenevePacket(unchecked: packet).innerChecksumPartial {
                            deliverPartial(port, frame)
                        } else {
                            takeCoalesced()
                            writeTAP(port, UnsafeRawPointer(frame.baseAddress!), size)
                        }
                    case .mappingMiss(let query):
                        if query { missFromUnderlay(packet) }
                    default:
                        break
                    }
                }
            }
            takeCoalesced()  // before the buffers are received into again
            if n < b { return }
        }
    }

    /// A frame from another host whose TCP checksum holds only the pseudo-header sum: held
    /// to be coalesced with the segments that follow it when the port's TAP has offloads,
    /// else completed and written. Anything but IPv4 or IPv6 TCP is dropped and counted.
    func deliverPartial(_ port: Int, _ frame: UnsafeMutableRawBufferPointer) {
        guard let segment = SegmentCoalescer.Segment(UnsafeRawBufferPointer(frame)) else {
            offloadDrops &+= 1
            return
        }
        if vnets[port] {
            if coalescer.offer(port: port, frame, segment) { return }
            takeCoalesced()
            if coalescer.offer(port: port, frame, segment) { return }
            VirtioNetHeader.writePartialChecksum(start: segment.tcp, offset: 16, into: vnetHeader)
            writeTAP(port, offload: UnsafeRawPointer(vnetHeader.baseAddress!), UnsafeRawPointer(frame.baseAddress!), frame.count)
            return
        }
        takeCoalesced()
        if TCPSegmentation.completeChecksum(frame, length: frame.count, start: segment.tcp, offset: 16) {
            writeTAP(port, UnsafeRawPointer(frame.baseAddress!), frame.count)
        } else {
            offloadDrops &+= 1
        }
    }

    /// Writes what the coalescer holds: one segment as it is (checksum partial), several as
    /// one super-frame.
    func takeCoalesced() {
        guard coalescer.count > 0 else { return }
        coalescer.take(vnetHeader: vnetHeader, single: { port, frame, tcp in
            VirtioNetHeader.writePartialChecksum(start: tcp, offset: 16, into: vnetHeader)
            writeTAP(port, offload: UnsafeRawPointer(vnetHeader.baseAddress!), UnsafeRawPointer(frame.baseAddress!), frame.count)
        }, whole: { port, parts, count in
            var length = 0
            for i in 0..<count { length &+= parts[i].length }
            if writeTAP(port, offload: UnsafeRawPointer(vnetHeader.baseAddress!), parts, count: count, length: length) {
                coalescedSegments &+= UInt64(count)
            }
        })
    }

    @inline(__always)
    func outputSlot(_ i: Int) -> UnsafeMutableRawBufferPointer {
        let cap = DataplaneWorker.bufferCapacity
        return UnsafeMutableRawBufferPointer(rebasing: outputs[(i * cap) ..< ((i + 1) * cap)])
    }

    /// Queues `out[geneveOffset..<length]` to the outer destination the pipeline wrote.
    @inline(__always)
    func queueDatagram(_ out: UnsafeMutableRawBufferPointer, _ length: Int) {
        let g = Pipeline.geneveOffset
        txBatch[pendingTx] = vpc_datagram(
            base: out.baseAddress! + g, length: UInt32(length - g),
            peer_address: out.loadUnaligned(fromByteOffset: 30, as: UInt32.self),  // already network order
            peer_port: UInt16(bigEndian: out.loadUnaligned(fromByteOffset: 36, as: UInt16.self)), segment_size: 0)
        pendingTx += 1
        if pendingTx == DataplaneWorker.batch { flushDatagrams() }
    }

    /// Sends the queued datagrams; those the kernel refuses (their length set to 0), and
    /// those left when the socket buffer is full, are counted as errors.
    func flushDatagrams() {
        var sent = 0
        while sent < pendingTx {
            let n = Int(vpc_udp_send_batch(underlayFD, txBatch + sent, UInt32(pendingTx - sent)))
            if n <= 0 {
                underlayTxErrors &+= UInt64(pendingTx - sent)
                break
            }
            for i in sent ..< sent + n {
                if txBatch[i].length == 0 {
                    underlayTxErrors &+= 1
                } else {
                    underlayTxPackets &+= 1
                    underlayTxBytes &+= UInt64(txBatch[i].length)
                }
            }
            sent += n
        }
        pendingTx = 0
    }

    /// Writes one frame, gathered from `count` `parts` of `length` bytes in all, to the TAP
    /// of `port`: behind `offload` (a virtio_net_hdr: segmentation and checksum metadata,
    /// which only a TAP opened with IFF_VNET_HDR takes; to another the frame is dropped), or
    /// as a complete frame (behind a zeroed header when the TAP has one). Counts it.
    @discardableResult
    func writeTAP(_ port: Int, offload: UnsafeRawPointer?, _ parts: UnsafePointer<vpc_bytes>, count: Int,
                  length: Int) -> Bool {
        let fd = port >= 0 && port < tapFDs.count ? tapFDs[port] : -1
        let vnet = fd >= 0 && vnets[port]
        if fd >= 0 && (vnet || offload == nil)
            && vpc_tap_write(fd, vnet ? offload ?? UnsafeRawPointer(completeFrameHeader) : nil, parts, Int32(count)) == length {
            tapTxFrames &+= 1
            return true
        }
        tapTxDrops &+= 1
        return false
    }

    /// `writeTAP` of one contiguous frame.
    @inline(__always)
    @discardableResult
    func writeTAP(_ port: Int, offload: UnsafeRawPointer? = nil, _ bytes: UnsafeRawPointer, _ length: Int) -> Bool {
        var part = vpc_bytes(base: bytes, length: length)
        return writeTAP(port, offload: offload, &part, count: 1, length: length)
    }

    // MARK: services and misses (not per-packet paths: a few packets per lease or lookup)

    /// What one ENI may send the agent's DNS and DHCP each second, as AWS limits each ENI's
    /// queries to its resolver: these are answered on the data-plane thread every instance
    /// of the host shares, at far more cost than a forwarded packet.
    public static let serviceRate: UInt32 = 1024

    /// Counts a DNS or DHCP packet from `port`; false (and counted) past `serviceRate` this second.
    func withinServiceRate(_ port: Int, now: UInt32) -> Bool {
        if serviceSecond[port] != now {
            serviceSecond[port] = now
            servicePackets[port] = 0
        }
        guard servicePackets[port] < Self.serviceRate else {
            serviceRateDrops &+= 1
            return false
        }
        servicePackets[port] &+= 1
        return true
    }

    func answerDHCP(_ port: Int, _ frame: UnsafeRawBufferPointer, out: UnsafeMutableRawBufferPointer) {
        guard let lease = leases[port],
              let n = DHCPServer.reply(toFrame: frame, lease: lease,
                                       routerMAC: DataplaneWorker.routerMAC, into: out)
        else { dhcpIgnored &+= 1; return }
        dhcpReplies &+= 1
        writeTAP(port, UnsafeRawPointer(out.baseAddress!), n)
    }

    func answerDNS(_ port: Int, _ frame: UnsafeRawBufferPointer, out: UnsafeMutableRawBufferPointer) {
        guard let zone = zones[port],
              let n = DNSResolver.reply(toFrame: frame, zone: zone,
                                        routerMAC: DataplaneWorker.routerMAC, into: out)
        else { dnsIgnored &+= 1; return }
        dnsReplies &+= 1
        writeTAP(port, UnsafeRawPointer(out.baseAddress!), n)
    }

    /// The destination of a frame the instance sent, which had no mapping.
    func missFromInstance(_ port: Int, _ frame: UnsafeRawBufferPointer) {
        if let a = DataplaneState.address(in: frame, at: 14, source: false) {
            mappingQueries &+= 1
            onMiss(vnis[port], a, generation)
        }
    }

    /// The inner source of a Geneve packet whose sender could not be verified.
    func missFromUnderlay(_ packet: UnsafeRawBufferPointer) {
        guard let g = try? GenevePacket(checking: packet) else { return }
        let inner = UnsafeRawBufferPointer(rebasing: packet[g.headerLength...])
        if let a = DataplaneState.address(in: inner, at: 14, source: true) {
            mappingQueries &+= 1
            onMiss(g.vni, a, generation)
        }
    }

    /// Source or destination address of the IP packet at `offset` of an Ethernet frame.
    static func address(in b: UnsafeRawBufferPointer, at l3: Int, source: Bool) -> IPAddress? {
        guard b.count >= 14 else { return nil }
        let type = UInt16(b[12]) << 8 | UInt16(b[13])
        func u64(_ o: Int) -> UInt64 { UInt64(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        if type == 0x0800 && b.count >= l3 + 20 {
            return .v4(IPv4Address(value: UInt32(bigEndian: b.loadUnaligned(fromByteOffset: l3 + (source ? 12 : 16), as: UInt32.self))))
        }
        if type == 0x86DD && b.count >= l3 + 40 {
            let o = l3 + (source ? 8 : 24)
            return .v6(IPv6Address(high: u64(o), low: u64(o + 8)))
        }
        return nil
    }

    // MARK: metrics

    func metrics() -> DataplaneMetrics {
        var ports: [DataplaneMetrics.Port] = []
        var exceeded: UInt64 = 0
        for i in 0..<tapFDs.count {
            guard let names = portNames[i] else { continue }
            let c = pipeline.counters(port: i)
            exceeded &+= c.conntrackAllowanceExceeded
            ports.append(.init(networkInterfaceId: names.eni, instanceId: names.instance, counters: c,
                               trackedFlows: pipeline.connections.count(zone: UInt32(i))))
        }
        var global: [DropReason: UInt64] = [:]
        for r in DropReason.allCases { global[r] = pipeline.globalDrops(r) }
        let agent: [String: UInt64] = [
            "underlay_rx_packets_total": underlayRxPackets, "underlay_rx_bytes_total": underlayRxBytes,
            "underlay_rx_truncated_total": underlayRxTruncated, "underlay_rx_oversize_total": underlayRxOversize,
            "underlay_tx_packets_total": underlayTxPackets, "underlay_tx_bytes_total": underlayTxBytes,
            "underlay_tx_errors_total": underlayTxErrors,
            "tap_rx_frames_total": tapRxFrames, "tap_rx_bytes_total": tapRxBytes, "tap_segments_total": segmentedFrames,
            "tap_tx_super_frames_total": wholeSuperFrames, "tap_tx_coalesced_segments_total": coalescedSegments,
            "tap_offload_drops_total": offloadDrops, "tap_tx_frames_total": tapTxFrames, "tap_tx_drops_total": tapTxDrops,
            "to_gateway_drops_total": toGatewayDrops,
            "dhcp_replies_total": dhcpReplies, "dhcp_ignored_total": dhcpIgnored,
            "dns_replies_total": dnsReplies, "dns_ignored_total": dnsIgnored,
            "service_rate_drops_total": serviceRateDrops,
            "mapping_queries_total": mappingQueries, "busy_polls_empty_total": busyPollsEmpty,
            "conntrack_evicted_for_room_total": pipeline.connections.evictedForRoom,
        ]
        return DataplaneMetrics(appliedVersion: appliedVersion, ports: ports, globalDrops: global,
                                trackedFlows: pipeline.connections.count,
                                trackedFlowsCapacity: pipeline.connections.capacity,
                                flowLogFlowsCapacity: pipeline.flowLogs.capacity,
                                conntrackAllowanceExceeded: exceeded, mappings: pipeline.mappings.count,
                                pendingMissOverflow: pipeline.mappings.pendingMisses.overflow, agent: agent)
    }
}
