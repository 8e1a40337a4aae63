public import EC2Shapes
public import VPCModel

// CreateNetworkInterface, DeleteNetworkInterface, DescribeNetworkInterfaces, AttachNetworkInterface,
// DetachNetworkInterface, ModifyNetworkInterfaceAttribute, DescribeNetworkInterfaceAttribute,
// AssignPrivateIpAddresses, UnassignPrivateIpAddresses, AssignIpv6Addresses, UnassignIpv6Addresses.

/// What attaching an interface (or associating an Elastic IP) needs to know of an instance.
struct InstanceTarget {
    var instanceId: String
    var vpcId: String
    var availabilityZone: String
    /// The interface at device index 0: where an Elastic IP associated with the instance goes.
    var primaryNetworkInterfaceId: String?
}

extension RegionState {
    /// The instance an attachment or association names; it must not be (being) terminated.
    func instanceTarget(_ instanceId: String) throws -> InstanceTarget {
        let instance = try requireInstance(instanceId)
        guard instance.state != "terminated" && instance.state != "shutting-down" else {
            throw EC2Error("IncorrectInstanceState", "The instance '\(instanceId)' is not in a valid state for this operation.")
        }
        return InstanceTarget(
            instanceId: instanceId, vpcId: instance.vpcId, availabilityZone: instance.availabilityZone,
            primaryNetworkInterfaceId: interfaces(of: instanceId).first { $0.attachment?.deviceIndex == 0 }?.networkInterfaceId)
    }
}

/// The private IPv4 addresses of a subnet an interface may take: the subnet's CIDR minus the five
/// AWS reserves (network, VPC router, DNS, future use, broadcast) minus those interfaces hold
/// (Amazon VPC User Guide, "Subnet CIDR blocks").
struct SubnetAddresses {
    let subnetId: String
    let cidr: IPv4CIDR
    /// Address → the interface holding it.
    private(set) var holders: [IPv4: String] = [:]
    private var cursor: UInt32 = 4

    init(_ subnet: EC2.Subnet, in state: RegionState) throws {
        guard let cidr = subnet.cidrBlock.flatMap(IPv4CIDR.init) else {
            throw EC2Error.internal("Subnet \(subnet.subnetId ?? "") has no IPv4 CIDR block")
        }
        subnetId = subnet.subnetId ?? ""
        self.cidr = cidr
        for eni in state.networkInterfaces.values where eni.subnetId == subnetId {
            for entry in eni.privateIpAddresses ?? [] {
                if let a = entry.privateIpAddress.flatMap(IPv4.init) { holders[a] = eni.networkInterfaceId }
            }
        }
    }

    func isReserved(_ a: IPv4) -> Bool { a.value &- cidr.network.value < 4 || a == cidr.last }

    /// A requested address, checked to be one of the subnet's assignable addresses (free or not).
    func parse(_ text: String) throws -> IPv4 {
        guard let a = IPv4(text) else {
            throw EC2Error.invalidParameterValue("Invalid value '\(text)' for IP address. This is not a valid IPv4 address.")
        }
        guard cidr.contains(a) else {
            throw EC2Error.invalidParameterValue("Address \(text) does not fall within the subnet's address range")
        }
        guard !isReserved(a) else {
            throw EC2Error.invalidParameterValue("Address \(text) is in subnet's reserved address range")
        }
        return a
    }

    /// Gives `a` to the interface; another holder makes it `InvalidIPAddress.InUse`.
    mutating func take(_ a: IPv4, for eniId: String) throws {
        guard holders[a] == nil else {
            throw EC2Error("InvalidIPAddress.InUse", "The specified address \(a) is already in use.")
        }
        holders[a] = eniId
    }

    /// The lowest free address, given to the interface.
    mutating func next(for eniId: String) throws -> IPv4 {
        let last = UInt32(cidr.size) - 2
        while cursor <= last {
            let a = cidr.address(at: cursor)
            cursor += 1
            if holders[a] == nil {
                holders[a] = eniId
                return a
            }
        }
        throw EC2Error("InsufficientFreeAddressesInSubnet",
                       "There are not enough free addresses in subnet '\(subnetId)' to satisfy the requested number of instances.")
    }

    mutating func release(_ a: IPv4) { holders[a] = nil }
}

/// The IPv6 addresses of a subnet's /64 an interface may take: all but the first four and the last
/// (reserved as for IPv4), and not one another interface holds. New ones are picked at random.
struct SubnetIPv6Addresses {
    let subnetId: String
    let block: IPv6CIDR
    private(set) var held: Set<IPv6> = []

