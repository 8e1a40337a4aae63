public import EC2Shapes
import VPCModel
import Foundation

// RunInstances: checks, placement, the launch interfaces and their public IPs.

extension Transaction {
    public mutating func runInstances(_ r: EC2.RunInstancesRequest) throws -> EC2.Reservation {
        try rejectUnsupported(r)
        guard let imageId = r.imageId else { throw EC2Error.missingParameter("ImageId") }
        guard ResourceID.isWellFormed(imageId, prefix: "ami") else {
            throw EC2Error("InvalidAMIID.Malformed", "Invalid id: \"\(imageId)\" (expecting \"ami-...\")")
        }
        let instanceType = r.instanceType ?? "m1.small"
        guard Self.isInstanceTypeName(instanceType) else {
            throw EC2Error.invalidParameterValue("Invalid value '\(instanceType)' for InstanceType.")
        }
        guard r.minCount >= 1 else {
            throw EC2Error.invalidParameterValue("Value (\(r.minCount)) for parameter minCount is invalid. Expected a positive integer.")
        }
        guard r.maxCount >= r.minCount else {
            throw EC2Error.invalidParameterValue("Value (\(r.maxCount)) for parameter maxCount is invalid. Expected a value greater than or equal to minCount.")
        }
        if let userData = r.userData {
            guard let raw = Data(base64Encoded: userData) else {
                throw EC2Error.invalidParameterValue("Invalid BASE64 encoding of user data.")
            }
            guard raw.count <= 16 * 1024 else {
                throw EC2Error.invalidParameterValue("User data is limited to 16384 bytes")
            }
        }
        if let behavior = r.instanceInitiatedShutdownBehavior, behavior != "stop" && behavior != "terminate" {
            throw EC2Error.invalidParameterValue("Value (\(behavior)) for parameter instanceInitiatedShutdownBehavior is invalid.")
        }
        let metadata = try Self.metadataOptions(r.metadataOptions)
        let interfaces = try launchInterfaces(r)
        let primary = interfaces.first { $0.deviceIndex == 0 }!
        let subnet = primary.subnet
        if let zone = r.placement?.availabilityZone, zone != subnet.availabilityZone {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(zone)) for parameter availabilityZone is invalid. Subnet '\(subnet.subnetId ?? "")' is in the availability zone \(subnet.availabilityZone ?? "")")
        }
        var instanceTags: [EC2.Tag]?
        var interfaceSpecs: [EC2.TagSpecification] = []
        for spec in r.tagSpecifications ?? [] {
            switch spec.resourceType {
            case nil:
                throw EC2Error("InvalidParameterValue", "Tag specification resource type must have a value")
            case "instance": instanceTags = (instanceTags ?? []) + (spec.tags ?? [])
            case "network-interface": interfaceSpecs.append(spec)
            case "volume":
                // Checked as EC2 checks them; no instance here has an EBS volume to carry them.
                try TagRules.validate(spec.tags ?? [])
            default:
                throw EC2Error("InvalidParameterValue",
                               "'\(spec.resourceType ?? "")' is not a valid taggable resource type for this operation.")
            }
        }
        if let tags = instanceTags {
            try TagRules.validate(tags)
            instanceTags = TagRules.merge(tags, into: [])
        }

