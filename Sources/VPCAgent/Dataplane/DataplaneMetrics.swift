public import VPCDataplane

/// A snapshot of the data plane's counters, taken on its thread.
public struct DataplaneMetrics: Sendable {
    public struct Port: Sendable {
        public var networkInterfaceId: String
        public var instanceId: String
        public var counters: PortCounters
        public var trackedFlows: Int
    }

    public var appliedVersion: UInt64
    public var ports: [Port]
    /// Drops not attributable to a local ENI, by reason.
    public var globalDrops: [DropReason: UInt64]
    public var trackedFlows: Int
    /// Connections the host can track at once, and flows a flow-log interval can hold.
    public var trackedFlowsCapacity: Int
    public var flowLogFlowsCapacity: Int
    public var conntrackAllowanceExceeded: UInt64
    public var mappings: Int
    public var pendingMissOverflow: UInt64
    /// Agent-level counters, by name (Prometheus suffix).
    public var agent: [String: UInt64]
}
