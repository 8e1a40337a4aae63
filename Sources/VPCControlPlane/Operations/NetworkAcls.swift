public import EC2Shapes
public import VPCModel

// CreateNetworkAcl, DeleteNetworkAcl, DescribeNetworkAcls, CreateNetworkAclEntry,
// ReplaceNetworkAclEntry, DeleteNetworkAclEntry, ReplaceNetworkAclAssociation.
//
// Every subnet is associated with exactly one network ACL: the VPC's default one
// until ReplaceNetworkAclAssociation moves it (Amazon VPC User Guide, "Network ACLs").

extension Transaction {
    /// A new non-default ACL denies everything: only the `*` rules (32767, and 32768
    /// once the VPC has IPv6), in both directions.
    public mutating func createNetworkAcl(_ r: EC2.CreateNetworkAclRequest) throws -> EC2.CreateNetworkAclResult {
        let vpc = try state.vpcs.require(r.vpcId, .vpc)
        try checkQuota(state.networkAcls.values.filter { $0.vpcId == vpc.id }.count, quotas.networkAclsPerVpc,
                       code: "NetworkAclLimitExceeded", "The maximum number of network ACLs has been reached.")
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "network-acl")
        let hasIPv6 = (vpc.vpc.ipv6CidrBlockAssociationSet ?? []).contains { $0.ipv6CidrBlockState?.state == "associated" }
        var entries: [EC2.NetworkAclEntry] = []
        for egress in [true, false] {
            entries.append(EC2.NetworkAclEntry(cidrBlock: "0.0.0.0/0", egress: egress, protocol: "-1",
                                               ruleAction: "deny", ruleNumber: 32767))
            if hasIPv6 { entries += Self.ipv6DefaultEntries(egress: egress, allow: false) }
        }
        let id = ResourceID.generate("acl")
        let acl = EC2.NetworkAcl(associations: [], entries: entries, isDefault: false, networkAclId: id,
                                 tags: tags ?? [], vpcId: vpc.id, ownerId: account)
        state.networkAcls[id] = acl
        return EC2.CreateNetworkAclResult(networkAcl: acl, clientToken: r.clientToken)
    }

    public mutating func deleteNetworkAcl(_ r: EC2.DeleteNetworkAclRequest) throws {
        let acl = try state.networkAcls.require(r.networkAclId, .networkAcl)
        guard acl.isDefault != true else {
            throw EC2Error("InvalidParameterValue", "cannot delete default network ACL \(r.networkAclId)")
        }
        guard (acl.associations ?? []).isEmpty else {
            throw EC2Error.dependencyViolation("The networkAcl '\(r.networkAclId)' has dependencies and cannot be deleted.")
        }
        state.networkAcls[r.networkAclId] = nil
    }

    public mutating func createNetworkAclEntry(_ r: EC2.CreateNetworkAclEntryRequest) throws {
        var acl = try state.networkAcls.require(r.networkAclId, .networkAcl)
        let entry = try Self.networkAclEntry(
            ruleNumber: r.ruleNumber, protocol: r.protocol, ruleAction: r.ruleAction, egress: r.egress,
            cidrBlock: r.cidrBlock, ipv6CidrBlock: r.ipv6CidrBlock, icmpTypeCode: r.icmpTypeCode, portRange: r.portRange)
        var entries = acl.entries ?? []
        guard !entries.contains(where: { $0.ruleNumber == r.ruleNumber && $0.egress == r.egress }) else {
            throw EC2Error("NetworkAclEntryAlreadyExists", "The network acl entry identified by \(r.ruleNumber) already exists.")
        }
        // The quota is per direction and counts IPv4 and IPv6 rules, the `*` rules included
        // (Amazon VPC quotas, "Rules per network ACL").
        guard entries.filter({ $0.egress == r.egress }).count < quotas.rulesPerNetworkAcl else {
            throw EC2Error("NetworkAclEntryLimitExceeded",
                           "The maximum number of network acl entries has been reached for \(r.networkAclId).")
        }
        entries.append(entry)
        acl.entries = Self.ordered(entries)
        state.networkAcls[r.networkAclId] = acl
    }

    public mutating func replaceNetworkAclEntry(_ r: EC2.ReplaceNetworkAclEntryRequest) throws {
        var acl = try state.networkAcls.require(r.networkAclId, .networkAcl)
        let entry = try Self.networkAclEntry(
            ruleNumber: r.ruleNumber, protocol: r.protocol, ruleAction: r.ruleAction, egress: r.egress,
            cidrBlock: r.cidrBlock, ipv6CidrBlock: r.ipv6CidrBlock, icmpTypeCode: r.icmpTypeCode, portRange: r.portRange)
        var entries = acl.entries ?? []
        let i = try Self.entryIndex(in: entries, ruleNumber: r.ruleNumber, egress: r.egress, aclId: r.networkAclId)
        entries[i] = entry
        acl.entries = entries
        state.networkAcls[r.networkAclId] = acl
    }

    public mutating func deleteNetworkAclEntry(_ r: EC2.DeleteNetworkAclEntryRequest) throws {
        var acl = try state.networkAcls.require(r.networkAclId, .networkAcl)
        var entries = acl.entries ?? []
        guard (1...32766).contains(r.ruleNumber) else { throw Self.badRuleNumber(r.ruleNumber) }
        entries.remove(at: try Self.entryIndex(in: entries, ruleNumber: r.ruleNumber, egress: r.egress, aclId: r.networkAclId))
        acl.entries = entries
        state.networkAcls[r.networkAclId] = acl
    }

    /// Moves a subnet to another ACL of its VPC; the association gets a new id.
    public mutating func replaceNetworkAclAssociation(
        _ r: EC2.ReplaceNetworkAclAssociationRequest
    ) throws -> EC2.ReplaceNetworkAclAssociationResult {
        guard var current = state.networkAcls.values.first(where: { acl in
            (acl.associations ?? []).contains { $0.networkAclAssociationId == r.associationId }
        }), let old = current.associations?.first(where: { $0.networkAclAssociationId == r.associationId }) else {
            throw EC2Error.notFound(.association, r.associationId)
        }
        var target = try state.networkAcls.require(r.networkAclId, .networkAcl)
        guard target.vpcId == current.vpcId else {
            throw EC2Error("InvalidParameterValue",
                           "Network ACL \(r.networkAclId) and association \(r.associationId) belong to different networks")
        }
        current.associations = current.associations?.filter { $0.networkAclAssociationId != r.associationId }
        state.networkAcls[current.networkAclId!] = current
        if current.networkAclId == target.networkAclId { target = current }
        let newId = ResourceID.generate("aclassoc")
        target.associations = (target.associations ?? []) + [EC2.NetworkAclAssociation(
            networkAclAssociationId: newId, networkAclId: r.networkAclId, subnetId: old.subnetId)]
        state.networkAcls[r.networkAclId] = target
        return EC2.ReplaceNetworkAclAssociationResult(newAssociationId: newId)
    }

    /// Associates a new subnet with its VPC's default ACL (CreateSubnet and the default VPC call this).
    mutating func associateWithDefaultNetworkAcl(subnetId: String, vpcId: String) {
        guard var acl = state.networkAcls.values.first(where: { $0.vpcId == vpcId && $0.isDefault == true }) else { return }
        acl.associations = (acl.associations ?? []) + [EC2.NetworkAclAssociation(
            networkAclAssociationId: ResourceID.generate("aclassoc"), networkAclId: acl.networkAclId, subnetId: subnetId)]
        state.networkAcls[acl.networkAclId!] = acl
    }

    /// A validated entry: rule 1–32766, allow|deny, one CIDR (canonicalised), protocol as
    /// its number (`tcp`, `udp`, `icmp`, `icmpv6`, `all` accepted as names), a port range
    /// for TCP/UDP and a type/code for ICMP (EC2 API Reference, CreateNetworkAclEntry).
    static func networkAclEntry(ruleNumber: Int, protocol text: String, ruleAction: String, egress: Bool,
                                cidrBlock: String?, ipv6CidrBlock: String?, icmpTypeCode: EC2.IcmpTypeCode?,
                                portRange: EC2.PortRange?) throws -> EC2.NetworkAclEntry {
        guard (1...32766).contains(ruleNumber) else { throw badRuleNumber(ruleNumber) }
        let action = ruleAction.lowercased()
        guard action == "allow" || action == "deny" else {
            throw EC2Error("InvalidParameterValue", "Value (\(ruleAction)) for parameter ruleAction is invalid. Expecting 'allow' or 'deny'.")
        }
        let proto = try protocolNumber(text)
        var entry = EC2.NetworkAclEntry(egress: egress, protocol: String(proto), ruleAction: action, ruleNumber: ruleNumber)
        switch (cidrBlock, ipv6CidrBlock) {
        case (let v4?, nil):
            guard let cidr = IPv4CIDR(v4) else {
                throw EC2Error("InvalidParameterValue", "Value (\(v4)) for parameter cidrBlock is invalid. This is not a valid CIDR block.")
            }
            entry.cidrBlock = cidr.description
        case (nil, let v6?):
            guard let cidr = IPv6CIDR(v6) else {
                throw EC2Error("InvalidParameterValue", "Value (\(v6)) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.")
            }
            entry.ipv6CidrBlock = cidr.description
        case (nil, nil):
            throw EC2Error("MissingParameter", "The request must contain the parameter cidrBlock or ipv6CidrBlock")
        default:
            throw EC2Error("InvalidParameterCombination", "Only one of cidrBlock or ipv6CidrBlock may be specified.")
        }
        switch proto {
        case 6, 17:
            guard let range = portRange, let from = range.from, let to = range.to else {
                throw EC2Error.missingParameter("portRange")
            }
            guard (0...65535).contains(from), (0...65535).contains(to), from <= to else {
                throw EC2Error("InvalidParameterValue", "Invalid port range: \(from)-\(to)")
            }
            entry.portRange = EC2.PortRange(from: from, to: to)
        case 58 where entry.cidrBlock != nil:
            break  // ICMPv6 with an IPv4 block: every type and code, whatever is given (EC2's rule)
        case 1, 58:
            guard let icmp = icmpTypeCode, let type = icmp.type, let code = icmp.code else {
                throw EC2Error.missingParameter("icmpTypeCode")
            }
            guard (-1...255).contains(type), (-1...255).contains(code) else {
                throw EC2Error("InvalidParameterValue", "Invalid ICMP type/code: \(type)/\(code)")
            }
            entry.icmpTypeCode = EC2.IcmpTypeCode(code: code, type: type)
        default:
            break
        }
        return entry
    }

    /// An IP protocol number (−1 for all) from its number or name.
    static func protocolNumber(_ text: String) throws -> Int {
        switch text.lowercased() {
        case "all": return -1
        case "tcp": return 6
        case "udp": return 17
        case "icmp": return 1
        case "icmpv6": return 58
        default:
            guard let n = Int(text), n == -1 || (0...255).contains(n) else {
                throw EC2Error("InvalidParameterValue", "Invalid value '\(text)' for protocol. Must be a protocol number, tcp, udp, icmp or -1.")
            }
            return n
        }
    }

    static func badRuleNumber(_ n: Int) -> EC2Error {
        EC2Error("InvalidParameterValue", "Invalid value for parameter ruleNumber: \(n). Rule numbers must be between 1 and 32766.")
    }

    static func entryIndex(in entries: [EC2.NetworkAclEntry], ruleNumber: Int, egress: Bool, aclId: String) throws -> Int {
        guard let i = entries.firstIndex(where: { $0.ruleNumber == ruleNumber && $0.egress == egress }) else {
            throw EC2Error("InvalidNetworkAclEntry.NotFound",
                           "The network acl entry identified by \(ruleNumber) (\(egress ? "egress" : "ingress")) does not exist in \(aclId)")
        }
        return i
    }

    /// Egress entries first, each direction by rule number, as DescribeNetworkAcls lists them.
    static func ordered(_ entries: [EC2.NetworkAclEntry]) -> [EC2.NetworkAclEntry] {
        entries.sorted { a, b in
            a.egress != b.egress ? a.egress == true : (a.ruleNumber ?? 0) < (b.ruleNumber ?? 0)
        }
    }
}

