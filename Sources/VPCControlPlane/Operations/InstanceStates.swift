public import EC2Shapes
public import VPCModel

// StopInstances, StartInstances, RebootInstances, TerminateInstances, and what the host agents
// report: pending → running, stopping → stopped, shutting-down → terminated.

extension Transaction {
    public mutating func stopInstances(_ r: EC2.StopInstancesRequest) throws -> EC2.StopInstancesResult {
        guard r.hibernate != true else {
            throw EC2Error("UnsupportedHibernationConfiguration", "Hibernation is not supported by this endpoint.")
        }
        let selected = try state.requireInstances(r.instanceIds)
        for i in selected {
            switch i.state {
            case "running", "stopping", "stopped": break
            default:
                throw EC2Error("IncorrectInstanceState",
                               "The instance '\(i.instanceId)' is not in a state from which it can be stopped.")
            }
            if i.disableApiStop {
                throw EC2Error("OperationNotPermitted",
                               "The instance '\(i.instanceId)' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.")
            }
        }
        let reason = "User initiated (\(Self.transitionTime(now)))"
        return EC2.StopInstancesResult(stoppingInstances: selected.map { i in
            change(i) { i in
                guard i.state == "running" else { return }
                i.state = "stopping"
                i.stateTransitionReason = reason
                i.stateReason = EC2.StateReason(code: "Client.UserInitiatedShutdown",
                                                message: "Client.UserInitiatedShutdown: User initiated shutdown")
            }
        })
    }

    public mutating func startInstances(_ r: EC2.StartInstancesRequest) throws -> EC2.StartInstancesResult {
        let selected = try state.requireInstances(r.instanceIds)
        for i in selected where !["pending", "running", "stopped"].contains(i.state) {
            throw EC2Error("IncorrectInstanceState",
                           "The instance '\(i.instanceId)' is not in a state from which it can be started.")
        }
        var changes: [EC2.InstanceStateChange] = []
        for i in selected {
            var launchPublicIP = false
            changes.append(change(i) { i in
                guard i.state == "stopped" else { return }
                i.state = "pending"
                i.stateTransitionReason = ""
                i.stateReason = nil
                launchPublicIP = true
            })
            // A stopped instance lost its launch-time public IP; it gets a new one if its subnet maps one.
            if launchPublicIP, let primary = state.interfaces(of: i.instanceId).first(where: { $0.attachment?.deviceIndex == 0 }),
               state.subnets[primary.subnetId ?? ""]?.mapPublicIpOnLaunch == true, primary.association == nil {
                try assignPublicIP(to: primary.networkInterfaceId ?? "")
            }
        }
        return EC2.StartInstancesResult(startingInstances: changes)
    }

    public mutating func rebootInstances(_ r: EC2.RebootInstancesRequest) throws {
        let selected = try state.requireInstances(r.instanceIds)
        for i in selected where i.state != "running" && i.state != "pending" {
            throw EC2Error("IncorrectInstanceState", "The instance '\(i.instanceId)' is not in a state from which it can be rebooted.")
        }
        for var i in selected where i.state == "running" {
            i.bootCount &+= 1
            state.instances[i.instanceId] = i
        }
    }

    public mutating func terminateInstances(_ r: EC2.TerminateInstancesRequest) throws -> EC2.TerminateInstancesResult {
        let selected = try state.requireInstances(r.instanceIds)
        for i in selected where i.disableApiTermination && i.state != "terminated" {
            throw EC2Error("OperationNotPermitted",
                           "The instance '\(i.instanceId)' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.")
        }
        let reason = "User initiated (\(Self.transitionTime(now)))"
        return EC2.TerminateInstancesResult(terminatingInstances: selected.map { i in
            change(i) { i in
                guard i.state != "terminated" && i.state != "shutting-down" else { return }
                i.state = "shutting-down"
                i.stateTransitionReason = reason
                i.stateReason = EC2.StateReason(code: "Client.UserInitiatedShutdown",
                                                message: "Client.UserInitiatedShutdown: User initiated shutdown")
            }
        })
    }

