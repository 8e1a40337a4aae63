public import EC2Shapes
public import VPCModel

// DescribeInstances: an instance record with its interfaces joined in, grouped by reservation.

extension RegionState {
    /// DescribeInstances' filter names (botocore's list). Those naming what no instance here
    /// has (a key pair, a placement group, a Spot request, an IAM profile…) match nothing.
    static let instanceFilters: Set<String> = Set([
        "affinity", "architecture", "availability-zone", "availability-zone-id", "block-device-mapping.attach-time",
        "block-device-mapping.delete-on-termination", "block-device-mapping.device-name", "block-device-mapping.status",
        "block-device-mapping.volume-id", "boot-mode", "capacity-reservation-id",
        "capacity-reservation-specification.capacity-reservation-preference",
        "capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id",
        "capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn",
        "client-token", "current-instance-boot-mode", "dns-name", "ebs-optimized", "ena-support",
        "enclave-options.enabled", "hibernation-options.configured", "host-id", "hypervisor", "iam-instance-profile.arn",
        "iam-instance-profile.id", "image-id", "instance-id", "instance-lifecycle", "instance-state-code",
        "instance-state-name", "instance-type", "instance.group-id", "instance.group-name", "ip-address", "ipv6-address",
        "kernel-id", "key-name", "launch-index", "launch-time", "maintenance-options.auto-recovery",
        "metadata-options.http-endpoint", "metadata-options.http-protocol-ipv4", "metadata-options.http-protocol-ipv6",
        "metadata-options.http-put-response-hop-limit", "metadata-options.http-tokens",
        "metadata-options.instance-metadata-tags", "metadata-options.state", "monitoring-state",
        "network-performance-options.bandwidth-weighting", "operator.managed", "operator.principal", "outpost-arn",
        "owner-id", "placement-group-name", "placement-partition-number", "platform", "platform-details",
        "private-dns-name", "private-dns-name-options.enable-resource-name-dns-a-record",
        "private-dns-name-options.enable-resource-name-dns-aaaa-record", "private-dns-name-options.hostname-type",
        "private-ip-address", "product-code", "product-code.type", "ramdisk-id", "reason", "requester-id",
        "reservation-id", "root-device-name", "root-device-type", "source-dest-check", "spot-instance-request-id",
        "state-reason-code", "state-reason-message", "subnet-id", "tenancy", "tpm-support", "usage-operation",
        "usage-operation-update-time", "virtualization-type", "vpc-id",
        // Older names EC2 still answers to.
        "group-id", "group-name", "placement-availability-zone",
    ] + instanceInterfaceFilters.map { "network-interface." + $0 })

    /// The `network-interface.` filters of DescribeInstances, by what follows the prefix.
    static let instanceInterfaceFilters: [String] = [
        "addresses.association.allocation-id", "addresses.association.association-id",
        "addresses.association.carrier-ip", "addresses.association.customer-owned-ip",
        "addresses.association.ip-owner-id", "addresses.association.public-dns-name", "addresses.association.public-ip",
        "addresses.primary", "addresses.private-dns-name", "addresses.private-ip-address", "association.allocation-id",
        "association.association-id", "association.carrier-ip", "association.customer-owned-ip",
        "association.ip-owner-id", "association.public-dns-name", "association.public-ip", "attachment.attach-time",
        "attachment.attachment-id", "attachment.delete-on-termination", "attachment.device-index",
        "attachment.instance-id", "attachment.instance-owner-id", "attachment.network-card-index", "attachment.status",
        "availability-zone", "deny-all-igw-traffic", "description", "group-id", "group-name",
        "ipv4-prefixes.ipv4-prefix", "ipv6-address", "ipv6-addresses.ipv6-address", "ipv6-addresses.is-primary-ipv6",
        "ipv6-native", "ipv6-prefixes.ipv6-prefix", "mac-address", "network-interface-id", "operator.managed",
        "operator.principal", "outpost-arn", "owner-id", "private-dns-name", "private-ip-address", "public-dns-name",
        "requester-id", "requester-managed", "source-dest-check", "status", "subnet-id", "tag-key", "tag-value",
        "vpc-id",
    ]

    /// The ENIs attached to an instance, by device index.
    func interfaces(of instanceId: String) -> [EC2.NetworkInterface] {
        networkInterfaces.values.filter { $0.attachment?.instanceId == instanceId }
            .sorted { ($0.attachment?.deviceIndex ?? 0) < ($1.attachment?.deviceIndex ?? 0) }
    }

