import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct CatalogTests {
    @Test func availabilityZonesOfTheRequestRegion() throws {
        let f = try Fixture()
        let zones = try f.read { try $0.describeAvailabilityZones(.init()) }.availabilityZones!
        #expect(zones.map(\.zoneName) == ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"])
        #expect(zones.first == EC2.AvailabilityZone(
            optInStatus: "opt-in-not-required", messages: [], regionName: "us-east-1", zoneName: "us-east-1a",
            zoneId: "use1-az1", groupName: "us-east-1-zg-1", networkBorderGroup: "us-east-1", zoneType: "availability-zone",
            state: "available"))
        let west = try f.cp.read(account: Fixture.accountA, region: "eu-west-1") { try $0.describeAvailabilityZones(.init(allAvailabilityZones: true)) }
        #expect(west.availabilityZones?.map(\.zoneId) == ["euw1-az1", "euw1-az2", "euw1-az3"])

        func matching(_ r: EC2.DescribeAvailabilityZonesRequest) throws -> [String] {
            try f.read { try $0.describeAvailabilityZones(r) }.availabilityZones!.compactMap(\.zoneName)
        }
        #expect(try matching(.init(zoneNames: ["us-east-1b"], zoneIds: ["use1-az3"])) == ["us-east-1b", "us-east-1c"])
        #expect(try matching(.init(filters: [.init(name: "zone-id", values: ["use1-az6"])])) == ["us-east-1f"])
        #expect(try matching(.init(filters: [.init(name: "zone-name", values: ["us-east-1[ab]", "*a"])])) == ["us-east-1a"])
        #expect(try matching(.init(filters: [.init(name: "state", values: ["available"]), .init(name: "region-name", values: ["us-east-1"]),
                                             .init(name: "zone-type", values: ["availability-zone"]),
                                             .init(name: "group-name", values: ["us-east-1-zg-1"])])).count == 6)
        #expect(try matching(.init(filters: [.init(name: "opt-in-status", values: ["opted-in"])])).isEmpty)
        #expect(errorCode { _ = try matching(.init(zoneNames: ["us-east-1z"])) } == "InvalidParameterValue")
        #expect(errorCode { _ = try matching(.init(zoneIds: ["use1-az9"])) } == "InvalidParameterValue")
        #expect(errorCode { _ = try matching(.init(filters: [.init(name: "nope", values: ["x"])])) } == "InvalidParameterValue")
    }

    @Test func regions() throws {
        let f = try Fixture()
        let all = try f.read { try $0.describeRegions(.init(allRegions: true)) }.regions!
        #expect(all.count == RegionCatalog.standard.regions.count)
        #expect(all.contains(EC2.Region(optInStatus: "opt-in-not-required", regionName: "eu-west-1", endpoint: "ec2.eu-west-1.amazonaws.com")))
        func matching(_ r: EC2.DescribeRegionsRequest) throws -> [String] {
            try f.read { try $0.describeRegions(r) }.regions!.compactMap(\.regionName)
        }
        #expect(try matching(.init(regionNames: ["us-west-2", "eu-north-1"])) == ["us-west-2", "eu-north-1"])
        #expect(try matching(.init(filters: [.init(name: "endpoint", values: ["ec2.ap-*"])])).count == 4)
        #expect(try matching(.init(filters: [.init(name: "region-name", values: ["ca-central-1"]),
                                             .init(name: "opt-in-status", values: ["opt-in-not-required"])])) == ["ca-central-1"])
        #expect(errorCode { _ = try matching(.init(regionNames: ["mars-1"])) } == "InvalidParameterValue")
        #expect(errorCode { _ = try matching(.init(filters: [.init(name: "nope", values: ["x"])])) } == "InvalidParameterValue")
        var small = RegionCatalog.standard
        small.regions = [RegionCatalog.standard.region("us-east-1")!]
        #expect(try f.read { try $0.describeRegions(.init(), catalog: small) }.regions?.count == 1)
    }

    @Test func accountAttributes() throws {
        let f = try Fixture()
        func attributes(_ account: String = Fixture.accountA, _ names: [String]? = nil, quotas: Quotas = Quotas()) throws -> [String: [String]] {
            let result = try f.read(account) { try $0.describeAccountAttributes(.init(attributeNames: names), quotas: quotas) }
            return Dictionary(uniqueKeysWithValues: result.accountAttributes!.map {
                ($0.attributeName!, $0.attributeValues!.compactMap(\.attributeValue))
            })
        }
        let defaultVpc = try f.read { s in s.vpcs.values.first { $0.vpc.isDefault == true }!.id }
        let all = try attributes()
        #expect(all == [
            "supported-platforms": ["VPC"], "vpc-max-security-groups-per-interface": ["5"], "max-elastic-ips": ["5"],
            "max-instances": ["20"], "vpc-max-elastic-ips": ["5"], "default-vpc": [defaultVpc],
        ])
        var quotas = Quotas()
        quotas.elasticIPsPerRegion = 10
        #expect(try attributes(Fixture.accountA, ["max-elastic-ips"], quotas: quotas) == ["max-elastic-ips": ["10"]])
        #expect(errorCode { _ = try attributes(Fixture.accountA, ["nope"]) } == "InvalidParameterValue")
        // Each account sees its own default VPC; without one, `none`.
        let other = try attributes(Fixture.accountB, ["default-vpc"])["default-vpc"]!
        #expect(other != [defaultVpc] && other.first?.hasPrefix("vpc-") == true)
        try f.write { tx in
            for subnet in tx.state.subnets.values where subnet.vpcId == defaultVpc {
                try tx.deleteSubnet(.init(subnetId: subnet.subnetId!))
            }
            for igw in tx.state.internetGateways.values { tx.state.internetGateways[igw.internetGatewayId!] = nil }
            try tx.deleteVpc(.init(vpcId: defaultVpc))
        }
        #expect(try attributes(Fixture.accountA, ["default-vpc"]) == ["default-vpc": ["none"]])
    }
}
