import CVPCLinux
import Foundation
public import Logging
import Synchronization
import VPCDataplane
import VPCHostServices
public import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// The data-plane thread: owns the `Pipeline` (not thread-safe), waits on epoll over the
/// TAP descriptors, the underlay UDP socket and an eventfd, and drains each in batches.
/// Other threads talk to it only through `perform` (closures run between batches).
///
/// Per packet nothing is allocated: frames are read into and built in buffers allocated
/// once; Geneve packets go out with sendmmsg and come in with recvmmsg, 64 at a time.
public final class DataplaneWorker: @unchecked Sendable {
    public static let routerMAC = MACAddress(0x02, 0x76, 0x70, 0x63, 0x00, 0x01)
    /// Frames and datagrams per batch.
    static let batch = 64
    /// Tracked connections per host (all ENIs) unless configured: 94 bytes each, ~25 MB.
    public static let defaultTrackedConnections = 1 << 18
    /// Flows a flow-log interval holds per host unless configured: ~12 MB for two tables.
    public static let defaultFlowLogFlows = 1 << 16
    /// Each ENI's tracked-connection allowance (AWS `conntrack_allowance`), at most the host's.
    static let connectionsPerENI = 1 << 16
    /// Slots the expiry sweep, or the removal of a gone ENI's connections, visits per loop turn.
    static let sweepSlice = 16_384
    /// Room for a 9001-byte IP packet plus Ethernet, and the 70-byte encapsulation.
    static let frameCapacity = 9216
    static let bufferCapacity = 9216 + 128