    init(_ subnet: EC2.Subnet, in state: RegionState) throws {
        subnetId = subnet.subnetId ?? ""
        let blocks = (subnet.ipv6CidrBlockAssociationSet ?? []).filter { $0.ipv6CidrBlockState?.state == "associated" }
        guard let block = blocks.first?.ipv6CidrBlock.flatMap(IPv6CIDR.init) else {
            throw EC2Error.invalidParameterValue("The subnet '\(subnetId)' has no IPv6 CIDR block; IPv6 addresses cannot be assigned in it.")
        }
        self.block = block
        for eni in state.networkInterfaces.values where eni.subnetId == subnetId {
            for entry in eni.ipv6Addresses ?? [] {
                if let a = entry.ipv6Address.flatMap(IPv6.init) { held.insert(a) }
            }
        }
    }

    mutating func take(_ text: String) throws -> IPv6 {
        guard let a = IPv6(text) else {
            throw EC2Error.invalidParameterValue("Invalid value '\(text)' for IPv6 address.")
        }
        guard block.contains(a) else {
            throw EC2Error.invalidParameterValue("Address \(text) does not fall within the subnet's IPv6 address range \(block)")
        }
        guard a.low >= 4, a.low != .max else {
            throw EC2Error.invalidParameterValue("Address \(text) is in subnet's reserved address range")
        }
        guard held.insert(a).inserted else {
            throw EC2Error("InvalidIPAddress.InUse", "The specified address \(text) is already in use.")
        }
        return a
    }

    mutating func next() -> IPv6 {
        var rng = SystemRandomNumberGenerator()
        while true {
            let a = IPv6(high: block.network.high, low: UInt64.random(in: 4..<UInt64.max, using: &rng))
            if held.insert(a).inserted { return a }
        }
    }

    mutating func release(_ a: IPv6) { held.remove(a) }
}

extension Transaction {
    /// The most IPv4 (and, separately, IPv6) addresses one interface may have: the per-interface
    /// limit of the largest instance types; an instance's own type would narrow it.
    static let maxAddressesPerInterface = 50

