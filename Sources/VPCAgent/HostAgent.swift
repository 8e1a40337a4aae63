import CVPCLinux
import Foundation
public import Logging
import Synchronization
import VPCDataplane
public import VPCModel
public import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// The host agent (`vpc agent`): follows the control plane's feed for this host, runs its
/// instances (namespace, TAPs, user data), keeps the data plane's ports and mappings in
/// step, answers mapping misses, reports status and serves metrics.
public final class HostAgent: @unchecked Sendable {
    public struct Options: Sendable {
        public var controlPlane: String
        public var hostId: String
        public var underlay: IPv4Address
        public var underlayPort: UInt16 = 6081
        public var token: String?
        public var stateDirectory: String
        public var metricsListen: String?
        public var cleanupOnExit: Bool
        /// TAPs with IFF_VNET_HDR, TSO and checksum offload (segmented by the agent).
        public var tapOffloads = true
        /// Stop (as on SIGTERM) when this process exits: `vpc up` passes its pid.
        public var parentPID: Int32?
        /// Microseconds the data-plane thread polls after traffic before it sleeps (0: off).
        public var busyPollMicroseconds: UInt32 = 0
        /// The same after bulk traffic only (`DataplaneWorker.bulkBytes` in one turn).
        public var bulkPollMicroseconds: UInt32 = 100
        /// Connections the host tracks at once (all its ENIs), and flows a flow-log interval holds.
        public var trackedConnections = DataplaneWorker.defaultTrackedConnections
        public var flowLogFlows = DataplaneWorker.defaultFlowLogFlows
        /// Network interfaces the host holds (data-plane ports), as registered with the control plane.
        public var interfaces = HostRegistration.defaultInterfaceCapacity
        /// Seconds between periodic status reports.
        public var statusInterval: Double = 5

        public init(controlPlane: String, hostId: String, underlay: IPv4Address, token: String?,
                    stateDirectory: String, metricsListen: String?, cleanupOnExit: Bool) {
            self.controlPlane = controlPlane; self.hostId = hostId; self.underlay = underlay; self.token = token
            self.stateDirectory = stateDirectory; self.metricsListen = metricsListen; self.cleanupOnExit = cleanupOnExit
        }
    }

    let options: Options
    let logger: Logger
    let feed: FeedClient
    var worker: DataplaneWorker!
    var flowRecords: FlowRecordSender!
    /// Guards everything below; held while reconciling.
    let lock = NSLock()
    var desired = HostDesiredState()
    var runtimes: [String: InstanceRuntime] = [:]
    /// ENI id → port index.
    var portIndex: [String: Int] = [:]
    /// Instances torn down since the last successful status report (kept in the state file).
    var terminated: Set<String> = []
    var appliedVersion: UInt64 = 0
    /// The last reconciliation left an instance not brought up or its user data not started.
    var retryDue = false
    /// Mapping misses to ask about.
    let lookups = Mutex(LookupQueue(capacity: HostAgent.lookupQueueCapacity))
    static let lookupQueueCapacity = 1024
    let lookupSignal = DispatchSemaphore(value: 0)
    let stopping = Atomic<Bool>(false)

    public init(options: Options, logger: Logger) throws {
        self.options = options
        self.logger = logger
        feed = FeedClient(http: try HTTPClient(baseURL: options.controlPlane, token: options.token), hostId: options.hostId)
    }

