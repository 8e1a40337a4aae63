public import EC2Shapes
public import VPCModel

// CreateTags, DeleteTags, DescribeTags; and the one place that knows where each kind of
// resource keeps its tags.

/// Where one kind of resource keeps its tags, reached by id.
struct TagSlot {
    let get: (RegionState, String) throws -> [EC2.Tag]
    let set: (inout RegionState, String, [EC2.Tag]) throws -> Void
    /// Every resource of the kind: its id and tags.
    let all: (RegionState) -> [(id: String, tags: [EC2.Tag])]

    /// A kind stored one record per id, its tags at `tags`.
    init<R>(_ table: WritableKeyPath<RegionState, Table<R>>, _ kind: ResourceKind, _ tags: WritableKeyPath<R, [EC2.Tag]?>) {
        get = { state, id in try state[keyPath: table].require(id, kind)[keyPath: tags] ?? [] }
        set = { state, id, value in
            var row = try state[keyPath: table].require(id, kind)
            row[keyPath: tags] = value
            state[keyPath: table][id] = row
        }
        all = { state in state[keyPath: table].rows.map { (id: $0.key, tags: $0.value[keyPath: tags] ?? []) } }
    }

    init(get: @escaping (RegionState, String) throws -> [EC2.Tag],
         set: @escaping (inout RegionState, String, [EC2.Tag]) throws -> Void,
         all: @escaping (RegionState) -> [(id: String, tags: [EC2.Tag])]) {
        self.get = get
        self.set = set
        self.all = all
    }

    /// The id prefixes of every taggable kind.
    static let prefixes = ["vpc", "subnet", "sg", "acl", "rtb", "igw", "eigw", "dopt", "eipalloc", "eni", "pl", "sgr", "i", "fl"]

    /// The slot of an id prefix; nil for a prefix that names nothing taggable here.
    static func forPrefix(_ prefix: String) -> TagSlot? {
        switch prefix {
        case "vpc": TagSlot(\.vpcs, .vpc, \.vpc.tags)
        case "subnet": TagSlot(\.subnets, .subnet, \.tags)
        case "sg": TagSlot(\.securityGroups, .securityGroup, \.optionalTags)
        case "acl": TagSlot(\.networkAcls, .networkAcl, \.tags)
        case "rtb": TagSlot(\.routeTables, .routeTable, \.tags)
        case "igw": TagSlot(\.internetGateways, .internetGateway, \.tags)
        case "eigw": TagSlot(\.egressOnlyInternetGateways, .egressOnlyInternetGateway, \.tags)
        case "dopt": TagSlot(\.dhcpOptions, .dhcpOptions, \.tags)
        case "eipalloc": TagSlot(\.addresses, .address, \.tags)
        case "eni": TagSlot(\.networkInterfaces, .networkInterface, \.tagSet)
        case "pl": TagSlot(\.prefixLists, .prefixList, \.list.tags)
        case "sgr": securityGroupRules(index: nil)
        case "i": TagSlot(\.instances, .instance, \.optionalTags)
        case "fl": TagSlot(\.flowLogs, .flowLog, \.tags)
        default: nil
        }
    }

    /// Security group rules live inside their group's record; `index` (rule id → group id)
    /// finds them without a pass over every group.
    static func securityGroupRules(index: [String: String]?) -> TagSlot {
        TagSlot(
            get: { state, id in
                let (group, i) = try state.securityGroupRule(id, index: index)
                return group.rules[i].tags ?? []
            },
            set: { state, id, tags in
                let (found, i) = try state.securityGroupRule(id, index: index)
                var group = found
                group.rules[i].tags = tags
                state.securityGroups[group.groupId] = group
            },
            all: { state in
                state.securityGroups.values.flatMap { g in
                    g.rules.map { (id: $0.securityGroupRuleId ?? "", tags: $0.tags ?? []) }
                }
            })
    }
}

extension SecurityGroupRecord {
    /// `tags` as the optional every EC2 shape has, so one key path shape reaches them all.
    var optionalTags: [EC2.Tag]? {
        get { tags }
        set { tags = newValue ?? [] }
    }
}

extension InstanceRecord {
    var optionalTags: [EC2.Tag]? {
        get { tags }
        set { tags = newValue ?? [] }
    }
}

extension RegionState {
    /// The slot of a resource id: InvalidID for an id of no taggable kind, the kind's NotFound
    /// (through `get`/`set`) for one this account does not have. `rules` locates rule ids.
    func tagSlot(of id: String, rules: [String: String]? = nil) throws -> TagSlot {
        let prefix = id.firstIndex(of: "-").map { String(id[..<$0]) } ?? ""
        guard ResourceID.isWellFormed(id, prefix: prefix),
              let slot = prefix == "sgr" ? TagSlot.securityGroupRules(index: rules) : TagSlot.forPrefix(prefix) else {
            throw EC2Error("InvalidID", "The ID '\(id)' is not valid")
        }
        return slot
    }

    /// The tags of a resource of any kind.
    func tags(of id: String, rules: [String: String]? = nil) throws -> [EC2.Tag] {
        try tagSlot(of: id, rules: rules).get(self, id)
    }