    /// Checks the sum of address counts (each checked first, so huge ones cannot overflow it).
    static func checkAddressCount(_ counts: Int..., ipv6: Bool = false) throws {
        let limit = maxAddressesPerInterface
        guard counts.allSatisfy({ $0 <= limit }), counts.reduce(0, +) <= limit else {
            if ipv6 {
                throw EC2Error.invalidParameterValue("Number of IPv6 addresses will exceed the limit of \(limit) per interface.")
            }
            throw EC2Error("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
        }
    }

    /// An interface's idle timeouts for tracked connections, checked against AWS's ranges
    /// ("Idle connection tracking timeout": TCP established 60–432000 s, UDP stream 60–180 s,
    /// other UDP 30–60 s). A value left out keeps the interface's (`old`), else AWS's default.
    static func connectionTracking(_ r: EC2.ConnectionTrackingSpecificationRequest,
                                   over old: EC2.ConnectionTrackingConfiguration? = nil) throws
        -> EC2.ConnectionTrackingConfiguration {
        func checked(_ value: Int?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value else { return nil }
            guard range.contains(value) else {
                throw EC2Error.invalidParameterValue(
                    "Value (\(value)) for parameter \(name) is invalid. It must be between \(range.lowerBound) and \(range.upperBound) seconds.")
            }
            return value
        }
        return EC2.ConnectionTrackingConfiguration(
            tcpEstablishedTimeout: try checked(r.tcpEstablishedTimeout, "TcpEstablishedTimeout", 60...432_000)
                ?? old?.tcpEstablishedTimeout ?? 432_000,
            udpStreamTimeout: try checked(r.udpStreamTimeout, "UdpStreamTimeout", 60...180) ?? old?.udpStreamTimeout ?? 180,
            udpTimeout: try checked(r.udpTimeout, "UdpTimeout", 30...60) ?? old?.udpTimeout ?? 30)
    }

    public mutating func createNetworkInterface(_ r: EC2.CreateNetworkInterfaceRequest) throws
        -> EC2.CreateNetworkInterfaceResult {
        let subnet = try state.subnets.require(r.subnetId, .subnet)
        guard r.ipv4Prefixes == nil, r.ipv4PrefixCount == nil, r.ipv6Prefixes == nil, r.ipv6PrefixCount == nil,
              r.operator == nil, r.enablePrimaryIpv6 == nil else {
            throw EC2Error("InvalidParameterCombination",
                           "Prefix delegation, managed interfaces and primary IPv6 are not supported")
        }
        let connectionTracking = try r.connectionTrackingSpecification.map { try Self.connectionTracking($0) }
        if let type = r.interfaceType, type != "interface" {
            throw EC2Error.invalidParameterValue("Value (\(type)) for parameter interfaceType is invalid. Only 'interface' is supported.")
        }
        try checkQuota(state.networkInterfaces.count, quotas.networkInterfacesPerRegion,
                       code: "NetworkInterfaceLimitExceeded", "You have reached the limit for network interfaces.")
        let vpcId = subnet.vpcId ?? ""
        let groups = try interfaceGroups(r.groups, subnet: subnet)
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "network-interface")
        let eniId = ResourceID.generate("eni")

        // Private IPv4: the requested ones (the one marked primary, else PrivateIpAddress, else the
        // first, leads), then SecondaryPrivateIpAddressCount more, the primary allocated if none asked.
        var requested = (r.privateIpAddresses ?? []).map { ($0.privateIpAddress ?? "", $0.primary == true) }
        guard requested.filter(\.1).count <= 1 else {
            throw EC2Error.invalidParameterValue("Only one primary private IP address can be specified.")
        }
        if let primary = r.privateIpAddress {
            // EC2: with PrivateIpAddress given, no entry of PrivateIpAddresses may be marked primary.
            if requested.contains(where: \.1) {
                throw EC2Error("InvalidParameterCombination",
                               "PrivateIpAddress \(primary) is the primary address: no entry of PrivateIpAddresses may be marked primary too.")
            }
            requested.removeAll { $0.0 == primary }
            requested.insert((primary, true), at: 0)
        } else if let i = requested.firstIndex(where: \.1) {
            requested.insert(requested.remove(at: i), at: 0)
        }
        let secondaryCount = r.secondaryPrivateIpAddressCount ?? 0
        guard secondaryCount >= 0 else {
            throw EC2Error.invalidParameterValue("Value (\(secondaryCount)) for parameter secondaryPrivateIpAddressCount is invalid.")
        }
        try Self.checkAddressCount(secondaryCount, max(1, requested.count))
        if secondaryCount > 0 && requested.count > 1 {
            throw EC2Error("InvalidParameterCombination",
                           "SecondaryPrivateIpAddressCount cannot be combined with more than one requested private IP address.")
        }
        var pool = try SubnetAddresses(subnet, in: state)
        var addresses: [IPv4] = []
        for (text, _) in requested {
            let a = try pool.parse(text)
            guard !addresses.contains(a) else {
                throw EC2Error.invalidParameterValue("Address \(text) is specified more than once.")
            }
            try pool.take(a, for: eniId)
            addresses.append(a)
        }
        for _ in 0..<(addresses.isEmpty ? 1 : 0) + secondaryCount { addresses.append(try pool.next(for: eniId)) }

        // A subnet that assigns IPv6 on creation gives one unless the request says (0 or addresses).
        let ipv6Default = (r.ipv6Addresses ?? []).isEmpty && subnet.assignIpv6AddressOnCreation == true ? 1 : nil
        let ipv6 = try newIPv6Addresses(subnet: subnet, requested: r.ipv6Addresses?.compactMap(\.ipv6Address),
                                        count: r.ipv6AddressCount ?? ipv6Default)
        let primary = addresses[0].description
        let eni = EC2.NetworkInterface(
            availabilityZone: subnet.availabilityZone, connectionTrackingConfiguration: connectionTracking,
            description: r.description ?? "", groups: groups,
            interfaceType: "interface",
            ipv6Addresses: ipv6.map { EC2.NetworkInterfaceIpv6Address(ipv6Address: $0.description, isPrimaryIpv6: false) },
            macAddress: newMACAddress(), networkInterfaceId: eniId, ownerId: account,
            privateDnsName: privateDNSName(primary), privateIpAddress: primary,
            privateIpAddresses: addresses.enumerated().map { i, a in
                EC2.NetworkInterfacePrivateIpAddress(primary: i == 0, privateDnsName: privateDNSName(a.description),
                                                     privateIpAddress: a.description)
            },
            requesterId: account, requesterManaged: false, sourceDestCheck: true, status: "available",
            subnetId: subnet.subnetId, tagSet: tags ?? [], vpcId: vpcId, ipv6Native: false,
            availabilityZoneId: subnet.availabilityZoneId)
        state.networkInterfaces[eniId] = eni
        var shown = eni
        // A new interface is returned pending, as EC2 does.
        shown.status = "pending"
        return EC2.CreateNetworkInterfaceResult(networkInterface: shown, clientToken: r.clientToken)
    }

