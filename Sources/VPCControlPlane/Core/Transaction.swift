public import EC2Shapes
public import VPCModel

/// Allocations that must be unique across every account and region.
public struct GlobalAllocations: Sendable {
    /// VPC network ids (Geneve VNIs) in use.
    public var networkIDs: Set<UInt32> = []
    /// Elastic IPs handed out from the public pool.
    public var publicIPs: Set<UInt32> = []
    /// Amazon-provided IPv6 /56 blocks, by their top 56 bits.
    public var ipv6Blocks: Set<UInt64> = []
    /// Registered host agents, by host id (`POST /_vpc/agent/register`).
    public var hosts: [String: HostRegistration] = [:]
    /// Interfaces attached to instances not yet terminated (stopped ones too: they start
    /// again where they were), on each host: what placement spreads, and what each host's
    /// `capacity` bounds.
    public var interfacesPerHost: [String: Int] = [:]

    public init() {}
}

/// The settings every operation reads.
public struct ControlPlaneOptions: Sendable {
    public var quotas = Quotas()
    public var catalog = RegionCatalog.standard
    /// Where Elastic IPs come from.
    public var publicAddressPool = IPv4CIDR("198.18.0.0/15")!
    /// Where Amazon-provided IPv6 /56s come from.
    public var ipv6Pool = IPv6CIDR("2600:1f18::/32")!
    /// Seconds without word from a host's agent (`--host-silence-limit`) after which new
    /// instances are no longer placed on that host; one in a feed poll is heard from throughout.
    public var hostSilenceLimit: Double = 90
    /// Tests only (`--flow-log-interval-override`): the aggregation interval, in seconds,
    /// agents use for every flow log instead of its MaxAggregationInterval.
    public var flowLogIntervalOverride: Int?

    public init() {}
}

/// One write: the region state of the calling account, changed in place; what
/// it changed is committed to the store as one unit, or undone.
public struct Transaction: Sendable {
    public var state: RegionState
    public var global: GlobalAllocations
    public let now: EC2Timestamp
    public let options: ControlPlaneOptions
    public let region: RegionCatalog.Region
    /// Which hosts' agents were heard from lately, as of the write's start.
    public let liveness: HostLiveness

    public init(state: RegionState, global: GlobalAllocations, now: EC2Timestamp,
                options: ControlPlaneOptions, region: RegionCatalog.Region, liveness: HostLiveness) {
        self.state = state
        self.global = global
        self.now = now
        self.options = options
        self.region = region
        self.liveness = liveness
    }

    public var account: String { state.account }
    public var quotas: Quotas { options.quotas }

    /// The registered hosts new instances may go to: those whose agents were heard from
    /// within the silence limit.
    public var placementHosts: [HostRegistration] {
        global.hosts.values.filter { liveness.isLive($0.hostId) }
    }
}
