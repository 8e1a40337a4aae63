public import VPCWire

/// A compiled route table answering longest-prefix match for IPv4 and IPv6.
///
/// Prefixes form a laminar family, so they flatten into sorted disjoint address ranges,
/// each carrying the target of its most specific covering route; a lookup is one binary
/// search over ≤ 2n+1 range starts (AWS: "Route priority — longest prefix match").
/// Route tables hold ≤ 50 routes by default (1,000 max), so the whole index stays in
/// L1/L2 — cheaper per table than DIR-24-8's 32 MB and as fast at these sizes.
public final class RouteTable: Sendable {
    @usableFromInline let startsV4: [AddressKey]
    @usableFromInline let routeV4: [Int32]
    @usableFromInline let startsV6: [AddressKey]
    @usableFromInline let routeV6: [Int32]
    /// The routes, in the order given; `routeV4`/`routeV6` index into it (-1: no route).
    public let routes: [Route]

    /// Compiles `routes`. For duplicate destinations the later route wins.
    public init(routes: [Route]) {
        self.routes = routes
        func compile(_ fam: IPFamily) -> ([AddressKey], [Int32]) {
            var idx = routes.indices.filter { routes[$0].destination.family == fam }
            idx.sort { a, b in
                let pa = routes[a].destination, pb = routes[b].destination
                if pa.first != pb.first { return pa.first < pb.first }
                if pa.length != pb.length { return pa.length < pb.length }
                return a < b
            }
            let seg = SegmentBuilder<Int32>(
                blocks: idx.map { (routes[$0].destination.first, routes[$0].destination.last) },
                maxKey: fam.maxKey, empty: -1
            ) { _, i in Int32(idx[i]) }
            return (seg.starts, seg.payloads)
        }
        (startsV4, routeV4) = compile(.v4)
        (startsV6, routeV6) = compile(.v6)
    }

    /// Index into `routes` of the most specific route covering `key`, or -1.
    @inlinable
    public func longestPrefixMatchIndex(family: IPFamily, _ key: AddressKey) -> Int {
        // Branch rather than copy the arrays into a tuple: no retain/release per lookup.
        if family == .v4 {
            let i = startsV4.withUnsafeBufferPointer { segmentIndex($0, key) }
            return Int(routeV4.withUnsafeBufferPointer { $0[i] })
        }
        let i = startsV6.withUnsafeBufferPointer { segmentIndex($0, key) }
        return Int(routeV6.withUnsafeBufferPointer { $0[i] })
    }

    /// The most specific route for `destination`, or nil (no route: drop).
    @inlinable
    public func longestPrefixMatch(_ destination: IPAddress) -> Route? {
        let i = longestPrefixMatchIndex(family: destination.family, AddressKey(destination))
        return i < 0 ? nil : routes[i]
    }

    /// IPv4 fast path.
    @inlinable
    public func longestPrefixMatch(_ destination: IPv4Address) -> Route? {
        let i = longestPrefixMatchIndex(family: .v4, AddressKey(destination))
        return i < 0 ? nil : routes[i]
    }

    /// Number of ranges in the compiled IPv4 / IPv6 index.
    public var rangeCounts: (v4: Int, v6: Int) { (startsV4.count, startsV6.count) }
}
