/// Flow-log `action`.
public enum FlowLogAction: UInt8, Sendable { case accept = 0, reject = 1 }

/// Flow-log `log-status` of an interval: OK, NODATA (no traffic), SKIPDATA (records lost
/// to capacity). (AWS: "Flow log records — Available fields".)
public enum FlowLogStatus: UInt8, Sendable { case ok, noData, skipData }

/// One aggregated flow of one interval, or part of one (a tracked connection's counts held
/// in its conntrack entry come as a second record with the same key; the writer adds them
/// up): the fields of flow-log records v2–v5 that the data plane knows (the writer adds
/// account, interface, VPC and subnet ids and formats them).
@frozen
public struct FlowLogRecord: Hashable, Sendable {
    /// ENI index (the writer maps it to `interface-id`).
    public var eni: UInt32
    public var direction: TrafficDirection
    public var family: IPFamily
    public var proto: UInt8
    public var source: AddressKey
    public var destination: AddressKey
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var packets: UInt64
    public var bytes: UInt64
    /// First and last packet time (seconds), `start` / `end` of the record.
    public var start: UInt32
    public var end: UInt32
    public var action: FlowLogAction
    /// OR of the TCP flags seen (v3 `tcp-flags`).
    public var tcpFlags: UInt8
}

/// Summary of a closed aggregation interval.
public struct FlowLogInterval: Hashable, Sendable {
    public var start: UInt32
    public var end: UInt32
    public var records: Int
    /// Packets that could not be recorded because the table was full.
    public var skippedPackets: UInt64
    public var status: FlowLogStatus {
        skippedPackets > 0 ? .skipData : (records == 0 ? .noData : .ok)
    }
}