    let state: DataplaneState
    /// Nanoseconds the thread keeps polling after the last frame or datagram before it
    /// sleeps in epoll (0: it sleeps as soon as there is nothing to read).
    let busyPollNanoseconds: UInt64
    /// Nanoseconds the thread keeps polling after traffic while a bulk transfer is under way:
    /// from a turn that read at least `bulkBytes` (super-frames, or several frames at once)
    /// until a window passes without traffic.
    let bulkPollNanoseconds: UInt64
    /// What one loop turn must read to count as bulk: more than one 9001-byte frame.
    static let bulkBytes: UInt64 = 16 << 10
    let epfd: Int32
    let wakeFD: Int32
    public let underlayFD: Int32
    private let inbox = Mutex<[@Sendable (DataplaneState) -> Void]>([])
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)
    private let logger: Logger
    /// Receives each closed flow-log aggregation interval (on the data-plane thread: it
    /// must only hand it on). Set before `start`.
    public var onFlowInterval: (@Sendable (FlowLogDrain) -> Void)? {
        get { state.onFlowInterval }
        set { state.onFlowInterval = newValue }
    }

    /// Binds the underlay socket to `underlay:port` and prepares the loop; `onMiss` is
    /// called (on the data-plane thread, rate-limited by the pipeline) with the VNI and
    /// address to ask the mapping service about and the generation to stamp the answer with.
    ///
    /// With `busyPollMicroseconds` the thread does not sleep for that long after traffic:
    /// it polls, yielding its CPU to any other runnable thread after each empty poll. A
    /// frame then needs no wakeup of the thread, which on a VM costs an IPI and the halt
    /// exit of an idle vCPU; the price is a CPU busy while traffic comes less than that
    /// far apart (counted in `busy_polls_empty_total`). `bulkPollMicroseconds` is the same
    /// after bulk traffic only, so a bulk transfer is not slowed by wakeups while sparse
    /// or request/response traffic of small frames keeps no CPU busy.
    ///
    /// `trackedConnections` and `flowLogFlows` size the host's connection table and flow-log
    /// tables (allocated and zeroed here): past them new flows are refused (drop reason
    /// `conntrackTableFull`) and flows go unrecorded (`SKIPDATA`).
    public init(underlay: IPv4Address, port: UInt16 = 6081, maxPorts: Int = 64, busyPollMicroseconds: UInt32 = 0,
                bulkPollMicroseconds: UInt32 = 0, trackedConnections: Int = DataplaneWorker.defaultTrackedConnections,
                flowLogFlows: Int = DataplaneWorker.defaultFlowLogFlows, logger: Logger,
                onMiss: @escaping @Sendable (UInt32, IPAddress, UInt64) -> Void) throws(SystemError) {
        self.logger = logger
        busyPollNanoseconds = UInt64(busyPollMicroseconds) * 1000
        bulkPollNanoseconds = UInt64(bulkPollMicroseconds) * 1000
        epfd = try SystemError.check("epoll_create1", vpc_epoll_create())
        wakeFD = try SystemError.check("eventfd", vpc_eventfd())
        underlayFD = try SystemError.check("bind \(underlay):\(port)", vpc_udp_bind(underlay.value.bigEndian, port, 8 << 20))
        _ = try SystemError.check("epoll_ctl", vpc_epoll_add(epfd, wakeFD, 0))
        _ = try SystemError.check("epoll_ctl", vpc_epoll_add(epfd, underlayFD, 1))
        let pipeline = Pipeline(underlay: UnderlayEndpoint(address: underlay, mac: .zero, nextHopMAC: .zero),
                                routerMAC: DataplaneWorker.routerMAC, maxPorts: maxPorts,
                                connectionCapacity: trackedConnections,
                                connectionsPerENI: min(DataplaneWorker.connectionsPerENI, trackedConnections),
                                flowLogCapacity: flowLogFlows)
        state = DataplaneState(pipeline: pipeline, epfd: epfd, underlayFD: underlayFD, onMiss: onMiss)
    }

    deinit {
        close(epfd); close(wakeFD); close(underlayFD)
    }

    /// Starts the thread.
    public func start() {
        let t = Thread { [self] in
            _ = vpc_name_thread("vpc-dataplane")
            loop()
            finished.signal()
        }
        t.stackSize = 1 << 20
        t.start()
    }

    /// Stops the thread and waits for it to leave its loop.
    public func stop() {
        running.store(false, ordering: .releasing)
        wake()
        finished.wait()
    }

    /// Runs `body` on the data-plane thread between batches.
    public func perform(_ body: @escaping @Sendable (DataplaneState) -> Void) {
        inbox.withLock { $0.append(body) }
        wake()
    }

    /// Runs `body` on the data-plane thread and waits for its result.
    public func performAndWait<T: Sendable>(_ body: @escaping @Sendable (DataplaneState) -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<T?>(nil)
        perform { s in
            let r = body(s)
            box.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return box.withLock { $0! }
    }

    /// Installs `config` and returns once the data plane uses it.
    public func apply(_ config: DataplaneConfig) {
        performAndWait { $0.apply(config) }
    }

    /// Closes the flow-log interval now (the agent is stopping) and hands it, with any
    /// still being closed, to `onFlowInterval` before returning.
    public func closeFlowInterval() {
        performAndWait { $0.closeFlowIntervalNow() }
    }

    public func metrics() -> DataplaneMetrics { performAndWait { $0.metrics() } }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func loop() {
        var tokens = [UInt64](repeating: 0, count: DataplaneWorker.batch)
        var lastSweep: UInt32 = 0
        var sweepDue = 0  // slots the expiry sweep still has to visit this second
        var nanoseconds = DataplaneState.monotonicNanoseconds()
        var lastTraffic = nanoseconds &- busyPollNanoseconds
        // Whether the last traffic came within the window of the traffic before it: only then
        // is the next expected soon enough for polling to catch it.
        var dense = false
        // Whether a bulk transfer is under way: begun by a bulk turn, kept by any traffic
        // within the bulk window (its acknowledgements too), ended by a quiet window.
        var bulk = false
        while running.load(ordering: .acquiring) {
            let quiet = nanoseconds &- lastTraffic
            let polling = (dense && quiet < busyPollNanoseconds) || (bulk && quiet < bulkPollNanoseconds)
            // The flow-log close, removing a gone ENI's connections and the expiry sweep go a
            // slice per turn, without sleeping.
            let closing = state.pipeline.isClosingFlowLogInterval
            let removing = state.pipeline.connections.isRemoving
            let n = tokens.withUnsafeMutableBufferPointer {
                vpc_epoll_wait(epfd, $0.baseAddress, Int32($0.count),
                               polling || closing || removing || sweepDue > 0 ? 0 : 1000)
            }
            nanoseconds = DataplaneState.monotonicNanoseconds()
            let now = DataplaneState.monotonicSeconds(nanoseconds)
            if n < 0 && -n != EINTR { logger.error("epoll_wait failed: \(SystemError("epoll_wait", errno: -n))") }
            if n == 0 && polling {
                state.busyPollsEmpty &+= 1
                sched_yield()
            }
            var traffic = false
            let receivedBefore = state.tapRxBytes &+ state.underlayRxBytes
            var i = 0
            while i < Int(n) {
                switch tokens[i] {
                case 0:
                    var v: UInt64 = 0
                    _ = read(wakeFD, &v, 8)
                    let work = inbox.withLock { q -> [@Sendable (DataplaneState) -> Void] in
                        let w = q
                        q.removeAll(keepingCapacity: true)
                        return w
                    }
                    for w in work { w(state) }
                case 1:
                    state.drainUnderlay(now: now)
                    traffic = true
                default:
                    state.drainTAP(Int(tokens[i] - 2), now: now)
                    traffic = true
                }
                i += 1
            }
            if traffic {
                let gap = nanoseconds &- lastTraffic
                dense = gap < busyPollNanoseconds
                bulk = state.tapRxBytes &+ state.underlayRxBytes &- receivedBefore >= Self.bulkBytes
                    || (bulk && gap < bulkPollNanoseconds)
                lastTraffic = nanoseconds
            }
            if closing { state.continueClosingFlowInterval() }
            if removing { state.pipeline.connections.continueRemoving(maxSlots: DataplaneWorker.sweepSlice) }
            if sweepDue > 0 {
                let slice = min(sweepDue, DataplaneWorker.sweepSlice)
                state.pipeline.connections.sweep(now: now, maxSlots: slice)
                sweepDue -= slice
            }
            if now != lastSweep {
                sweepDue = state.pipeline.connections.sweepSlotsPerSecond
                state.closeFlowIntervalIfDue(now: now)
                lastSweep = now
            }
        }
    }
}
