public import EC2Shapes
public import VPCModel
import Foundation

// ModifyInstanceAttribute, DescribeInstanceAttribute, GetConsoleOutput, DescribeInstanceStatus.

extension Transaction {
    public mutating func modifyInstanceAttribute(_ r: EC2.ModifyInstanceAttributeRequest) throws {
        var i = try state.requireInstance(r.instanceId)
        guard i.state != "terminated" && i.state != "shutting-down" else {
            throw EC2Error("IncorrectInstanceState", "The instance '\(i.instanceId)' is not in a state from which its attributes can be modified.")
        }
        guard r.blockDeviceMappings == nil, r.kernel == nil, r.ramdisk == nil, r.sriovNetSupport == nil,
              r.enaSupport == nil, r.ebsOptimized == nil else {
            throw EC2Error("Unsupported", "Only the instanceType, userData, sourceDestCheck, groupSet, disableApiTermination, disableApiStop and instanceInitiatedShutdownBehavior attributes can be modified.")
        }
        // `Attribute` + `Value` is the older spelling of the typed fields.
        var groups = r.groups.flatMap { $0.isEmpty ? nil : $0 }
        var sourceDestCheck = r.sourceDestCheck?.value
        var instanceType = r.instanceType?.value
        var userData = r.userData?.value
        var disableApiTermination = r.disableApiTermination?.value
        var disableApiStop = r.disableApiStop?.value
        var shutdownBehavior = r.instanceInitiatedShutdownBehavior?.value
        if let attribute = r.attribute {
            guard let value = r.value else { throw EC2Error.missingParameter("Value") }
            func flag() throws -> Bool {
                guard let b = Bool(value.lowercased()) else {
                    throw EC2Error.invalidParameterValue("Value (\(value)) for parameter value is invalid. Expected a boolean.")
                }
                return b
            }
            switch attribute {
            case "instanceType": instanceType = value
            case "userData": userData = value
            case "sourceDestCheck": sourceDestCheck = try flag()
            case "disableApiTermination": disableApiTermination = try flag()
            case "disableApiStop": disableApiStop = try flag()
            case "instanceInitiatedShutdownBehavior": shutdownBehavior = value
            case "groupSet": groups = [value]
            default:
                throw EC2Error.invalidParameterValue("Value (\(attribute)) for parameter attribute is invalid.")
            }
        }
        let given = [groups != nil, sourceDestCheck != nil, instanceType != nil, userData != nil,
                     disableApiTermination != nil, disableApiStop != nil, shutdownBehavior != nil].filter { $0 }.count
        guard given > 0 else { throw EC2Error.missingParameter("an attribute to modify") }
        guard given == 1 else {
            throw EC2Error("InvalidParameterCombination", "Only one attribute can be modified at a time.")
        }
        if groups != nil || sourceDestCheck != nil {
            // Both are the ENI's: with several attached, EC2 wants the ENI named instead.
            let enis = state.interfaces(of: i.instanceId)
            guard enis.count == 1, var eni = enis.first else {
                throw EC2Error("InvalidInstanceID",
                               "There are multiple interfaces attached to instance '\(i.instanceId)'. Please specify an interface ID for the operation instead.")
            }
            if let groups {
                eni.groups = try interfaceGroups(groups, subnet: state.subnets.require(eni.subnetId ?? "", .subnet))
            }
            if let sourceDestCheck { eni.sourceDestCheck = sourceDestCheck }
            state.networkInterfaces[eni.networkInterfaceId ?? ""] = eni
            return
        }
        if let instanceType {
            guard i.state == "stopped" else {
                throw EC2Error("IncorrectInstanceState", "The instance '\(i.instanceId)' is not in the 'stopped' state.")
            }
            guard Self.isInstanceTypeName(instanceType) else {
                throw EC2Error.invalidParameterValue("Invalid value '\(instanceType)' for InstanceType.")
            }
            i.instanceType = instanceType
        } else if let userData {
            guard i.state == "stopped" else {
                throw EC2Error("IncorrectInstanceState", "The instance '\(i.instanceId)' is not in the 'stopped' state.")
            }
            guard let raw = Data(base64Encoded: userData), raw.count <= 16 * 1024 else {
                throw EC2Error.invalidParameterValue("Invalid BASE64 encoding of user data.")
            }
            i.userData = userData.isEmpty ? nil : userData
        } else if let disableApiTermination {
            i.disableApiTermination = disableApiTermination
        } else if let disableApiStop {
            i.disableApiStop = disableApiStop
        } else if let shutdownBehavior {
            guard shutdownBehavior == "stop" || shutdownBehavior == "terminate" else {
                throw EC2Error.invalidParameterValue("Value (\(shutdownBehavior)) for parameter instanceInitiatedShutdownBehavior is invalid.")
            }
            i.instanceInitiatedShutdownBehavior = shutdownBehavior
        }
        state.instances[i.instanceId] = i
    }
}

