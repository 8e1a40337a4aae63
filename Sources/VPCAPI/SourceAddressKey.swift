import VPCModel

/// The key a client's source address is metered and limited by: an IPv4 address as it
/// is; an IPv4 client on a dual-stack socket (`::ffff:a.b.c.d`) by its IPv4 address; any
/// other IPv6 address by its /64, which one host holds all of.
enum SourceAddressKey {
    static func of(_ source: String) -> String {
        guard source.contains(":"), var address = IPv6(source) else { return source }
        if address.high == 0, address.low >> 32 == 0xFFFF {
            return IPv4(UInt32(truncatingIfNeeded: address.low)).description
        }
        address.low = 0
        return address.description + "/64"
    }
}
