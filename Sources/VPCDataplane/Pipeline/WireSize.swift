/// What a frame stands for on the wire, for counters and flow logs: itself (one packet),
/// or the segments of a TCP super-frame that the instance's kernel left to be segmented
/// (TSO over a TAP with IFF_VNET_HDR). The pipeline decides on a super-frame once, as a
/// NIC's offload would, and counts what the segments will be.
@frozen
public struct WireSize: Sendable, Equatable {
    /// Packets on the wire.
    public var packets: Int
    /// Their Ethernet bytes, all together.
    public var bytes: Int

    @inlinable
    public init(packets: Int, bytes: Int) {
        self.packets = packets
        self.bytes = bytes
    }

    /// One frame of `length` bytes.
    @inlinable
    public static func frame(_ length: Int) -> WireSize { WireSize(packets: 1, bytes: length) }
}