    /// Every attached ENI by instance, by device index: one pass for a whole Describe.
    func interfacesByInstance() -> [String: [EC2.NetworkInterface]] {
        var out: [String: [EC2.NetworkInterface]] = [:]
        for eni in networkInterfaces.values {
            if let id = eni.attachment?.instanceId { out[id, default: []].append(eni) }
        }
        for id in out.keys { out[id]!.sort { ($0.attachment?.deviceIndex ?? 0) < ($1.attachment?.deviceIndex ?? 0) } }
        return out
    }

    /// The instance as DescribeInstances shows it, its interfaces (`enis`, default: looked up) joined in.
    func describedInstance(_ i: InstanceRecord, enis given: [EC2.NetworkInterface]? = nil) -> EC2.Instance {
        let enis = given ?? interfaces(of: i.instanceId)
        let primary = enis.first { $0.attachment?.deviceIndex == 0 }
        let publicIp = primary?.association?.publicIp
        return EC2.Instance(
            architecture: "x86_64", blockDeviceMappings: [], clientToken: i.clientToken ?? "",
            ebsOptimized: i.ebsOptimized, enaSupport: true, hypervisor: "xen",
            networkInterfaces: enis.map(Self.instanceInterface), rootDeviceName: "/dev/xvda", rootDeviceType: "ebs",
            securityGroups: primary?.groups ?? [], sourceDestCheck: primary?.sourceDestCheck,
            stateReason: i.stateReason, tags: i.tags.isEmpty ? nil : i.tags, virtualizationType: "hvm",
            cpuOptions: EC2.CpuOptions(coreCount: 1, threadsPerCore: 1),
            metadataOptions: describedMetadataOptions(i),
            bootMode: "legacy-bios", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
            usageOperationUpdateTime: i.launchTime,
            ipv6Address: primary?.ipv6Addresses?.first?.ipv6Address,
            currentInstanceBootMode: "legacy-bios",
            instanceId: i.instanceId, imageId: i.imageId, state: i.instanceState,
            privateDnsName: primary?.privateDnsName ?? "", publicDnsName: primary?.association?.publicDnsName ?? "",
            stateTransitionReason: i.stateTransitionReason, amiLaunchIndex: i.amiLaunchIndex, productCodes: [],
            instanceType: i.instanceType, launchTime: i.launchTime,
            placement: EC2.Placement(availabilityZoneId: i.availabilityZoneId, groupName: "", tenancy: "default",
                                     availabilityZone: i.availabilityZone),
            monitoring: EC2.Monitoring(state: i.monitoring),
            subnetId: i.state == "terminated" ? nil : i.subnetId, vpcId: i.state == "terminated" ? nil : i.vpcId,
            privateIpAddress: primary?.privateIpAddress, publicIpAddress: publicIp)
    }

    /// The instance's metadata options, EC2's defaults where it launched without any.
    func describedMetadataOptions(_ i: InstanceRecord) -> EC2.InstanceMetadataOptionsResponse {
        i.metadataOptions ?? EC2.InstanceMetadataOptionsResponse(
            state: "applied", httpTokens: "optional", httpPutResponseHopLimit: 1, httpEndpoint: "enabled",
            httpProtocolIpv6: "disabled", instanceMetadataTags: "disabled")
    }

