public import VPCDataplane

/// What the pipeline harnesses do between inputs besides the packets, so packets meet the
/// states the agent puts a pipeline in: every 65,536 inputs a flow-log interval closes;
/// port 1 goes for a while and comes back; the close, the removal of port 1's connections
/// and the expiry sweep advance a few slots per input.
public struct PipelineChurn {
    private var removedPort: ENIPort?

    public init() {}

    /// The churn before input number `run` (from 1), at `now` seconds.
    public mutating func step(_ pipeline: Pipeline, run: UInt32, now: UInt32) {
        switch run & 0xFFFF {
        case 0:
            if !pipeline.isClosingFlowLogInterval { pipeline.beginFlowLogIntervalClose(now: now) }
        case 0x8000:
            removedPort = pipeline.port(1)
            pipeline.remove(port: 1)
        case 0xC000:
            if let port = removedPort { pipeline.install(port) }
            removedPort = nil
        default:
            break
        }
        if pipeline.isClosingFlowLogInterval { _ = pipeline.continueFlowLogIntervalClose(maxSlots: 64) { _ in } }
        if pipeline.connections.isRemoving { pipeline.connections.continueRemoving(maxSlots: 64) }
        pipeline.connections.sweep(now: now, maxSlots: 8)
    }
}