    /// The security groups of an interface: the VPC's default group when none are given; otherwise
    /// groups of the interface's VPC, at most `securityGroupsPerNetworkInterface`.
    func interfaceGroups(_ ids: [String]?, subnet: EC2.Subnet) throws -> [EC2.GroupIdentifier] {
        let vpcId = subnet.vpcId ?? ""
        guard let ids, !ids.isEmpty else {
            guard let group = state.securityGroups.values.first(where: { $0.vpcId == vpcId && $0.isDefault }) else {
                throw EC2Error.notFound(.securityGroup, "default")
            }
            return [EC2.GroupIdentifier(groupId: group.groupId, groupName: group.groupName)]
        }
        var unique: [String] = []
        for id in ids where !unique.contains(id) { unique.append(id) }
        guard unique.count <= quotas.securityGroupsPerNetworkInterface else {
            throw EC2Error("SecurityGroupsPerInterfaceLimitExceeded",
                           "The maximum number of security groups per interface has been reached.")
        }
        return try unique.map { id in
            let group = try state.securityGroups.require(id, .securityGroup)
            guard group.vpcId == vpcId else {
                throw EC2Error("InvalidParameter",
                               "Security group \(id) and subnet \(subnet.subnetId ?? "") belong to different networks.")
            }
            return EC2.GroupIdentifier(groupId: group.groupId, groupName: group.groupName)
        }
    }

    /// IPv6 addresses from the subnet's /64: the requested ones or `count` new ones (not both).
    func newIPv6Addresses(subnet: EC2.Subnet, requested: [String]?, count: Int?) throws -> [IPv6] {
        let requested = requested ?? []
        if !requested.isEmpty && count != nil {
            throw EC2Error("InvalidParameterCombination", "Specify either Ipv6AddressCount or Ipv6Addresses, not both.")
        }
        let count = count ?? 0
        guard count >= 0 else {
            throw EC2Error.invalidParameterValue("Value (\(count)) for parameter ipv6AddressCount is invalid.")
        }
        try Self.checkAddressCount(requested.count, count, ipv6: true)
        guard !requested.isEmpty || count > 0 else { return [] }
        var pool = try SubnetIPv6Addresses(subnet, in: state)
        var out = try requested.map { try pool.take($0) }
        for _ in 0..<count { out.append(pool.next()) }
        return out
    }

    /// A locally administered unicast MAC (`02:…`) no other interface of the region has.
    func newMACAddress() -> String {
        let used = Set(state.networkInterfaces.values.compactMap(\.macAddress))
        var rng = SystemRandomNumberGenerator()
        while true {
            let n = UInt64.random(in: 0...0xFF_FFFF_FFFF, using: &rng)
            let mac = "02" + (0..<5).map { i in
                let byte = String((n >> (32 - 8 * UInt64(i))) & 0xFF, radix: 16)
                return ":" + (byte.count == 1 ? "0" + byte : byte)
            }.joined()
            if !used.contains(mac) { return mac }
        }
    }

    /// `ip-10-0-1-5.ec2.internal` in us-east-1, `ip-10-0-1-5.<region>.compute.internal` elsewhere.
    func privateDNSName(_ address: String) -> String {
        "ip-" + address.split(separator: ".").joined(separator: "-") + "." + region.privateDNSSuffix
    }

    public mutating func deleteNetworkInterface(_ r: EC2.DeleteNetworkInterfaceRequest) throws {
        let eni = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        guard eni.attachment == nil else {
            throw EC2Error("InvalidNetworkInterface.InUse", "Network interface '\(r.networkInterfaceId)' is currently in use.")
        }
        for address in state.addresses.values where address.networkInterfaceId == r.networkInterfaceId {
            disassociateElasticIP(allocationId: address.allocationId ?? "")
        }
        state.networkInterfaces[r.networkInterfaceId] = nil
        state.deleteFlowLogs(of: r.networkInterfaceId)
        setRouteState(target: r.networkInterfaceId, vpcId: nil, active: false)
    }

    public mutating func attachNetworkInterface(_ r: EC2.AttachNetworkInterfaceRequest) throws
        -> EC2.AttachNetworkInterfaceResult {
        _ = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        let target = try state.instanceTarget(r.instanceId)
        // The instance's host must have a port free for it.
        let hostId = state.instances[r.instanceId]?.hostId ?? ""
        if let host = global.hosts[hostId], global.interfacesPerHost[hostId] ?? 0 >= host.capacity {
            throw EC2Error("AttachmentLimitExceeded",
                           "Interface count exceeds the limit of the host instance \(r.instanceId) runs on (\(host.capacity)).")
        }
        let result = try attach(r.networkInterfaceId, to: target, deviceIndex: r.deviceIndex,
                                networkCardIndex: r.networkCardIndex ?? 0)
        hostInterfaces(hostId, 1)
        return result
    }