    static func instanceInterface(_ eni: EC2.NetworkInterface) -> EC2.InstanceNetworkInterface {
        func association(_ a: EC2.NetworkInterfaceAssociation?) -> EC2.InstanceNetworkInterfaceAssociation? {
            a.map { EC2.InstanceNetworkInterfaceAssociation(ipOwnerId: $0.ipOwnerId, publicDnsName: $0.publicDnsName,
                                                            publicIp: $0.publicIp) }
        }
        let attachment = eni.attachment
        return EC2.InstanceNetworkInterface(
            association: association(eni.association),
            attachment: attachment.map {
                EC2.InstanceNetworkInterfaceAttachment(
                    attachTime: $0.attachTime, attachmentId: $0.attachmentId, deleteOnTermination: $0.deleteOnTermination,
                    deviceIndex: $0.deviceIndex, status: $0.status, networkCardIndex: $0.networkCardIndex)
            },
            description: eni.description, groups: eni.groups,
            ipv6Addresses: eni.ipv6Addresses?.map { EC2.InstanceIpv6Address(ipv6Address: $0.ipv6Address, isPrimaryIpv6: $0.isPrimaryIpv6) },
            macAddress: eni.macAddress, networkInterfaceId: eni.networkInterfaceId, ownerId: eni.ownerId,
            privateDnsName: eni.privateDnsName, privateIpAddress: eni.privateIpAddress,
            privateIpAddresses: eni.privateIpAddresses?.map {
                EC2.InstancePrivateIpAddress(association: association($0.association), primary: $0.primary,
                                             privateDnsName: $0.privateDnsName, privateIpAddress: $0.privateIpAddress)
            },
            sourceDestCheck: eni.sourceDestCheck, status: eni.status, subnetId: eni.subnetId, vpcId: eni.vpcId,
            interfaceType: eni.interfaceType,
            connectionTrackingConfiguration: eni.connectionTrackingConfiguration.map {
                EC2.ConnectionTrackingSpecificationResponse(tcpEstablishedTimeout: $0.tcpEstablishedTimeout,
                                                            udpStreamTimeout: $0.udpStreamTimeout, udpTimeout: $0.udpTimeout)
            })
    }

    /// The instance with this id, else `InvalidInstanceID.Malformed` or `.NotFound`.
    func requireInstance(_ id: String) throws -> InstanceRecord {
        guard ResourceID.isWellFormed(id, prefix: "i") else {
            throw EC2Error("InvalidInstanceID.Malformed", "Invalid id: \"\(id)\"")
        }
        guard let instance = instances[id] else {
            throw EC2Error("InvalidInstanceID.NotFound", "The instance ID '\(id)' does not exist")
        }
        return instance
    }

    /// Instances by id (every one must exist; EC2 names all the missing ones), in id order.
    func requireInstances(_ ids: [String]) throws -> [InstanceRecord] {
        for id in ids where !ResourceID.isWellFormed(id, prefix: "i") {
            throw EC2Error("InvalidInstanceID.Malformed", "Invalid id: \"\(id)\"")
        }
        let missing = Set(ids).sorted().filter { instances[$0] == nil }
        guard missing.isEmpty else {
            let list = "'" + missing.joined(separator: ", ") + "'"
            throw EC2Error("InvalidInstanceID.NotFound",
                           missing.count == 1 ? "The instance ID \(list) does not exist" : "The instance IDs \(list) do not exist")
        }
        return Set(ids).sorted().map { instances[$0]! }
    }

