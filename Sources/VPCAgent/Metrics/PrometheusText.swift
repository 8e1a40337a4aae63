import Foundation
import VPCDataplane

/// Renders the agent's metrics in the Prometheus text exposition format (0.0.4).
enum PrometheusText {
    static func render(_ m: DataplaneMetrics, hostId: String, instances: [String: Int]) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: some BinaryInteger) {
            let l = labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
            out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(l)} \(value)\n"
        }
        family("vpc_agent_feed_version", "gauge", "Highest feed version installed in the data plane.")
        sample("vpc_agent_feed_version", [("host", hostId)], m.appliedVersion)
        family("vpc_agent_instances", "gauge", "Instances on this host by state.")
        for (state, n) in instances.sorted(by: { $0.key < $1.key }) { sample("vpc_agent_instances", [("state", state)], n) }

        let eni = { (p: DataplaneMetrics.Port) in [("eni", p.networkInterfaceId), ("instance", p.instanceId)] }
        family("vpc_eni_packets_in_total", "counter", "Packets delivered to the ENI.")
        for p in m.ports { sample("vpc_eni_packets_in_total", eni(p), p.counters.packetsIn) }
        family("vpc_eni_bytes_in_total", "counter", "Bytes delivered to the ENI.")
        for p in m.ports { sample("vpc_eni_bytes_in_total", eni(p), p.counters.bytesIn) }
        family("vpc_eni_packets_out_total", "counter", "Packets the ENI sent that were forwarded.")
        for p in m.ports { sample("vpc_eni_packets_out_total", eni(p), p.counters.packetsOut) }
        family("vpc_eni_bytes_out_total", "counter", "Bytes the ENI sent that were forwarded.")
        for p in m.ports { sample("vpc_eni_bytes_out_total", eni(p), p.counters.bytesOut) }
        family("vpc_eni_drops_total", "counter", "Packets to or from the ENI dropped, by reason.")
        for p in m.ports {
            for r in DropReason.allCases where p.counters.drops(r) > 0 {
                sample("vpc_eni_drops_total", eni(p) + [("reason", "\(r)")], p.counters.drops(r))
            }
        }
        family("vpc_eni_tracked_flows", "gauge", "Connections tracked for the ENI's security groups.")
        for p in m.ports { sample("vpc_eni_tracked_flows", eni(p), p.trackedFlows) }
        family("vpc_eni_conntrack_allowance_exceeded_total", "counter",
               "New flows refused at the ENI's tracked-connection allowance.")
        for p in m.ports { sample("vpc_eni_conntrack_allowance_exceeded_total", eni(p), p.counters.conntrackAllowanceExceeded) }

        family("vpc_drops_total", "counter", "Drops not attributable to a local ENI (underlay input), by reason.")
        for r in DropReason.allCases { sample("vpc_drops_total", [("reason", "\(r)")], m.globalDrops[r] ?? 0) }
        family("vpc_tracked_flows", "gauge", "Connections tracked on this host.")
        sample("vpc_tracked_flows", [], m.trackedFlows)
        family("vpc_tracked_flows_capacity", "gauge", "Connections this host can track at once (--max-tracked-connections).")
        sample("vpc_tracked_flows_capacity", [], m.trackedFlowsCapacity)
        family("vpc_flow_log_flows_capacity", "gauge", "Flows one flow-log interval can hold on this host (--max-flow-log-flows).")
        sample("vpc_flow_log_flows_capacity", [], m.flowLogFlowsCapacity)
        family("vpc_conntrack_allowance_exceeded_total", "counter", "New flows refused at an ENI's allowance, all ENIs.")
        sample("vpc_conntrack_allowance_exceeded_total", [], m.conntrackAllowanceExceeded)
        family("vpc_mapping_entries", "gauge", "Mapping-cache keys held (live and withdrawn).")
        sample("vpc_mapping_entries", [], m.mappings)
        family("vpc_mapping_pending_overflow_total", "counter", "Mapping misses not asked for because the pending set was full.")
        sample("vpc_mapping_pending_overflow_total", [], m.pendingMissOverflow)
        for (name, v) in m.agent.sorted(by: { $0.key < $1.key }) {
            family("vpc_agent_\(name)", "counter", "Agent I/O counter.")
            sample("vpc_agent_\(name)", [], v)
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
