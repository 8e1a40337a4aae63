public import EC2Shapes
public import VPCModel

// AllocateAddress, AssociateAddress, DisassociateAddress, ReleaseAddress, DescribeAddresses.

extension Transaction {
    public mutating func allocateAddress(_ r: EC2.AllocateAddressRequest) throws -> EC2.AllocateAddressResult {
        // EC2-Classic is gone: `standard` now gives a VPC address too.
        if let domain = r.domain, domain != "vpc" && domain != "standard" {
            throw EC2Error.invalidParameterValue("Value (\(domain)) for parameter domain is invalid.")
        }
        guard r.customerOwnedIpv4Pool == nil, r.ipamPoolId == nil else {
            throw EC2Error("InvalidParameterCombination", "Customer-owned and IPAM pools are not supported")
        }
        if let pool = r.publicIpv4Pool, pool != "amazon" {
            throw EC2Error("InvalidPublicIpv4PoolID.NotFound", "The public IPv4 pool '\(pool)' does not exist")
        }
        if let group = r.networkBorderGroup, group != region.name {
            throw EC2Error.invalidParameterValue("The network border group '\(group)' is invalid.")
        }
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "elastic-ip")
        try checkQuota(state.addresses.count, quotas.elasticIPsPerRegion, code: "AddressLimitExceeded",
                       "The maximum number of addresses has been reached.")
        let ip = try r.address.map { try claimPublicIP($0) } ?? allocatePublicIP()
        let allocationId = ResourceID.generate("eipalloc")
        state.addresses[allocationId] = EC2.Address(
            allocationId: allocationId, domain: "vpc", tags: tags ?? [], publicIpv4Pool: "amazon",
            networkBorderGroup: region.name, publicIp: ip.description)
        return EC2.AllocateAddressResult(allocationId: allocationId, publicIpv4Pool: "amazon",
                                         networkBorderGroup: region.name, domain: "vpc", publicIp: ip.description)
    }

    /// A free address of the public pool (never its network or broadcast address), unique across
    /// every account; the search starts at a random point, as EC2's choice is arbitrary.
    mutating func allocatePublicIP() throws -> IPv4 {
        let pool = options.publicAddressPool
        let usable = pool.size > 2 ? pool.size - 2 : 0
        var rng = SystemRandomNumberGenerator()
        let start = usable > 0 ? UInt64.random(in: 0..<usable, using: &rng) : 0
        for step in 0..<usable {
            let a = pool.address(at: UInt32(1 + (start + step) % usable))
            if global.publicIPs.insert(a.value).inserted { return a }
        }
        throw EC2Error("InsufficientAddressCapacity", "There are no free addresses in the public IPv4 pool.")
    }

    /// A specific address of the public pool (AllocateAddress `Address`), if nobody holds it.
    mutating func claimPublicIP(_ text: String) throws -> IPv4 {
        guard let a = IPv4(text) else {
            throw EC2Error.invalidParameterValue("Invalid value '\(text)' for parameter address. This is not a valid IPv4 address.")
        }
        let pool = options.publicAddressPool
        guard pool.contains(a), a != pool.first, a != pool.last, global.publicIPs.insert(a.value).inserted else {
            throw EC2Error("InvalidAddress.NotFound", "The address '\(text)' is not available in the address pool.")
        }
        return a
    }

    public mutating func associateAddress(_ r: EC2.AssociateAddressRequest) throws -> EC2.AssociateAddressResult {
        // Every address here is a VPC one, which EC2 names by allocation id only.
        guard r.allocationId != nil || r.publicIp == nil else {
            throw EC2Error("InvalidParameterCombination", "You must specify an allocation id when mapping an address to a VPC instance")
        }
        let address = try state.elasticIP(allocationId: r.allocationId, publicIp: nil)
        let allocationId = address.allocationId ?? ""
        let eniId: String
        switch (r.networkInterfaceId, r.instanceId) {
        case (nil, nil): throw EC2Error.missingParameter("NetworkInterfaceId or InstanceId")
        case (_?, _?):
            throw EC2Error("InvalidParameterCombination", "Specify either NetworkInterfaceId or InstanceId, not both.")
        case (let id?, nil): eniId = id
        case (nil, let id?):
            guard let primary = try state.instanceTarget(id).primaryNetworkInterfaceId else {
                throw EC2Error("InvalidInstanceID", "The instance '\(id)' has no network interface at device index 0.")
            }
            guard state.interfaces(of: id).count == 1 else {
                throw EC2Error("InvalidInstanceID",
                               "There are multiple interfaces attached to instance '\(id)'. Please specify an interface ID for the operation instead.")
            }
            eniId = primary
        }
        let eni = try state.networkInterfaces.require(eniId, .networkInterface)
        let privateIp = r.privateIpAddress ?? eni.privateIpAddress ?? ""
        guard let entry = eni.privateIpAddresses?.first(where: { $0.privateIpAddress == privateIp }) else {
            throw EC2Error.invalidParameterValue("The private IP address \(privateIp) is not assigned to interface \(eniId).")
        }
        let vpcId = eni.vpcId ?? ""
        guard state.internetGateways.values.contains(where: { $0.attachments?.contains { $0.vpcId == vpcId } == true }) else {
            throw EC2Error("Gateway.NotAttached", "Network \(vpcId) is not attached to any internet gateway")
        }
        if let current = address.associationId {
            guard r.allowReassociation == true else {
                throw EC2Error("Resource.AlreadyAssociated",
                               "resource \(allocationId) is already associated with associate-id \(current)")
            }
            disassociateElasticIP(allocationId: allocationId)
        }
        // An Elastic IP already on that private address is replaced (it stays allocated); a
        // launch-time public IP there goes back to the pool, as EC2 releases it.
        if let other = entry.association?.allocationId { disassociateElasticIP(allocationId: other) }
        if let now = state.networkInterfaces[eniId]?.privateIpAddresses?.first(where: { $0.privateIpAddress == privateIp }),
           now.association != nil, now.association?.allocationId == nil {
            releasePublicIP(of: eniId)
        }
        return EC2.AssociateAddressResult(associationId: try associateElasticIP(allocationId, to: eniId, privateIp: privateIp))
    }

    /// Points an Elastic IP at a private address of an interface: recorded on the address, on the
    /// interface's private IP entry and, for the primary address, on the interface itself.
    mutating func associateElasticIP(_ allocationId: String, to eniId: String, privateIp: String) throws -> String {
        var address = try state.addresses.require(allocationId, .address)
        var eni = try state.networkInterfaces.require(eniId, .networkInterface)
        let associationId = ResourceID.generate("eipassoc")
        let ip = address.publicIp ?? ""
        let association = EC2.NetworkInterfaceAssociation(
            allocationId: allocationId, associationId: associationId, ipOwnerId: account,
            publicDnsName: publicDNSName(ip), publicIp: ip)
        for i in (eni.privateIpAddresses ?? []).indices where eni.privateIpAddresses?[i].privateIpAddress == privateIp {
            eni.privateIpAddresses?[i].association = association
            if eni.privateIpAddresses?[i].primary == true { eni.association = association }
        }
        address.associationId = associationId
        address.networkInterfaceId = eniId
        address.networkInterfaceOwnerId = account
        address.privateIpAddress = privateIp
        state.addresses[allocationId] = address
        state.networkInterfaces[eniId] = eni
        return associationId
    }

    /// Removes an Elastic IP's association from the address and from its interface, if any.
    mutating func disassociateElasticIP(allocationId: String) {
        guard var address = state.addresses[allocationId], let associationId = address.associationId else { return }
        let eniId = address.networkInterfaceId
        if let eniId, var eni = state.networkInterfaces[eniId] {
            if eni.association?.associationId == associationId { eni.association = nil }
            for i in (eni.privateIpAddresses ?? []).indices
            where eni.privateIpAddresses?[i].association?.associationId == associationId {
                eni.privateIpAddresses?[i].association = nil
            }
            state.networkInterfaces[eniId] = eni
        }
        address.associationId = nil
        address.networkInterfaceId = nil
        address.networkInterfaceOwnerId = nil
        address.privateIpAddress = nil
        state.addresses[allocationId] = address
        if let eniId { regainPublicIP(eniId) }
    }

    /// An instance left with no public address gets a new public IP, as EC2 gives one when an
    /// Elastic IP leaves an instance with one interface, if its subnet maps them (as at start).
    /// With the pool exhausted it stays without one: the Elastic IP still goes.
    mutating func regainPublicIP(_ eniId: String) {
        guard let eni = state.networkInterfaces[eniId], eni.attachment?.deviceIndex == 0,
              (eni.privateIpAddresses ?? []).allSatisfy({ $0.association == nil }), eni.association == nil,
              let instanceId = eni.attachment?.instanceId, let i = state.instances[instanceId],
              i.state == "pending" || i.state == "running", state.interfaces(of: instanceId).count == 1,
              state.subnets[eni.subnetId ?? ""]?.mapPublicIpOnLaunch == true
        else { return }
        try? assignPublicIP(to: eniId)
    }

    /// `ec2-198-18-0-5.compute-1.amazonaws.com` in us-east-1, `ec2-….<region>.compute.amazonaws.com` elsewhere.
    func publicDNSName(_ ip: String) -> String {
        let host = "ec2-" + ip.split(separator: ".").joined(separator: "-")
        return region.name == "us-east-1" ? host + ".compute-1.amazonaws.com" : host + ".\(region.name).compute.amazonaws.com"
    }

    public mutating func disassociateAddress(_ r: EC2.DisassociateAddressRequest) throws {
        let address: EC2.Address
        if let associationId = r.associationId {
            guard let found = state.addresses.values.first(where: { $0.associationId == associationId }) else {
                throw EC2Error.notFound(.association, associationId)
            }
            address = found
        } else if let ip = r.publicIp {
            address = try state.elasticIP(allocationId: nil, publicIp: ip)
            guard address.associationId != nil else {
                throw EC2Error.invalidParameterValue("The address \(ip) is not associated.")
            }
        } else {
            throw EC2Error.missingParameter("AssociationId")
        }
        disassociateElasticIP(allocationId: address.allocationId ?? "")
    }

    public mutating func releaseAddress(_ r: EC2.ReleaseAddressRequest) throws {
        switch (r.allocationId, r.publicIp) {
        case (_?, _?):
            throw EC2Error("InvalidParameterCombination", "You may specify public IP or allocation id, but not both in the same call")
        case (nil, _?):
            throw EC2Error("InvalidParameterValue", "You must specify an allocation id when releasing a VPC elastic IP address")
        default:
            break
        }
        let address = try state.elasticIP(allocationId: r.allocationId, publicIp: nil)
        if let group = r.networkBorderGroup, group != address.networkBorderGroup {
            throw EC2Error.invalidParameterValue("The network border group '\(group)' is invalid.")
        }
        guard address.associationId == nil else {
            throw EC2Error("InvalidIPAddress.InUse", "Address \(address.publicIp ?? "") is in use.")
        }
        state.addresses[address.allocationId ?? ""] = nil
        if let ip = address.publicIp.flatMap(IPv4.init) { global.publicIPs.remove(ip.value) }
    }
}