    /// Replaces the tags of a resource of any kind.
    mutating func setTags(_ tags: [EC2.Tag], of id: String, rules: [String: String]? = nil) throws {
        try tagSlot(of: id, rules: rules).set(&self, id, tags)
    }

    /// Rule id → group id of every security group rule, when `ids` name more than one rule:
    /// one pass over the groups for the whole batch instead of one per rule id (a batch of
    /// 1,000 ids against 2,500 groups of 240 rules was 3 billion comparisons under the write lock).
    func securityGroupRuleIndex(for ids: [String]) -> [String: String]? {
        guard ids.lazy.filter({ $0.hasPrefix("sgr-") }).prefix(2).count > 1 else { return nil }
        var index: [String: String] = [:]
        for group in securityGroups.values {
            for rule in group.rules { if let id = rule.securityGroupRuleId { index[id] = group.groupId } }
        }
        return index
    }

    /// The group holding rule `id` and the rule's position in it.
    func securityGroupRule(_ id: String, index: [String: String]? = nil) throws -> (SecurityGroupRecord, Int) {
        if let index {
            if let group = index[id].flatMap({ securityGroups[$0] }),
               let i = group.rules.firstIndex(where: { $0.securityGroupRuleId == id }) { return (group, i) }
            throw EC2Error.notFound(.securityGroupRule, id)
        }
        for group in securityGroups.values {
            if let i = group.rules.firstIndex(where: { $0.securityGroupRuleId == id }) { return (group, i) }
        }
        throw EC2Error.notFound(.securityGroupRule, id)
    }
}

extension Transaction {
    /// CreateTags and DeleteTags name at most 1,000 resources, and DeleteTags 1,000 tags.
    static func checkTagBatch(resources: Int, tags: Int) throws {
        guard resources <= 1000 else {
            throw EC2Error("InvalidParameterValue", "The request names \(resources) resources; the maximum is 1000.")
        }
        guard tags <= 1000 else { throw EC2Error("InvalidParameterValue", "The request names \(tags) tags; the maximum is 1000.") }
    }

    /// Adds or overwrites tags on resources of any kind; all of them or none.
    public mutating func createTags(_ r: EC2.CreateTagsRequest) throws {
        guard !r.resources.isEmpty else { throw EC2Error.missingParameter("ResourceId") }
        try Self.checkTagBatch(resources: r.resources.count, tags: 0)
        guard !r.tags.isEmpty else { throw EC2Error.missingParameter("Tag") }
        try TagRules.validate(r.tags)
        let rules = state.securityGroupRuleIndex(for: r.resources)
        for id in r.resources {
            let merged = TagRules.merge(r.tags, into: try state.tags(of: id, rules: rules))
            try TagRules.validate(merged)
            try state.setTags(merged, of: id, rules: rules)
        }
    }

    /// Removes tags: a key alone removes it whatever its value, a key and value only if the value
    /// matches (an empty value matches only an empty value), no tags removes them all.
    public mutating func deleteTags(_ r: EC2.DeleteTagsRequest) throws {
        guard !r.resources.isEmpty else { throw EC2Error.missingParameter("ResourceId") }
        try Self.checkTagBatch(resources: r.resources.count, tags: r.tags?.count ?? 0)
        let doomed = r.tags ?? []
        let rules = state.securityGroupRuleIndex(for: r.resources)
        for id in r.resources {
            let current = try state.tags(of: id, rules: rules)
            let kept = doomed.isEmpty ? [] : current.filter { tag in
                !doomed.contains { $0.key == tag.key && ($0.value == nil || $0.value == tag.value) }
            }
            if kept != current { try state.setTags(kept, of: id, rules: rules) }
        }
    }
}

extension RegionState {
    static let tagFilters: Set<String> = ["key", "resource-id", "resource-type", "value"]

    /// Every tag of every resource, sorted by resource id then key; `tag:<key>` filters match
    /// the tag itself.
    public func describeTags(_ r: EC2.DescribeTagsRequest) throws -> EC2.DescribeTagsResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.tagFilters)
        var all: [EC2.TagDescription] = []
        for slot in TagSlot.prefixes.compactMap(TagSlot.forPrefix) {
            for (id, tags) in slot.all(self) {
                let type = ResourceID.resourceType(of: id)
                all += tags.map { EC2.TagDescription(key: $0.key, resourceId: id, resourceType: type, value: $0.value ?? "") }
            }
        }
        // NUL sorts before any character of a key or id: the order is (resource id, key).
        func key(_ t: EC2.TagDescription) -> String { (t.resourceId ?? "") + "\u{0}" + (t.key ?? "") }
        all.sort { key($0) < key($1) }
        let page = try describePage(
            all, filter: filter, tags: { [EC2.Tag(key: $0.key, value: $0.value)] }, id: key,
            values: { t, name in
                switch name {
                case "key": return [t.key ?? ""]
                case "value": return [t.value ?? ""]
                case "resource-id": return [t.resourceId ?? ""]
                case "resource-type": return [t.resourceType ?? ""]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeTagsResult(nextToken: page.nextToken, tags: page.items)
    }
}
