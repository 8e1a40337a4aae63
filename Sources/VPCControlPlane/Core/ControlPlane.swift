public import EC2Shapes
public import VPCModel
public import VPCStore
import Foundation
import Synchronization

/// The source of truth: every account's regions in memory, written through to a
/// durable store. Writes are serialised and committed before they return;
/// reads work on a snapshot and never wait for the disk.
public final class ControlPlane: Sendable {
    struct RegionKey: Hashable, Sendable {
        var account: String
        var region: String
    }

    struct World: Sendable {
        var regions: [RegionKey: RegionState] = [:]
        var global = GlobalAllocations()
        /// Source of region versions and of the host feed's version; only grows, across
        /// restarts too: the store holds a ceiling it never passes without raising it.
        var versionCounter: UInt64 = 0
        var versionCeiling: UInt64 = 0
    }

    /// Records of no account: the host registry and the version ceiling.
    static let globalAccount = ""
    /// How far ahead of the counter the stored ceiling is raised (one extra row every this many writes).
    static let versionBlock: UInt64 = 1024

    public let options: ControlPlaneOptions
    let store: any Store
    private let world: Mutex<World>
    private let clock: @Sendable () -> Double
    private let commitObservers = Mutex<[@Sendable (UInt64) -> Void]>([])
    private let liveness: Mutex<HostLiveness>
    /// Monotonic seconds, for host liveness.
    private let uptime: @Sendable () -> Double

    /// `clock`: wall-clock seconds since 1970 (timestamps); `uptime`: monotonic seconds
    /// (host liveness). Tests pass their own.
    public init(store: any Store, options: ControlPlaneOptions = .init(),
                clock: (@Sendable () -> Double)? = nil, uptime: (@Sendable () -> Double)? = nil) throws {
        self.store = store
        self.options = options
        self.clock = clock ?? { Date().timeIntervalSince1970 }
        self.uptime = uptime ?? { ProcessInfo.processInfo.systemUptime }
        liveness = Mutex(HostLiveness(startedAt: self.uptime(), silenceLimit: options.hostSilenceLimit))
        var world = World()
        var grouped: [RegionKey: [String: [StoredRecord]]] = [:]
        var hosts: [String: HostRegistration] = [:]
        let decoder = JSONDecoder()
        for record in try store.loadRecords() {
            if record.account == Self.globalAccount {
                switch record.kind {
                case "host": hosts[record.id] = try decoder.decode(HostRegistration.self, from: Data(record.body))
                case "version-ceiling":
                    world.versionCeiling = try decoder.decode(UInt64.self, from: Data(record.body))
                    world.versionCounter = world.versionCeiling
                default: break
                }
                continue
            }
            grouped[RegionKey(account: record.account, region: record.region), default: [:]][record.kind, default: []]
                .append(record)
        }
        for (key, kinds) in grouped {
            var state = RegionState(account: key.account, region: key.region)
            var loader = TableLoader(records: kinds)
            try state.visitTables(&loader)
            world.regions[key] = state
        }
        world.global = Self.globalAllocations(of: world.regions.values)
        world.global.hosts = hosts
        self.world = Mutex(world)
    }

    /// Rebuilds the cross-account allocations from the loaded regions.
    static func globalAllocations(of regions: some Sequence<RegionState>) -> GlobalAllocations {
        var g = GlobalAllocations()
        for state in regions {
            for vpc in state.vpcs.values {
                g.networkIDs.insert(vpc.networkID)
                for a in vpc.vpc.ipv6CidrBlockAssociationSet ?? [] {
                    if let block = a.ipv6CidrBlock.flatMap(IPv6CIDR.init) { g.ipv6Blocks.insert(block.network.high >> 8) }
                }
            }
            for address in state.addresses.values {
                if let ip = address.publicIp.flatMap(IPv4.init) { g.publicIPs.insert(ip.value) }
            }
            // Public IPs given to instances at launch (owner `amazon`, no allocation).
            for eni in state.networkInterfaces.values where eni.association?.allocationId == nil {
                if let ip = eni.association?.publicIp.flatMap(IPv4.init) { g.publicIPs.insert(ip.value) }
            }
            for eni in state.networkInterfaces.values {
                guard let id = eni.attachment?.instanceId, let instance = state.instances[id],
                      instance.state != "terminated" else { continue }
                g.interfacesPerHost[instance.hostId, default: 0] += 1
            }
        }
        return g
    }