        // How many: MaxCount if the quota, the hosts and the subnet's free addresses allow, at least MinCount.
        let hosts = placementHosts
        guard !hosts.isEmpty else {
            let why = global.hosts.isEmpty ? "No host is registered." : "No host's agent has been heard from lately."
            throw EC2Error("InsufficientInstanceCapacity",
                           "We currently do not have sufficient \(instanceType) capacity in the Availability Zone you requested (\(subnet.availabilityZone ?? "")). \(why)")
        }
        let live = state.instances.values.filter { $0.state != "terminated" }.count
        let room = quotas.instancesPerRegion - live
        guard room >= r.minCount else {
            throw EC2Error("InstanceLimitExceeded",
                           "You have requested more instances (\(r.minCount)) than your current instance limit of \(quotas.instancesPerRegion) allows for the specified instance type.")
        }
        // Each instance takes, in each subnet, an address per new interface there and its secondaries.
        var perInstance: [String: (subnet: EC2.Subnet, addresses: Int)] = [:]
        for spec in interfaces where spec.existingId == nil {
            let addresses = 1 + min(max(spec.secondaryCount ?? 0, 0), 1 << 20)
            perInstance[spec.subnet.subnetId ?? "", default: (spec.subnet, 0)].addresses += addresses
        }
        let free = try perInstance.values.map { need in
            try SubnetAddresses(need.subnet, in: state).freeCount / need.addresses
        }.min() ?? Int.max
        // Each host holds as many interfaces as its data plane has ports.
        let placeable = hosts.reduce(0) { sum, host in
            sum + max(0, host.capacity - (global.interfacesPerHost[host.hostId] ?? 0)) / interfaces.count
        }
        guard placeable >= r.minCount else {
            throw EC2Error("InsufficientInstanceCapacity",
                           "We currently do not have sufficient \(instanceType) capacity in the Availability Zone you requested (\(subnet.availabilityZone ?? "")). Our system will be working on provisioning additional capacity.")
        }
        let count = min(r.maxCount, room, free, placeable)
        guard count >= r.minCount else {
            throw EC2Error("InsufficientFreeAddressesInSubnet",
                           "There are not enough free addresses in subnet '\(subnet.subnetId ?? "")' to satisfy the requested number of instances.")
        }
        if count > 1, interfaces.contains(where: { $0.existingId != nil || $0.privateIpAddress != nil
            || !($0.privateIpAddresses ?? []).isEmpty || !($0.ipv6Addresses ?? []).isEmpty }) {
            throw EC2Error("InvalidParameterCombination",
                           "Network interfaces and private IP addresses cannot be specified when launching more than one instance.")
        }

