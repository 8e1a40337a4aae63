public import EC2Shapes
public import VPCModel

// CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs; and what the feed and the delivery
// endpoint need to know about them (which flow logs cover an ENI, and the ENI's fields).

/// Where a flow log's records go.
public enum FlowLogDestination: Sendable, Equatable {
    /// A CloudWatch Logs log group of the flow log's account and region.
    case logGroup(String)
    /// An S3 bucket and key prefix (`arn:aws:s3:::bucket/prefix`), stored as a directory.
    case s3(bucket: String, prefix: String)

    /// The destination of a stored flow log.
    public init?(_ flowLog: EC2.FlowLog) {
        if flowLog.logDestinationType == "s3" {
            guard let arn = flowLog.logDestination, let parsed = Self.s3(arn) else { return nil }
            self = .s3(bucket: parsed.bucket, prefix: parsed.prefix)
        } else {
            guard let group = flowLog.logGroupName else { return nil }
            self = .logGroup(group)
        }
    }

    /// Longest prefix: with the `AWSLogs/…` key after it (under 256 bytes) an object key
    /// stays within S3's 1,024 bytes.
    static let maxPrefixBytes = 768
    /// Longest folder name of a prefix: buckets are directories, folders directories.
    static let maxFolderBytes = 255

    /// `arn:aws:s3:::bucket[/prefix]`: a bucket name as S3 allows it (3–63 of `a-z0-9.-`,
    /// starting and ending with a letter or digit) and a prefix that does not start with
    /// `/`, end with `/`, use `AWSLogs` or climb out (`..`). Its length is `fits`'s to check,
    /// for new flow logs only: one stored before that limit keeps its destination.
    static func s3(_ arn: String) -> (bucket: String, prefix: String)? {
        guard arn.hasPrefix("arn:aws:s3:::") else { return nil }
        let path = arn.dropFirst("arn:aws:s3:::".count)
        let slash = path.firstIndex(of: "/")
        let bucket = String(path[..<(slash ?? path.endIndex)])
        var prefix = slash.map { String(path[path.index(after: $0)...]) } ?? ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        let allowed = bucket.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
        }
        guard (3...63).contains(bucket.count), allowed, bucket.first!.isLetter || bucket.first!.isNumber,
              bucket.last!.isLetter || bucket.last!.isNumber, !bucket.contains("..") else { return nil }
        let parts = prefix.split(separator: "/", omittingEmptySubsequences: false)
        guard !prefix.hasPrefix("/"), !parts.contains(where: { $0.isEmpty && !prefix.isEmpty }),
              !parts.contains("AWSLogs"), !prefix.contains("..") else { return nil }
        return (bucket, prefix)
    }

    /// A new flow log's prefix: at most `maxPrefixBytes`, each folder name at most `maxFolderBytes`.
    static func fits(prefix: String) -> Bool {
        prefix.utf8.count <= maxPrefixBytes
            && prefix.split(separator: "/").allSatisfy { $0.utf8.count <= maxFolderBytes }
    }
}

extension Transaction {
    static let supportedResourceTypes: [String: ResourceKind] = [
        "VPC": .vpc, "Subnet": .subnet, "NetworkInterface": .networkInterface,
    ]

    /// Validates the whole request first (an invalid request creates nothing), then creates one
    /// flow log per resource; a resource that does not exist, or that already has a flow log with
    /// the same traffic type and destination, is reported in `Unsuccessful` instead.
    public mutating func createFlowLogs(_ r: EC2.CreateFlowLogsRequest) throws -> EC2.CreateFlowLogsResult {
        func invalid(_ message: String) -> EC2Error { EC2Error("InvalidParameter", message) }
        guard !r.resourceIds.isEmpty else { throw EC2Error.missingParameter("ResourceId") }
        guard r.resourceIds.count <= 1000 else { throw invalid("A maximum of 1000 resource IDs can be specified.") }
        guard let kind = Self.supportedResourceTypes[r.resourceType] else {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(r.resourceType)) for parameter ResourceType is invalid. This server supports VPC, Subnet and NetworkInterface.")
        }
        guard let trafficType = r.trafficType else { throw EC2Error.missingParameter("TrafficType") }
        let destinationType = r.logDestinationType ?? "cloud-watch-logs"
        let interval = r.maxAggregationInterval ?? 600
        guard interval == 60 || interval == 600 else {
            throw invalid("Invalid MaxAggregationInterval: \(interval). Valid values are 60 and 600.")
        }
        var format = FlowLogFormat.default
        if let text = r.logFormat {
            do { format = try FlowLogFormat(parsing: text) } catch { throw invalid(error.message) }
        }
        guard r.deliverCrossAccountRole == nil else {
            throw invalid("DeliverCrossAccountRole is not supported: flow logs are delivered to the flow log's own account.")
        }

