public import EC2Shapes
public import VPCModel

// CreateManagedPrefixList, ModifyManagedPrefixList, DeleteManagedPrefixList,
// DescribeManagedPrefixLists, GetManagedPrefixListEntries.

extension Transaction {
    /// A customer-managed prefix list at version 1. The answer shows it
    /// `create-in-progress`; it is `create-complete` from then on, as EC2 reports.
    public mutating func createManagedPrefixList(_ r: EC2.CreateManagedPrefixListRequest) throws
        -> EC2.CreateManagedPrefixListResult {
        try Self.validatePrefixListName(r.prefixListName)
        guard r.addressFamily == "IPv4" || r.addressFamily == "IPv6" else {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(r.addressFamily)) for parameter AddressFamily is invalid. Valid values: IPv4 | IPv6")
        }
        try validateMaxEntries(r.maxEntries)
        var entries: [String: EC2.PrefixListEntry] = [:]
        for add in r.entries ?? [] {
            let entry = try Self.prefixListEntry(add, family: r.addressFamily)
            guard entries[entry.cidr ?? ""] == nil else {
                throw EC2Error("InvalidParameterValue", "The request contains the CIDR \(entry.cidr ?? "") more than once.")
            }
            entries[entry.cidr ?? ""] = entry
        }
        try Self.checkEntryCount(entries.count, maxEntries: r.maxEntries)
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "prefix-list")
        let id = ResourceID.generate("pl")
        let list = EC2.ManagedPrefixList(
            prefixListId: id, addressFamily: r.addressFamily, state: "create-complete",
            prefixListArn: "arn:aws:ec2:\(region.name):\(account):prefix-list/\(id)", prefixListName: r.prefixListName,
            maxEntries: r.maxEntries, version: 1, tags: tags ?? [], ownerId: account)
        state.prefixLists[id] = PrefixListRecord(list: list, entries: Self.sortedEntries(entries.values))
        var shown = list
        shown.state = "create-in-progress"
        return EC2.CreateManagedPrefixListResult(prefixList: shown)
    }

    /// Names: 1–255 characters, not starting `com.amazonaws` (reserved for AWS-managed lists).
    static func validatePrefixListName(_ name: String) throws {
        guard !name.isEmpty else { throw EC2Error.missingParameter("PrefixListName") }
        guard name.count <= 255, !name.lowercased().hasPrefix("com.amazonaws") else {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(name)) for parameter PrefixListName is invalid. Names are up to 255 characters and cannot start with com.amazonaws.")
        }
    }

    func validateMaxEntries(_ max: Int) throws {
        guard (1...quotas.prefixListEntriesMax).contains(max) else {
            throw EC2Error("InvalidParameterValue",
                           "Value (\(max)) for parameter MaxEntries is invalid. Expecting a value between 1 and \(quotas.prefixListEntriesMax).")
        }
    }

    static func checkEntryCount(_ count: Int, maxEntries: Int) throws {
        guard count <= maxEntries else {
            throw EC2Error("InvalidParameterValue",
                           "The prefix list would have \(count) entries, more than its maximum of \(maxEntries).")
        }
    }

    /// An entry with its CIDR canonicalised and of the list's address family.
    static func prefixListEntry(_ add: EC2.AddPrefixListEntry, family: String) throws -> EC2.PrefixListEntry {
        let cidr: String? = family == "IPv4" ? IPv4CIDR(add.cidr)?.description : IPv6CIDR(add.cidr)?.description
        guard let cidr else {
            throw EC2Error("InvalidParameterValue", "The CIDR \(add.cidr) is not a valid \(family) CIDR block.")
        }
        if let d = add.description, d.count > 255 {
            throw EC2Error("InvalidParameterValue", "Prefix list entry descriptions are up to 255 characters.")
        }
        return EC2.PrefixListEntry(cidr: cidr, description: add.description)
    }

    static func sortedEntries(_ entries: some Sequence<EC2.PrefixListEntry>) -> [EC2.PrefixListEntry] {
        entries.sorted { ($0.cidr ?? "") < ($1.cidr ?? "") }
    }

    /// Renames, resizes, or changes entries (a new version); entries and size cannot
    /// change together, and CurrentVersion, when given, must be the current one.
    public mutating func modifyManagedPrefixList(_ r: EC2.ModifyManagedPrefixListRequest) throws
        -> EC2.ModifyManagedPrefixListResult {
        var record = try state.prefixLists.require(r.prefixListId, .prefixList)
        let changesEntries = !(r.addEntries ?? []).isEmpty || !(r.removeEntries ?? []).isEmpty
        if changesEntries && r.maxEntries != nil {
            throw EC2Error("InvalidParameterCombination",
                           "You cannot modify the entries and the maximum entries for the prefix list in the same request.")
        }
        if let current = r.currentVersion, current != record.list.version {
            throw EC2Error("PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
        }
        if let name = r.prefixListName {
            try Self.validatePrefixListName(name)
            record.list.prefixListName = name
        }
        let family = record.list.addressFamily ?? "IPv4"
        if changesEntries {
            var entries = Dictionary(record.entries.map { ($0.cidr ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            for remove in r.removeEntries ?? [] {
                let cidr = try Self.prefixListEntry(EC2.AddPrefixListEntry(cidr: remove.cidr), family: family).cidr ?? ""
                guard entries.removeValue(forKey: cidr) != nil else {
                    throw EC2Error("InvalidPrefixListModification", "The entry with CIDR (\(remove.cidr)) does not exist.")
                }
            }
            for add in r.addEntries ?? [] {
                let entry = try Self.prefixListEntry(add, family: family)
                guard entries[entry.cidr ?? ""] == nil else {
                    throw EC2Error("InvalidPrefixListModification",
                                   "An entry with the CIDR (\(add.cidr)) and description (\(add.description ?? "")) already exists.")
                }
                entries[entry.cidr ?? ""] = entry
            }
            try Self.checkEntryCount(entries.count, maxEntries: record.list.maxEntries ?? 0)
            let version = (record.list.version ?? 1) + 1
            record.entries = Self.sortedEntries(entries.values)
            record.list.version = version
            record.history[version] = record.entries
        }
        if let max = r.maxEntries {
            try validateMaxEntries(max)
            try Self.checkEntryCount(record.entries.count, maxEntries: max)
            record.list.maxEntries = max
        }
        state.prefixLists[record.list.prefixListId ?? r.prefixListId] = record
        if r.maxEntries != nil {
            // A referencing group counts the list as MaxEntries rules; each must still fit its quota.
            for group in state.securityGroups.values where group.rules.contains(where: { $0.prefixListId == r.prefixListId }) {
                let definitions = group.rules.compactMap(RuleDefinition.init)
                for egress in [false, true] {
                    try state.checkRuleQuota(definitions, egress: egress, limit: quotas.rulesPerSecurityGroup)
                }
            }
        }
        var shown = record.list
        shown.state = "modify-in-progress"
        return EC2.ModifyManagedPrefixListResult(prefixList: shown)
    }

    /// Deletes a list no security group rule references.
    public mutating func deleteManagedPrefixList(_ r: EC2.DeleteManagedPrefixListRequest) throws
        -> EC2.DeleteManagedPrefixListResult {
        let record = try state.prefixLists.require(r.prefixListId, .prefixList)
        if state.securityGroups.values.contains(where: { g in g.rules.contains { $0.prefixListId == r.prefixListId } }) {
            throw EC2Error.dependencyViolation("The prefix list \(r.prefixListId) is referenced by a security group rule and cannot be deleted.")
        }
        if state.routeTables.values.contains(where: { t in (t.routes ?? []).contains { $0.destinationPrefixListId == r.prefixListId } }) {
            throw EC2Error.dependencyViolation("The prefix list \(r.prefixListId) is referenced by a route table and cannot be deleted.")
        }
        state.prefixLists[r.prefixListId] = nil
        var shown = record.list
        shown.state = "delete-in-progress"
        return EC2.DeleteManagedPrefixListResult(prefixList: shown)
    }
}

extension RegionState {
    static let prefixListFilters: Set<String> = ["owner-id", "prefix-list-id", "prefix-list-name"]

    /// Prefix-list calls take MaxResults 1–100 (botocore's PrefixListMaxResults).
    static func checkPrefixListMaxResults(_ max: Int?) throws {
        if let max, !(1...100).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 1 and 100.")
        }
    }

    public func describeManagedPrefixLists(_ r: EC2.DescribeManagedPrefixListsRequest) throws
        -> EC2.DescribeManagedPrefixListsResult {
        try Self.checkPrefixListMaxResults(r.maxResults)
        let filter = try DescribeFilter(r.filters, allowed: Self.prefixListFilters)
        let page = try describePage(
            prefixLists.selected(r.prefixListIds, .prefixList), filter: filter, tags: { $0.list.tags },
            id: { $0.list.prefixListId ?? "" },
            values: { record, name in
                switch name {
                case "owner-id": [record.list.ownerId ?? ""]
                case "prefix-list-id": [record.list.prefixListId ?? ""]
                case "prefix-list-name": [record.list.prefixListName ?? ""]
                default: []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeManagedPrefixListsResult(nextToken: page.nextToken, prefixLists: page.items.map(\.list))
    }

    /// The entries of the current version, or of TargetVersion.
    public func getManagedPrefixListEntries(_ r: EC2.GetManagedPrefixListEntriesRequest) throws
        -> EC2.GetManagedPrefixListEntriesResult {
        try Self.checkPrefixListMaxResults(r.maxResults)
        let record = try prefixLists.require(r.prefixListId, .prefixList)
        var entries = record.entries
        if let version = r.targetVersion {
            guard let old = record.history[version] else {
                throw EC2Error("InvalidParameterValue",
                               "The version \(version) of prefix list \(r.prefixListId) does not exist.")
            }
            entries = old
        }
        let page = try Page(entries, key: { $0.cidr ?? "" }, maxResults: r.maxResults, nextToken: r.nextToken,
                            context: "\(r.prefixListId)\u{3}\(r.targetVersion.map(String.init) ?? "")")
        return EC2.GetManagedPrefixListEntriesResult(entries: page.items, nextToken: page.nextToken)
    }
}
