public import EC2Shapes
public import VPCModel

// AuthorizeSecurityGroupIngress/Egress, RevokeSecurityGroupIngress/Egress,
// DescribeSecurityGroupRules, ModifySecurityGroupRules,
// UpdateSecurityGroupRuleDescriptionsIngress/Egress.

/// What a security group rule lets through, without its id and description:
/// two rules with the same definition are duplicates (EC2 compares exactly this).
struct RuleDefinition: Hashable {
    enum Peer: Hashable {
        case ipv4(String), ipv6(String), prefixList(String), group(String)
    }

    var isEgress: Bool
    /// `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or another protocol's number.
    var ipProtocol: String
    var fromPort: Int
    var toPort: Int
    var peer: Peer

    init(isEgress: Bool, ipProtocol: String, fromPort: Int, toPort: Int, peer: Peer) {
        self.isEgress = isEgress
        self.ipProtocol = ipProtocol
        self.fromPort = fromPort
        self.toPort = toPort
        self.peer = peer
    }

    init?(_ rule: EC2.SecurityGroupRule) {
        let peer: Peer
        if let v4 = rule.cidrIpv4 { peer = .ipv4(v4) }
        else if let v6 = rule.cidrIpv6 { peer = .ipv6(v6) }
        else if let pl = rule.prefixListId { peer = .prefixList(pl) }
        else if let g = rule.referencedGroupInfo?.groupId { peer = .group(g) }
        else { return nil }
        self.init(isEgress: rule.isEgress ?? false, ipProtocol: rule.ipProtocol ?? "-1",
                  fromPort: rule.fromPort ?? -1, toPort: rule.toPort ?? -1, peer: peer)
    }

    /// Whether the ports mean something for this protocol (and IpPermission shows them).
    static func hasPorts(_ ipProtocol: String) -> Bool {
        ["tcp", "udp", "icmp", "icmpv6"].contains(ipProtocol)
    }

    /// The rule as EC2 words it in InvalidPermission.Duplicate:
    /// `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`.
    var text: String {
        let peerText: String
        switch peer {
        case .ipv4(let c), .ipv6(let c), .prefixList(let c), .group(let c): peerText = c
        }
        var parts = ["peer: \(peerText)"]
        switch ipProtocol {
        case "-1": parts.append("ALL")
        case "tcp", "udp": parts += [ipProtocol.uppercased(), "from port: \(fromPort)", "to port: \(toPort)"]
        case "icmp", "icmpv6": parts += [ipProtocol.uppercased(), "type: \(fromPort)", "code: \(toPort)"]
        default: parts.append("PROTOCOL: \(ipProtocol)")
        }
        return parts.joined(separator: ", ") + ", ALLOW"
    }

    /// Which per-family quotas the rule counts against: a group or prefix-list
    /// reference counts for both IPv4 and IPv6.
    var families: (ipv4: Bool, ipv6: Bool) {
        switch peer {
        case .ipv4: (true, false)
        case .ipv6: (false, true)
        case .prefixList, .group: (true, true)
        }
    }
}

/// A rule definition asked for, with its description.
struct RequestedRule {
    var definition: RuleDefinition
    var description: String?
}