    public func describeInstances(_ r: EC2.DescribeInstancesRequest) throws -> EC2.DescribeInstancesResult {
        if let max = r.maxResults {
            guard (5...1000).contains(max) else {
                throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
            }
            guard r.instanceIds?.isEmpty != false else {
                throw EC2Error("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
            }
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.instanceFilters)
        let selected = try r.instanceIds.flatMap { $0.isEmpty ? nil : try requireInstances($0) } ?? instances.sorted
        let attached = interfacesByInstance()
        let page = try describePage(
            selected, filter: filter, tags: \.tags, id: \.instanceId,
            values: { i, name in instanceFilterValues(i, name, enis: attached[i.instanceId] ?? []) },
            maxResults: r.maxResults, nextToken: r.nextToken)
        var reservations: [EC2.Reservation] = []
        var index: [String: Int] = [:]
        for instance in page.items {
            let described = describedInstance(instance, enis: attached[instance.instanceId] ?? [])
            if let i = index[instance.reservationId] {
                reservations[i].instances?.append(described)
            } else {
                index[instance.reservationId] = reservations.count
                reservations.append(EC2.Reservation(reservationId: instance.reservationId, ownerId: account, groups: [],
                                                    instances: [described]))
            }
        }
        return EC2.DescribeInstancesResult(nextToken: page.nextToken, reservations: reservations)
    }

    func instanceFilterValues(_ i: InstanceRecord, _ name: String, enis: [EC2.NetworkInterface]) -> [String] {
        let primary = enis.first { $0.attachment?.deviceIndex == 0 }
        let metadata = describedMetadataOptions(i)
        if name.hasPrefix("network-interface.") {
            return enis.flatMap { instanceInterfaceFilterValues($0, String(name.dropFirst("network-interface.".count))) }
        }
        switch name {
        case "instance-id": return [i.instanceId]
        case "instance-state-name": return [i.state]
        case "instance-state-code": return [String(i.stateCode)]
        case "subnet-id": return i.state == "terminated" ? [] : [i.subnetId]
        case "vpc-id": return i.state == "terminated" ? [] : [i.vpcId]
        case "private-ip-address": return [primary?.privateIpAddress].compactMap { $0 }
        case "private-dns-name": return [primary?.privateDnsName].compactMap { $0 }
        case "ip-address": return [primary?.association?.publicIp].compactMap { $0 }
        case "dns-name": return [primary?.association?.publicDnsName].compactMap { $0 }
        case "ipv6-address": return (primary?.ipv6Addresses ?? []).compactMap(\.ipv6Address)
        case "instance.group-id", "group-id": return (primary?.groups ?? []).compactMap(\.groupId)
        case "instance.group-name", "group-name": return (primary?.groups ?? []).compactMap(\.groupName)
        case "availability-zone", "placement-availability-zone": return [i.availabilityZone]
        case "availability-zone-id": return [i.availabilityZoneId].compactMap { $0 }
        case "image-id": return [i.imageId]
        case "instance-type": return [i.instanceType]
        case "reservation-id": return [i.reservationId]
        case "owner-id": return [account]
        case "launch-time", "usage-operation-update-time": return [i.launchTime.iso8601]
        case "launch-index": return [String(i.amiLaunchIndex)]
        case "client-token": return [i.clientToken].compactMap { $0 }
        case "monitoring-state": return [i.monitoring]
        case "source-dest-check": return bool(primary?.sourceDestCheck)
        case "ebs-optimized": return bool(i.ebsOptimized)
        case "reason": return [i.stateTransitionReason]
        case "state-reason-code": return [i.stateReason?.code].compactMap { $0 }
        case "state-reason-message": return [i.stateReason?.message].compactMap { $0 }
        case "metadata-options.http-endpoint": return [metadata.httpEndpoint].compactMap { $0 }
        case "metadata-options.http-protocol-ipv4": return ["enabled"]
        case "metadata-options.http-protocol-ipv6": return [metadata.httpProtocolIpv6].compactMap { $0 }
        case "metadata-options.http-put-response-hop-limit":
            return [metadata.httpPutResponseHopLimit.map(String.init)].compactMap { $0 }
        case "metadata-options.http-tokens": return [metadata.httpTokens].compactMap { $0 }
        case "metadata-options.instance-metadata-tags": return [metadata.instanceMetadataTags].compactMap { $0 }
        case "metadata-options.state": return [metadata.state].compactMap { $0 }
        // What every instance here is, as DescribeInstances shows it.
        case "architecture": return ["x86_64"]
        case "root-device-type": return ["ebs"]
        case "root-device-name": return ["/dev/xvda"]
        case "hypervisor": return ["xen"]
        case "virtualization-type": return ["hvm"]
        case "tenancy": return ["default"]
        case "ena-support": return ["true"]
        case "boot-mode", "current-instance-boot-mode": return ["legacy-bios"]
        case "platform-details": return ["Linux/UNIX"]
        case "usage-operation": return ["RunInstances"]
        default: return []
        }
    }

    /// An attached ENI's values for a DescribeInstances `network-interface.` filter (`name`
    /// without the prefix): DescribeNetworkInterfaces' values, under the names they have here.
    func instanceInterfaceFilterValues(_ eni: EC2.NetworkInterface, _ name: String) -> [String] {
        switch name {
        case "private-ip-address": return [eni.privateIpAddress].compactMap { $0 }
        case "addresses.association.ip-owner-id": return networkInterfaceFilterValues(eni, "addresses.association.owner-id")
        case "ipv6-address": return networkInterfaceFilterValues(eni, "ipv6-addresses.ipv6-address")
        case "addresses.private-dns-name": return (eni.privateIpAddresses ?? []).compactMap(\.privateDnsName)
        case "attachment.network-card-index": return [eni.attachment?.networkCardIndex.map(String.init)].compactMap { $0 }
        case "ipv6-native": return bool(eni.ipv6Native)
        case "tag-key": return (eni.tagSet ?? []).compactMap(\.key)
        case "tag-value": return (eni.tagSet ?? []).map { $0.value ?? "" }
        default: return networkInterfaceFilterValues(eni, name)
        }
    }
}