    /// Attaches an interface to an instance at a device index: same VPC and zone, a free index.
    mutating func attach(_ eniId: String, to instance: InstanceTarget, deviceIndex: Int, networkCardIndex: Int) throws
        -> EC2.AttachNetworkInterfaceResult {
        var eni = try state.networkInterfaces.require(eniId, .networkInterface)
        guard eni.attachment == nil else {
            throw EC2Error("InvalidNetworkInterface.InUse", "Interface: [\(eniId)] in use.")
        }
        guard deviceIndex >= 0 else {
            throw EC2Error.invalidParameterValue("Value (\(deviceIndex)) for parameter deviceIndex is invalid.")
        }
        guard eni.vpcId == instance.vpcId else {
            throw EC2Error.invalidParameterValue("Network interface \(eniId) and instance \(instance.instanceId) are not in the same VPC.")
        }
        guard eni.availabilityZone == instance.availabilityZone else {
            throw EC2Error.invalidParameterValue("Network interface \(eniId) and instance \(instance.instanceId) are not in the same availability zone.")
        }
        if state.networkInterfaces.values.contains(where: {
            $0.attachment?.instanceId == instance.instanceId && $0.attachment?.deviceIndex == deviceIndex
        }) {
            throw EC2Error.invalidParameterValue("Instance '\(instance.instanceId)' already has an interface attached at device index '\(deviceIndex)'.")
        }
        let attachmentId = ResourceID.generate("eni-attach")
        eni.attachment = EC2.NetworkInterfaceAttachment(
            attachTime: now, attachmentId: attachmentId, deleteOnTermination: false, deviceIndex: deviceIndex,
            networkCardIndex: networkCardIndex, instanceId: instance.instanceId, instanceOwnerId: account,
            status: "attached")
        eni.status = "in-use"
        state.networkInterfaces[eniId] = eni
        return EC2.AttachNetworkInterfaceResult(attachmentId: attachmentId, networkCardIndex: networkCardIndex)
    }

    public mutating func detachNetworkInterface(_ r: EC2.DetachNetworkInterfaceRequest) throws {
        guard var eni = state.networkInterfaces.values.first(where: { $0.attachment?.attachmentId == r.attachmentId }) else {
            throw EC2Error("InvalidAttachmentID.NotFound", "The attachment ID '\(r.attachmentId)' does not exist")
        }
        guard eni.attachment?.deviceIndex != 0 else {
            throw EC2Error("OperationNotPermitted", "The network interface at device index 0 cannot be detached.")
        }
        if let hostId = eni.attachment?.instanceId.flatMap({ state.instances[$0]?.hostId }) { hostInterfaces(hostId, -1) }
        eni.attachment = nil
        eni.status = "available"
        state.networkInterfaces[eni.networkInterfaceId ?? ""] = eni
    }

    public mutating func modifyNetworkInterfaceAttribute(_ r: EC2.ModifyNetworkInterfaceAttributeRequest) throws {
        var eni = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        guard r.enaSrdSpecification == nil, r.enablePrimaryIpv6 == nil,
              r.associatePublicIpAddress == nil, r.associatedSubnetIds == nil else {
            throw EC2Error("InvalidParameterCombination",
                           "Only the description, groupSet, sourceDestCheck, attachment and connectionTrackingSpecification attributes can be modified.")
        }
        let groups = r.groups.flatMap { $0.isEmpty ? nil : $0 }
        let given = [("description", r.description != nil), ("sourceDestCheck", r.sourceDestCheck != nil),
                     ("groupSet", groups != nil), ("attachment", r.attachment != nil),
                     ("connectionTrackingSpecification", r.connectionTrackingSpecification != nil)].filter(\.1).map(\.0)
        guard !given.isEmpty else { throw EC2Error.missingParameter("an attribute to modify") }
        guard given.count == 1 else {
            throw EC2Error("InvalidParameterCombination",
                           "Fields for multiple attribute types specified: \(given.joined(separator: ", "))")
        }
        if let description = r.description {
            eni.description = description.value ?? ""
        } else if let check = r.sourceDestCheck {
            guard let value = check.value else { throw EC2Error.missingParameter("SourceDestCheck.Value") }
            eni.sourceDestCheck = value
        } else if let groups {
            eni.groups = try interfaceGroups(groups, subnet: state.subnets.require(eni.subnetId ?? "", .subnet))
        } else if let changes = r.attachment {
            guard var attachment = eni.attachment, attachment.attachmentId == changes.attachmentId else {
                throw EC2Error("InvalidAttachmentID.NotFound",
                               "The attachment ID '\(changes.attachmentId ?? "")' does not exist")
            }
            if let v = changes.deleteOnTermination { attachment.deleteOnTermination = v }
            eni.attachment = attachment
        } else if let tracking = r.connectionTrackingSpecification {
            eni.connectionTrackingConfiguration = try Self.connectionTracking(tracking, over: eni.connectionTrackingConfiguration)
        }
        state.networkInterfaces[r.networkInterfaceId] = eni
    }

