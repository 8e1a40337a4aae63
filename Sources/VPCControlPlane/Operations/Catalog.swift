public import EC2Shapes
public import VPCModel

// DescribeAvailabilityZones, DescribeRegions, DescribeAccountAttributes.
//
// These read the server's configuration rather than the account's resources. RegionState does
// not carry it, so they take it as a trailing parameter whose default is the standard
// configuration; the API layer passes `ControlPlaneOptions.catalog` / `.quotas` where they differ.

extension RegionState {
    static let availabilityZoneFilters: Set<String> = [
        "group-long-name", "group-name", "message", "opt-in-status", "parent-zone-id", "parent-zone-name",
        "region-name", "state", "zone-id", "zone-name", "zone-type",
    ]

    /// The zones of this region. All are ordinary Availability Zones, needing no opt-in, so
    /// AllAvailabilityZones changes nothing.
    public func describeAvailabilityZones(_ r: EC2.DescribeAvailabilityZonesRequest,
                                          catalog: RegionCatalog = .standard) throws -> EC2.DescribeAvailabilityZonesResult {
        let filter = try DescribeFilter(r.filters, allowed: Self.availabilityZoneFilters)
        let zones = (catalog.region(region)?.zones ?? []).map { zone in
            EC2.AvailabilityZone(
                optInStatus: "opt-in-not-required", messages: [], regionName: region, zoneName: zone.name,
                zoneId: zone.id, groupName: region + "-zg-1", networkBorderGroup: region, zoneType: "availability-zone",
                state: "available")
        }
        let names = r.zoneNames ?? [], ids = r.zoneIds ?? []
        for name in names where !zones.contains(where: { $0.zoneName == name }) {
            throw EC2Error.invalidParameterValue("Invalid availability zone: [\(name)]")
        }
        for id in ids where !zones.contains(where: { $0.zoneId == id }) {
            throw EC2Error.invalidParameterValue("Invalid availability zone: [\(id)]")
        }
        let asked = names.isEmpty && ids.isEmpty
            ? zones : zones.filter { names.contains($0.zoneName ?? "") || ids.contains($0.zoneId ?? "") }
        let shown = asked.filter { z in
            filter.matches(tags: nil) { name in
                switch name {
                case "group-name": [z.groupName ?? ""]
                case "opt-in-status": [z.optInStatus ?? ""]
                case "region-name": [z.regionName ?? ""]
                case "state": [z.state ?? ""]
                case "zone-id": [z.zoneId ?? ""]
                case "zone-name": [z.zoneName ?? ""]
                case "zone-type": [z.zoneType ?? ""]
                default: []
                }
            }
        }
        return EC2.DescribeAvailabilityZonesResult(availabilityZones: shown)
    }

    static let regionFilters: Set<String> = ["endpoint", "opt-in-status", "region-name"]

    /// Every region the server offers, each at `ec2.<region>.amazonaws.com` and needing no opt-in
    /// (so AllRegions changes nothing).
    public func describeRegions(_ r: EC2.DescribeRegionsRequest,
                                catalog: RegionCatalog = .standard) throws -> EC2.DescribeRegionsResult {
        let filter = try DescribeFilter(r.filters, allowed: Self.regionFilters)
        let names = r.regionNames ?? []
        for name in names where catalog.region(name) == nil {
            throw EC2Error.invalidParameterValue("Invalid region: [\(name)]")
        }
        let regions = catalog.regions
            .filter { names.isEmpty || names.contains($0.name) }
            .map { EC2.Region(optInStatus: "opt-in-not-required", regionName: $0.name,
                              endpoint: "ec2.\($0.name).amazonaws.com") }
            .filter { region in
                filter.matches(tags: nil) { name in
                    switch name {
                    case "endpoint": [region.endpoint ?? ""]
                    case "opt-in-status": [region.optInStatus ?? ""]
                    case "region-name": [region.regionName ?? ""]
                    default: []
                    }
                }
            }
        return EC2.DescribeRegionsResult(regions: regions)
    }

    /// The account attributes EC2 reports, in its order.
    static let accountAttributeNames = [
        "supported-platforms", "vpc-max-security-groups-per-interface", "max-elastic-ips", "max-instances",
        "vpc-max-elastic-ips", "default-vpc",
    ]

    public func describeAccountAttributes(_ r: EC2.DescribeAccountAttributesRequest,
                                          quotas: Quotas = Quotas()) throws -> EC2.DescribeAccountAttributesResult {
        let names = r.attributeNames.flatMap { $0.isEmpty ? nil : $0 } ?? Self.accountAttributeNames
        let attributes = try names.map { name in
            let values: [String]
            switch name {
            case "supported-platforms": values = ["VPC"]
            case "vpc-max-security-groups-per-interface": values = [String(quotas.securityGroupsPerNetworkInterface)]
            case "max-elastic-ips", "vpc-max-elastic-ips": values = [String(quotas.elasticIPsPerRegion)]
            case "max-instances": values = ["20"]
            case "default-vpc": values = [meta["region"]?.defaultVpcId ?? "none"]
            default:
                throw EC2Error.invalidParameterValue("Value (\(name)) for parameter attributeName is invalid. Unknown attribute.")
            }
            return EC2.AccountAttribute(attributeName: name,
                                        attributeValues: values.map { EC2.AccountAttributeValue(attributeValue: $0) })
        }
        return EC2.DescribeAccountAttributesResult(accountAttributes: attributes)
    }
}