extension RegionState {
    public func describeInstanceAttribute(_ r: EC2.DescribeInstanceAttributeRequest) throws -> EC2.InstanceAttribute {
        let i = try requireInstance(r.instanceId)
        let primary = interfaces(of: i.instanceId).first { $0.attachment?.deviceIndex == 0 }
        var out = EC2.InstanceAttribute(instanceId: i.instanceId)
        switch r.attribute {
        case "instanceType": out.instanceType = EC2.AttributeValue(value: i.instanceType)
        case "userData": out.userData = EC2.AttributeValue(value: i.userData)
        case "sourceDestCheck": out.sourceDestCheck = EC2.AttributeBooleanValue(value: primary?.sourceDestCheck ?? true)
        case "groupSet": out.groups = primary?.groups ?? []
        case "disableApiTermination": out.disableApiTermination = EC2.AttributeBooleanValue(value: i.disableApiTermination)
        case "disableApiStop": out.disableApiStop = EC2.AttributeBooleanValue(value: i.disableApiStop)
        case "instanceInitiatedShutdownBehavior":
            out.instanceInitiatedShutdownBehavior = EC2.AttributeValue(value: i.instanceInitiatedShutdownBehavior)
        case "rootDeviceName": out.rootDeviceName = EC2.AttributeValue(value: "/dev/xvda")
        case "blockDeviceMapping": out.blockDeviceMappings = []
        case "productCodes": out.productCodes = []
        case "ebsOptimized": out.ebsOptimized = EC2.AttributeBooleanValue(value: i.ebsOptimized)
        case "enaSupport": out.enaSupport = EC2.AttributeBooleanValue(value: true)
        case "kernel": out.kernelId = EC2.AttributeValue()
        case "ramdisk": out.ramdiskId = EC2.AttributeValue()
        case "sriovNetSupport": out.sriovNetSupport = EC2.AttributeValue()
        default:
            throw EC2Error.invalidParameterValue("Value (\(r.attribute)) for parameter attribute is invalid. Unknown attribute.")
        }
        return out
    }

    /// The console the host agent last reported, base64 as EC2 returns it.
    public func getConsoleOutput(_ r: EC2.GetConsoleOutputRequest) throws -> EC2.GetConsoleOutputResult {
        let i = try requireInstance(r.instanceId)
        return EC2.GetConsoleOutputResult(
            instanceId: i.instanceId, timestamp: i.consoleTimestamp ?? i.launchTime,
            output: i.consoleOutput.map { Data($0.utf8).base64EncodedString() })
    }

    /// DescribeInstanceStatus' filter names (botocore's list). No instance here has scheduled
    /// events or EBS volumes, so those filters match nothing.
    static let instanceStatusFilters: Set<String> = [
        "availability-zone", "availability-zone-id", "event.code", "event.description", "event.instance-event-id",
        "event.not-after", "event.not-before", "event.not-before-deadline", "instance-state-name",
        "instance-state-code", "instance-status.status", "instance-status.reachability", "system-status.status",
        "system-status.reachability", "attached-ebs-status.status", "operator.managed", "operator.principal",
    ]

    /// `silentHosts`: hosts whose agents have gone silent (`ControlPlane.silentHosts`).
    public func describeInstanceStatus(_ r: EC2.DescribeInstanceStatusRequest,
                                       silentHosts: Set<String> = []) throws -> EC2.DescribeInstanceStatusResult {
        if let max = r.maxResults {
            guard (5...1000).contains(max) else {
                throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
            }
            guard r.instanceIds?.isEmpty != false else {
                throw EC2Error("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
            }
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.instanceStatusFilters)
        var selected = try r.instanceIds.flatMap { $0.isEmpty ? nil : try requireInstances($0) } ?? instances.sorted
        if r.includeAllInstances != true { selected = selected.filter { $0.state == "running" } }
        let statuses = selected.map { Self.instanceStatus($0, hostSilent: silentHosts.contains($0.hostId)) }
        let page = try describePage(
            statuses, filter: filter, tags: { _ in nil }, id: { $0.instanceId ?? "" },
            values: { s, name in
                switch name {
                case "availability-zone": return [s.availabilityZone ?? ""]
                case "availability-zone-id": return [s.availabilityZoneId].compactMap { $0 }
                case "instance-state-name": return [s.instanceState?.name ?? ""]
                case "instance-state-code": return [String(s.instanceState?.code ?? 0)]
                case "instance-status.status": return [s.instanceStatus?.status ?? ""]
                case "instance-status.reachability": return (s.instanceStatus?.details ?? []).compactMap(\.status)
                case "system-status.status": return [s.systemStatus?.status ?? ""]
                case "system-status.reachability": return (s.systemStatus?.details ?? []).compactMap(\.status)
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeInstanceStatusResult(instanceStatuses: page.items, nextToken: page.nextToken)
    }

    /// Status checks: a running instance's agent has reported it up, so both pass; other states
    /// have nothing to check. On a host whose agent has gone silent the system check fails
    /// (as on a host that lost power or network) and the instance's cannot be made.
    static func instanceStatus(_ i: InstanceRecord, hostSilent: Bool) -> EC2.InstanceStatus {
        func summary(_ status: String, reachability: String?) -> EC2.InstanceStatusSummary {
            EC2.InstanceStatusSummary(details: reachability.map { [EC2.InstanceStatusDetails(name: "reachability", status: $0)] },
                                      status: status)
        }
        let running = i.state == "running"
        let system = !running ? summary("not-applicable", reachability: nil)
            : hostSilent ? summary("impaired", reachability: "failed") : summary("ok", reachability: "passed")
        let instance = !running ? summary("not-applicable", reachability: nil)
            : hostSilent ? summary("insufficient-data", reachability: "insufficient-data") : summary("ok", reachability: "passed")
        return EC2.InstanceStatus(availabilityZone: i.availabilityZone, availabilityZoneId: i.availabilityZoneId,
                                  events: [], instanceId: i.instanceId, instanceState: i.instanceState,
                                  instanceStatus: instance, systemStatus: system)
    }
}