    public mutating func assignPrivateIpAddresses(_ r: EC2.AssignPrivateIpAddressesRequest) throws
        -> EC2.AssignPrivateIpAddressesResult {
        let eniId = r.networkInterfaceId
        var eni = try state.networkInterfaces.require(eniId, .networkInterface)
        guard r.ipv4Prefixes == nil, r.ipv4PrefixCount == nil else {
            throw EC2Error("InvalidParameterCombination", "IPv4 prefix delegation is not supported")
        }
        let requested = r.privateIpAddresses ?? []
        switch (requested.isEmpty, r.secondaryPrivateIpAddressCount) {
        case (true, nil): throw EC2Error.missingParameter("PrivateIpAddress or SecondaryPrivateIpAddressCount")
        case (false, _?):
            throw EC2Error("InvalidParameterCombination",
                           "Specify either PrivateIpAddresses or SecondaryPrivateIpAddressCount, not both.")
        case (true, let count?) where count < 1:
            throw EC2Error.invalidParameterValue("Value (\(count)) for parameter secondaryPrivateIpAddressCount is invalid.")
        default: break
        }
        let subnet = try state.subnets.require(eni.subnetId ?? "", .subnet)
        try Self.checkAddressCount(eni.privateIpAddresses?.count ?? 0, requested.count, r.secondaryPrivateIpAddressCount ?? 0)
        var pool = try SubnetAddresses(subnet, in: state)
        var assigned: [IPv4] = []
        var moved: [String: EC2.NetworkInterfaceAssociation] = [:]
        for text in requested {
            let a = try pool.parse(text)
            switch pool.holders[a] {
            case let holder? where holder == eniId:
                throw EC2Error.invalidParameterValue("Address \(text) is already assigned to interface \(eniId).")
            case let holder? where r.allowReassignment == true:
                moved[a.description] = try takeAddress(a.description, from: holder)
                pool.release(a)
            default: break
            }
            try pool.take(a, for: eniId)
            assigned.append(a)
        }
        for _ in 0..<(r.secondaryPrivateIpAddressCount ?? 0) { assigned.append(try pool.next(for: eniId)) }
        for a in assigned {
            let text = a.description
            eni.privateIpAddresses = (eni.privateIpAddresses ?? []) + [EC2.NetworkInterfacePrivateIpAddress(
                association: moved[text], primary: false, privateDnsName: privateDNSName(text), privateIpAddress: text)]
            if let association = moved[text], var address = state.addresses[association.allocationId ?? ""] {
                address.networkInterfaceId = eniId
                state.addresses[association.allocationId ?? ""] = address
            }
        }
        state.networkInterfaces[eniId] = eni
        return EC2.AssignPrivateIpAddressesResult(
            networkInterfaceId: eniId,
            assignedPrivateIpAddresses: assigned.map { EC2.AssignedPrivateIpAddress(privateIpAddress: $0.description) })
    }

    /// Takes a secondary address from another interface (AllowReassignment), returning its Elastic IP
    /// association, which moves with it (AssignPrivateIpAddresses).
    private mutating func takeAddress(_ address: String, from holderId: String) throws -> EC2.NetworkInterfaceAssociation? {
        guard var holder = state.networkInterfaces[holderId],
              let i = holder.privateIpAddresses?.firstIndex(where: { $0.privateIpAddress == address }) else { return nil }
        guard holder.privateIpAddresses?[i].primary != true else {
            throw EC2Error.invalidParameterValue("Address \(address) is the primary private IP address of \(holderId) and cannot be reassigned.")
        }
        let association = holder.privateIpAddresses?.remove(at: i).association
        state.networkInterfaces[holderId] = holder
        return association
    }

