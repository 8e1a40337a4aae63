public import EC2Shapes
public import VPCModel

// CreateDhcpOptions, AssociateDhcpOptions, DeleteDhcpOptions, DescribeDhcpOptions.

extension Transaction {
    /// The option keys EC2 accepts, each validated as the Amazon VPC User Guide's
    /// "DHCP option sets" describes them.
    public mutating func createDhcpOptions(_ r: EC2.CreateDhcpOptionsRequest) throws -> EC2.CreateDhcpOptionsResult {
        guard !r.dhcpConfigurations.isEmpty else { throw EC2Error.missingParameter("dhcpConfiguration") }
        var configurations: [EC2.DhcpConfiguration] = []
        for option in r.dhcpConfigurations {
            guard let key = option.key else { throw EC2Error.missingParameter("dhcpConfiguration.key") }
            guard !configurations.contains(where: { $0.key == key }) else {
                throw EC2Error("InvalidParameterValue", "The DHCP option \(key) is specified more than once.")
            }
            let values = try Self.dhcpValues(key: key, option.values ?? [])
            configurations.append(EC2.DhcpConfiguration(key: key, values: values.map { EC2.AttributeValue(value: $0) }))
        }
        let tags = try TagRules.fromSpecifications(r.tagSpecifications, resourceType: "dhcp-options")
        let id = ResourceID.generate("dopt")
        let options = EC2.DhcpOptions(ownerId: account, tags: tags ?? [], dhcpOptionsId: id, dhcpConfigurations: configurations)
        state.dhcpOptions[id] = options
        return EC2.CreateDhcpOptionsResult(dhcpOptions: options)
    }

    static func dhcpValues(key: String, _ values: [String]) throws -> [String] {
        func invalid(_ value: String) -> EC2Error {
            EC2Error("InvalidParameterValue", "Value (\(value)) for parameter \(key) is invalid.")
        }
        guard !values.isEmpty else { throw EC2Error("InvalidParameterValue", "The DHCP option \(key) needs at least one value.") }
        switch key {
        case "domain-name":
            // Option 15 holds at most 255 bytes: names (space-separated) of printable ASCII.
            guard values.count == 1, let name = values.first, !name.isEmpty, name.utf8.count <= 255,
                  name.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw invalid(values.joined(separator: ","))
            }
        case "domain-name-servers", "ntp-servers", "netbios-name-servers":
            guard values.count <= 4 else {
                throw EC2Error("InvalidParameterValue", "The DHCP option \(key) takes up to 4 values.")
            }
            for v in values {
                let ok = IPv4(v) != nil || (key != "netbios-name-servers" && IPv6(v) != nil)
                    || (key == "domain-name-servers" && v == "AmazonProvidedDNS")
                guard ok else { throw invalid(v) }
            }
        case "netbios-node-type":
            guard values.count == 1, ["1", "2", "4", "8"].contains(values[0]) else { throw invalid(values.joined(separator: ",")) }
        case "ipv6-address-preferred-lease-time":
            // 140 seconds to 2,147,483,647 seconds (about 68 years).
            guard values.count == 1, let seconds = Int(values[0]), (140...2_147_483_647).contains(seconds) else {
                throw invalid(values.joined(separator: ","))
            }
        default:
            throw EC2Error("InvalidParameterValue", "Value (\(key)) for parameter dhcpConfiguration.key is invalid. Unknown DHCP option.")
        }
        return values
    }

    /// `default` means no options set (the VPC then shows `default`).
    public mutating func associateDhcpOptions(_ r: EC2.AssociateDhcpOptionsRequest) throws {
        var vpc = try state.vpcs.require(r.vpcId, .vpc)
        if r.dhcpOptionsId != "default" { _ = try state.dhcpOptions.require(r.dhcpOptionsId, .dhcpOptions) }
        vpc.vpc.dhcpOptionsId = r.dhcpOptionsId
        state.vpcs[vpc.id] = vpc
    }

    public mutating func deleteDhcpOptions(_ r: EC2.DeleteDhcpOptionsRequest) throws {
        _ = try state.dhcpOptions.require(r.dhcpOptionsId, .dhcpOptions)
        guard !state.vpcs.values.contains(where: { $0.vpc.dhcpOptionsId == r.dhcpOptionsId }) else {
            throw EC2Error.dependencyViolation("The dhcpOptions '\(r.dhcpOptionsId)' has dependencies and cannot be deleted.")
        }
        state.dhcpOptions[r.dhcpOptionsId] = nil
    }
}

extension RegionState {
    static let dhcpOptionsFilters: Set<String> = ["dhcp-options-id", "key", "value", "owner-id"]

    public func describeDhcpOptions(_ r: EC2.DescribeDhcpOptionsRequest) throws -> EC2.DescribeDhcpOptionsResult {
        if let max = r.maxResults, !(5...1000).contains(max) {
            throw EC2Error("InvalidParameterValue", "Value ( \(max) ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        }
        let filter = try DescribeFilter(r.filters, allowed: Self.dhcpOptionsFilters)
        let page = try describePage(
            dhcpOptions.selected(r.dhcpOptionsIds, .dhcpOptions), filter: filter, tags: \.tags,
            id: { $0.dhcpOptionsId ?? "" },
            values: { options, name in
                let c = options.dhcpConfigurations ?? []
                switch name {
                case "dhcp-options-id": return [options.dhcpOptionsId ?? ""]
                case "key": return c.compactMap(\.key)
                case "value": return c.flatMap { ($0.values ?? []).compactMap(\.value) }
                case "owner-id": return [account]
                default: return []
                }
            }, maxResults: r.maxResults, nextToken: r.nextToken)
        return EC2.DescribeDhcpOptionsResult(nextToken: page.nextToken, dhcpOptions: page.items)
    }
}