    public var now: EC2Timestamp { EC2Timestamp(secondsSince1970: clock()) }

    /// Runs `body` on a snapshot of the account's region (initialising the region
    /// with its defaults on first use).
    public func read<T>(account: String, region: String, _ body: (RegionState) throws -> T) throws -> T {
        let key = RegionKey(account: account, region: region)
        if let state = world.withLock({ $0.regions[key] }), state.isInitialized {
            return try body(state)
        }
        let state = try write(account: account, region: region) { $0.state }
        return try body(state)
    }

    /// Runs `body` as one transaction on the account's region and commits what it
    /// changed, with the audit records `events` makes of the result, in one store
    /// transaction. If `body` or the commit fails, nothing changes.
    /// `committed` gets the write's version when it changed something (after the commit, before
    /// the commit observers).
    public func write<T>(account: String, region: String, events: (T) -> [AuditEvent] = { _ in [] },
                         committed: ((UInt64) -> Void)? = nil,
                         _ body: (inout Transaction) throws -> T) throws -> T {
        guard let catalogRegion = options.catalog.region(region) else {
            throw EC2Error("InvalidParameterValue", "The region '\(region)' is not supported")
        }
        let key = RegionKey(account: account, region: region)
        let now = self.now
        var version: UInt64?
        defer {
            if let version {
                committed?(version)
                notifyCommit(version)
            }
        }
        return try world.withLock { world throws -> T in
            var tx = Transaction(
                state: world.regions.removeValue(forKey: key) ?? RegionState(account: account, region: region),
                global: world.global, now: now, options: options, region: catalogRegion,
                liveness: liveness.withLock { [now = uptime()] in $0.observed(at: now) })
            let globalBefore = world.global
            defer { world.regions[key] = tx.state }
            do {
                if !tx.state.isInitialized { try tx.initializeRegion() }
                let result = try body(&tx)
                var collector = ChangeCollector(account: account, region: region)
                try tx.state.visitTables(&collector)
                if collector.changes.isEmpty {
                    try store.commit([], events: events(result))
                } else {
                    let next = world.nextVersion()
                    try store.commit(collector.changes + next.ceiling, events: events(result))
                    world.advance(to: next.version)
                    tx.state.version = next.version
                    version = next.version
                }
                var committer = Committer()
                try tx.state.visitTables(&committer)
                world.global = tx.global
                return result
            } catch {
                var rollback = Rollback()
                try? tx.state.visitTables(&rollback)
                world.global = globalBefore
                if error is EC2Error { throw error }
                throw EC2Error.internal()
            }
        }
    }

    /// Restores every region of every account to its first-start state.
    /// Registered hosts stay (their agents are still running).
    public func reset() throws {
        let version = try world.withLock { world in
            try store.deleteAllRecords()
            let hosts = world.global.hosts
            // The stored ceiling went with the records: write it again.
            world = World(versionCounter: world.versionCounter, versionCeiling: 0)
            world.global.hosts = hosts
            let next = world.nextVersion()
            try store.commit(try hosts.values.map(Self.hostRecord) + next.ceiling)
            world.advance(to: next.version)
            return next.version
        }
        notifyCommit(version)
    }

    /// Every loaded region, for consistency checks and the data-plane projection.
    public func snapshot() -> [RegionState] {
        world.withLock { Array($0.regions.values) }
    }

    /// Every loaded region, the registered hosts and the version they are as of, read together.
    public func versionedSnapshot() -> (version: UInt64, regions: [RegionState], hosts: [String: HostRegistration]) {
        world.withLock { ($0.versionCounter, Array($0.regions.values), $0.global.hosts) }
    }

    /// The version of the newest committed write.
    public var version: UInt64 { world.withLock { $0.versionCounter } }