    public mutating func unassignPrivateIpAddresses(_ r: EC2.UnassignPrivateIpAddressesRequest) throws {
        var eni = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        guard r.ipv4Prefixes == nil else {
            throw EC2Error("InvalidParameterCombination", "IPv4 prefix delegation is not supported")
        }
        guard let addresses = r.privateIpAddresses, !addresses.isEmpty else {
            throw EC2Error.missingParameter("PrivateIpAddress")
        }
        let entries = eni.privateIpAddresses ?? []
        for text in addresses {
            guard let entry = entries.first(where: { $0.privateIpAddress == text }) else {
                throw EC2Error.invalidParameterValue("Some of the specified addresses are not assigned to interface \(r.networkInterfaceId)")
            }
            guard entry.primary != true else {
                throw EC2Error.invalidParameterValue("The primary private IP address \(text) of interface \(r.networkInterfaceId) cannot be unassigned.")
            }
        }
        // An Elastic IP on an unassigned address is disassociated.
        for entry in entries where addresses.contains(entry.privateIpAddress ?? "") {
            if let allocationId = entry.association?.allocationId { disassociateElasticIP(allocationId: allocationId) }
        }
        eni = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        eni.privateIpAddresses = eni.privateIpAddresses?.filter { !addresses.contains($0.privateIpAddress ?? "") }
        state.networkInterfaces[r.networkInterfaceId] = eni
    }

    public mutating func assignIpv6Addresses(_ r: EC2.AssignIpv6AddressesRequest) throws -> EC2.AssignIpv6AddressesResult {
        var eni = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        guard r.ipv6Prefixes == nil, r.ipv6PrefixCount == nil else {
            throw EC2Error("InvalidParameterCombination", "IPv6 prefix delegation is not supported")
        }
        let requested = r.ipv6Addresses ?? []
        if requested.isEmpty && r.ipv6AddressCount == nil { throw EC2Error.missingParameter("Ipv6AddressCount or Ipv6Addresses") }
        if let count = r.ipv6AddressCount, count < 1 {
            throw EC2Error.invalidParameterValue("Value (\(count)) for parameter ipv6AddressCount is invalid.")
        }
        try Self.checkAddressCount(eni.ipv6Addresses?.count ?? 0, requested.count, r.ipv6AddressCount ?? 0, ipv6: true)
        let subnet = try state.subnets.require(eni.subnetId ?? "", .subnet)
        let assigned = try newIPv6Addresses(subnet: subnet, requested: requested, count: r.ipv6AddressCount)
        eni.ipv6Addresses = (eni.ipv6Addresses ?? [])
            + assigned.map { EC2.NetworkInterfaceIpv6Address(ipv6Address: $0.description, isPrimaryIpv6: false) }
        state.networkInterfaces[r.networkInterfaceId] = eni
        return EC2.AssignIpv6AddressesResult(assignedIpv6Addresses: assigned.map(\.description),
                                             networkInterfaceId: r.networkInterfaceId)
    }

    public mutating func unassignIpv6Addresses(_ r: EC2.UnassignIpv6AddressesRequest) throws
        -> EC2.UnassignIpv6AddressesResult {
        var eni = try state.networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        guard r.ipv6Prefixes == nil else {
            throw EC2Error("InvalidParameterCombination", "IPv6 prefix delegation is not supported")
        }
        guard let requested = r.ipv6Addresses, !requested.isEmpty else { throw EC2Error.missingParameter("Ipv6Addresses") }
        // Compare parsed addresses, so any spelling of an assigned address matches.
        let held = (eni.ipv6Addresses ?? []).compactMap { $0.ipv6Address.flatMap(IPv6.init) }
        let removing = requested.compactMap(IPv6.init)
        guard removing.count == requested.count, removing.allSatisfy(held.contains) else {
            throw EC2Error.invalidParameterValue("Some of the specified addresses are not assigned to interface \(r.networkInterfaceId)")
        }
        eni.ipv6Addresses = eni.ipv6Addresses?.filter { entry in
            !removing.contains { entry.ipv6Address.flatMap(IPv6.init) == $0 }
        }
        state.networkInterfaces[r.networkInterfaceId] = eni
        return EC2.UnassignIpv6AddressesResult(networkInterfaceId: r.networkInterfaceId,
                                               unassignedIpv6Addresses: removing.map(\.description))
    }
}

extension RegionState {
    static let networkInterfaceFilters: Set<String> = [
        "association.allocation-id", "association.association-id", "addresses.association.owner-id",
        "addresses.association.public-ip", "addresses.primary", "addresses.private-ip-address",
        "association.ip-owner-id", "association.public-ip", "association.public-dns-name", "attachment.attach-time",
        "attachment.attachment-id", "attachment.delete-on-termination", "attachment.device-index",
        "attachment.instance-id", "attachment.instance-owner-id", "attachment.status", "availability-zone",
        "availability-zone-id", "description", "group-id", "group-name", "ipv6-addresses.ipv6-address",
        "interface-type", "mac-address", "network-interface-id", "owner-id", "private-dns-name",
        "private-ip-address", "requester-id", "requester-managed", "source-dest-check", "status", "subnet-id",
        "vpc-id",
    ]

