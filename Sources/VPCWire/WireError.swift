/// Why a view or repr refused some bytes.
///
/// Kept tiny (two bytes) so `throws(WireError)` costs nothing on the hot path.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The class of failure; callers drop and count by kind (design.md: fail closed).
    public enum Kind: UInt8, Hashable, Sendable {
        /// The buffer ends before a field or a length the header declares.
        case truncated
        /// A checksum did not verify.
        case badChecksum
        /// Well formed, but a version or variant we do not handle.
        case unsupported
        /// A field has a value the RFC forbids (bad length, loop, reserved value).
        case malformed
    }

    /// Which protocol raised it.
    public enum Layer: UInt8, Hashable, Sendable {
        case ethernet, arp, ipv4, ipv6, icmpv4, icmpv6, ndp, tcp, udp, dhcp, dns, geneve, address
    }

    public var kind: Kind
    public var layer: Layer

    @inlinable
    public init(_ kind: Kind, _ layer: Layer) {
        self.kind = kind
        self.layer = layer
    }

    public var description: String { "\(layer): \(kind)" }
}
