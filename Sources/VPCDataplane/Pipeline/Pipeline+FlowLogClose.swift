/// Closing a flow-log interval a slice at a time, so the data-plane thread never stalls for
/// a whole table (at 1M flows one pass over the connection entries and one over the
/// flow-log table took ~45 ms). Closing flips the aggregator's parity at once; then the
/// connection entries' counts of the closed interval are handed over, and then the
/// flow-log table's records, `maxSlots` slots per call.
enum FlowLogClose {
    /// Settling connection entries from slot `next` on; `handed` records so far.
    case settling(next: Int, handed: Int)
    /// Handing over the flow-log table's records from slot `next` on.
    case handing(next: Int, handed: Int)
}

extension Pipeline {
    /// Whether a flow-log interval is being closed (`continueFlowLogIntervalClose` has more to do).
    public var isClosingFlowLogInterval: Bool { flowLogClose != nil }

    /// Ends the flow-log interval at `now` and starts the next; its records then come from
    /// `continueFlowLogIntervalClose`. One close at a time: the last must have finished.
    public func beginFlowLogIntervalClose(now: UInt32) {
        precondition(flowLogClose == nil, "the previous flow-log interval is still being closed")
        flowLogs.closeInterval(now: now)
        flowLogClose = .settling(next: 0, handed: 0)
    }

    /// Goes on closing the interval over at most `maxSlots` slots, handing `body` the
    /// records completed; returns the interval's summary once its last record is handed.
    public func continueFlowLogIntervalClose(maxSlots: Int, _ body: (FlowLogRecord) -> Void) -> FlowLogInterval? {
        precondition(maxSlots > 0)
        switch flowLogClose {
        case nil:
            return nil
        case .settling(let from, var handed):
            let to = from + min(maxSlots, connections.slotCount - from)
            handed += connections.settleFlowCounts(slots: from..<to, body)
            flowLogClose = to == connections.slotCount ? .handing(next: 0, handed: handed) : .settling(next: to, handed: handed)
            return nil
        case .handing(let from, let handed):
            let to = from + min(maxSlots, flowLogs.slotCount - from)
            flowLogs.drainClosed(slots: from..<to, body)
            if to < flowLogs.slotCount {
                flowLogClose = .handing(next: to, handed: handed)
                return nil
            }
            flowLogClose = nil
            guard var interval = flowLogs.finishClosed() else { preconditionFailure("the interval being closed is gone") }
            interval.records += handed
            return interval
        }
    }

    /// Ends the flow-log interval at `now` and starts the next, handing `body` every record
    /// of it at once. Returns its summary.
    @discardableResult
    public func closeFlowLogInterval(now: UInt32, _ body: (FlowLogRecord) -> Void) -> FlowLogInterval {
        beginFlowLogIntervalClose(now: now)
        while true {
            if let interval = continueFlowLogIntervalClose(maxSlots: .max, body) { return interval }
        }
    }
}
