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
        /// Source of region versions; only grows.
        var versionCounter: UInt64 = 0
    }

    public let options: ControlPlaneOptions
    let store: any Store
    private let world: Mutex<World>
    private let clock: @Sendable () -> Double

    public init(store: any Store, options: ControlPlaneOptions = .init(),
                clock: (@Sendable () -> Double)? = nil) throws {
        self.store = store
        self.options = options
        self.clock = clock ?? { Date().timeIntervalSince1970 }
        var world = World()
        var grouped: [RegionKey: [String: [StoredRecord]]] = [:]
        for record in try store.loadRecords() {
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
    public func write<T>(account: String, region: String, events: (T) -> [AuditEvent] = { _ in [] },
                         _ body: (inout Transaction) throws -> T) throws -> T {
        guard let catalogRegion = options.catalog.region(region) else {
            throw EC2Error("InvalidParameterValue", "The region '\(region)' is not supported")
        }
        let key = RegionKey(account: account, region: region)
        let now = self.now
        return try world.withLock { world throws -> T in
            var tx = Transaction(
                state: world.regions.removeValue(forKey: key) ?? RegionState(account: account, region: region),
                global: world.global, now: now, options: options, region: catalogRegion)
            let globalBefore = world.global
            defer { world.regions[key] = tx.state }
            do {
                if !tx.state.isInitialized { try tx.initializeRegion() }
                let result = try body(&tx)
                var collector = ChangeCollector(account: account, region: region)
                try tx.state.visitTables(&collector)
                try store.commit(collector.changes, events: events(result))
                if !collector.changes.isEmpty {
                    world.versionCounter += 1
                    tx.state.version = world.versionCounter
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
    public func reset() throws {
        try world.withLock { world in
            try store.deleteAllRecords()
            world = World(versionCounter: world.versionCounter)
        }
    }

    /// Every loaded region, for consistency checks and the data-plane projection.
    public func snapshot() -> [RegionState] {
        world.withLock { Array($0.regions.values) }
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
