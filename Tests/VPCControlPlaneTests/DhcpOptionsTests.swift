import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct DhcpOptionsTests {
    static func create(_ f: Fixture, _ options: [(String, [String])], account: String = Fixture.accountA,
                       tags: [EC2.Tag]? = nil) throws -> String {
        try f.write(account) {
            try $0.createDhcpOptions(.init(
                dhcpConfigurations: options.map { EC2.NewDhcpConfiguration(key: $0.0, values: $0.1) },
                tagSpecifications: tags.map { [.init(resourceType: "dhcp-options", tags: $0)] })).dhcpOptions!.dhcpOptionsId!
        }
    }

    @Test func createValidatesEachOption() throws {
        let f = try Fixture()
        let id = try Self.create(f, [
            ("domain-name", ["corp.example"]), ("domain-name-servers", ["10.0.0.2", "AmazonProvidedDNS"]),
            ("ntp-servers", ["169.254.169.123", "fd00:ec2::123"]), ("netbios-name-servers", ["10.0.0.9"]),
            ("netbios-node-type", ["2"]), ("ipv6-address-preferred-lease-time", ["3600"]),
        ], tags: [.init(key: "Name", value: "corp")])
        let options = try #require(try f.read { $0.dhcpOptions[id] })
        #expect(options.ownerId == Fixture.accountA && options.tags == [.init(key: "Name", value: "corp")])
        #expect(options.dhcpConfigurations?.map(\.key) == ["domain-name", "domain-name-servers", "ntp-servers",
                                                           "netbios-name-servers", "netbios-node-type",
                                                           "ipv6-address-preferred-lease-time"])
        #expect(options.dhcpConfigurations?[1].values == [.init(value: "10.0.0.2"), .init(value: "AmazonProvidedDNS")])

        let bad: [[(String, [String])]] = [
            [("domain-nameservers", ["10.0.0.2"])],
            [("domain-name-servers", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"])],
            [("domain-name-servers", ["dns.example"])],
            [("netbios-name-servers", ["fd00::1"])],
            [("netbios-node-type", ["3"])],
            [("ipv6-address-preferred-lease-time", ["100"])],
            [("domain-name", [])],
            [("domain-name", ["a"]), ("domain-name", ["b"])],
            // 200 characters, 400 bytes: more than option 15 holds.
            [("domain-name", [String(repeating: "é", count: 200)])],
            [("domain-name", ["corp\nexample"])],
            [],
        ]
        let before = try f.read { $0.dhcpOptions.count }
        for options in bad {
            let code = errorCode { _ = try Self.create(f, options) }
            #expect(code == (options.isEmpty ? "MissingParameter" : "InvalidParameterValue"), "\(options)")
        }
        #expect(try f.read { $0.dhcpOptions.count } == before)
    }

    @Test func associateAndDelete() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try Self.create(f, [("domain-name", ["corp.example"])])
        let regionDefault = try #require(try f.read { $0.vpcs[vpc]?.vpc.dhcpOptionsId })
        try f.write { try $0.associateDhcpOptions(.init(dhcpOptionsId: id, vpcId: vpc)) }
        #expect(try f.read { try $0.describeVpcs(.init(vpcIds: [vpc])) }.vpcs?.first?.dhcpOptionsId == id)
        #expect(errorCode { try f.write { try $0.deleteDhcpOptions(.init(dhcpOptionsId: id)) } } == "DependencyViolation")
        #expect(errorCode { try f.write { try $0.associateDhcpOptions(.init(dhcpOptionsId: "dopt-0000000000000000f", vpcId: vpc)) } }
            == "InvalidDhcpOptionID.NotFound")
        #expect(errorCode { try f.write { try $0.associateDhcpOptions(.init(dhcpOptionsId: id, vpcId: "vpc-0000000000000000f")) } }
            == "InvalidVpcID.NotFound")
        // Hosts get the set's values, and AWS's defaults with no set.
        let servers = try Self.create(f, [("domain-name-servers", ["10.9.9.9", "AmazonProvidedDNS"]), ("ntp-servers", ["10.8.8.8"])])
        try f.write { try $0.associateDhcpOptions(.init(dhcpOptionsId: servers, vpcId: vpc)) }
        var net = try #require(try f.read { HostDocuments.networkSpec(vpc, in: $0, hosts: [:]) })
        #expect(net.domainNameServers == ["10.9.9.9", "AmazonProvidedDNS"] && net.ntpServers == ["10.8.8.8"])
        #expect(net.domainName == "")  // the set names none
        try f.write { try $0.associateDhcpOptions(.init(dhcpOptionsId: "default", vpcId: vpc)) }
        net = try #require(try f.read { HostDocuments.networkSpec(vpc, in: $0, hosts: [:]) })
        #expect(net.domainNameServers == ["AmazonProvidedDNS"] && net.ntpServers == [] && net.domainName == "ec2.internal")
        #expect(try f.read { $0.vpcs[vpc]?.vpc.dhcpOptionsId } == "default")
        try f.write { try $0.deleteDhcpOptions(.init(dhcpOptionsId: id)) }
        #expect(errorCode { try f.write { try $0.deleteDhcpOptions(.init(dhcpOptionsId: id)) } } == "InvalidDhcpOptionID.NotFound")
        // The region's default set is still used by the default VPC.
        #expect(errorCode { try f.write { try $0.deleteDhcpOptions(.init(dhcpOptionsId: regionDefault)) } } == "DependencyViolation")
    }

    @Test func describeFiltersAndPages() throws {
        let f = try Fixture()
        let corp = try Self.create(f, [("domain-name", ["corp.example"]), ("netbios-node-type", ["2"])],
                                   tags: [.init(key: "env", value: "prod")])
        func ids(_ filters: EC2.Filter...) throws -> Set<String> {
            Set(try f.read { try $0.describeDhcpOptions(.init(filters: filters)) }.dhcpOptions?.compactMap(\.dhcpOptionsId) ?? [])
        }
        #expect(try ids(ec2Filter("key", "netbios-node-type")) == [corp])
        #expect(try ids(ec2Filter("value", "*.example")) == [corp])
        #expect(try ids(ec2Filter("key", "domain-name")).count == 2)
        #expect(try ids(ec2Filter("dhcp-options-id", corp), ec2Filter("owner-id", Fixture.accountA), ec2Filter("tag:env", "prod")) == [corp])
        #expect(errorCode { _ = try ids(ec2Filter("domain-name", "corp.example")) } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeDhcpOptions(.init(maxResults: 2)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeDhcpOptions(.init(dhcpOptionsIds: ["dopt-0000000000000000f"])) } }
            == "InvalidDhcpOptionID.NotFound")
        for i in 0..<4 { _ = try Self.create(f, [("domain-name", ["d\(i).example"])]) }
        let all = try f.read { try $0.describeDhcpOptions(.init()) }.dhcpOptions ?? []
        #expect(all.count == 6)
        let page1 = try f.read { try $0.describeDhcpOptions(.init(maxResults: 5)) }
        let page2 = try f.read { try $0.describeDhcpOptions(.init(nextToken: page1.nextToken, maxResults: 5)) }
        #expect(page1.dhcpOptions?.count == 5 && (page1.dhcpOptions ?? []) + (page2.dhcpOptions ?? []) == all)
    }

    @Test func otherAccountsGetNotFound() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try Self.create(f, [("domain-name", ["corp.example"])])
        let b = Fixture.accountB
        let bVpc = try f.vpc(account: b)
        let bOptions = try Self.create(f, [("domain-name", ["b.example"])], account: b)
        let notFound = "InvalidDhcpOptionID.NotFound"
        #expect(errorCode { _ = try f.read(b) { try $0.describeDhcpOptions(.init(dhcpOptionsIds: [id])) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.associateDhcpOptions(.init(dhcpOptionsId: id, vpcId: bVpc)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.associateDhcpOptions(.init(dhcpOptionsId: bOptions, vpcId: vpc)) } }
            == "InvalidVpcID.NotFound")
        #expect(errorCode { try f.write(b) { try $0.deleteDhcpOptions(.init(dhcpOptionsId: id)) } } == notFound)
    }
}
