/// What the agent does with a packet after `Pipeline` processed it. No heap payloads.
public enum PipelineAction: Hashable, Sendable {
    /// Dropped and counted.
    case drop(DropReason)
    /// A reply (ARP reply, Neighbor Advertisement) is in `out[0..<length]`: write it back to
    /// the instance's TAP.
    case replyToInstance(length: Int)
    /// Consumed with nothing to send (gratuitous ARP or DAD for the ENI's own address, ARP replies).
    case absorbed
    /// DHCPv4 / DHCPv6 request: answer it (not filtered by security groups or network ACLs).
    case handToDHCP
    /// Query to the VPC resolver (VPC base+2, 169.254.169.253, fd00:ec2::253): answer it
    /// (not filtered by security groups or network ACLs).
    case handToDNS
    /// Write `length` bytes at `offset` of the input to the TAP of local `port`.
    case deliver(port: Int, offset: Int, length: Int)
    /// `out[0..<length]` is a complete Ethernet/IPv4/UDP/Geneve frame for another host;
    /// its UDP payload starts at `Pipeline.geneveOffset`.
    case sendToHost(length: Int)
    /// No mapping for the destination (or, from the underlay, the source): the packet is
    /// dropped; when `query` is true the agent asks the mapping service now.
    case mappingMiss(query: Bool)
    /// The route points at a gateway or appliance the agent forwards to.
    case toGateway(RouteTarget)
}