extension RegionState {
    static let networkAclFilters: Set<String> = [
        "association.association-id", "association.network-acl-id", "association.subnet-id", "default",
        "entry.cidr", "entry.icmp.code", "entry.icmp.type", "entry.ipv6-cidr", "entry.port-range.from",
        "entry.port-range.to", "entry.protocol", "entry.rule-action", "entry.egress", "entry.rule-number",
        "network-acl-id", "owner-id", "vpc-id",
    ]

    public func describeNetworkAcls(_ r: EC2.DescribeNetworkAclsRequest) throws -> EC2.DescribeNetworkAclsResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.networkAclFilters)
        let page = try describePage(
            networkAcls.selected(r.networkAclIds, .networkAcl), filter: filter, tags: \.tags,
            id: { $0.networkAclId ?? "" },
            values: { acl, name in
                let a = acl.associations ?? []
                let e = acl.entries ?? []
                switch name {
                case "association.association-id": return a.compactMap(\.networkAclAssociationId)
                case "association.network-acl-id": return a.compactMap(\.networkAclId)
                case "association.subnet-id": return a.compactMap(\.subnetId)
                case "default": return bool(acl.isDefault)
                case "entry.cidr": return e.compactMap(\.cidrBlock)
                case "entry.icmp.code": return e.compactMap { $0.icmpTypeCode?.code.map(String.init) }
                case "entry.icmp.type": return e.compactMap { $0.icmpTypeCode?.type.map(String.init) }
                case "entry.ipv6-cidr": return e.compactMap(\.ipv6CidrBlock)
                case "entry.port-range.from": return e.compactMap { $0.portRange?.from.map(String.init) }
                case "entry.port-range.to": return e.compactMap { $0.portRange?.to.map(String.init) }
                case "entry.protocol":
                    // Names match too: `tcp` finds entries stored as 6.
                    return e.compactMap(\.protocol).flatMap { p in [p] + Self.protocolNames(p) }
                case "entry.rule-action": return e.compactMap(\.ruleAction)
                case "entry.egress": return e.flatMap { bool($0.egress) }
                case "entry.rule-number": return e.compactMap { $0.ruleNumber.map(String.init) }
                case "network-acl-id": return [acl.networkAclId ?? ""]
                case "owner-id": return [account]
                case "vpc-id": return [acl.vpcId ?? ""]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeNetworkAclsResult(networkAcls: page.items, nextToken: page.nextToken)
    }

    static func protocolNames(_ number: String) -> [String] {
        switch number {
        case "-1": ["all"]
        case "6": ["tcp"]
        case "17": ["udp"]
        case "1": ["icmp"]
        case "58": ["icmpv6"]
        default: []
        }
    }

    /// The network ACL that filters a subnet's traffic: its association, else its VPC's default ACL.
    public func networkAcl(forSubnet subnetId: String) -> EC2.NetworkAcl? {
        if let acl = networkAcls.values.first(where: { acl in
            (acl.associations ?? []).contains { $0.subnetId == subnetId }
        }) { return acl }
        guard let vpcId = subnets[subnetId]?.vpcId else { return nil }
        return networkAcls.values.first { $0.vpcId == vpcId && $0.isDefault == true }
    }
}