    /// Registers a host agent or updates its underlay (idempotent per host id); durable.
    public func registerHost(_ host: HostRegistration) throws {
        guard HostRegistration.isValidHostId(host.hostId), IPv4(host.underlay) != nil else {
            throw EC2Error.invalidParameterValue("A host needs an id (1 to 128 of A-Z a-z 0-9 . _ -) and an IPv4 underlay address.")
        }
        let range = HostRegistration.interfaceCapacityRange
        guard host.interfaceCapacity.map(range.contains) ?? true else {
            throw EC2Error.invalidParameterValue("A host's interface capacity is \(range.lowerBound) to \(range.upperBound).")
        }
        heard(fromHost: host.hostId)  // before the host is placeable, so it is never without a contact
        let version = try world.withLock { world -> UInt64? in
            guard world.global.hosts[host.hostId] != host else { return nil }
            let next = world.nextVersion()
            try store.commit([try Self.hostRecord(host)] + next.ceiling)
            world.global.hosts[host.hostId] = host
            world.advance(to: next.version)
            return next.version
        }
        if let version { notifyCommit(version) }
    }

    /// Notes that `hostId`'s agent was heard from (it registered, or reported its status).
    func heard(fromHost hostId: String) {
        let now = uptime()
        liveness.withLock { $0.heard(from: hostId, at: now) }
    }

    /// The registered hosts whose agents have not been heard from within the silence limit:
    /// no new instances go there, and the system status check of those there fails.
    public func silentHosts() -> Set<String> {
        let hosts = world.withLock { Array($0.global.hosts.keys) }
        let heard = liveness.withLock { [now = uptime()] in $0.observed(at: now) }
        return Set(hosts.filter { !heard.isLive($0) })
    }

    /// Runs `poll`, a feed long poll of `hostId`'s agent, with the host live throughout.
    public func polling<T>(host hostId: String, _ poll: () async throws -> T) async rethrows -> T {
        liveness.withLock { [now = uptime()] in $0.polling(hostId, 1, at: now) }
        defer { liveness.withLock { [now = uptime()] in $0.polling(hostId, -1, at: now) } }
        return try await poll()
    }

    static func hostRecord(_ host: HostRegistration) throws -> RecordChange {
        .put(StoredRecord(account: globalAccount, region: globalAccount, kind: "host", id: host.hostId,
                          body: [UInt8](try JSONEncoder().encode(host))))
    }

    /// Calls `observer` with the version of every committed change, outside the write lock.
    public func observeCommits(_ observer: @escaping @Sendable (UInt64) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    private func notifyCommit(_ version: UInt64) {
        for observer in commitObservers.withLock({ $0 }) { observer(version) }
    }
}

extension ControlPlane.World {
    /// The next version and, when it passes the stored ceiling, the record raising it.
    func nextVersion() -> (version: UInt64, ceiling: [RecordChange]) {
        let next = versionCounter + 1
        guard next > versionCeiling else { return (next, []) }
        let body = Array(String(next + ControlPlane.versionBlock).utf8)
        return (next, [.put(StoredRecord(account: ControlPlane.globalAccount, region: ControlPlane.globalAccount,
                                         kind: "version-ceiling", id: "feed", body: body))])
    }

    /// Moves the counter to a committed version (and the ceiling with it when it was raised).
    mutating func advance(to version: UInt64) {
        versionCounter = version
        if version > versionCeiling { versionCeiling = version + ControlPlane.versionBlock }
    }
}

private struct TableLoader: TableVisitor {
    let records: [String: [StoredRecord]]
    let decoder = JSONDecoder()

    mutating func visit<R>(_ table: inout Table<R>) throws {
        for record in records[table.kind] ?? [] {
            table.load(record.id, try decoder.decode(R.self, from: Data(record.body)))
        }
    }
}

private struct ChangeCollector: TableVisitor {
    let account: String
    let region: String
    var changes: [RecordChange] = []
    let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    mutating func visit<R>(_ table: inout Table<R>) throws {
        for id in table.changedIDs {
            if let row = table[id] {
                changes.append(.put(StoredRecord(account: account, region: region, kind: table.kind, id: id,
                                                 body: [UInt8](try encoder.encode(row)))))
            } else {
                changes.append(.delete(account: account, region: region, kind: table.kind, id: id))
            }
        }
    }
}

private struct Committer: TableVisitor {
    mutating func visit<R>(_ table: inout Table<R>) throws { table.commit() }
}

private struct Rollback: TableVisitor {
    mutating func visit<R>(_ table: inout Table<R>) throws { table.rollback() }
}
