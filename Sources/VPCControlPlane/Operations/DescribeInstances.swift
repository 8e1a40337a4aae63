public import EC2Shapes
public import VPCModel

// DescribeInstances: an instance record with its interfaces joined in, grouped by reservation.

extension RegionState {
    static let instanceFilters: Set<String> = [
        "instance-id", "instance-state-name", "instance-state-code", "subnet-id", "vpc-id", "private-ip-address",
        "private-dns-name", "ip-address", "dns-name", "network-interface.network-interface-id",
        "network-interface.subnet-id", "network-interface.vpc-id", "network-interface.private-ip-address",
        "network-interface.mac-address", "network-interface.addresses.private-ip-address", "instance.group-id",
        "instance.group-name", "group-id", "group-name", "availability-zone", "image-id", "instance-type",
        "reservation-id", "owner-id", "launch-time", "ami-launch-index", "client-token", "monitoring-state",
        "source-dest-check", "placement-availability-zone", "architecture", "root-device-type",
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
            metadataOptions: i.metadataOptions ?? EC2.InstanceMetadataOptionsResponse(
                state: "applied", httpTokens: "optional", httpPutResponseHopLimit: 1, httpEndpoint: "enabled",
                httpProtocolIpv6: "disabled", instanceMetadataTags: "disabled"),
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
            interfaceType: eni.interfaceType)
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
            let list = missing.map { "'\($0)'" }.joined(separator: ", ")
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
        case "network-interface.network-interface-id": return enis.compactMap(\.networkInterfaceId)
        case "network-interface.subnet-id": return enis.compactMap(\.subnetId)
        case "network-interface.vpc-id": return enis.compactMap(\.vpcId)
        case "network-interface.private-ip-address": return enis.compactMap(\.privateIpAddress)
        case "network-interface.mac-address": return enis.compactMap(\.macAddress)
        case "network-interface.addresses.private-ip-address":
            return enis.flatMap { ($0.privateIpAddresses ?? []).compactMap(\.privateIpAddress) }
        case "instance.group-id", "group-id": return (primary?.groups ?? []).compactMap(\.groupId)
        case "instance.group-name", "group-name": return (primary?.groups ?? []).compactMap(\.groupName)
        case "availability-zone", "placement-availability-zone": return [i.availabilityZone]
        case "image-id": return [i.imageId]
        case "instance-type": return [i.instanceType]
        case "reservation-id": return [i.reservationId]
        case "owner-id": return [account]
        case "launch-time": return [i.launchTime.iso8601]
        case "ami-launch-index": return [String(i.amiLaunchIndex)]
        case "client-token": return [i.clientToken].compactMap { $0 }
        case "monitoring-state": return [i.monitoring]
        case "source-dest-check": return bool(primary?.sourceDestCheck)
        case "architecture": return ["x86_64"]
        case "root-device-type": return ["ebs"]
        default: return []
        }
    }
}
