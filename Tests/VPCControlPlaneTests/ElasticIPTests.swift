import EC2Shapes
import Testing
@testable import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct ElasticIPTests {
    @Test func allocateTakesAnAddressOfThePublicPool() throws {
        let f = try Fixture()
        let eip = try f.eip()
        #expect(eip.allocationId?.hasPrefix("eipalloc-") == true)
        #expect(eip.domain == "vpc" && eip.publicIpv4Pool == "amazon" && eip.networkBorderGroup == "us-east-1")
        let ip = try #require(eip.publicIp.flatMap(IPv4.init))
        let pool = IPv4CIDR("198.18.0.0/15")!
        #expect(pool.contains(ip) && ip != pool.first && ip != pool.last)
        let shown = try f.describeEIP(eip.allocationId!)
        #expect(shown.publicIp == eip.publicIp && shown.domain == "vpc" && shown.associationId == nil)
        let standard = try f.write { try $0.allocateAddress(.init(domain: "standard")) }
        #expect(standard.domain == "vpc")
        #expect(errorCode { _ = try f.write { try $0.allocateAddress(.init(domain: "classic")) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.allocateAddress(.init(publicIpv4Pool: "ipv4pool-ec2-0123")) } }
            == "InvalidPublicIpv4PoolID.NotFound")
        #expect(errorCode { _ = try f.write { try $0.allocateAddress(.init(networkBorderGroup: "us-west-2")) } }
            == "InvalidParameterValue")
        #expect(try f.read { $0.addresses.count } == 2)
    }

    @Test func addressesAreUniqueAcrossAccountsAndQuotaIsPerRegion() throws {
        var options = ControlPlaneOptions()
        options.publicAddressPool = IPv4CIDR("203.0.113.0/30")!   // two usable addresses
        options.quotas.elasticIPsPerRegion = 1
        let f = try Fixture(options: options)
        let a = try f.eip().publicIp
        #expect(errorCode { _ = try f.eip() } == "AddressLimitExceeded")
        let b = try f.eip(account: Fixture.accountB).publicIp
        #expect(Set([a, b]) == ["203.0.113.1", "203.0.113.2"])
        #expect(errorCode { _ = try f.cp.write(account: Fixture.accountB, region: "eu-west-1") { try $0.allocateAddress(.init()) } }
            == "InsufficientAddressCapacity")
        // Released, the address is free for anyone.
        let allocationA = try f.read { $0.addresses.values.first!.allocationId! }
        try f.write { try $0.releaseAddress(.init(allocationId: allocationA)) }
        let again = try f.cp.write(account: Fixture.accountB, region: "eu-west-1") { try $0.allocateAddress(.init()) }
        #expect(again.publicIp == a && again.networkBorderGroup == "eu-west-1")
    }

    @Test func aSpecificAddressOnlyIfFree() throws {
        let f = try Fixture()
        let eip = try f.write { try $0.allocateAddress(.init(address: "198.18.0.9")) }
        #expect(eip.publicIp == "198.18.0.9")
        for taken in ["198.18.0.9", "198.18.0.0", "198.19.255.255", "192.0.2.1"] {
            #expect(errorCode { _ = try f.write(Fixture.accountB) { try $0.allocateAddress(.init(address: taken)) } }
                == "InvalidAddress.NotFound")
        }
        #expect(errorCode { _ = try f.write { try $0.allocateAddress(.init(address: "nope")) } } == "InvalidParameterValue")
        #expect(try f.read(Fixture.accountB) { $0.addresses.count } == 0)
    }

    @Test func associateWithAnInterfaceAndReassociate() throws {
        let f = try Fixture()
        let subnet = try f.defaultSubnet().subnetId!
        let eni = try f.eni(subnet) { $0.secondaryPrivateIpAddressCount = 1 }
        let eniId = eni.networkInterfaceId!
        let eip = try f.write { try $0.allocateAddress(.init(address: "198.18.0.5")) }
        let allocationId = eip.allocationId!
        let associationId = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId))
        }.associationId!
        #expect(associationId.hasPrefix("eipassoc-"))
        let shown = try f.describeENI(eniId)
        let expected = EC2.NetworkInterfaceAssociation(
            allocationId: allocationId, associationId: associationId, ipOwnerId: Fixture.accountA,
            publicDnsName: "ec2-198-18-0-5.compute-1.amazonaws.com", publicIp: "198.18.0.5")
        #expect(shown.association == expected)
        #expect(shown.privateIpAddresses?.first?.association == expected)
        let address = try f.describeEIP(allocationId)
        #expect(address.associationId == associationId && address.networkInterfaceId == eniId)
        #expect(address.networkInterfaceOwnerId == Fixture.accountA && address.privateIpAddress == eni.privateIpAddress)

        // Already associated: only with AllowReassociation.
        let secondary = eni.privateIpAddresses![1].privateIpAddress!
        #expect(errorCode { _ = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId, privateIpAddress: secondary))
        } } == "Resource.AlreadyAssociated")
        let moved = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId, privateIpAddress: secondary,
                                          allowReassociation: true))
        }.associationId!
        let after = try f.describeENI(eniId)
        #expect(after.association == nil && after.privateIpAddresses?.first?.association == nil)
        #expect(after.privateIpAddresses?[1].association?.associationId == moved)
        #expect(try f.describeEIP(allocationId).privateIpAddress == secondary)

        // A second Elastic IP on the same private address replaces the first.
        let second = try f.eip().allocationId!
        _ = try f.write {
            try $0.associateAddress(.init(allocationId: second, networkInterfaceId: eniId, privateIpAddress: secondary))
        }
        #expect(try f.describeEIP(allocationId).associationId == nil)
        #expect(try f.describeENI(eniId).privateIpAddresses?[1].association?.allocationId == second)

        // An address mapped to a secondary private address keeps the gateway attached too.
        let vpcId = try #require(eni.vpcId)
        let igw = try #require(try f.read { s in s.internetGateways.values.first { $0.attachments?.first?.vpcId == vpcId } }?
            .internetGatewayId)
        #expect(errorCode { try f.write { try $0.detachInternetGateway(.init(internetGatewayId: igw, vpcId: vpcId)) } }
            == "DependencyViolation")
    }

    @Test func associateErrors() throws {
        let f = try Fixture()
        let eniId = try f.eni(try f.defaultSubnet().subnetId!).networkInterfaceId!
        let allocationId = try f.eip().allocationId!
        #expect(errorCode { _ = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId, privateIpAddress: "172.31.0.99"))
        } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.associateAddress(.init(allocationId: allocationId, instanceId: "i-0123456789abcdef0")) } }
            == "InvalidInstanceID.NotFound")
        #expect(errorCode { _ = try f.write { try $0.associateAddress(.init(allocationId: allocationId)) } } == "MissingParameter")
        #expect(errorCode { _ = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, instanceId: "i-0123456789abcdef0", networkInterfaceId: eniId))
        } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.write {
            try $0.associateAddress(.init(allocationId: "eipalloc-0000000000000000f", networkInterfaceId: eniId))
        } } == "InvalidAllocationID.NotFound")
        #expect(errorCode { _ = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: "eni-0000000000000000f"))
        } } == "InvalidNetworkInterfaceID.NotFound")
        // A VPC without an internet gateway cannot take an Elastic IP.
        let isolated = try f.eni(try f.subnet(try f.vpc(), "10.0.1.0/24")).networkInterfaceId!
        #expect(errorCode { _ = try f.write { try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: isolated)) } }
            == "Gateway.NotAttached")
        #expect(try f.describeEIP(allocationId).associationId == nil)
    }

    @Test func publicDnsNamesOutsideUsEast1UseTheRegion() throws {
        let f = try Fixture()
        let region = "eu-west-1"
        let association = try f.cp.write(account: Fixture.accountA, region: region) { tx in
            let subnet = tx.state.subnets.values.first { $0.availabilityZone == "eu-west-1a" }!.subnetId!
            let eni = try tx.createNetworkInterface(.init(subnetId: subnet)).networkInterface!.networkInterfaceId!
            let eip = try tx.allocateAddress(.init(address: "198.18.1.2"))
            _ = try tx.associateAddress(.init(allocationId: eip.allocationId, networkInterfaceId: eni))
            return tx.state.networkInterfaces[eni]!.association!
        }
        #expect(association.publicDnsName == "ec2-198-18-1-2.eu-west-1.compute.amazonaws.com")
    }

    @Test func disassociateAndRelease() throws {
        let f = try Fixture()
        let eniId = try f.eni(try f.defaultSubnet().subnetId!).networkInterfaceId!
        let eip = try f.eip()
        let allocationId = eip.allocationId!
        let associationId = try f.write { try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId)) }.associationId!
        #expect(errorCode { try f.write { try $0.releaseAddress(.init(allocationId: allocationId)) } } == "InvalidIPAddress.InUse")
        #expect(errorCode { try f.write { try $0.disassociateAddress(.init(associationId: "eipassoc-0000000000000000f")) } }
            == "InvalidAssociationID.NotFound")
        #expect(errorCode { try f.write { try $0.disassociateAddress(.init()) } } == "MissingParameter")
        try f.write { try $0.disassociateAddress(.init(associationId: associationId)) }
        #expect(try f.describeENI(eniId).association == nil)
        #expect(try f.describeENI(eniId).privateIpAddresses?.first?.association == nil)
        #expect(try f.describeEIP(allocationId).associationId == nil)
        #expect(errorCode { try f.write { try $0.disassociateAddress(.init(associationId: associationId)) } }
            == "InvalidAssociationID.NotFound")
        // Associating and releasing name a VPC address by allocation id; disassociating may use the IP.
        #expect(errorCode { _ = try f.write { try $0.associateAddress(.init(publicIp: eip.publicIp, networkInterfaceId: eniId)) } }
            == "InvalidParameterCombination")
        #expect(errorCode { try f.write { try $0.releaseAddress(.init(publicIp: eip.publicIp)) } } == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.releaseAddress(.init(allocationId: allocationId, publicIp: eip.publicIp)) } }
            == "InvalidParameterCombination")
        _ = try f.write { try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId)) }
        try f.write { try $0.disassociateAddress(.init(publicIp: eip.publicIp)) }
        #expect(errorCode { try f.write { try $0.disassociateAddress(.init(publicIp: eip.publicIp)) } } == "InvalidParameterValue")

        try f.write { try $0.releaseAddress(.init(allocationId: allocationId)) }
        #expect(errorCode { _ = try f.describeEIP(allocationId) } == "InvalidAllocationID.NotFound")
        #expect(errorCode { try f.write { try $0.releaseAddress(.init(allocationId: allocationId)) } } == "InvalidAllocationID.NotFound")
        _ = try f.write { try $0.allocateAddress(.init(address: eip.publicIp)) }
    }

    @Test func describeFilters() throws {
        let f = try Fixture()
        let eniId = try f.eni(try f.defaultSubnet().subnetId!).networkInterfaceId!
        let tagged = try f.write {
            try $0.allocateAddress(.init(tagSpecifications: [.init(resourceType: "elastic-ip", tags: [.init(key: "env", value: "prod")])]))
        }
        let plain = try f.eip()
        let associationId = try f.write { try $0.associateAddress(.init(allocationId: plain.allocationId, networkInterfaceId: eniId)) }.associationId!
        func matching(_ filters: [EC2.Filter]) throws -> [String] {
            try f.read { try $0.describeAddresses(.init(filters: filters)) }.addresses!.compactMap(\.allocationId)
        }
        #expect(try matching([.init(name: "tag:env", values: ["prod"])]) == [tagged.allocationId!])
        #expect(try matching([.init(name: "public-ip", values: [plain.publicIp!])]) == [plain.allocationId!])
        #expect(try matching([.init(name: "association-id", values: [associationId])]) == [plain.allocationId!])
        #expect(try matching([.init(name: "network-interface-id", values: [eniId])]) == [plain.allocationId!])
        #expect(try matching([.init(name: "network-interface-owner-id", values: [Fixture.accountA])]) == [plain.allocationId!])
        #expect(try matching([.init(name: "private-ip-address", values: ["172.31.0.4"])]) == [plain.allocationId!])
        #expect(try matching([.init(name: "domain", values: ["vpc"])]).count == 2)
        #expect(try matching([.init(name: "allocation-id", values: [tagged.allocationId!])]) == [tagged.allocationId!])
        #expect(errorCode { _ = try matching([.init(name: "nope", values: ["x"])]) } == "InvalidParameterValue")
        let byIp = try f.read { try $0.describeAddresses(.init(publicIps: [tagged.publicIp!])) }.addresses!
        #expect(byIp.map(\.allocationId) == [tagged.allocationId])
        #expect(errorCode { _ = try f.read { try $0.describeAddresses(.init(publicIps: ["192.0.2.1"])) } } == "InvalidAddress.NotFound")
        #expect(errorCode { _ = try f.read { try $0.describeAddresses(.init(allocationIds: ["eipalloc-0000000000000000f"])) } }
            == "InvalidAllocationID.NotFound")
    }

    @Test func anElasticIPFollowsItsPrivateAddress() throws {
        let f = try Fixture()
        let subnet = try f.defaultSubnet().subnetId!
        let a = try f.eni(subnet) { $0.privateIpAddresses = [.init(primary: true, privateIpAddress: "172.31.0.10"),
                                                             .init(privateIpAddress: "172.31.0.11")] }.networkInterfaceId!
        let b = try f.eni(subnet).networkInterfaceId!
        let allocationId = try f.eip().allocationId!
        _ = try f.write {
            try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: a, privateIpAddress: "172.31.0.11"))
        }
        // Reassigned to another interface, the address takes its Elastic IP along.
        _ = try f.write {
            try $0.assignPrivateIpAddresses(.init(networkInterfaceId: b, privateIpAddresses: ["172.31.0.11"], allowReassignment: true))
        }
        #expect(try f.describeEIP(allocationId).networkInterfaceId == b)
        #expect(try f.describeENI(b).privateIpAddresses?.last?.association?.allocationId == allocationId)
        #expect(try f.describeENI(a).privateIpAddresses?.count == 1)
        // Unassigned, it loses it.
        try f.write { try $0.unassignPrivateIpAddresses(.init(networkInterfaceId: b, privateIpAddresses: ["172.31.0.11"])) }
        let address = try f.describeEIP(allocationId)
        #expect(address.associationId == nil && address.networkInterfaceId == nil)
    }

    @Test func addressesSurviveARestartAndStayTaken() throws {
        let f = try Fixture()
        let eniId = try f.eni(try f.defaultSubnet().subnetId!).networkInterfaceId!
        let eip = try f.write { try $0.allocateAddress(.init(address: "198.18.3.3")) }
        _ = try f.write { try $0.associateAddress(.init(allocationId: eip.allocationId, networkInterfaceId: eniId)) }
        let again = try ControlPlane(store: f.store)
        let eni = try again.read(account: Fixture.accountA, region: "us-east-1") {
            try $0.describeNetworkInterfaces(.init(networkInterfaceIds: [eniId]))
        }.networkInterfaces!.first!
        #expect(eni.association?.publicIp == "198.18.3.3")
        #expect(errorCode { _ = try again.write(account: Fixture.accountB, region: "us-east-1") {
            try $0.allocateAddress(.init(address: "198.18.3.3"))
        } } == "InvalidAddress.NotFound")
    }

    @Test func otherAccountsCannotSeeOrTouchAnAddress() throws {
        let f = try Fixture()
        let eniId = try f.eni(try f.defaultSubnet().subnetId!).networkInterfaceId!
        let eip = try f.eip()
        let allocationId = eip.allocationId!
        let associationId = try f.write { try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId)) }.associationId!
        let b = Fixture.accountB
        let notFound = "InvalidAllocationID.NotFound"
        #expect(errorCode { _ = try f.describeEIP(allocationId, account: b) } == notFound)
        #expect(try f.read(b) { try $0.describeAddresses(.init()) }.addresses?.isEmpty == true)
        #expect(errorCode { _ = try f.read(b) { try $0.describeAddresses(.init(publicIps: [eip.publicIp!])) } } == "InvalidAddress.NotFound")
        #expect(errorCode { try f.write(b) { try $0.releaseAddress(.init(allocationId: allocationId)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.disassociateAddress(.init(associationId: associationId)) } } == "InvalidAssociationID.NotFound")
        let bEip = try f.eip(account: b).allocationId!
        #expect(errorCode { _ = try f.write(b) { try $0.associateAddress(.init(allocationId: bEip, networkInterfaceId: eniId)) } }
            == "InvalidNetworkInterfaceID.NotFound")
        #expect(errorCode { _ = try f.write(b) { try $0.associateAddress(.init(allocationId: allocationId, networkInterfaceId: eniId)) } }
            == notFound)
        #expect(try f.describeEIP(allocationId).associationId == associationId)
    }
}