    /// Runs until SIGTERM or SIGINT; then tears everything down with `cleanupOnExit`, or
    /// leaves instances running for the next agent to reattach to.
    public func run() throws {
        // Signals arrive on a dispatch source (any thread may be picked for delivery, so a
        // per-thread mask is not enough); the main thread waits for the first one.
        let caught = DispatchSemaphore(value: 0)
        let received = Mutex<Int32>(0)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                received.withLock { $0 = sig }
                caught.signal()
            }
            source.resume()
            sources.append(source)
        }
        signal(SIGPIPE, SIG_IGN)
        if let parent = options.parentPID {
            ParentWatch.start(parent) {
                received.withLock { $0 = SIGTERM }
                caught.signal()
            }
        }

        try FileManager.default.createDirectory(atPath: options.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])  // instances' users must not read it
        chmod(options.stateDirectory, 0o700)
        worker = try DataplaneWorker(underlay: options.underlay, port: options.underlayPort, maxPorts: options.interfaces,
                                     busyPollMicroseconds: options.busyPollMicroseconds,
                                     bulkPollMicroseconds: options.bulkPollMicroseconds,
                                     trackedConnections: options.trackedConnections, flowLogFlows: options.flowLogFlows,
                                     logger: logger) { [weak self] vni, a, generation in
            guard let self else { return }
            if lookups.withLock({ $0.push(vni: vni, a, generation: generation) }) { lookupSignal.signal() }
        }
        let spool = try FlowRecordSpool(directory: "\(options.stateDirectory)/flow-records", hostId: options.hostId)
        let feed = self.feed
        let flowRecords = FlowRecordSender(spool: spool, logger: logger) { try feed.flowRecords($0) }
        self.flowRecords = flowRecords
        worker.onFlowInterval = { flowRecords.submit($0) }
        flowRecords.start()
        worker.start()
        adoptExisting()
        if let listen = options.metricsListen {
            let server = try MetricsServer(listen: listen) { [weak self] in self?.metricsText() ?? "" }
            server.start()
            logger.notice("metrics on http://\(listen)/metrics")
        }
        thread("vpc-feed") { self.followFeed() }
        thread("vpc-status") { self.reportPeriodically() }
        thread("vpc-lookup") { self.answerLookups() }
        logger.notice("agent \(options.hostId) up: underlay \(options.underlay):\(options.underlayPort), control plane \(options.controlPlane)")

        caught.wait()
        let sig = received.withLock { $0 }
        logger.notice("signal \(sig): \(options.cleanupOnExit ? "tearing everything down" : "leaving instances running")")
        stopping.store(true, ordering: .releasing)
        lock.lock()
        // The open flow-log interval is spooled too, so a stop loses no window.
        worker.closeFlowInterval()
        if options.cleanupOnExit {
            let taps = runtimes.keys.sorted().flatMap { tearDown($0) }
            worker.apply(DataplaneConfig(version: appliedVersion, ports: [], mappings: []))
            for t in taps { t.destroy() }
            for r in runtimes.values {
                try? r.deleteNamespace()
                r.deleteFiles()
            }
            runtimes = [:]
            try? FileManager.default.removeItem(atPath: AgentStateFile.path(options.stateDirectory))
            worker.stop()
        } else {
            saveState()
            // The data-plane thread goes first: it must not write to a TAP's descriptor
            // number once that is closed (and perhaps reused).
            worker.stop()
            for r in runtimes.values { for t in r.taps.values { t.detach() } }
        }
        flowRecords.stop()
        lock.unlock()
        sources.forEach { $0.cancel() }
    }

    private func thread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread(block: body)
        t.name = name
        t.start()
    }

    // MARK: feed

    /// Registers, then long-polls the feed, resuming from the last applied version after
    /// errors (backoff 0.5 s doubling to 10 s); registers again when the control plane no
    /// longer knows this host (404: e.g. restored from a backup taken before it registered).
    func followFeed() {
        while !stopping.load(ordering: .acquiring) {
            register()
            pollFeed()
        }
    }

    /// Registers this host, retrying until it succeeds or the agent stops.
    func register() {
        var backoff = 0.5
        while !stopping.load(ordering: .acquiring) {
            do {
                try feed.register(HostRegistration(hostId: options.hostId, underlay: options.underlay.description,
                                                   underlayPort: options.underlayPort, interfaceCapacity: options.interfaces))
                return
            } catch {
                logger.warning("register failed", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 10)
            }
        }
    }

    /// Long-polls the feed and applies its updates until the agent stops, or the control
    /// plane answers that it does not know this host.
    func pollFeed() {
        var backoff = 0.5
        while !stopping.load(ordering: .acquiring) {
            let since = lock.withLock { desired.version }
            do {
                let update = try feed.feed(since: since, wait: 25)
                backoff = 0.5
                if update.version == since && !update.full && update.instances.isEmpty && update.networks.isEmpty
                    && update.removedInstances.isEmpty && update.removedNetworks.isEmpty { continue }
                apply(update)
                postStatus()
            } catch let e as FeedClient.UnexpectedStatus where e.status == 404 {
                logger.warning("the control plane does not know this host: registering again", metadata: ["error": "\(e)"])
                Thread.sleep(forTimeInterval: backoff)
                return
            } catch {
                if stopping.load(ordering: .acquiring) { return }
                logger.warning("feed request failed", metadata: ["since": "\(since)", "error": "\(error)", "retry_in_s": "\(backoff)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 10)
            }
        }
    }

    /// Applies one feed update: the desired state, then instances and the data plane.
    public func apply(_ update: HostFeedUpdate) {
        lock.lock()
        defer { lock.unlock() }
        if stopping.load(ordering: .acquiring) { return }
        let change = desired.apply(update)
        logger.info("feed update", metadata: ["version": "\(update.version)", "full": "\(update.full)",
                                              "instances_changed": "\(change.upserted.count)", "instances_removed": "\(change.removed.count)"])
        reconcile()
    }

    // MARK: reconciliation (lock held)

    /// Brings instances and the data plane to the desired state: creates what is missing,
    /// installs every port and mapping, then tears down what is no longer wanted (after
    /// the data plane has let go of its TAPs). A detached ENI's TAP goes before anything is
    /// created: an ENI attached at its device index in the same update opens the same name.
    func reconcile() {
        var detached: [TAPDevice] = []
        for (id, spec) in desired.instances where spec.desiredState == "running" {
            guard let r = runtimes[id] else { continue }
            let gone = r.detachUnlisted(spec)
            for eni in gone.keys { portIndex.removeValue(forKey: eni) }
            detached += gone.values
        }
        if !detached.isEmpty {
            worker.apply(dataplaneConfig())
            for t in detached { t.destroy() }
        }
        retryDue = false
        // In the state file before anything is made: an agent that dies while creating an
        // instance adopts (or tears down) what it made when it restarts.
        let created = desired.instances.keys.filter { runtimes[$0] == nil }
        for id in created { runtimes[id] = InstanceRuntime(instanceId: id, stateDirectory: options.stateDirectory) }
        if !created.isEmpty { saveState() }
        var retired: [TAPDevice] = []
        var namespacesToDelete: [InstanceRuntime] = []
        var terminating: [InstanceRuntime] = []
        for id in runtimes.keys.sorted() where desired.instances[id] == nil {
            retired += tearDown(id)
            if let r = runtimes.removeValue(forKey: id) { namespacesToDelete.append(r); terminating.append(r) }
            terminated.insert(id)
        }
        for (id, spec) in desired.instances.sorted(by: { $0.key < $1.key }) {
            guard let r = runtimes[id] else { continue }
            if spec.desiredState == "running" {
                do {
                    let network = spec.interfaces.first.flatMap { desired.networks[$0.vpcId] }
                    try r.bringUp(spec, network: network, offloads: options.tapOffloads)
                } catch {
                    logger.error("bring-up failed", metadata: ["instance": "\(id)", "error": "\(error)"])
                    retryDue = true
                }
            } else if r.running || r.namespace.exists {
                retired += tearDown(id)
                namespacesToDelete.append(r)
            }
        }
        worker.apply(dataplaneConfig())
        appliedVersion = desired.version
        for t in retired { t.destroy() }
        for r in namespacesToDelete {
            do { try r.deleteNamespace() } catch { logger.error("namespace delete failed", metadata: ["instance": "\(r.instanceId)", "error": "\(error)"]) }
        }
        for r in terminating { r.deleteFiles() }
        for (id, spec) in desired.instances where spec.desiredState == "running" {
            guard let r = runtimes[id], r.running else { continue }
            do {
                try r.boot(spec) { saveState() }
            } catch {
                logger.error("user data failed to start", metadata: ["instance": "\(id)", "error": "\(error)"])
                retryDue = true
            }
        }
        saveState()
    }

    /// Takes an instance's TAPs out of service (returned for destruction after the data
    /// plane drops them) and frees their port indices.
    @discardableResult
    func tearDown(_ id: String) -> [TAPDevice] {
        guard let r = runtimes[id] else { return [] }
        for eni in r.taps.keys { portIndex.removeValue(forKey: eni) }
        return r.takeDown()
    }

    /// The data plane's configuration for the running instances' ENIs.
    func dataplaneConfig() -> DataplaneConfig {
        var ports: [DataplaneConfig.Port] = []
        for (id, spec) in desired.instances.sorted(by: { $0.key < $1.key }) where spec.desiredState == "running" {
            guard let r = runtimes[id], r.running else { continue }
            for i in spec.interfaces {
                guard let tap = r.taps[i.networkInterfaceId], let network = desired.networks[i.vpcId] else { continue }
                let index = portIndex[i.networkInterfaceId] ?? allocatePort(i.networkInterfaceId)
                guard index >= 0 else { logger.error("no free port", metadata: ["eni": "\(i.networkInterfaceId)"]); continue }
                switch PortCompiler.compile(i, of: spec, index: index, network: network) {
                case .success(let c): ports.append(DataplaneConfig.Port(compiled: c, tapFD: tap.fd, vnetHeader: tap.vnetHeader))
                case .failure(let p): logger.error("not installing interface", metadata: ["eni": "\(p.networkInterfaceId)", "reason": "\(p.reason)"])
                }
            }
        }
        let mappings = desired.networks.values.flatMap { PortCompiler.mappings($0, version: desired.version) }
        return DataplaneConfig(version: desired.version, ports: ports, mappings: mappings)
    }

    /// The lowest free port index: the pipeline scans ports up to the highest in use.
    func allocatePort(_ eni: String) -> Int {
        let used = Set(portIndex.values)
        guard let free = (0..<worker.state.pipeline.maxPorts).first(where: { !used.contains($0) }) else { return -1 }
        portIndex[eni] = free
        return free
    }

    // MARK: restart

    /// Reattaches to the namespaces this agent ran before it restarted (listed in its state
    /// file and still present); their TAPs are reopened when the feed lists them again.
    func adoptExisting() {
        guard let saved = AgentStateFile.load(options.stateDirectory), saved.hostId == options.hostId else { return }
        lock.withLock {
            terminated = Set(saved.terminated ?? [])
            for ns in NetworkNamespace.instanceNamespaces() {
                guard let id = ns.instanceId, let s = saved.instances[id] else { continue }
                let r = InstanceRuntime(instanceId: id, stateDirectory: options.stateDirectory)
                r.bootedCount = s.bootedCount
                r.running = true
                runtimes[id] = r
                // A port past this run's count (the agent restarted with fewer
                // `--max-interfaces`) is not kept: the interface gets a free one, or none.
                for (eni, index) in s.ports where (0..<worker.state.pipeline.maxPorts).contains(index) {
                    portIndex[eni] = index
                }
                logger.notice("reattaching", metadata: ["namespace": "\(ns.name)"])
            }
        }
    }

    func saveState() {
        var s = AgentStateFile(hostId: options.hostId)
        for (id, r) in runtimes {
            s.instances[id] = .init(bootedCount: r.bootedCount, userDataPID: r.userDataPID,
                                    ports: portIndex.filter { r.taps[$0.key] != nil })
        }
        s.terminated = terminated.isEmpty ? nil : terminated.sorted()
        do { try s.save(options.stateDirectory) } catch { logger.error("saving state failed", metadata: ["error": "\(error)"]) }
    }

    // MARK: status, lookups, metrics

    func currentStatus() -> HostStatus {
        lock.withLock {
            var list: [InstanceStatus] = []
            for (id, r) in runtimes.sorted(by: { $0.key < $1.key }) {
                r.reap()
                list.append(InstanceStatus(instanceId: id, state: r.running ? "running" : "stopped", consoleOutput: r.consoleOutput))
            }
            for id in terminated.sorted() { list.append(InstanceStatus(instanceId: id, state: "terminated", consoleOutput: nil)) }
            return HostStatus(hostId: options.hostId, appliedVersion: appliedVersion, instances: list)
        }
    }

    func postStatus() {
        let s = currentStatus()
        do {
            try feed.status(s)
            let reported = Set(s.instances.filter { $0.state == "terminated" }.map(\.instanceId))
            if !reported.isEmpty {
                lock.withLock {
                    terminated.subtract(reported)
                    if !stopping.load(ordering: .acquiring) { saveState() }
                }
            }
        } catch {
            logger.warning("status report failed", metadata: ["error": "\(error)"])
        }
    }

    func reportPeriodically() {
        while !stopping.load(ordering: .acquiring) {
            Thread.sleep(forTimeInterval: options.statusInterval)
            retryFailed()
            if lock.withLock({ appliedVersion }) > 0 { postStatus() }
        }
    }

    /// Reconciles again when the last pass left an instance not brought up or its user data
    /// not started (each status interval, until it succeeds).
    func retryFailed() {
        lock.withLock {
            guard retryDue && !stopping.load(ordering: .acquiring) else { return }
            logger.notice("retrying the instances whose bring-up or user data failed")
            reconcile()
        }
    }

    /// Asks the mapping service about each missed address and installs the answer.
    func answerLookups() {
        while !stopping.load(ordering: .acquiring) {
            lookupSignal.wait()
            for (key, generation) in lookups.withLock({ $0.takeAll() }) {
                let vni = key.vni, address = key.address
                do {
                    guard let e = try feed.lookup(vni: vni, address: address.description),
                          let m = PortCompiler.mapping(e, vni: vni, version: generation) else { continue }
                    worker.perform { $0.insertLookup(m) }
                } catch {
                    logger.warning("lookup failed", metadata: ["address": "\(address)", "vni": "\(vni)", "error": "\(error)"])
                }
            }
        }
    }

    func metricsText() -> String {
        var m = worker.metrics()
        m.agent.merge(flowRecords.counters()) { $1 }
        m.agent["mapping_lookups_dropped_total"] = lookups.withLock { $0.dropped }
        let counts = lock.withLock { () -> [String: Int] in
            var c = ["running": 0, "stopped": 0]
            for r in runtimes.values { c[r.running ? "running" : "stopped", default: 0] += 1 }
            return c
        }
        return PrometheusText.render(m, hostId: options.hostId, instances: counts)
    }
}