    public func describeNetworkInterfaces(_ r: EC2.DescribeNetworkInterfacesRequest) throws
        -> EC2.DescribeNetworkInterfacesResult {
        if let max = r.maxResults {
            guard (5...1000).contains(max) else {
                throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
            }
            guard r.networkInterfaceIds?.isEmpty != false else {
                throw EC2Error("InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults")
            }
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.networkInterfaceFilters)
        let page = try describePage(
            networkInterfaces.selected(r.networkInterfaceIds, .networkInterface), filter: filter, tags: \.tagSet,
            id: { $0.networkInterfaceId ?? "" },
            values: networkInterfaceFilterValues,
            maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeNetworkInterfacesResult(networkInterfaces: page.items, nextToken: page.nextToken)
    }

    /// An ENI's values for a DescribeNetworkInterfaces filter name (`networkInterfaceFilters`).
    func networkInterfaceFilterValues(_ eni: EC2.NetworkInterface, _ name: String) -> [String] {
        let entries = eni.privateIpAddresses ?? []
        let attachment = eni.attachment
        switch name {
        case "association.allocation-id": return [eni.association?.allocationId].compactMap { $0 }
        case "association.association-id": return [eni.association?.associationId].compactMap { $0 }
        case "association.ip-owner-id": return [eni.association?.ipOwnerId].compactMap { $0 }
        case "association.public-ip": return [eni.association?.publicIp].compactMap { $0 }
        case "association.public-dns-name": return [eni.association?.publicDnsName].compactMap { $0 }
        case "addresses.association.owner-id": return entries.compactMap { $0.association?.ipOwnerId }
        case "addresses.association.public-ip": return entries.compactMap { $0.association?.publicIp }
        case "addresses.primary": return entries.flatMap { bool($0.primary) }
        case "addresses.private-ip-address", "private-ip-address": return entries.compactMap(\.privateIpAddress)
        case "attachment.attach-time": return [attachment?.attachTime?.iso8601].compactMap { $0 }
        case "attachment.attachment-id": return [attachment?.attachmentId].compactMap { $0 }
        case "attachment.delete-on-termination": return bool(attachment?.deleteOnTermination)
        case "attachment.device-index": return [attachment?.deviceIndex.map(String.init)].compactMap { $0 }
        case "attachment.instance-id": return [attachment?.instanceId].compactMap { $0 }
        case "attachment.instance-owner-id": return [attachment?.instanceOwnerId].compactMap { $0 }
        case "attachment.status": return [attachment?.status].compactMap { $0 }
        case "availability-zone": return [eni.availabilityZone ?? ""]
        case "availability-zone-id": return [eni.availabilityZoneId ?? ""]
        case "description": return [eni.description ?? ""]
        case "group-id": return (eni.groups ?? []).compactMap(\.groupId)
        case "group-name": return (eni.groups ?? []).compactMap(\.groupName)
        case "ipv6-addresses.ipv6-address": return (eni.ipv6Addresses ?? []).compactMap(\.ipv6Address)
        case "interface-type": return [eni.interfaceType ?? ""]
        case "mac-address": return [eni.macAddress ?? ""]
        case "network-interface-id": return [eni.networkInterfaceId ?? ""]
        case "owner-id": return [account]
        case "private-dns-name": return [eni.privateDnsName ?? ""]
        case "requester-id": return [eni.requesterId ?? ""]
        case "requester-managed": return bool(eni.requesterManaged)
        case "source-dest-check": return bool(eni.sourceDestCheck)
        case "status": return [eni.status ?? ""]
        case "subnet-id": return [eni.subnetId ?? ""]
        case "vpc-id": return [eni.vpcId ?? ""]
        default: return []
        }
    }

    public func describeNetworkInterfaceAttribute(_ r: EC2.DescribeNetworkInterfaceAttributeRequest) throws
        -> EC2.DescribeNetworkInterfaceAttributeResult {
        let eni = try networkInterfaces.require(r.networkInterfaceId, .networkInterface)
        guard let attribute = r.attribute else { throw EC2Error.missingParameter("Attribute") }
        var result = EC2.DescribeNetworkInterfaceAttributeResult(networkInterfaceId: r.networkInterfaceId)
        switch attribute {
        case "description": result.description = EC2.AttributeValue(value: eni.description ?? "")
        case "groupSet": result.groups = eni.groups ?? []
        case "sourceDestCheck": result.sourceDestCheck = EC2.AttributeBooleanValue(value: eni.sourceDestCheck ?? true)
        case "attachment": result.attachment = eni.attachment
        default:
            throw EC2Error.invalidParameterValue("Value (\(attribute)) for parameter attribute is invalid. Unknown attribute.")
        }
        return result
    }
}