enum RuleSyntax {
    /// Normalises an IpProtocol as EC2 shows it: `-1` for all, names for
    /// tcp/udp/icmp/icmpv6 (also when given by number), numbers otherwise.
    static func ipProtocol(_ text: String?) throws -> String {
        guard let text, !text.isEmpty else { throw EC2Error.missingParameter("ipProtocol") }
        switch text.lowercased() {
        case "-1", "all": return "-1"
        case "tcp", "6": return "tcp"
        case "udp", "17": return "udp"
        case "icmp", "1": return "icmp"
        case "icmpv6", "58": return "icmpv6"
        default:
            guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text), (0...255).contains(n) else {
                throw EC2Error("InvalidParameterValue", "Invalid value '\(text)' for IP protocol. Unknown protocol.")
            }
            return String(n)
        }
    }

    /// The stored ports of a rule: TCP/UDP need a range within 0–65535; ICMP takes
    /// type and code (-1 = any; any type means any code); other protocols have none.
    static func ports(_ ipProtocol: String, from: Int?, to: Int?) throws -> (Int, Int) {
        switch ipProtocol {
        case "tcp", "udp":
            guard let from, let to else {
                throw EC2Error("InvalidParameterValue",
                               "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
            }
            guard (0...65535).contains(from), (0...65535).contains(to) else {
                throw EC2Error("InvalidParameterValue",
                               "Invalid value '\(from)-\(to)' for portRange. Ports must be between 0 and 65535.")
            }
            guard from <= to else {
                throw EC2Error("InvalidParameterValue", "Invalid TCP/UDP port range (\(from), \(to)).")
            }
            return (from, to)
        case "icmp", "icmpv6":
            // ICMP rules name their type and code (-1: all); for ICMPv6 they are optional.
            guard ipProtocol == "icmpv6" || (from != nil && to != nil) else {
                throw EC2Error("InvalidParameterValue", "Invalid value 'Must specify both from and to ports with ICMP.' for portRange.")
            }
            let type = from ?? -1, code = to ?? -1
            guard (-1...255).contains(type), (-1...255).contains(code) else {
                throw EC2Error("InvalidParameterValue",
                               "Invalid value '\(type),\(code)' for ICMP type and code. Each must be between -1 and 255.")
            }
            guard type != -1 || code == -1 else {
                throw EC2Error("InvalidParameterValue",
                               "Invalid ICMP code \(code): when all ICMP types are allowed, all codes must be too (-1).")
            }
            return (type, code)
        default:
            return (-1, -1)
        }
    }

    /// The characters EC2 allows in VPC security group names, descriptions and rule descriptions.
    static let allowedCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*")

    /// Rule descriptions: up to 255 characters from EC2's set.
    static func description(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.count <= 255, text.allSatisfy(allowedCharacters.contains) else {
            throw EC2Error("InvalidParameterValue",
                           "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
        }
        return text
    }

    static func ipv4(_ text: String) throws -> String {
        guard let cidr = IPv4CIDR(text) else {
            throw EC2Error("InvalidParameterValue", "CIDR block \(text) is malformed")
        }
        return cidr.description
    }

    static func ipv6(_ text: String) throws -> String {
        guard let cidr = IPv6CIDR(text) else {
            throw EC2Error("InvalidParameterValue", "CIDR block \(text) is malformed")
        }
        return cidr.description
    }
}

extension RegionState {
    /// The group a rule call names by GroupId, or by GroupName in the default VPC.
    func targetGroup(id: String?, name: String?) throws -> SecurityGroupRecord {
        if let id { return try group(id) }
        guard let name else {
            throw EC2Error("MissingParameter", "The request must contain the parameter groupName or groupId")
        }
        guard let vpcId = meta["region"]?.defaultVpcId else {
            throw EC2Error("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
        }
        guard let group = securityGroups.values.first(where: { $0.vpcId == vpcId && $0.groupName == name }) else {
            throw EC2Error("InvalidGroup.NotFound", "The security group '\(name)' does not exist in default VPC '\(vpcId)'")
        }
        return group
    }

    /// A group by id: `InvalidGroupId.Malformed` for what is not an `sg-` id, else NotFound if missing.
    func group(_ id: String) throws -> SecurityGroupRecord {
        guard ResourceID.isWellFormed(id, prefix: "sg") else { throw EC2Error.malformed(.securityGroup, id) }
        return try securityGroups.require(id, .securityGroup)
    }

    /// The rules an IpPermission asks for on `group`: one per peer, with references checked
    /// (groups in the same account and VPC, prefix lists that exist).
    func requestedRules(_ p: EC2.IpPermission, group: SecurityGroupRecord, egress: Bool) throws -> [RequestedRule] {
        let ipProtocol = try RuleSyntax.ipProtocol(p.ipProtocol)
        let (from, to) = try RuleSyntax.ports(ipProtocol, from: p.fromPort, to: p.toPort)
        var peers: [(RuleDefinition.Peer, String?)] = []
        for r in p.ipRanges ?? [] {
            guard let cidr = r.cidrIp else { throw EC2Error.missingParameter("cidrIp") }
            peers.append((.ipv4(try RuleSyntax.ipv4(cidr)), try RuleSyntax.description(r.description)))
        }
        for r in p.ipv6Ranges ?? [] {
            guard let cidr = r.cidrIpv6 else { throw EC2Error.missingParameter("cidrIpv6") }
            peers.append((.ipv6(try RuleSyntax.ipv6(cidr)), try RuleSyntax.description(r.description)))
        }
        for r in p.prefixListIds ?? [] {
            guard let id = r.prefixListId else { throw EC2Error.missingParameter("prefixListId") }
            _ = try prefixLists.require(id, .prefixList)
            peers.append((.prefixList(id), try RuleSyntax.description(r.description)))
        }
        for pair in p.userIdGroupPairs ?? [] {
            let referenced = try referencedGroup(pair, from: group)
            peers.append((.group(referenced.groupId), try RuleSyntax.description(pair.description)))
        }
        guard !peers.isEmpty else {
            throw EC2Error("InvalidParameterValue",
                           "An IpPermission must name at least one of IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs.")
        }
        return peers.map {
            RequestedRule(definition: RuleDefinition(isEgress: egress, ipProtocol: ipProtocol, fromPort: from,
                                                     toPort: to, peer: $0.0),
                          description: $0.1)
        }
    }

    /// A group a rule references: ours, in the same VPC (no peering here).
    func referencedGroup(_ pair: EC2.UserIdGroupPair, from group: SecurityGroupRecord) throws -> SecurityGroupRecord {
        let found: SecurityGroupRecord
        if let id = pair.groupId {
            guard pair.userId == nil || pair.userId == account else { throw EC2Error.notFound(.securityGroup, id) }
            found = try self.group(id)
        } else if let name = pair.groupName {
            guard vpcs[group.vpcId]?.vpc.isDefault == true else {
                throw EC2Error("InvalidParameterValue",
                               "Invalid value '\(name)' for groupName. You may not reference Amazon VPC security groups by name. Please use the corresponding id for this operation.")
            }
            guard pair.userId == nil || pair.userId == account,
                  let g = securityGroups.values.first(where: { $0.vpcId == group.vpcId && $0.groupName == name }) else {
                throw EC2Error("InvalidGroup.NotFound", "The security group '\(name)' does not exist in VPC '\(group.vpcId)'")
            }
            found = g
        } else {
            throw EC2Error("MissingParameter", "The request must contain the parameter groupId or groupName")
        }
        guard found.vpcId == group.vpcId else {
            throw EC2Error("InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
        }
        return found
    }

    /// How many rules a rule counts as: a prefix-list reference counts its MaxEntries.
    func weight(of d: RuleDefinition) -> Int {
        if case .prefixList(let id) = d.peer { return prefixLists[id]?.list.maxEntries ?? 1 }
        return 1
    }

    /// Rejects a group whose rules in one direction exceed the per-family quota.
    func checkRuleQuota(_ definitions: [RuleDefinition], egress: Bool, limit: Int) throws {
        var v4 = 0, v6 = 0
        for d in definitions where d.isEgress == egress {
            let w = weight(of: d)
            if d.families.ipv4 { v4 += w }
            if d.families.ipv6 { v6 += w }
        }
        guard v4 <= limit, v6 <= limit else {
            throw EC2Error("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
        }
    }

    /// A rule as the API shows it, with its ARN.
    func shown(_ rule: EC2.SecurityGroupRule) -> EC2.SecurityGroupRule {
        var r = rule
        r.securityGroupRuleArn = "arn:aws:ec2:\(region):\(account):security-group-rule/\(rule.securityGroupRuleId ?? "")"
        r.tags = rule.tags ?? []
        return r
    }

    /// A group's rules of one direction as IpPermissions, the way DescribeSecurityGroups
    /// shows them: rules with the same protocol and ports share one IpPermission.
    func ipPermissions(_ rules: [EC2.SecurityGroupRule], egress: Bool) -> [EC2.IpPermission] {
        var out: [EC2.IpPermission] = []
        var index: [String: Int] = [:]
        for rule in rules where (rule.isEgress ?? false) == egress {
            guard let d = RuleDefinition(rule) else { continue }
            let key = "\(d.ipProtocol)/\(d.fromPort)/\(d.toPort)"
            if index[key] == nil {
                let ports = RuleDefinition.hasPorts(d.ipProtocol)
                index[key] = out.count
                out.append(EC2.IpPermission(ipProtocol: d.ipProtocol, fromPort: ports ? d.fromPort : nil,
                                            toPort: ports ? d.toPort : nil, userIdGroupPairs: [], ipRanges: [],
                                            ipv6Ranges: [], prefixListIds: []))
            }
            let i = index[key] ?? 0
            switch d.peer {
            case .ipv4(let c): out[i].ipRanges!.append(EC2.IpRange(description: rule.description, cidrIp: c))
            case .ipv6(let c): out[i].ipv6Ranges!.append(EC2.Ipv6Range(description: rule.description, cidrIpv6: c))
            case .prefixList(let id):
                out[i].prefixListIds!.append(EC2.PrefixListId(description: rule.description, prefixListId: id))
            case .group(let id):
                out[i].userIdGroupPairs!.append(EC2.UserIdGroupPair(
                    description: rule.description, userId: rule.referencedGroupInfo?.userId ?? account, groupId: id))
            }
        }
        return out
    }
}

extension Transaction {
    public mutating func authorizeSecurityGroupIngress(_ r: EC2.AuthorizeSecurityGroupIngressRequest) throws
        -> EC2.AuthorizeSecurityGroupIngressResult {
        let group = try state.targetGroup(id: r.groupId, name: r.groupName)
        let permissions = try Self.ingressPermissions(
            r.ipPermissions, cidrIp: r.cidrIp, ipProtocol: r.ipProtocol, fromPort: r.fromPort, toPort: r.toPort,
            sourceGroupName: r.sourceSecurityGroupName, sourceGroupOwnerId: r.sourceSecurityGroupOwnerId)
        let rules = try authorize(permissions, group: group, egress: false, tagSpecifications: r.tagSpecifications)
        return EC2.AuthorizeSecurityGroupIngressResult(return: true, securityGroupRules: rules)
    }

    public mutating func authorizeSecurityGroupEgress(_ r: EC2.AuthorizeSecurityGroupEgressRequest) throws
        -> EC2.AuthorizeSecurityGroupEgressResult {
        let group = try state.group(r.groupId)
        try Self.rejectLegacyEgressForm(r.cidrIp, r.ipProtocol, r.fromPort, r.toPort, r.sourceSecurityGroupName)
        let rules = try authorize(r.ipPermissions ?? [], group: group, egress: true,
                                  tagSpecifications: r.tagSpecifications)
        return EC2.AuthorizeSecurityGroupEgressResult(return: true, securityGroupRules: rules)
    }

    /// Ingress rules given either as IpPermissions or in the older top-level form
    /// (CidrIp or a source group name; a source group without a protocol grants
    /// all of ICMP, TCP and UDP, per the AuthorizeSecurityGroupIngress reference).
    static func ingressPermissions(_ permissions: [EC2.IpPermission]?, cidrIp: String?, ipProtocol: String?,
                                   fromPort: Int?, toPort: Int?, sourceGroupName: String?,
                                   sourceGroupOwnerId: String?) throws -> [EC2.IpPermission] {
        let legacy = cidrIp != nil || ipProtocol != nil || fromPort != nil || toPort != nil || sourceGroupName != nil
        if let permissions, !permissions.isEmpty {
            guard !legacy else {
                throw EC2Error("InvalidParameterCombination",
                               "The parameter 'ipPermissions' may not be used in combination with 'ipProtocol', 'fromPort', 'toPort', 'cidrIp' or 'sourceSecurityGroupName'")
            }
            return permissions
        }
        guard legacy else { throw EC2Error.missingParameter("ipPermissions") }
        if let sourceGroupName {
            guard cidrIp == nil else {
                throw EC2Error("InvalidParameterCombination",
                               "The parameter 'sourceSecurityGroupName' may not be used in combination with 'cidrIp'")
            }
            let pair = [EC2.UserIdGroupPair(userId: sourceGroupOwnerId, groupName: sourceGroupName)]
            if let ipProtocol {
                return [EC2.IpPermission(ipProtocol: ipProtocol, fromPort: fromPort, toPort: toPort, userIdGroupPairs: pair)]
            }
            return [EC2.IpPermission(ipProtocol: "icmp", fromPort: -1, toPort: -1, userIdGroupPairs: pair),
                    EC2.IpPermission(ipProtocol: "tcp", fromPort: 0, toPort: 65535, userIdGroupPairs: pair),
                    EC2.IpPermission(ipProtocol: "udp", fromPort: 0, toPort: 65535, userIdGroupPairs: pair)]
        }
        guard let cidrIp else { throw EC2Error.missingParameter("cidrIp") }
        return [EC2.IpPermission(ipProtocol: ipProtocol, fromPort: fromPort, toPort: toPort,
                                 ipRanges: [EC2.IpRange(cidrIp: cidrIp)])]
    }

    /// Egress takes IpPermissions only (the top-level members are "not supported" per its reference).
    static func rejectLegacyEgressForm(_ cidrIp: String?, _ ipProtocol: String?, _ fromPort: Int?, _ toPort: Int?,
                                       _ sourceGroupName: String?) throws {
        guard cidrIp == nil, ipProtocol == nil, fromPort == nil, toPort == nil, sourceGroupName == nil else {
            throw EC2Error("InvalidParameterCombination",
                           "Egress rules must be given as IpPermissions; CidrIp, IpProtocol, FromPort, ToPort and SourceSecurityGroupName are not supported.")
        }
    }

    /// Adds rules to a group: each new (no duplicate of an existing or another new
    /// rule), within the rule quota, each with its own `sgr-` id.
    mutating func authorize(_ permissions: [EC2.IpPermission], group: SecurityGroupRecord, egress: Bool,
                            tagSpecifications: [EC2.TagSpecification]?) throws -> [EC2.SecurityGroupRule] {
        guard !permissions.isEmpty else { throw EC2Error.missingParameter("ipPermissions") }
        var requested: [RequestedRule] = []
        for p in permissions { requested += try state.requestedRules(p, group: group, egress: egress) }
        var seen = Set(group.rules.compactMap(RuleDefinition.init))
        for rule in requested where !seen.insert(rule.definition).inserted {
            throw EC2Error("InvalidPermission.Duplicate", "the specified rule \"\(rule.definition.text)\" already exists")
        }
        try state.checkRuleQuota(Array(seen), egress: egress, limit: quotas.rulesPerSecurityGroup)
        let tags = try TagRules.fromSpecifications(tagSpecifications, resourceType: "security-group-rule") ?? []
        let added = requested.map { storedRule($0, in: group, tags: tags) }
        var updated = group
        updated.rules += added
        state.securityGroups[group.groupId] = updated
        return added.map(state.shown)
    }

    /// A stored rule of `group` from its definition.
    func storedRule(_ requested: RequestedRule, in group: SecurityGroupRecord, tags: [EC2.Tag],
              id: String = ResourceID.generate("sgr")) -> EC2.SecurityGroupRule {
        let d = requested.definition
        var rule = EC2.SecurityGroupRule(
            securityGroupRuleId: id, groupId: group.groupId, groupOwnerId: account, isEgress: d.isEgress,
            ipProtocol: d.ipProtocol, fromPort: d.fromPort, toPort: d.toPort, description: requested.description,
            tags: tags)
        switch d.peer {
        case .ipv4(let c): rule.cidrIpv4 = c
        case .ipv6(let c): rule.cidrIpv6 = c
        case .prefixList(let id): rule.prefixListId = id
        case .group(let id): rule.referencedGroupInfo = EC2.ReferencedSecurityGroup(groupId: id, userId: account)
        }
        return rule
    }

    public mutating func revokeSecurityGroupIngress(_ r: EC2.RevokeSecurityGroupIngressRequest) throws
        -> EC2.RevokeSecurityGroupIngressResult {
        let group = try state.targetGroup(id: r.groupId, name: r.groupName)
        let legacy = r.cidrIp != nil || r.ipProtocol != nil || r.fromPort != nil || r.toPort != nil
            || r.sourceSecurityGroupName != nil || r.sourceSecurityGroupOwnerId != nil
        var permissions: [EC2.IpPermission] = []
        if !(r.securityGroupRuleIds ?? []).isEmpty {
            guard !legacy && (r.ipPermissions ?? []).isEmpty else {
                throw EC2Error("InvalidParameterCombination",
                               "The parameter 'SecurityGroupRuleIds' may not be used in combination with 'IpPermissions'")
            }
        } else {
            permissions = try Self.ingressPermissions(
                r.ipPermissions, cidrIp: r.cidrIp, ipProtocol: r.ipProtocol, fromPort: r.fromPort, toPort: r.toPort,
                sourceGroupName: r.sourceSecurityGroupName, sourceGroupOwnerId: r.sourceSecurityGroupOwnerId)
        }
        let (revoked, unknown) = try revoke(permissions, ruleIds: r.securityGroupRuleIds, group: group, egress: false)
        return EC2.RevokeSecurityGroupIngressResult(return: true, unknownIpPermissions: unknown,
                                                    revokedSecurityGroupRules: revoked)
    }

    public mutating func revokeSecurityGroupEgress(_ r: EC2.RevokeSecurityGroupEgressRequest) throws
        -> EC2.RevokeSecurityGroupEgressResult {
        let group = try state.group(r.groupId)
        try Self.rejectLegacyEgressForm(r.cidrIp, r.ipProtocol, r.fromPort, r.toPort, r.sourceSecurityGroupName)
        let (revoked, unknown) = try revoke(r.ipPermissions ?? [], ruleIds: r.securityGroupRuleIds, group: group,
                                            egress: true)
        return EC2.RevokeSecurityGroupEgressResult(return: true, unknownIpPermissions: unknown,
                                                   revokedSecurityGroupRules: revoked)
    }

    /// Removes rules by id or by definition. In a default VPC's group, rules given that do
    /// not match come back as UnknownIpPermissions; in any other, one that does not match
    /// fails the call (`InvalidPermission.NotFound`) and nothing is revoked, as EC2 answers.
    mutating func revoke(_ permissions: [EC2.IpPermission], ruleIds: [String]?, group: SecurityGroupRecord,
                         egress: Bool) throws -> ([EC2.RevokedSecurityGroupRule], [EC2.IpPermission]?) {
        var removing = Set<String>()
        var unknown: [EC2.IpPermission] = []
        if let ruleIds, !ruleIds.isEmpty {
            guard permissions.isEmpty else {
                throw EC2Error("InvalidParameterCombination",
                               "The parameter 'SecurityGroupRuleIds' may not be used in combination with 'IpPermissions'")
            }
            for id in ruleIds {
                guard group.rules.contains(where: { $0.securityGroupRuleId == id && ($0.isEgress ?? false) == egress })
                else { throw EC2Error.notFound(.securityGroupRule, id) }
                removing.insert(id)
            }
        } else {
            guard !permissions.isEmpty else { throw EC2Error.missingParameter("ipPermissions") }
            let byDefinition = Dictionary(group.rules.compactMap { r in RuleDefinition(r).map { ($0, r) } },
                                          uniquingKeysWith: { a, _ in a })
            for p in permissions {
                for requested in try state.requestedRules(p, group: group, egress: egress) {
                    if let id = byDefinition[requested.definition]?.securityGroupRuleId {
                        removing.insert(id)
                    } else {
                        unknown.append(Self.permission(of: requested.definition))
                    }
                }
            }
            // A default VPC's group revokes what matches and lists the rest; any other
            // revokes nothing unless every rule given matches.
            let inDefaultVpc = state.vpcs[group.vpcId]?.vpc.isDefault == true
            guard inDefaultVpc || unknown.isEmpty else {
                throw EC2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
            }
        }
        var updated = group
        updated.rules.removeAll { removing.contains($0.securityGroupRuleId ?? "") }
        state.securityGroups[group.groupId] = updated
        let revoked = group.rules.filter { removing.contains($0.securityGroupRuleId ?? "") }.map {
            EC2.RevokedSecurityGroupRule(
                securityGroupRuleId: $0.securityGroupRuleId, groupId: $0.groupId, isEgress: $0.isEgress,
                ipProtocol: $0.ipProtocol, fromPort: $0.fromPort, toPort: $0.toPort, cidrIpv4: $0.cidrIpv4,
                cidrIpv6: $0.cidrIpv6, prefixListId: $0.prefixListId,
                referencedGroupId: $0.referencedGroupInfo?.groupId, description: $0.description)
        }
        return (revoked, unknown.isEmpty ? nil : unknown)
    }

    /// One rule definition as an IpPermission (for UnknownIpPermissions).
    static func permission(of d: RuleDefinition) -> EC2.IpPermission {
        let ports = RuleDefinition.hasPorts(d.ipProtocol)
        var p = EC2.IpPermission(ipProtocol: d.ipProtocol, fromPort: ports ? d.fromPort : nil,
                                 toPort: ports ? d.toPort : nil)
        switch d.peer {
        case .ipv4(let c): p.ipRanges = [EC2.IpRange(cidrIp: c)]
        case .ipv6(let c): p.ipv6Ranges = [EC2.Ipv6Range(cidrIpv6: c)]
        case .prefixList(let id): p.prefixListIds = [EC2.PrefixListId(prefixListId: id)]
        case .group(let id): p.userIdGroupPairs = [EC2.UserIdGroupPair(groupId: id)]
        }
        return p
    }

    /// Replaces rules' definitions in place: ids, direction and tags stay.
    public mutating func modifySecurityGroupRules(_ r: EC2.ModifySecurityGroupRulesRequest) throws
        -> EC2.ModifySecurityGroupRulesResult {
        var group = try state.group(r.groupId)
        guard !r.securityGroupRules.isEmpty else { throw EC2Error.missingParameter("SecurityGroupRule") }
        for update in r.securityGroupRules {
            guard let i = group.rules.firstIndex(where: { $0.securityGroupRuleId == update.securityGroupRuleId }) else {
                throw EC2Error.notFound(.securityGroupRule, update.securityGroupRuleId)
            }
            guard let request = update.securityGroupRule else {
                throw EC2Error.missingParameter("SecurityGroupRule")
            }
            let old = group.rules[i]
            let permission = EC2.IpPermission(
                ipProtocol: request.ipProtocol, fromPort: request.fromPort, toPort: request.toPort,
                userIdGroupPairs: request.referencedGroupId.map { [EC2.UserIdGroupPair(groupId: $0)] },
                ipRanges: request.cidrIpv4.map { [EC2.IpRange(cidrIp: $0)] },
                ipv6Ranges: request.cidrIpv6.map { [EC2.Ipv6Range(cidrIpv6: $0)] },
                prefixListIds: request.prefixListId.map { [EC2.PrefixListId(prefixListId: $0)] })
            var requested = try state.requestedRules(permission, group: group, egress: old.isEgress ?? false)
            guard requested.count == 1 else {
                throw EC2Error("InvalidParameterCombination",
                               "A security group rule takes exactly one of CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId.")
            }
            requested[0].description = try RuleSyntax.description(request.description)
            let others = group.rules.enumerated().filter { $0.offset != i }.compactMap { RuleDefinition($0.element) }
            if others.contains(requested[0].definition) {
                throw EC2Error("InvalidPermission.Duplicate",
                               "the specified rule \"\(requested[0].definition.text)\" already exists")
            }
            group.rules[i] = storedRule(requested[0], in: group, tags: old.tags ?? [], id: update.securityGroupRuleId)
        }
        let definitions = group.rules.compactMap(RuleDefinition.init)
        for egress in [false, true] {
            try state.checkRuleQuota(definitions, egress: egress, limit: quotas.rulesPerSecurityGroup)
        }
        state.securityGroups[group.groupId] = group
        return EC2.ModifySecurityGroupRulesResult(return: true)
    }

    public mutating func updateSecurityGroupRuleDescriptionsIngress(
        _ r: EC2.UpdateSecurityGroupRuleDescriptionsIngressRequest) throws
        -> EC2.UpdateSecurityGroupRuleDescriptionsIngressResult {
        let group = try state.targetGroup(id: r.groupId, name: r.groupName)
        try updateDescriptions(r.ipPermissions, r.securityGroupRuleDescriptions, group: group, egress: false)
        return EC2.UpdateSecurityGroupRuleDescriptionsIngressResult(return: true)
    }

    public mutating func updateSecurityGroupRuleDescriptionsEgress(
        _ r: EC2.UpdateSecurityGroupRuleDescriptionsEgressRequest) throws
        -> EC2.UpdateSecurityGroupRuleDescriptionsEgressResult {
        let group = try state.targetGroup(id: r.groupId, name: r.groupName)
        try updateDescriptions(r.ipPermissions, r.securityGroupRuleDescriptions, group: group, egress: true)
        return EC2.UpdateSecurityGroupRuleDescriptionsEgressResult(return: true)
    }

    /// Sets rule descriptions, by matching IpPermissions (each peer's Description) or by rule id.
    mutating func updateDescriptions(_ permissions: [EC2.IpPermission]?,
                                     _ byId: [EC2.SecurityGroupRuleDescription]?,
                                     group: SecurityGroupRecord, egress: Bool) throws {
        var updated = group
        func index(where match: (EC2.SecurityGroupRule) -> Bool) -> Int? {
            updated.rules.firstIndex { ($0.isEgress ?? false) == egress && match($0) }
        }
        if let byId, !byId.isEmpty {
            guard permissions?.isEmpty ?? true else {
                throw EC2Error("InvalidParameterCombination",
                               "The parameter 'SecurityGroupRuleDescriptions' may not be used in combination with 'IpPermissions'")
            }
            for item in byId {
                guard let id = item.securityGroupRuleId else { throw EC2Error.missingParameter("SecurityGroupRuleId") }
                guard let i = index(where: { $0.securityGroupRuleId == id }) else {
                    throw EC2Error.notFound(.securityGroupRule, id)
                }
                updated.rules[i].description = try RuleSyntax.description(item.description)
            }
        } else {
            guard let permissions, !permissions.isEmpty else { throw EC2Error.missingParameter("ipPermissions") }
            for p in permissions {
                for requested in try state.requestedRules(p, group: group, egress: egress) {
                    guard let i = index(where: { RuleDefinition($0) == requested.definition }) else {
                        throw EC2Error("InvalidPermission.NotFound",
                                       "The specified rule does not exist in this security group.")
                    }
                    updated.rules[i].description = requested.description
                }
            }
        }
        state.securityGroups[group.groupId] = updated
    }
}

extension RegionState {
    static let securityGroupRuleFilters: Set<String> = ["group-id", "security-group-rule-id"]

    public func describeSecurityGroupRules(_ r: EC2.DescribeSecurityGroupRulesRequest) throws
        -> EC2.DescribeSecurityGroupRulesResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.securityGroupRuleFilters)
        let all = securityGroups.values.flatMap(\.rules).sorted { ($0.securityGroupRuleId ?? "") < ($1.securityGroupRuleId ?? "") }
        var selected = all
        if let ids = r.securityGroupRuleIds, !ids.isEmpty {
            let byId = Dictionary(all.map { ($0.securityGroupRuleId ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            for id in ids where byId[id] == nil { throw EC2Error.notFound(.securityGroupRule, id) }
            let wanted = Set(ids)
            selected = all.filter { wanted.contains($0.securityGroupRuleId ?? "") }
        }
        let page = try describePage(
            selected, filter: filter, tags: { $0.tags }, id: { $0.securityGroupRuleId ?? "" },
            values: { rule, name in
                switch name {
                case "group-id": [rule.groupId ?? ""]
                case "security-group-rule-id": [rule.securityGroupRuleId ?? ""]
                default: []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeSecurityGroupRulesResult(securityGroupRules: page.items.map(shown), nextToken: page.nextToken)
    }
}
