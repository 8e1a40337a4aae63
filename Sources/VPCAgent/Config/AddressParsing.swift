public import VPCDataplane
public import VPCWire

extension IPPrefix {
    /// Parses `10.0.0.0/16` or `2600:1f14::/56`; nil for anything else (no bare addresses).
    public init?(cidr text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPAddress(String(parts[0])), let len = Int(parts[1]), len >= 0 else { return nil }
        switch a {
        case .v4: guard len <= 32 else { return nil }
        case .v6: guard len <= 128 else { return nil }
        }
        self.init(a, length: len)
    }

    /// The first IPv4 address of the block plus `offset` (base+1 router, base+2 resolver).
    public func ipv4(offset: UInt32) -> IPv4Address {
        IPv4Address(value: UInt32(truncatingIfNeeded: first.low) &+ offset)
    }
}

extension RouteTarget {
    /// A feed route target: `local`, `blackhole`, or a resource id whose prefix names the
    /// kind (`igw-`, `eigw-`, `nat-`, `eni-`, `pcx-`, `tgw-`). Unknown kinds are nil.
    public init?(feedTarget text: String) {
        if text == "local" { self = .local; return }
        if text == "blackhole" { self = .blackhole; return }
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let kind = text[..<dash]
        let hex = text[text.index(after: dash)...]
        guard !hex.isEmpty, let n = UInt64(hex.suffix(16), radix: 16) else { return nil }
        switch kind {
        case "igw": self = .internetGateway(n)
        case "eigw": self = .egressOnlyInternetGateway(n)
        case "nat": self = .natGateway(n)
        case "eni": self = .networkInterface(n)
        case "pcx": self = .vpcPeering(n)
        case "tgw": self = .transitGateway(n)
        default: return nil
        }
    }
}
