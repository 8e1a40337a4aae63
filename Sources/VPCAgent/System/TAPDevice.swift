import CVPCLinux
#if canImport(Glibc)
import Glibc
#endif
public import VPCWire

/// A persistent TAP device inside an instance's namespace (its `eth0`), whose descriptor
/// the agent holds in the root namespace. Non-blocking; Ethernet frames, no PI header.
public final class TAPDevice: @unchecked Sendable {
    public let name: String
    public let namespace: NetworkNamespace
    /// -1 once closed.
    public private(set) var fd: Int32
    /// Frames carry a virtio_net_hdr and may be TCP super-frames or checksum-partial.
    public let vnetHeader: Bool

    /// AWS: MTU 9001 inside a VPC.
    public static let vpcMTU: Int32 = 9001

    /// Creates (or reattaches to) the TAP `name` in `namespace`, with `mac` and `mtu`, up,
    /// and `lo` up. TUNSETPERSIST keeps the device when the agent exits, so a restarted
    /// agent reattaches to the same `eth0`. With `offloads` the instance's kernel may hand
    /// over TCP segments of up to 64 KB and leave checksums to the agent (IFF_VNET_HDR).
    public init(name: String, in namespace: NetworkNamespace, mac: MACAddress, mtu: Int32 = TAPDevice.vpcMTU,
                offloads: Bool = false) throws(SystemError) {
        let v = mac.value
        let bytes: [UInt8] = (0..<6).map { UInt8(truncatingIfNeeded: v >> (40 - 8 * UInt64($0))) }
        let rc = bytes.withUnsafeBufferPointer { vpc_tap_open_in_netns(namespace.path, name, $0.baseAddress, mtu, offloads ? 1 : 0) }
        self.fd = try SystemError.check("open TAP \(name) in \(namespace.name)", rc)
        self.name = name
        self.namespace = namespace
        self.vnetHeader = offloads
    }

    /// Closes the descriptor, keeping the device (agent exit without cleanup).
    public func detach() {
        if fd >= 0 { close(fd); fd = -1 }
    }

    /// Clears persistence and closes: the kernel deletes the device.
    public func destroy() {
        if fd >= 0 {
            _ = vpc_tap_set_persist(fd, 0)
            close(fd)
            fd = -1
        }
    }

    deinit { detach() }

    /// MAC and MTU of `name` inside `namespace`, read through the kernel.
    public static func linkInfo(_ name: String, in namespace: NetworkNamespace) throws(SystemError) -> (MACAddress, Int32) {
        var mac = [UInt8](repeating: 0, count: 6)
        var mtu: Int32 = 0
        let rc = mac.withUnsafeMutableBufferPointer { vpc_link_info_in_netns(namespace.path, name, $0.baseAddress, &mtu) }
        _ = try SystemError.check("link info \(name) in \(namespace.name)", rc)
        return (MACAddress(mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]), mtu)
    }
}
