public import EC2Shapes
public import VPCModel

// CreateSecurityGroup, DeleteSecurityGroup, DescribeSecurityGroups
// (rules: SecurityGroupRules.swift).

extension Transaction {
    public mutating func createSecurityGroup(_ r: EC2.CreateSecurityGroupRequest) throws -> EC2.CreateSecurityGroupResult {
        try Self.validateGroupText(r.groupName, parameter: "GroupName")
        try Self.validateGroupText(r.description, parameter: "GroupDescription")
        guard !r.groupName.lowercased().hasPrefix("sg-") else {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(r.groupName)) for parameter GroupName is invalid. Group names may not be in the format sg-*.")
        }
        guard r.groupName.lowercased() != "default" else {
            throw EC2Error("InvalidGroup.Reserved",
                           "The security group 'default' is reserved, and cannot be used to create a new security group.")
        }
        let vpcId: String
        if let id = r.vpcId {
            vpcId = try state.vpcs.require(id, .vpc).id
        } else {
            guard let id = state.meta["region"]?.defaultVpcId, state.vpcs[id] != nil else {
                throw EC2Error("VPCIdNotSpecified", "No default VPC for this user")
            }
            vpcId = id
        }
        let siblings = state.securityGroups.values.filter { $0.vpcId == vpcId }
        if siblings.contains(where: { $0.groupName.lowercased() == r.groupName.lowercased() }) {
            throw EC2Error("InvalidGroup.Duplicate", "The security group '\(r.groupName)' already exists for VPC '\(vpcId)'")
        }
        try checkQuota(siblings.count, quotas.securityGroupsPerVpc, code: "SecurityGroupLimitExceeded",
                       "The maximum number of security groups for VPC '\(vpcId)' has been reached.")
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "security-group")
        let groupId = ResourceID.generate("sg")
        // A new group sends anywhere over IPv4 and accepts nothing (VPC User Guide, security group rules).
        let egress = EC2.SecurityGroupRule(
            securityGroupRuleId: ResourceID.generate("sgr"), groupId: groupId, groupOwnerId: account,
            isEgress: true, ipProtocol: "-1", fromPort: -1, toPort: -1, cidrIpv4: "0.0.0.0/0", tags: [])
        state.securityGroups[groupId] = SecurityGroupRecord(
            groupId: groupId, groupName: r.groupName, description: r.description, vpcId: vpcId, ownerId: account,
            tags: tags ?? [], rules: [egress], isDefault: false)
        return EC2.CreateSecurityGroupResult(groupId: groupId, tags: tags,
                                             securityGroupArn: state.securityGroupArn(groupId))
    }

    /// Names and descriptions: 1–255 characters from EC2's set for VPC security groups.
    static func validateGroupText(_ text: String, parameter: String) throws {
        guard !text.isEmpty else { throw EC2Error.missingParameter(parameter) }
        guard text.count <= 255, text.allSatisfy(RuleSyntax.allowedCharacters.contains) else {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(text)) for parameter \(parameter) is invalid. Valid values are up to 255 characters from a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*")
        }
    }

    /// Deletes a group unless it is its VPC's default, is used by a network
    /// interface, or another group's rules reference it.
    public mutating func deleteSecurityGroup(_ r: EC2.DeleteSecurityGroupRequest) throws -> EC2.DeleteSecurityGroupResult {
        let group = try state.targetGroup(id: r.groupId, name: r.groupName)
        let id = group.groupId
        guard !group.isDefault else {
            throw EC2Error("CannotDelete", "the specified group: \"\(id)\" name: \"default\" cannot be deleted by a user")
        }
        let usedByInterface = state.networkInterfaces.values.contains { eni in
            (eni.groups ?? []).contains { $0.groupId == id }
        }
        let referenced = state.securityGroups.values.contains { other in
            other.groupId != id && other.rules.contains { $0.referencedGroupInfo?.groupId == id }
        }
        guard !usedByInterface, !referenced else {
            throw EC2Error.dependencyViolation("resource \(id) has a dependent object")
        }
        state.securityGroups[id] = nil
        return EC2.DeleteSecurityGroupResult(return: true, groupId: id)
    }
}

