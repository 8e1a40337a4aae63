public import VPCModel

/// One host's documents with the version each last changed at, and what disappeared when, so
/// that a `since=V` answer holds exactly the documents that differ between V and now.
/// Versions are those the documents were compiled at. A `since` between the first compilation
/// (or the oldest forgotten removal) and the newest is answered with a delta — the agent only
/// ever holds versions this log answered with — anything else with everything (`full`).
public struct HostFeedLog: Sendable {
    private var instances: [String: (spec: InstanceSpec, changed: UInt64)] = [:]
    private var networks: [String: (spec: NetworkSpec, changed: UInt64)] = [:]
    private var removedInstances: [String: UInt64] = [:]
    private var removedNetworks: [String: UInt64] = [:]
    /// The oldest version a delta can start from.
    private var base: UInt64?
    /// The newest version compiled.
    public private(set) var version: UInt64?
    /// Removals remembered (older ones are forgotten and the base moves past them).
    public static let keptRemovals = 4096

    public init() {}

    /// Records the documents as of `version` (newer than any before); returns whether any
    /// document changed or disappeared.
    @discardableResult
    public mutating func record(_ docs: HostDocuments, at version: UInt64) -> Bool {
        if let last = self.version, version <= last { return false }
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
        if base == nil { base = version }
        self.version = version
        forgetOldRemovals()
        return changed
    }

    /// Keeps at most `keptRemovals` removals; a delta from before a forgotten one cannot be given.
    private mutating func forgetOldRemovals() {
        let count = removedInstances.count + removedNetworks.count
        guard count > Self.keptRemovals else { return }
        let times = (Array(removedInstances.values) + Array(removedNetworks.values)).sorted()
        let cutoff = times[count - Self.keptRemovals / 2 - 1]
        removedInstances = removedInstances.filter { $0.value > cutoff }
        removedNetworks = removedNetworks.filter { $0.value > cutoff }
        base = max(base ?? cutoff, cutoff)
    }

    /// The update from `since` to the newest version: a delta when `since` is within what the
    /// log can answer, otherwise (0, older, newer) everything with `full`. Nil before the first record.
    public func update(since: UInt64) -> HostFeedUpdate? {
        guard let version, let base else { return nil }
        let byId: (InstanceSpec, InstanceSpec) -> Bool = { $0.instanceId < $1.instanceId }
        let byVpc: (NetworkSpec, NetworkSpec) -> Bool = { $0.vpcId < $1.vpcId }
        guard since != 0, since >= base, since <= version else {
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
