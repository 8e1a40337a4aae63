public import VPCModel

/// What the control plane wants on this host, as of `version`: the feed's documents with
/// the deltas applied (docs/agent-protocol.md "Versions and deltas").
public struct HostDesiredState: Sendable, Equatable {
    public private(set) var version: UInt64 = 0
    public private(set) var instances: [String: InstanceSpec] = [:]
    public private(set) var networks: [String: NetworkSpec] = [:]

    public init() {}

    /// What applying one update changed, for the lifecycle code.
    public struct Change: Sendable, Equatable {
        /// Instances that were upserted (new, or a new document).
        public var upserted: Set<String> = []
        /// Instances that disappeared (removed, or not listed in a full update).
        public var removed: Set<String> = []
    }

    /// Applies `update`: a full update replaces everything, a delta upserts and removes.
    /// A delta older than what is held changes nothing (it cannot arrive from a
    /// well-behaved control plane, but a reordered answer must not roll state back).
    @discardableResult
    public mutating func apply(_ update: HostFeedUpdate) -> Change {
        var change = Change()
        if !update.full && update.version < version { return change }
        let before = instances
        if update.full {
            let listed = Set(update.instances.map(\.instanceId))
            change.removed = Set(instances.keys).subtracting(listed)
            instances = [:]
            networks = [:]
        }
        for id in update.removedInstances where instances.removeValue(forKey: id) != nil { change.removed.insert(id) }
        for id in update.removedNetworks { networks.removeValue(forKey: id) }
        for n in update.networks { networks[n.vpcId] = n }
        for i in update.instances {
            if before[i.instanceId] != i { change.upserted.insert(i.instanceId) }
            instances[i.instanceId] = i
            change.removed.remove(i.instanceId)
        }
        version = update.version
        return change
    }
}
