public import VPCWire

/// What the VPC resolver (VPC base+2, 169.254.169.253) knows about one VPC: whether it
/// answers at all, whether private DNS hostnames resolve, the private domain and the
/// addresses that belong to ENIs.
public struct ResolverZone: Hashable, Sendable {
    /// `enableDnsSupport`: when false the resolver does not answer (queries time out).
    public var enableDnsSupport: Bool
    /// `enableDnsHostnames`: when false `ip-…` names and their PTR records do not resolve.
    public var enableDnsHostnames: Bool
    /// The private domain, lowercased: `ec2.internal` or `<region>.compute.internal`.
    public var domain: DNSName
    /// The VPC's IPv4 blocks as inclusive ranges (PTR queries outside them are refused).
    public var blocks: [ClosedRange<UInt32>]
    /// Private IPv4 addresses held by ENIs in the VPC.
    public var hosts: Set<IPv4Address>
    /// Record TTL in seconds.
    public var ttl: UInt32

    public init(enableDnsSupport: Bool, enableDnsHostnames: Bool, domain: DNSName, blocks: [ClosedRange<UInt32>],
                hosts: Set<IPv4Address>, ttl: UInt32 = 60) {
        self.enableDnsSupport = enableDnsSupport; self.enableDnsHostnames = enableDnsHostnames
        self.domain = domain.lowercased(); self.blocks = blocks; self.hosts = hosts; self.ttl = ttl
    }

    /// The domain of private DNS hostnames (AWS "Amazon EC2 instance hostname types"):
    /// `ec2.internal` in us-east-1, `<region>.compute.internal` elsewhere.
    public static func privateDomain(region: String) -> String {
        region == "us-east-1" ? "ec2.internal" : "\(region).compute.internal"
    }

    /// `ip-10-0-1-5`: the host label of a private IPv4 address.
    public static func hostLabel(_ a: IPv4Address) -> String {
        let v = a.value
        return "ip-\(v >> 24)-\(v >> 16 & 0xFF)-\(v >> 8 & 0xFF)-\(v & 0xFF)"
    }

    public func inVPC(_ a: IPv4Address) -> Bool { blocks.contains { $0.contains(a.value) } }

    /// `ip-a-b-c-d.<domain>`.
    public func hostName(_ a: IPv4Address) -> DNSName {
        DNSName(labels: [Array(ResolverZone.hostLabel(a).utf8)] + domain.labels)
    }
}
