/// Why the pipeline dropped a packet. Counted per ENI (`PortCounters`) and, when no ENI
/// is known (underlay input, bad port index), globally (`Pipeline.globalDrops`).
public enum DropReason: UInt8, Sendable, CaseIterable {
    /// Truncated or inconsistent headers.
    case malformed = 0
    /// The port index names no installed ENI.
    case unknownPort
    /// 802.1Q / 802.1ad tagged frame: a VPC carries untagged frames only.
    case vlanTagged
    case unsupportedEtherType
    /// A non-first IP fragment (no transport header to match rules on).
    case fragment
    /// Source MAC is not the ENI's (source/destination check).
    case sourceMACSpoofed
    /// Source IP is not one of the ENI's addresses while source/destination check is on.
    case sourceIPSpoofed
    /// ARP whose sender MAC or IP is not the ENI's (ARP poisoning).
    case arpSpoofed
    /// Neighbor Discovery claiming a foreign address or MAC, or a router advertisement.
    case ndpSpoofed
    /// Broadcast or multicast IP destination (a VPC forwards unicast only).
    case broadcastOrMulticast
    /// Addressed to the subnet router itself.
    case addressedToRouter
    /// No security-group rule allows the new flow.
    case securityGroup
    /// Allowed, but the ENI is at its tracked-connection allowance (`conntrack_allowance_exceeded`).
    case conntrackAllowanceExceeded
    /// Allowed, but the connection table is full.
    case conntrackTableFull
    case networkACLOutbound
    case networkACLInbound
    /// No route, or a route whose target this pipeline does not serve.
    case noRoute
    /// The route's target was deleted.
    case blackhole
    /// No mapping for the destination yet (asked for; the packet is not queued).
    case mappingMiss
    /// The mapping names an ENI that is not on this host.
    case unknownDestination
    /// The built frame would not fit the caller's output buffer.
    case frameTooLarge
    /// The destination host has an IPv6 underlay address (the underlay is IPv4).
    case unsupportedUnderlay
    /// Geneve header invalid: version, protocol type, OAM, unknown critical option, truncated.
    case malformedEncapsulation
    /// Geneve packet whose outer source, VNI or ENI option the mapping service does not confirm.
    case forgedEncapsulation
    /// No local ENI is in the packet's VNI.
    case unknownVNI
    /// The inner source has no mapping yet, so the sender cannot be verified (asked for).
    case unverifiedSource
    /// Routed to an ENI whose source/destination check is on, for an address it does not
    /// hold (such an ENI only receives its own traffic).
    case destinationCheck
}