        var flowLog = EC2.FlowLog(
            creationTime: now, deliverLogsStatus: "SUCCESS", flowLogStatus: "ACTIVE", trafficType: trafficType,
            logDestinationType: destinationType, logFormat: format.text, tags: [], maxAggregationInterval: interval)
        var newGroup: String?
        switch destinationType {
        case "cloud-watch-logs":
            let group: String
            switch (r.logGroupName, r.logDestination) {
            case (nil, nil): throw invalid("LogDestination can't be empty if LogGroupName is not provided.")
            case (.some, .some): throw invalid("Please only provide LogGroupName or only provide LogDestination.")
            case (let name?, nil): group = name
            case (nil, let arn?):
                guard let name = Self.logGroupName(arn: arn, account: account, region: region.name) else {
                    throw invalid("LogDestination: \(arn) is not a valid log group ARN of this account and region.")
                }
                group = name
            }
            guard Self.isValidLogGroupName(group) else {
                throw invalid("LogGroupName: \(group) is invalid. It must be 1 to 512 characters of a-z, A-Z, 0-9, '_', '-', '/', '.' and '#'.")
            }
            guard let role = r.deliverLogsPermissionArn else {
                throw invalid("DeliverLogsPermissionArn can't be empty if LogDestinationType is cloud-watch-logs.")
            }
            guard Self.isRoleARN(role) else { throw invalid("DeliverLogsPermissionArn: \(role) is not a valid IAM role ARN.") }
            guard r.destinationOptions == nil else {
                throw invalid("DestinationOptions is only applicable to the s3 destination type.")
            }
            flowLog.logGroupName = group
            flowLog.logDestination = "arn:aws:logs:\(region.name):\(account):log-group:\(group)"
            flowLog.deliverLogsPermissionArn = role
            if state.logGroups[group] == nil { newGroup = group }
        case "s3":
            guard r.logGroupName == nil else {
                throw invalid("LogDestination type must be cloud-watch-logs if LogGroupName is provided.")
            }
            guard let arn = r.logDestination else { throw invalid("LogDestination can't be empty if LogDestinationType is s3.") }
            guard let s3 = FlowLogDestination.s3(arn), FlowLogDestination.fits(prefix: s3.prefix) else {
                throw invalid("LogDestination: \(arn) is not a valid S3 ARN (arn:aws:s3:::bucket[/prefix], the prefix at most \(FlowLogDestination.maxPrefixBytes) bytes, each folder name at most \(FlowLogDestination.maxFolderBytes)).")
            }
            guard r.deliverLogsPermissionArn == nil else {
                throw invalid("DeliverLogsPermissionArn is not applicable for s3 delivery.")
            }
            if r.destinationOptions?.fileFormat == "parquet" {
                throw invalid("FileFormat parquet is not supported by this server; use plain-text.")
            }
            flowLog.logDestination = "arn:aws:s3:::" + s3.bucket + (s3.prefix.isEmpty ? "" : "/" + s3.prefix)
            flowLog.destinationOptions = EC2.DestinationOptionsResponse(
                fileFormat: "plain-text", hiveCompatiblePartitions: r.destinationOptions?.hiveCompatiblePartitions ?? false,
                perHourPartition: r.destinationOptions?.perHourPartition ?? false)
        default:
            throw EC2Error("InvalidParameterValue",
                           "Value (\(destinationType)) for parameter LogDestinationType is invalid. This server supports cloud-watch-logs and s3.")
        }
        if r.destinationOptions?.hiveCompatiblePartitions == true || r.destinationOptions?.perHourPartition == true {
            throw invalid("HiveCompatiblePartitions and PerHourPartition are not supported by this server.")
        }
        flowLog.tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "vpc-flow-log") ?? []

        var ids: [String] = []
        var unsuccessful: [EC2.UnsuccessfulItem] = []
        for resourceId in r.resourceIds {
            let exists = switch kind {
            case .vpc: state.vpcs[resourceId] != nil
            case .subnet: state.subnets[resourceId] != nil
            default: state.networkInterfaces[resourceId] != nil
            }
            guard exists else {
                let error = EC2Error.notFound(kind, resourceId)
                unsuccessful.append(EC2.UnsuccessfulItem(
                    error: EC2.UnsuccessfulItemError(code: error.code, message: error.message), resourceId: resourceId))
                continue
            }
            let duplicate = state.flowLogs.values.contains {
                $0.resourceId == resourceId && $0.trafficType == trafficType
                    && $0.logDestinationType == destinationType && $0.logDestination == flowLog.logDestination
            }
            guard !duplicate else {
                unsuccessful.append(EC2.UnsuccessfulItem(
                    error: EC2.UnsuccessfulItemError(
                        code: "FlowLogAlreadyExists",
                        message: "Error. There is an existing Flow Log with the same configuration and log destination."),
                    resourceId: resourceId))
                continue
            }
            var created = flowLog
            created.flowLogId = ResourceID.generate("fl")
            created.resourceId = resourceId
            state.flowLogs[created.flowLogId!] = created
            ids.append(created.flowLogId!)
        }
        if let newGroup, !ids.isEmpty {
            state.logGroups[newGroup] = LogGroupRecord(name: newGroup, creationTime: Int64(now.secondsSince1970 * 1000))
        }
        return EC2.CreateFlowLogsResult(clientToken: r.clientToken, flowLogIds: ids, unsuccessful: unsuccessful)
    }

    /// Unknown ids are reported in `Unsuccessful`; the others are deleted.
    public mutating func deleteFlowLogs(_ r: EC2.DeleteFlowLogsRequest) throws -> EC2.DeleteFlowLogsResult {
        guard !r.flowLogIds.isEmpty else { throw EC2Error.missingParameter("FlowLogId") }
        guard r.flowLogIds.count <= 1000 else {
            throw EC2Error("InvalidParameter", "A maximum of 1000 flow log IDs can be specified.")
        }
        var unsuccessful: [EC2.UnsuccessfulItem] = []
        for id in r.flowLogIds {
            guard state.flowLogs[id] != nil else {
                unsuccessful.append(EC2.UnsuccessfulItem(
                    error: EC2.UnsuccessfulItemError(
                        code: "InvalidFlowLogId.NotFound",
                        message: "These flow log ids in the input list are not found: [TotalCount: 1] \(id)"),
                    resourceId: id))
                continue
            }
            state.flowLogs[id] = nil
        }
        return EC2.DeleteFlowLogsResult(unsuccessful: unsuccessful)
    }

    /// `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` of the caller's account and region.
    static func logGroupName(arn: String, account: String, region: String) -> String? {
        let prefix = "arn:aws:logs:\(region):\(account):log-group:"
        guard arn.hasPrefix(prefix) else { return nil }
        var name = arn.dropFirst(prefix.count)
        if name.hasSuffix(":*") { name = name.dropLast(2) }
        return name.isEmpty ? nil : String(name)
    }

    static func isValidLogGroupName(_ name: String) -> Bool {
        (1...512).contains(name.count) && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-/.#".unicodeScalars.contains($0)
        }
    }

    /// `arn:aws:iam::<12 digits>:role/<path and name>`: well formed is enough, the server has no IAM.
    static func isRoleARN(_ arn: String) -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[3].isEmpty,
              parts[4].count == 12, parts[4].allSatisfy(\.isNumber), parts[5].hasPrefix("role/") else { return false }
        return parts[5].count > 5
    }
}

