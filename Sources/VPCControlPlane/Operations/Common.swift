public import EC2Shapes
public import VPCModel

/// Tag rules shared by every resource (EC2 tag restrictions: 50 tags, key ≤ 128
/// and value ≤ 256 Unicode characters, `aws:` reserved, a key once per request).
enum TagRules {
    static func validate(_ tags: [EC2.Tag]) throws {
        guard tags.count <= 50 else { throw EC2Error("TagLimitExceeded", "The maximum number of tags per resource is 50") }
        var keys = Set<String>()
        for tag in tags {
            guard let key = tag.key, !key.isEmpty else {
                throw EC2Error("InvalidParameterValue", "Tag keys must not be empty")
            }
            guard keys.insert(key).inserted else {
                throw EC2Error("InvalidParameterValue", "Duplicate tag key '\(key)' specified.")
            }
            guard key.unicodeScalars.count <= 128 else {
                throw EC2Error("InvalidParameterValue", "Tag key exceeds the maximum length of 128 characters")
            }
            guard (tag.value ?? "").unicodeScalars.count <= 256 else {
                throw EC2Error("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters")
            }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw EC2Error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
            }
        }
    }

    /// The tags of a create call's `TagSpecification`s for `resourceType`.
    static func fromSpecifications(_ specs: [EC2.TagSpecification]?, resourceType: String) throws -> [EC2.Tag]? {
        guard let specs, !specs.isEmpty else { return nil }
        var tags: [EC2.Tag] = []
        for spec in specs {
            guard spec.resourceType != nil else {
                throw EC2Error("InvalidParameterValue", "Tag specification resource type must have a value")
            }
            guard spec.resourceType == resourceType else {
                throw EC2Error("InvalidParameterValue",
                               "'\(spec.resourceType ?? "")' is not a valid taggable resource type for this operation.")
            }
            tags.append(contentsOf: spec.tags ?? [])
        }
        try validate(tags)
        return merge(tags, into: [])
    }

    /// Applies `new` over `existing`: a key already there gets the new value.
    static func merge(_ new: [EC2.Tag], into existing: [EC2.Tag]) -> [EC2.Tag] {
        var out = existing
        for tag in new {
            if let i = out.firstIndex(where: { $0.key == tag.key }) {
                out[i].value = tag.value ?? ""
            } else {
                out.append(EC2.Tag(key: tag.key, value: tag.value ?? ""))
            }
        }
        return out
    }
}

extension EC2Error {
    /// The `.NotFound` error of a resource kind, worded as EC2 words it.
    static func notFound(_ kind: ResourceKind, _ id: String) -> EC2Error {
        EC2Error(kind.notFoundCode, "The \(kind.noun) '\(id)' does not exist")
    }

    static func malformed(_ kind: ResourceKind, _ id: String) -> EC2Error {
        EC2Error(kind.malformedCode, "Invalid id: \"\(id)\"")
    }
}

/// The resource kinds and how their errors are named.
enum ResourceKind {
    case vpc, subnet, securityGroup, networkAcl, routeTable, internetGateway, egressOnlyInternetGateway,
         dhcpOptions, address, networkInterface, prefixList, securityGroupRule, association, instance, flowLog

    var notFoundCode: String {
        switch self {
        case .vpc: "InvalidVpcID.NotFound"
        case .subnet: "InvalidSubnetID.NotFound"
        case .securityGroup: "InvalidGroup.NotFound"
        case .networkAcl: "InvalidNetworkAclID.NotFound"
        case .routeTable: "InvalidRouteTableID.NotFound"
        case .internetGateway: "InvalidInternetGatewayID.NotFound"
        case .egressOnlyInternetGateway: "InvalidGatewayID.NotFound"
        case .dhcpOptions: "InvalidDhcpOptionID.NotFound"
        case .address: "InvalidAllocationID.NotFound"
        case .networkInterface: "InvalidNetworkInterfaceID.NotFound"
        case .prefixList: "InvalidPrefixListID.NotFound"
        case .securityGroupRule: "InvalidSecurityGroupRuleId.NotFound"
        case .association: "InvalidAssociationID.NotFound"
        case .instance: "InvalidInstanceID.NotFound"
        case .flowLog: "InvalidFlowLogId.NotFound"
        }
    }

    var malformedCode: String {
        switch self {
        case .vpc: "InvalidVpcID.Malformed"
        case .subnet: "InvalidSubnetID.Malformed"
        case .securityGroup: "InvalidGroupId.Malformed"
        case .networkAcl: "InvalidNetworkAclID.Malformed"
        case .routeTable: "InvalidRouteTableID.Malformed"
        case .internetGateway: "InvalidInternetGatewayID.Malformed"
        case .egressOnlyInternetGateway: "InvalidGatewayID.Malformed"
        case .dhcpOptions: "InvalidDhcpOptionID.Malformed"
        case .address: "InvalidAllocationID.Malformed"
        case .networkInterface: "InvalidNetworkInterfaceID.Malformed"
        case .prefixList: "InvalidPrefixListID.Malformed"
        case .securityGroupRule: "InvalidSecurityGroupRuleId.Malformed"
        case .association: "InvalidAssociationID.Malformed"
        case .instance: "InvalidInstanceID.Malformed"
        case .flowLog: "InvalidFlowLogId.Malformed"
        }
    }

    var noun: String {
        switch self {
        case .vpc: "vpc ID"
        case .subnet: "subnet ID"
        case .securityGroup: "security group"
        case .networkAcl: "networkAcl ID"
        case .routeTable: "routeTable ID"
        case .internetGateway: "internetGateway ID"
        case .egressOnlyInternetGateway: "egress-only internet gateway ID"
        case .dhcpOptions: "dhcpOption ID"
        case .address: "allocation ID"
        case .networkInterface: "networkInterface ID"
        case .prefixList: "prefix list ID"
        case .securityGroupRule: "security group rule ID"
        case .association: "association ID"
        case .instance: "instance ID"
        case .flowLog: "flow log ID"
        }
    }
}

extension Table {
    /// The record with this id, or the kind's NotFound error.
    func require(_ id: String, _ kind: ResourceKind) throws -> Record {
        guard let row = self[id] else { throw EC2Error.notFound(kind, id) }
        return row
    }

    /// The records a Describe call asked for by id (all of them, else NotFound for
    /// the first missing one), or every record when no ids were given.
    func selected(_ ids: [String]?, _ kind: ResourceKind) throws -> [Record] {
        guard let ids, !ids.isEmpty else { return sorted }
        var out: [Record] = []
        for id in Set(ids).sorted() { out.append(try require(id, kind)) }
        return out
    }
}

extension Transaction {
    /// Rejects the call when the region already has `limit` of something.
    func checkQuota(_ count: Int, _ limit: Int, code: String, _ message: String) throws {
        guard count < limit else { throw EC2Error(code, message) }
    }
}

/// A Describe result page: filter, then page by id.
func describePage<R>(_ records: [R], filter: DescribeFilter, tags: (R) -> [EC2.Tag]?, id: (R) -> String,
                     values: (R, String) -> [String], maxResults: Int?, nextToken: String?) throws -> Page<R> {
    let matching = records.filter { r in filter.matches(tags: tags(r)) { values(r, $0) } }
    return try Page(matching, key: id, maxResults: maxResults, nextToken: nextToken,
                    context: "\(R.self)\u{3}" + filter.text)
}

func bool(_ v: Bool?) -> [String] { v.map { [$0 ? "true" : "false"] } ?? [] }
