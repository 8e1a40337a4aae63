public import VPCModel

/// One host's documents with the version each last changed at, and what disappeared when, so
/// that a `since=V` answer holds exactly the documents that differ between V and now.
/// Versions are those the documents were compiled at; `since` must be one of them (the agent
/// only ever has versions this log answered with), else the answer is full.
public struct HostFeedLog: Sendable {
    private var instances: [String: (spec: InstanceSpec, changed: UInt64)] = [:]
    private var networks: [String: (spec: NetworkSpec, changed: UInt64)] = [:]
    private var removedInstances: [String: UInt64] = [:]
    private var removedNetworks: [String: UInt64] = [:]
    /// Versions compiled at, oldest first: the bases a delta can start from.
    private var compiled: [UInt64] = []
    /// How many bases are kept (older `since` values get a full answer).
    public static let keptBases = 256

    public init() {}

    /// The newest version the documents were compiled at (nil before the first).
    public var version: UInt64? { compiled.last }

    /// Records the documents as of `version` (newer than any before); returns whether any
    /// document changed or disappeared.
    @discardableResult
    public mutating func record(_ docs: HostDocuments, at version: UInt64) -> Bool {
        if let last = compiled.last, version <= last { return false }
        var changed = false
        for (id, spec) in docs.instances where instances[id]?.spec != spec {
            instances[id] = (spec, version); removedInstances[id] = nil; changed = true
        }
        for id in instances.keys where docs.instances[id] == nil {
            instances[id] = nil; removedInstances[id] = version; changed = true
        }
        for (id, spec) in docs.networks where networks[id]?.spec != spec {
            networks[id] = (spec, version); removedNetworks[id] = nil; changed = true
        }
        for id in networks.keys where docs.networks[id] == nil {
            networks[id] = nil; removedNetworks[id] = version; changed = true
        }
        compiled.append(version)
        if compiled.count > Self.keptBases {
            compiled.removeFirst(compiled.count - Self.keptBases)
            // A tombstone at or before the oldest base can no longer be asked about.
            let oldest = compiled[0]
            removedInstances = removedInstances.filter { $0.value > oldest }
            removedNetworks = removedNetworks.filter { $0.value > oldest }
        }
        return changed
    }

    /// The update from `since` to the newest version: a delta when `since` is a kept base,
    /// otherwise (0, unknown, too old) everything with `full`. Nil before the first record.
    public func update(since: UInt64) -> HostFeedUpdate? {
        guard let version = compiled.last else { return nil }
        let byId: (InstanceSpec, InstanceSpec) -> Bool = { $0.instanceId < $1.instanceId }
        let byVpc: (NetworkSpec, NetworkSpec) -> Bool = { $0.vpcId < $1.vpcId }
        guard since != 0, compiled.contains(since) else {
            return HostFeedUpdate(version: version, full: true, instances: instances.values.map(\.spec).sorted(by: byId),
                                  networks: networks.values.map(\.spec).sorted(by: byVpc))
        }
        return HostFeedUpdate(
            version: version, full: false,
            instances: instances.values.filter { $0.changed > since }.map(\.spec).sorted(by: byId),
            removedInstances: removedInstances.filter { $0.value > since }.map(\.key).sorted(),
            networks: networks.values.filter { $0.changed > since }.map(\.spec).sorted(by: byVpc),
            removedNetworks: removedNetworks.filter { $0.value > since }.map(\.key).sorted())
    }
}

extension HostFeedUpdate {
    /// Whether the update carries anything (a full update always does: it replaces).
    public var isEmpty: Bool {
        !full && instances.isEmpty && removedInstances.isEmpty && networks.isEmpty && removedNetworks.isEmpty
    }
}