    /// Applies `body` to the instance and reports the state before and after.
    private mutating func change(_ i: InstanceRecord, _ body: (inout InstanceRecord) -> Void) -> EC2.InstanceStateChange {
        var updated = i
        body(&updated)
        if updated != i { state.instances[i.instanceId] = updated }
        return EC2.InstanceStateChange(instanceId: i.instanceId, currentState: updated.instanceState,
                                       previousState: i.instanceState)
    }

    /// `2026-11-27 05:30:54 GMT`, as state transition reasons print it.
    static func transitionTime(_ t: EC2Timestamp) -> String {
        let iso = t.iso8601  // 2026-11-27T05:30:54.000Z
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8)) + " GMT"
    }

    /// What a host agent reports of an instance placed on it: `running`, `stopped` or
    /// `terminated`, and its console. Moves the instance on when the report completes a
    /// transition the control plane asked for; other reports change nothing. Returns whether
    /// anything changed.
    @discardableResult
    public mutating func applyReport(instanceId: String, hostId: String, reported: String, consoleOutput: String?) -> Bool {
        guard var i = state.instances[instanceId], i.hostId == hostId else { return false }
        let before = i
        switch (i.state, reported) {
        case ("pending", "running"):
            i.state = "running"
        case ("stopping", "stopped"):
            i.state = "stopped"
            i.stateReason = EC2.StateReason(code: "Client.UserInitiatedShutdown",
                                            message: "Client.UserInitiatedShutdown: User initiated shutdown")
            for eni in state.interfaces(of: instanceId) { releasePublicIP(of: eni.networkInterfaceId ?? "") }
        case ("shutting-down", "terminated"):
            i.state = "terminated"
            i.terminatedAt = now.secondsSince1970
            i.stateReason = EC2.StateReason(code: "Client.UserInitiatedShutdown",
                                            message: "Client.UserInitiatedShutdown: User initiated shutdown")
            hostInterfaces(hostId, -state.interfaces(of: instanceId).count)
            releaseInterfaces(of: instanceId)
        default: break
        }
        if let output = consoleOutput, output != i.consoleOutput {
            i.consoleOutput = output
            i.consoleTimestamp = now
        }
        guard i != before else { return false }
        state.instances[instanceId] = i
        return true
    }

    /// A terminated instance's interfaces: launch public IPs go back to the pool; those marked
    /// DeleteOnTermination are deleted (their addresses freed, Elastic IPs disassociated), the
    /// others detached and available again.
    mutating func releaseInterfaces(of instanceId: String) {
        for var eni in state.interfaces(of: instanceId) {
            let eniId = eni.networkInterfaceId ?? ""
            releasePublicIP(of: eniId)
            if eni.attachment?.deleteOnTermination == true {
                for address in state.addresses.values where address.networkInterfaceId == eniId {
                    disassociateElasticIP(allocationId: address.allocationId ?? "")
                }
                state.networkInterfaces[eniId] = nil
                setRouteState(target: eniId, vpcId: nil, active: false)  // routes through it stay, blackholed
            } else {
                eni = state.networkInterfaces[eniId] ?? eni
                eni.attachment = nil
                eni.status = "available"
                state.networkInterfaces[eniId] = eni
            }
        }
    }

    /// Removes instances terminated more than an hour ago, as EC2 stops showing them.
    public mutating func expireTerminatedInstances() {
        let cutoff = now.secondsSince1970 - Self.terminatedInstanceLifetime
        for i in state.instances.values where i.state == "terminated" && (i.terminatedAt ?? 0) <= cutoff {
            state.instances[i.instanceId] = nil
        }
    }

    /// How long a terminated instance stays visible.
    public static let terminatedInstanceLifetime: Double = 3600
}

extension RegionState {
    /// Whether any instance here was terminated more than `lifetime` seconds before `now`.
    public func hasExpiredInstances(now: Double) -> Bool {
        instances.values.contains {
            $0.state == "terminated" && ($0.terminatedAt ?? 0) <= now - Transaction.terminatedInstanceLifetime
        }
    }
}