extension RegionState {
    static let addressFilters: Set<String> = [
        "allocation-id", "association-id", "domain", "instance-id", "network-border-group", "network-interface-id",
        "network-interface-owner-id", "private-ip-address", "public-ip", "public-ipv4-pool",
    ]

    /// An Elastic IP by allocation id, else by public IP (the older way to name one).
    func elasticIP(allocationId: String?, publicIp: String?) throws -> EC2.Address {
        if let allocationId { return try addresses.require(allocationId, .address) }
        guard let publicIp else { throw EC2Error.missingParameter("AllocationId") }
        guard let found = addresses.values.first(where: { $0.publicIp == publicIp }) else {
            throw EC2Error("InvalidAddress.NotFound", "Address '\(publicIp)' not found.")
        }
        return found
    }

    /// The address as Describe shows it: with the instance its interface is attached to.
    func describedAddress(_ a: EC2.Address) -> EC2.Address {
        var out = a
        out.instanceId = a.networkInterfaceId.flatMap { networkInterfaces[$0]?.attachment?.instanceId }
        return out
    }

    public func describeAddresses(_ r: EC2.DescribeAddressesRequest) throws -> EC2.DescribeAddressesResult {
        let filter = try DescribeFilter(r.filters, allowed: Self.addressFilters)
        var selected = try addresses.selected(r.allocationIds, .address)
        if let ips = r.publicIps, !ips.isEmpty {
            for ip in ips where !addresses.values.contains(where: { $0.publicIp == ip }) {
                throw EC2Error("InvalidAddress.NotFound", "Address '\(ip)' not found.")
            }
            selected = selected.filter { ips.contains($0.publicIp ?? "") }
        }
        let page = try describePage(
            selected.map(describedAddress), filter: filter, tags: \.tags, id: { $0.allocationId ?? "" },
            values: { a, name in
                switch name {
                case "allocation-id": return [a.allocationId ?? ""]
                case "association-id": return [a.associationId].compactMap { $0 }
                case "domain": return [a.domain ?? ""]
                case "instance-id": return [a.instanceId].compactMap { $0 }
                case "network-border-group": return [a.networkBorderGroup ?? ""]
                case "network-interface-id": return [a.networkInterfaceId].compactMap { $0 }
                case "network-interface-owner-id": return [a.networkInterfaceOwnerId].compactMap { $0 }
                case "private-ip-address": return [a.privateIpAddress].compactMap { $0 }
                case "public-ip": return [a.publicIp ?? ""]
                case "public-ipv4-pool": return [a.publicIpv4Pool ?? ""]
                default: return []
                }
            }, maxResults: nil, nextToken: nil)
        return EC2.DescribeAddressesResult(addresses: page.items)
    }
}