        let reservationId = ResourceID.generate("r")
        var launched: [EC2.Instance] = []
        for index in 0..<count {
            let instanceId = ResourceID.generate("i")
            let hostId = placeInstance(interfaces: interfaces.count, among: hosts)
            var record = InstanceRecord(
                instanceId: instanceId, reservationId: reservationId, imageId: imageId, instanceType: instanceType,
                launchTime: now, amiLaunchIndex: index, availabilityZone: subnet.availabilityZone ?? "",
                availabilityZoneId: subnet.availabilityZoneId, vpcId: subnet.vpcId ?? "", subnetId: subnet.subnetId ?? "",
                hostId: hostId, userData: r.userData, clientToken: r.clientToken, tags: instanceTags ?? [])
            record.monitoring = r.monitoring?.enabled == true ? "enabled" : "disabled"
            record.ebsOptimized = r.ebsOptimized ?? false
            record.disableApiTermination = r.disableApiTermination ?? false
            record.disableApiStop = r.disableApiStop ?? false
            record.instanceInitiatedShutdownBehavior = r.instanceInitiatedShutdownBehavior ?? "stop"
            record.metadataOptions = metadata
            state.instances[instanceId] = record
            let target = InstanceTarget(instanceId: instanceId, vpcId: record.vpcId,
                                        availabilityZone: record.availabilityZone, primaryNetworkInterfaceId: nil)
            for spec in interfaces {
                try launchInterface(spec, for: target, tagSpecifications: interfaceSpecs)
            }
            launched.append(state.describedInstance(record))
        }
        return EC2.Reservation(reservationId: reservationId, ownerId: account, groups: [], instances: launched)
    }

    /// EC2 launch options this server does not model: refused rather than silently ignored.
    private func rejectUnsupported(_ r: EC2.RunInstancesRequest) throws {
        let unsupported: [(String, Bool)] = [
            ("LaunchTemplate", r.launchTemplate != nil), ("BlockDeviceMapping", r.blockDeviceMappings != nil),
            ("KernelId", r.kernelId != nil), ("RamdiskId", r.ramdiskId != nil),
            ("ElasticGpuSpecification", r.elasticGpuSpecification != nil),
            ("ElasticInferenceAccelerator", r.elasticInferenceAccelerators != nil),
            ("InstanceMarketOptions", r.instanceMarketOptions != nil), ("CpuOptions", r.cpuOptions != nil),
            ("CapacityReservationSpecification", r.capacityReservationSpecification != nil),
            ("HibernationOptions", r.hibernationOptions != nil), ("LicenseSpecification", r.licenseSpecifications != nil),
            ("EnclaveOptions", r.enclaveOptions != nil), ("Operator", r.operator != nil),
            ("SecondaryInterface", r.secondaryInterfaces != nil), ("IamInstanceProfile", r.iamInstanceProfile != nil),
            ("NetworkPerformanceOptions", r.networkPerformanceOptions != nil),
            ("MaintenanceOptions", r.maintenanceOptions != nil), ("PrivateDnsNameOptions", r.privateDnsNameOptions != nil),
            ("EnablePrimaryIpv6", r.enablePrimaryIpv6 != nil), ("CreditSpecification", r.creditSpecification != nil),
            // Placement: the availability zone and default tenancy only.
            ("Placement", r.placement.map { $0.tenancy.map { $0 != "default" } == true
                || $0.groupName.map { !$0.isEmpty } == true || $0.hostId != nil || $0.affinity != nil
                || $0.partitionNumber != nil || $0.spreadDomain != nil || $0.hostResourceGroupArn != nil
                || $0.groupId != nil || $0.availabilityZoneId != nil } ?? false),
        ]
        if let (name, _) = unsupported.first(where: \.1) {
            throw EC2Error("Unsupported", "The parameter \(name) is not supported by this endpoint.")
        }
        if let key = r.keyName { throw EC2Error("InvalidKeyPair.NotFound", "The key pair '\(key)' does not exist") }
    }

    /// The metadata options of a launch, EC2's defaults filled in.
    static func metadataOptions(_ m: EC2.InstanceMetadataOptionsRequest?) throws -> EC2.InstanceMetadataOptionsResponse? {
        guard let m else { return nil }
        let hops = m.httpPutResponseHopLimit ?? 1
        guard (1...64).contains(hops) else {
            throw EC2Error.invalidParameterValue("Value (\(hops)) for parameter httpPutResponseHopLimit is invalid. Expecting a value between 1 and 64.")
        }
        return EC2.InstanceMetadataOptionsResponse(
            state: "applied", httpTokens: m.httpTokens ?? "optional", httpPutResponseHopLimit: hops,
            httpEndpoint: m.httpEndpoint ?? "enabled", httpProtocolIpv6: m.httpProtocolIpv6 ?? "disabled",
            instanceMetadataTags: m.instanceMetadataTags ?? "disabled")
    }

    /// `family.size` (`t3.micro`, `m7g.metal-48xl`): the shape of an EC2 instance type name.
    static func isInstanceTypeName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = parts[0].first, first.isLetter, first.isLowercase else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 32 && part.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" }
        }
    }

    /// Of `hosts`, the one with room for `interfaces` more that holds the fewest (ties: the
    /// lowest host id); counted at once. The caller has checked there is room.
    mutating func placeInstance(interfaces: Int, among hosts: [HostRegistration]) -> String {
        let hostId = hosts.filter { $0.capacity - (global.interfacesPerHost[$0.hostId] ?? 0) >= interfaces }
            .map(\.hostId).min { a, b in
                let (ca, cb) = (global.interfacesPerHost[a] ?? 0, global.interfacesPerHost[b] ?? 0)
                return ca != cb ? ca < cb : a < b
            }!
        hostInterfaces(hostId, interfaces)
        return hostId
    }

    /// Counts `delta` interfaces more (or fewer) on a host.
    mutating func hostInterfaces(_ hostId: String, _ delta: Int) {
        let n = (global.interfacesPerHost[hostId] ?? 0) + delta
        global.interfacesPerHost[hostId] = n > 0 ? n : nil
    }

    /// One interface of a launch, checked: a new one in a subnet or an existing one, at a device index.
    struct LaunchInterface {
        var deviceIndex: Int
        var subnet: EC2.Subnet
        var existingId: String?
        var groups: [String]?
        var privateIpAddress: String?
        var privateIpAddresses: [EC2.PrivateIpAddressSpecification]?
        var secondaryCount: Int?
        var ipv6Addresses: [EC2.InstanceIpv6Address]?
        var ipv6Count: Int?
        var description: String?
        var deleteOnTermination: Bool
        var associatePublicIp: Bool
        var connectionTracking: EC2.ConnectionTrackingSpecificationRequest?
    }

    /// The interfaces a RunInstances call asks for: `NetworkInterface.N`, else one at device index 0
    /// from the instance-level subnet (or the default VPC's default subnet), groups and addresses.
    func launchInterfaces(_ r: EC2.RunInstancesRequest) throws -> [LaunchInterface] {
        guard let specs = r.networkInterfaces, !specs.isEmpty else {
            // Group names stand for groups of the default VPC: a named subnet takes ids.
            if r.subnetId != nil && !(r.securityGroups ?? []).isEmpty {
                throw EC2Error("InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet")
            }
            let subnet = try launchSubnet(r.subnetId, zone: r.placement?.availabilityZone)
            let groups = try groupIds(ids: r.securityGroupIds, names: r.securityGroups, vpcId: subnet.vpcId ?? "")
            return [LaunchInterface(
                deviceIndex: 0, subnet: subnet, groups: groups, privateIpAddress: r.privateIpAddress,
                ipv6Addresses: r.ipv6Addresses, ipv6Count: r.ipv6AddressCount, deleteOnTermination: true,
                associatePublicIp: subnet.mapPublicIpOnLaunch == true)]
        }
        if r.subnetId != nil || r.privateIpAddress != nil || r.ipv6AddressCount != nil || r.ipv6Addresses != nil {
            throw EC2Error("InvalidParameterCombination",
                           "Network interfaces and an instance-level subnet ID or private IP address may not be specified on the same request")
        }
        if r.securityGroupIds != nil || r.securityGroups != nil {
            throw EC2Error("InvalidParameterCombination",
                           "Network interfaces and an instance-level security groups may not be specified on the same request")
        }
        var out: [LaunchInterface] = []
        for spec in specs {
            guard let index = spec.deviceIndex else {
                throw EC2Error.missingParameter("NetworkInterface.DeviceIndex")
            }
            guard index >= 0, !out.contains(where: { $0.deviceIndex == index }) else {
                throw EC2Error.invalidParameterValue("Each network interface requires a unique device index.")
            }
            guard spec.ipv4Prefixes == nil, spec.ipv4PrefixCount == nil, spec.ipv6Prefixes == nil,
                  spec.ipv6PrefixCount == nil, spec.associateCarrierIpAddress == nil, spec.primaryIpv6 == nil,
                  spec.enaSrdSpecification == nil, spec.enaQueueCount == nil, spec.networkCardIndex ?? 0 == 0,
                  spec.interfaceType == nil || spec.interfaceType == "interface" else {
                throw EC2Error("Unsupported", "Only plain interfaces on network card 0 are supported.")
            }
            if spec.associatePublicIpAddress == true && (specs.count > 1 || index != 0 || spec.networkInterfaceId != nil) {
                throw EC2Error("InvalidParameterCombination",
                               "The associatePublicIPAddress parameter can only be specified for the network interface with DeviceIndex 0 and only when launching with a single network interface.")
            }
            if let eniId = spec.networkInterfaceId {
                if spec.subnetId != nil || spec.groups != nil || spec.privateIpAddress != nil
                    || spec.privateIpAddresses != nil || spec.secondaryPrivateIpAddressCount != nil
                    || spec.ipv6Addresses != nil || spec.ipv6AddressCount != nil || spec.description != nil
                    || spec.connectionTrackingSpecification != nil {
                    throw EC2Error("InvalidParameterCombination",
                                   "A network interface ID cannot be combined with subnet, group, address, description or connection tracking settings")
                }
                let eni = try state.networkInterfaces.require(eniId, .networkInterface)
                guard eni.attachment == nil else {
                    throw EC2Error("InvalidNetworkInterface.InUse", "Interface: [\(eniId)] in use.")
                }
                out.append(LaunchInterface(
                    deviceIndex: index, subnet: try state.subnets.require(eni.subnetId ?? "", .subnet),
                    existingId: eniId, deleteOnTermination: spec.deleteOnTermination ?? false, associatePublicIp: false))
            } else {
                _ = try spec.connectionTrackingSpecification.map { try Self.connectionTracking($0) }  // before any change
                let subnet = try launchSubnet(spec.subnetId, zone: r.placement?.availabilityZone)
                out.append(LaunchInterface(
                    deviceIndex: index, subnet: subnet, groups: spec.groups, privateIpAddress: spec.privateIpAddress,
                    privateIpAddresses: spec.privateIpAddresses, secondaryCount: spec.secondaryPrivateIpAddressCount,
                    ipv6Addresses: spec.ipv6Addresses, ipv6Count: spec.ipv6AddressCount, description: spec.description,
                    deleteOnTermination: spec.deleteOnTermination ?? true,
                    associatePublicIp: spec.associatePublicIpAddress ?? (index == 0 && specs.count == 1
                        && subnet.mapPublicIpOnLaunch == true),
                    connectionTracking: spec.connectionTrackingSpecification))
            }
        }
        guard let primary = out.first(where: { $0.deviceIndex == 0 }) else {
            throw EC2Error("InvalidParameterValue", "A network interface with device index 0 is required.")
        }
        for spec in out where spec.subnet.vpcId != primary.subnet.vpcId || spec.subnet.availabilityZone != primary.subnet.availabilityZone {
            throw EC2Error.invalidParameterValue("The network interfaces of an instance must be in the same VPC and availability zone.")
        }
        return out.sorted { $0.deviceIndex < $1.deviceIndex }
    }

    /// The named subnet, else the default VPC's default subnet (in the requested zone, else the first).
    func launchSubnet(_ subnetId: String?, zone: String?) throws -> EC2.Subnet {
        if let subnetId { return try state.subnets.require(subnetId, .subnet) }
        guard let vpcId = state.meta["region"]?.defaultVpcId, state.vpcs[vpcId] != nil else {
            throw EC2Error("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
        }
        let defaults = state.subnets.sorted.filter { $0.vpcId == vpcId && $0.defaultForAz == true }
            .sorted { ($0.availabilityZone ?? "") < ($1.availabilityZone ?? "") }
        guard let subnet = zone.map({ z in defaults.first { $0.availabilityZone == z } }) ?? defaults.first else {
            throw EC2Error("MissingInput", "No subnets found for the default VPC '\(vpcId)'. Please specify a subnet.")
        }
        return subnet
    }

    /// Security groups named by id and by name (names resolve in the VPC), ids in request order.
    func groupIds(ids: [String]?, names: [String]?, vpcId: String) throws -> [String]? {
        var out = ids ?? []
        for name in names ?? [] {
            guard let group = state.securityGroups.values.first(where: { $0.vpcId == vpcId && $0.groupName == name }) else {
                throw EC2Error("InvalidGroup.NotFound", "The security group '\(name)' does not exist in VPC '\(vpcId)'")
            }
            out.append(group.groupId)
        }
        return out.isEmpty ? nil : out
    }

    /// Creates (as CreateNetworkInterface would) or takes the interface and attaches it.
    mutating func launchInterface(_ spec: LaunchInterface, for instance: InstanceTarget,
                                  tagSpecifications: [EC2.TagSpecification]) throws {
        let eniId: String
        if let existing = spec.existingId {
            eniId = existing
        } else {
            let created = try createNetworkInterface(EC2.CreateNetworkInterfaceRequest(
                tagSpecifications: tagSpecifications.isEmpty ? nil : tagSpecifications,
                connectionTrackingSpecification: spec.connectionTracking, subnetId: spec.subnet.subnetId ?? "",
                description: spec.description, privateIpAddress: spec.privateIpAddress, groups: spec.groups,
                privateIpAddresses: spec.privateIpAddresses, secondaryPrivateIpAddressCount: spec.secondaryCount,
                ipv6Addresses: spec.ipv6Addresses, ipv6AddressCount: spec.ipv6Count))
            eniId = created.networkInterface?.networkInterfaceId ?? ""
        }
        _ = try attach(eniId, to: instance, deviceIndex: spec.deviceIndex, networkCardIndex: 0)
        var eni = try state.networkInterfaces.require(eniId, .networkInterface)
        eni.attachment?.deleteOnTermination = spec.deleteOnTermination
        state.networkInterfaces[eniId] = eni
        if spec.associatePublicIp { try assignPublicIP(to: eniId) }
    }

    /// Gives the interface's primary address a public IP from the pool, owned by `amazon`
    /// (released when the instance stops or terminates).
    mutating func assignPublicIP(to eniId: String) throws {
        var eni = try state.networkInterfaces.require(eniId, .networkInterface)
        guard eni.association == nil else { return }
        let ip = try allocatePublicIP().description
        let association = EC2.NetworkInterfaceAssociation(ipOwnerId: "amazon", publicDnsName: publicDNSName(ip), publicIp: ip)
        eni.association = association
        for i in (eni.privateIpAddresses ?? []).indices where eni.privateIpAddresses?[i].primary == true {
            eni.privateIpAddresses?[i].association = association
        }
        state.networkInterfaces[eniId] = eni
    }

    /// Returns a launch-time public IP to the pool (an Elastic IP stays associated).
    mutating func releasePublicIP(of eniId: String) {
        guard var eni = state.networkInterfaces[eniId], let association = eni.association,
              association.allocationId == nil else { return }
        if let ip = association.publicIp.flatMap(IPv4.init) { global.publicIPs.remove(ip.value) }
        eni.association = nil
        for i in (eni.privateIpAddresses ?? []).indices where eni.privateIpAddresses?[i].association?.allocationId == nil {
            eni.privateIpAddresses?[i].association = nil
        }
        state.networkInterfaces[eniId] = eni
    }
}

extension SubnetAddresses {
    /// Addresses not reserved and not held.
    var freeCount: Int { max(0, Int(cidr.size) - 5 - holders.count) }
}