extension RegionState {
    /// A deleted VPC, subnet or network interface takes its flow logs with it (their
    /// delivered records stay).
    mutating func deleteFlowLogs(of resourceId: String) {
        for (id, flowLog) in flowLogs.rows where flowLog.resourceId == resourceId { flowLogs[id] = nil }
    }

    static let flowLogFilters: Set<String> = [
        "deliver-log-status", "log-destination-type", "flow-log-id", "log-group-name", "resource-id", "traffic-type",
    ]

    /// Asked-for ids that do not exist are left out (DescribeFlowLogs reports no NotFound).
    public func describeFlowLogs(_ r: EC2.DescribeFlowLogsRequest) throws -> EC2.DescribeFlowLogsResult {
        if let max = r.maxResults, !(1...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 1 and 1000.")
        }
        let filter = try DescribeFilter(r.filter, allowed: Self.flowLogFilters)
        let wanted = r.flowLogIds.flatMap { $0.isEmpty ? nil : Set($0) }
        let page = try describePage(
            flowLogs.sorted.filter { wanted?.contains($0.flowLogId ?? "") ?? true }, filter: filter, tags: \.tags,
            id: { $0.flowLogId ?? "" },
            values: { f, name in
                switch name {
                case "deliver-log-status": [f.deliverLogsStatus ?? ""]
                case "log-destination-type": [f.logDestinationType ?? ""]
                case "flow-log-id": [f.flowLogId ?? ""]
                case "log-group-name": f.logGroupName.map { [$0] } ?? []
                case "resource-id": [f.resourceId ?? ""]
                case "traffic-type": [f.trafficType ?? ""]
                default: []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeFlowLogsResult(flowLogs: page.items, nextToken: page.nextToken)
    }

    /// The flow logs that cover an ENI (its own, its subnet's and its VPC's), for the host
    /// feed's `InterfaceSpec.flowLogs`, oldest first.
    public func flowLogSpecs(networkInterfaceId: String, intervalOverride: Int?) -> [FlowLogSpec] {
        guard let eni = networkInterfaces[networkInterfaceId] else { return [] }
        let covering: Set<String> = [networkInterfaceId, eni.subnetId ?? "", eni.vpcId ?? ""]
        return flowLogs.sorted.filter { covering.contains($0.resourceId ?? "") }.map {
            FlowLogSpec(flowLogId: $0.flowLogId ?? "", trafficType: $0.trafficType ?? "ALL",
                        logFormat: $0.logFormat ?? FlowLogFormat.default.text,
                        aggregationInterval: intervalOverride ?? $0.maxAggregationInterval ?? 600)
        }
    }

    /// Whether a flow log covers the ENI: it names the ENI, its subnet or its VPC.
    public func flowLog(_ flowLog: EC2.FlowLog, covers networkInterfaceId: String) -> Bool {
        guard let eni = networkInterfaces[networkInterfaceId], let resource = flowLog.resourceId else { return false }
        return resource == networkInterfaceId || resource == eni.subnetId || resource == eni.vpcId
    }

    /// Whether the ENI's records may come from `hostId`: it is attached to an instance placed
    /// there; or, detached (its last records may still be on their way), it is in a VPC where
    /// `hostId` has an instance.
    public func interface(_ networkInterfaceId: String, mayBeOn hostId: String) -> Bool {
        guard let eni = networkInterfaces[networkInterfaceId] else { return false }
        if let instanceId = eni.attachment?.instanceId, let instance = instances[instanceId] {
            return instance.hostId == hostId
        }
        return instances.values.contains { $0.hostId == hostId && $0.vpcId == eni.vpcId }
    }

    /// The record fields that describe the ENI, from this region's state.
    public func flowLogContext(networkInterfaceId: String, catalog: RegionCatalog) -> FlowLogContext {
        let eni = networkInterfaces[networkInterfaceId]
        let zone = catalog.region(region)?.zones.first { $0.name == eni?.availabilityZone }
        return FlowLogContext(accountId: account, interfaceId: networkInterfaceId, vpcId: eni?.vpcId,
                              subnetId: eni?.subnetId, instanceId: eni?.attachment?.instanceId, region: region,
                              azId: zone?.id)
    }
}
