/// A flow log that covers one of a host's ENIs, as the feed gives it to the agent in
/// `InterfaceSpec.flowLogs` (docs/agent-protocol.md, "Flow logs"). One ENI can be covered
/// by several flow logs (its own, its subnet's, its VPC's), each aggregated on its own.
public struct FlowLogSpec: Codable, Sendable, Equatable {
    public var flowLogId: String
    /// `ACCEPT`, `REJECT` or `ALL`: which records to deliver.
    public var trafficType: String
    /// The record format, `${field} …` (informational: the control plane renders the lines).
    public var logFormat: String
    /// Seconds per aggregation interval: the flow log's MaxAggregationInterval (60 or 600),
    /// or the server's `--flow-log-interval-override` when set.
    public var aggregationInterval: Int

    public init(flowLogId: String, trafficType: String, logFormat: String, aggregationInterval: Int) {
        self.flowLogId = flowLogId; self.trafficType = trafficType; self.logFormat = logFormat
        self.aggregationInterval = aggregationInterval
    }
}
