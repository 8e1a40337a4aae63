import VPCDataplane
import VPCHostServices
import VPCModel
#if canImport(Glibc)
import Glibc
#endif

/// The flow-log aggregation intervals of the data-plane thread: which ports have flow logs,
/// when an interval is due, and closing it a slice per loop turn (`Pipeline+FlowLogClose`).
extension DataplaneState {
    /// Slots of the connection or flow-log table one loop turn settles or hands over while
    /// an interval is being closed: ~1 MB, a fraction of a millisecond.
    static let flowLogCloseSlice = 16_384

    /// Takes the flow logs of `config`'s ports; the first ones start a fresh interval.
    func applyFlowLogs(_ config: DataplaneConfig) {
        var interval = UInt32.max
        flowLogCurrent = []
        for p in config.ports where !p.compiled.flowLogs.isEmpty {
            let c = p.compiled
            flowLogCurrent.insert(c.port.index)
            flowLogPorts[c.port.index] = FlowLogDrain.Port(index: c.port.index, networkInterfaceId: c.networkInterfaceId,
                                                            primaryAddress: c.lease.address, flowLogs: c.flowLogs,
                                                            routeTable: c.port.routeTable)
            for f in c.flowLogs { interval = min(interval, UInt32(clamping: max(f.aggregationInterval, 1))) }
        }
        if interval == .max {
            // The last flow logs went: their ports' interval so far is reported, then nothing is kept.
            if flowLogInterval > 0 { beginClosingFlowInterval(now: DataplaneState.monotonicSeconds()) }
            flowLogPorts = [:]
            flowLogInterval = 0
            return
        }
        if flowLogInterval == 0 {
            // What flow logs removed earlier left in the tables goes, a slice at a time too.
            beginClosingFlowInterval(now: DataplaneState.monotonicSeconds(), discarding: true)
        }
        flowLogInterval = interval
    }

    /// Before `config` is installed: a port index whose records of the open interval are
    /// still a flow-logged ENI's, going to another ENI, closes the interval first (the
    /// aggregator keys records by port index), so they are reported as that ENI's and the
    /// other's start afresh. The leaving ENI's connections hand their counts over first.
    func closeFlowIntervalBeforeReuse(_ config: DataplaneConfig) {
        let reused = config.ports.map { $0.compiled }.filter { c in
            flowLogPorts[c.port.index].map { $0.networkInterfaceId != c.networkInterfaceId } ?? false
        }.map { $0.port.index }
        guard !reused.isEmpty else { return }
        for i in reused { pipeline.connections.removeAll(zone: UInt32(i)) }
        beginClosingFlowInterval(now: DataplaneState.monotonicSeconds())
        for i in reused { flowLogPorts[i] = nil }
    }

    /// Starts closing the aggregation interval when it is due.
    func closeFlowIntervalIfDue(now: UInt32) {
        guard flowLogInterval > 0, now > flowLogClosedAt, now &- flowLogClosedAt >= flowLogInterval else { return }
        beginClosingFlowInterval(now: now)
    }

    /// Closes the aggregation interval now and delivers it, with any still being closed
    /// (the agent is stopping).
    func closeFlowIntervalNow() {
        guard flowLogInterval > 0 else { return finishClosingFlowInterval() }
        beginClosingFlowInterval(now: DataplaneState.monotonicSeconds())
        finishClosingFlowInterval()
    }

    /// Ends the interval at `now`: its records are then collected by
    /// `continueClosingFlowInterval` (allocates once per interval, not per packet), or
    /// dropped when `discarding`.
    private func beginClosingFlowInterval(now: UInt32, discarding: Bool = false) {
        finishClosingFlowInterval()
        closingDiscards = discarding
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        closingWallOffset = Int64(wall.tv_sec) - Int64(now)
        // The connections of ports removed during the interval that are still being
        // removed hand their counts over now: this is the last interval they are reported in.
        for i in flowLogPorts.keys where !flowLogCurrent.contains(i) && pipeline.connections.isRemoving(zone: UInt32(i)) {
            pipeline.connections.removeAll(zone: UInt32(i))
        }
        closingPorts = flowLogPorts.values.sorted { $0.index < $1.index }
        if !discarding { closingRecords.reserveCapacity(pipeline.flowLogs.count) }
        // Ports removed during the interval are reported once more, then forgotten.
        flowLogPorts = flowLogPorts.filter { flowLogCurrent.contains($0.key) }
        pipeline.beginFlowLogIntervalClose(now: now)
        flowLogClosedAt = now
    }

    /// Collects the next slice of the interval being closed, and delivers it once complete.
    func continueClosingFlowInterval(maxSlots: Int = DataplaneState.flowLogCloseSlice) {
        guard let interval = pipeline.continueFlowLogIntervalClose(maxSlots: maxSlots, { record in
            if !closingDiscards { closingRecords.append(record) }
        }) else { return }
        let drain = FlowLogDrain(interval: interval, wallOffset: closingWallOffset, records: closingRecords,
                                 ports: closingPorts)
        closingRecords = []
        closingPorts = []
        if closingDiscards {
            closingDiscards = false
        } else {
            onFlowInterval?(drain)
        }
    }

    /// Completes the interval being closed, if any.
    func finishClosingFlowInterval() {
        while pipeline.isClosingFlowLogInterval { continueClosingFlowInterval(maxSlots: .max) }
    }
}