extension RegionState {
    static let securityGroupFilters: Set<String> = {
        let permission = ["cidr", "from-port", "group-id", "group-name", "ipv6-cidr", "prefix-list-id", "protocol",
                          "to-port", "user-id"]
        return Set(["description", "group-id", "group-name", "owner-id", "vpc-id"]
            + permission.map { "ip-permission." + $0 } + permission.map { "egress.ip-permission." + $0 })
    }()

    func securityGroupArn(_ id: String) -> String { "arn:aws:ec2:\(region):\(account):security-group/\(id)" }

    public func describeSecurityGroups(_ r: EC2.DescribeSecurityGroupsRequest) throws -> EC2.DescribeSecurityGroupsResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.securityGroupFilters)
        let records: [SecurityGroupRecord]
        let names = r.groupNames ?? []
        let ids = r.groupIds ?? []
        if names.isEmpty && ids.isEmpty {
            records = securityGroups.sorted
        } else {
            // Names select groups of the default VPC only (DescribeSecurityGroups reference).
            var byId: [String: SecurityGroupRecord] = [:]
            for id in ids { byId[id] = try group(id) }
            for name in names {
                let g = try targetGroup(id: nil, name: name)
                byId[g.groupId] = g
            }
            records = byId.values.sorted { $0.groupId < $1.groupId }
        }
        let page = try describePage(
            records, filter: filter, tags: { $0.tags }, id: \.groupId,
            values: { g, name in
                let egress = name.hasPrefix("egress.")
                let field = name.hasPrefix("ip-permission.") || egress ? String(name.split(separator: ".").last ?? "") : ""
                let rules = g.rules.filter { ($0.isEgress ?? false) == egress }
                switch name {
                case "description": return [g.description]
                case "group-id": return [g.groupId]
                case "group-name": return [g.groupName]
                case "owner-id": return [g.ownerId]
                case "vpc-id": return [g.vpcId]
                default: return ruleFilterValues(rules, field: field)
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeSecurityGroupsResult(nextToken: page.nextToken, securityGroups: page.items.map(described))
    }

    /// The values of an `ip-permission.<field>` filter over some rules.
    func ruleFilterValues(_ rules: [EC2.SecurityGroupRule], field: String) -> [String] {
        rules.flatMap { rule -> [String] in
            switch field {
            case "cidr": return rule.cidrIpv4.map { [$0] } ?? []
            case "ipv6-cidr": return rule.cidrIpv6.map { [$0] } ?? []
            case "prefix-list-id": return rule.prefixListId.map { [$0] } ?? []
            case "group-id": return rule.referencedGroupInfo?.groupId.map { [$0] } ?? []
            case "group-name":
                return rule.referencedGroupInfo?.groupId.flatMap { securityGroups[$0]?.groupName }.map { [$0] } ?? []
            case "user-id": return rule.referencedGroupInfo?.userId.map { [$0] } ?? []
            case "from-port": return [String(rule.fromPort ?? -1)]
            case "to-port": return [String(rule.toPort ?? -1)]
            case "protocol":
                let p = rule.ipProtocol ?? "-1"
                let number = ["tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"][p]
                return [p] + (number.map { [$0] } ?? [])
            default: return []
            }
        }
    }

    /// A group as DescribeSecurityGroups shows it, its rules grouped into IpPermissions.
    func described(_ g: SecurityGroupRecord) -> EC2.SecurityGroup {
        EC2.SecurityGroup(
            groupId: g.groupId, ipPermissionsEgress: ipPermissions(g.rules, egress: true), tags: g.tags,
            vpcId: g.vpcId, securityGroupArn: securityGroupArn(g.groupId), ownerId: g.ownerId,
            groupName: g.groupName, description: g.description, ipPermissions: ipPermissions(g.rules, egress: false))
    }

    /// The private IPv4 addresses of the network interfaces in a security group: what
    /// a rule referencing the group matches (for the data plane).
    public func securityGroupMembers(_ groupId: String) -> [String] {
        var out: [String] = []
        for eni in networkInterfaces.sorted where (eni.groups ?? []).contains(where: { $0.groupId == groupId }) {
            let addresses = (eni.privateIpAddresses ?? []).compactMap(\.privateIpAddress)
            out += addresses.isEmpty ? (eni.privateIpAddress.map { [$0] } ?? []) : addresses
        }
        return out
    }
}
