import EC2Shapes
import Testing
@testable import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct NetworkInterfaceTests {
    @Test func createTakesTheFirstFreeAddressAndAwsDefaults() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let created = try f.eni(subnet) { $0.description = "web" }
        #expect(created.status == "pending")
        #expect(created.privateIpAddress == "10.0.1.4")
        let id = try #require(created.networkInterfaceId)
        #expect(id.hasPrefix("eni-"))
        let eni = try f.describeENI(id)
        #expect(eni.status == "available")
        #expect(eni.interfaceType == "interface")
        #expect(eni.sourceDestCheck == true && eni.requesterManaged == false)
        #expect(eni.ownerId == Fixture.accountA && eni.vpcId == vpc && eni.subnetId == subnet)
        #expect(eni.availabilityZone == "us-east-1a" && eni.availabilityZoneId == "use1-az1")
        #expect(eni.description == "web")
        #expect(eni.privateDnsName == "ip-10-0-1-4.ec2.internal")
        #expect(eni.privateIpAddresses?.first?.primary == true)
        #expect(eni.privateIpAddresses?.first?.privateDnsName == "ip-10-0-1-4.ec2.internal")
        let mac = try #require(eni.macAddress)
        #expect(mac.hasPrefix("02:") && mac.count == 17)
        let defaultGroup = try f.read { s in s.securityGroups.values.first { $0.vpcId == vpc && $0.isDefault }!.groupId }
        #expect(eni.groups == [EC2.GroupIdentifier(groupId: defaultGroup, groupName: "default")])

        let second = try f.eni(subnet)
        #expect(second.privateIpAddress == "10.0.1.5")
        #expect(second.macAddress != mac)
        let shown = try f.read { try $0.describeSubnets(.init(subnetIds: [subnet])) }.subnets!.first!
        #expect(shown.availableIpAddressCount == 251 - 2)
    }

    @Test func privateDnsNamesOutsideUsEast1UseTheRegion() throws {
        let f = try Fixture()
        let subnet = try f.cp.read(account: Fixture.accountA, region: "eu-west-1") { s in
            s.subnets.values.first { $0.availabilityZone == "eu-west-1a" }!.subnetId!
        }
        let eni = try f.cp.write(account: Fixture.accountA, region: "eu-west-1") {
            try $0.createNetworkInterface(.init(subnetId: subnet, privateIpAddress: "172.31.0.10"))
        }.networkInterface!
        #expect(eni.privateDnsName == "ip-172-31-0-10.eu-west-1.compute.internal")
    }

    @Test func requestedAddressesAndSecondaryCount() throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        let a = try f.eni(subnet) { $0.privateIpAddress = "10.0.1.10"; $0.secondaryPrivateIpAddressCount = 2 }
        #expect(a.privateIpAddresses?.map(\.privateIpAddress) == ["10.0.1.10", "10.0.1.4", "10.0.1.5"])
        #expect(a.privateIpAddresses?.map(\.primary) == [true, false, false])
        let b = try f.eni(subnet) {
            $0.privateIpAddresses = [.init(primary: false, privateIpAddress: "10.0.1.20"),
                                     .init(primary: true, privateIpAddress: "10.0.1.21")]
        }
        #expect(b.privateIpAddress == "10.0.1.21")
        #expect(b.privateIpAddresses?.map(\.privateIpAddress) == ["10.0.1.21", "10.0.1.20"])
    }

    @Test(arguments: [
        ("10.0.2.4", "InvalidParameterValue"), ("10.0.1.0", "InvalidParameterValue"),
        ("10.0.1.1", "InvalidParameterValue"), ("10.0.1.3", "InvalidParameterValue"),
        ("10.0.1.255", "InvalidParameterValue"), ("10.0.1", "InvalidParameterValue"),
        ("10.0.1.4", "InvalidIPAddress.InUse"),
    ])
    func badRequestedAddressesAreRejectedAndChangeNothing(address: String, code: String) throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        _ = try f.eni(subnet)
        #expect(errorCode { _ = try f.eni(subnet) { $0.privateIpAddress = address } } == code)
        #expect(try f.read { $0.networkInterfaces.count } == 1)
        #expect(try f.store.loadRecords().filter { $0.kind == "network-interface" }.count == 1)
    }

    @Test func conflictingPrimariesAreRejected() throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        #expect(errorCode { _ = try f.eni(subnet) {
            $0.privateIpAddresses = [.init(primary: true, privateIpAddress: "10.0.1.20"),
                                     .init(primary: true, privateIpAddress: "10.0.1.21")]
        } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.eni(subnet) {
            $0.privateIpAddress = "10.0.1.9"
            $0.privateIpAddresses = [.init(primary: true, privateIpAddress: "10.0.1.20")]
        } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.eni(subnet) {  // even naming the same address
            $0.privateIpAddress = "10.0.1.9"
            $0.privateIpAddresses = [.init(primary: true, privateIpAddress: "10.0.1.9")]
        } } == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.eni(subnet) { $0.interfaceType = "efa" } } == "InvalidParameterValue")
        #expect(try f.read { $0.networkInterfaces.count } == 0)
    }

    @Test func aFullSubnetHasNoAddressLeft() throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/28")
        let eni = try f.eni(subnet) { $0.secondaryPrivateIpAddressCount = 10 }
        let addresses = eni.privateIpAddresses!.compactMap(\.privateIpAddress)
        #expect(addresses.count == 11 && addresses.first == "10.0.1.4" && addresses.last == "10.0.1.14")
        #expect(errorCode { _ = try f.eni(subnet) } == "InsufficientFreeAddressesInSubnet")
        #expect(try f.read { $0.networkInterfaces.count } == 1)
    }

    @Test func addressCountsPerInterfaceAreLimited() throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(ipv6: false), "10.0.0.0/20")
        #expect(errorCode { _ = try f.eni(subnet) { $0.secondaryPrivateIpAddressCount = Int.max } } == "PrivateIpAddressLimitExceeded")
        #expect(errorCode { _ = try f.eni(subnet) { $0.secondaryPrivateIpAddressCount = 50 } } == "PrivateIpAddressLimitExceeded")
        let eni = try f.eni(subnet) { $0.secondaryPrivateIpAddressCount = 49 }.networkInterfaceId!
        #expect(errorCode { _ = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: eni, secondaryPrivateIpAddressCount: 1)) } }
            == "PrivateIpAddressLimitExceeded")
        #expect(errorCode { _ = try f.eni(subnet) { $0.ipv6AddressCount = Int.max } } == "InvalidParameterValue")
        #expect(try f.describeENI(eni).privateIpAddresses?.count == 50)
    }

    @Test func interfaceQuota() throws {
        var options = ControlPlaneOptions()
        options.quotas.networkInterfacesPerRegion = 1
        let f = try Fixture(options: options)
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        _ = try f.eni(subnet)
        #expect(errorCode { _ = try f.eni(subnet) } == "NetworkInterfaceLimitExceeded")
    }

    @Test func securityGroupsMustBeOfTheVpcAndWithinTheLimit() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let groups = try (0..<6).map { try f.securityGroup(vpcId: vpc, name: "g\($0)") }
        let eni = try f.eni(subnet) { $0.groups = Array(groups[0..<5]) + [groups[0]] }
        #expect(eni.groups?.map(\.groupId) == Array(groups[0..<5]))
        #expect(eni.groups?.first?.groupName == "g0")
        #expect(errorCode { _ = try f.eni(subnet) { $0.groups = groups } } == "SecurityGroupsPerInterfaceLimitExceeded")
        let otherVpc = try f.vpc("10.1.0.0/16")
        let foreign = try f.securityGroup(vpcId: otherVpc, name: "other")
        #expect(errorCode { _ = try f.eni(subnet) { $0.groups = [foreign] } } == "InvalidParameter")
        #expect(errorCode { _ = try f.eni(subnet) { $0.groups = ["sg-0123456789abcdef0"] } } == "InvalidGroup.NotFound")
        #expect(try f.read { $0.networkInterfaces.count } == 1)
    }

    @Test func ipv6AddressesComeFromTheSubnetBlock() throws {
        let f = try Fixture()
        let vpc = try f.vpc(ipv6: true)
        let vpcBlock = try f.read { $0.vpcs[vpc]!.vpc.ipv6CidrBlockAssociationSet!.first!.ipv6CidrBlock! }
        let block = IPv6CIDR(network: IPv6CIDR(vpcBlock)!.network, prefixLength: 64)
        let subnet = try f.subnet(vpc, "10.0.1.0/24", ipv6: block.description)
        let eni = try f.eni(subnet) { $0.ipv6AddressCount = 2 }
        let addresses = eni.ipv6Addresses!.compactMap { $0.ipv6Address.flatMap(IPv6.init) }
        #expect(addresses.count == 2 && Set(addresses).count == 2)
        #expect(addresses.allSatisfy { block.contains($0) && $0.low >= 4 })
        let chosen = block.network.adding(0x10).description
        let other = try f.eni(subnet) { $0.ipv6Addresses = [.init(ipv6Address: chosen)] }
        #expect(other.ipv6Addresses?.map(\.ipv6Address) == [chosen])
        #expect(errorCode { _ = try f.eni(subnet) { $0.ipv6Addresses = [.init(ipv6Address: chosen)] } }
            == "InvalidIPAddress.InUse")
        #expect(errorCode { _ = try f.eni(subnet) { $0.ipv6Addresses = [.init(ipv6Address: block.network.adding(1).description)] } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.eni(subnet) { $0.ipv6Addresses = [.init(ipv6Address: "2001:db8::5")] } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.eni(subnet) { $0.ipv6AddressCount = 1; $0.ipv6Addresses = [.init(ipv6Address: chosen)] } }
            == "InvalidParameterCombination")
        let plain = try f.subnet(vpc, "10.0.2.0/24")
        #expect(errorCode { _ = try f.eni(plain) { $0.ipv6AddressCount = 1 } } == "InvalidParameterValue")
        #expect(try f.read { $0.networkInterfaces.count } == 2)
        // A subnet that assigns IPv6 on creation gives one address unless asked for none.
        try f.write { try $0.modifySubnetAttribute(.init(assignIpv6AddressOnCreation: .init(value: true), subnetId: subnet)) }
        #expect(try f.eni(subnet).ipv6Addresses?.count == 1)
        #expect(try f.eni(subnet) { $0.ipv6AddressCount = 0 }.ipv6Addresses?.isEmpty != false)

        let eniId = eni.networkInterfaceId!
        let assigned = try f.write { try $0.assignIpv6Addresses(.init(networkInterfaceId: eniId, ipv6AddressCount: 1)) }
        #expect(assigned.assignedIpv6Addresses?.count == 1)
        let explicit = block.network.adding(0x20).description
        _ = try f.write { try $0.assignIpv6Addresses(.init(networkInterfaceId: eniId, ipv6Addresses: [explicit])) }
        #expect(try f.describeENI(eniId).ipv6Addresses?.count == 4)
        #expect(errorCode { _ = try f.write { try $0.assignIpv6Addresses(.init(networkInterfaceId: eniId, ipv6Addresses: [chosen])) } }
            == "InvalidIPAddress.InUse")
        #expect(errorCode { _ = try f.write { try $0.assignIpv6Addresses(.init(networkInterfaceId: eniId)) } }
            == "MissingParameter")
        let removed = try f.write { try $0.unassignIpv6Addresses(.init(networkInterfaceId: eniId, ipv6Addresses: [explicit])) }
        #expect(removed.unassignedIpv6Addresses == [explicit])
        #expect(try f.describeENI(eniId).ipv6Addresses?.count == 3)
        #expect(errorCode { _ = try f.write { try $0.unassignIpv6Addresses(.init(networkInterfaceId: eniId, ipv6Addresses: [explicit])) } }
            == "InvalidParameterValue")
        let plainENI = try f.eni(plain).networkInterfaceId!
        #expect(errorCode { _ = try f.write {
            try $0.assignIpv6Addresses(.init(networkInterfaceId: plainENI, ipv6AddressCount: 1))
        } } == "InvalidParameterValue")
    }

    @Test func assignAndUnassignPrivateAddresses() throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        let a = try f.eni(subnet).networkInterfaceId!
        let b = try f.eni(subnet).networkInterfaceId!
        let assigned = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a, secondaryPrivateIpAddressCount: 2)) }
        #expect(assigned.assignedPrivateIpAddresses?.map(\.privateIpAddress) == ["10.0.1.6", "10.0.1.7"])
        _ = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: b, privateIpAddresses: ["10.0.1.50"])) }
        #expect(try f.describeENI(b).privateIpAddresses?.map(\.privateIpAddress) == ["10.0.1.5", "10.0.1.50"])

        // Taken by another interface: only with AllowReassignment, and never its primary.
        #expect(errorCode { _ = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.50"])) } }
            == "InvalidIPAddress.InUse")
        #expect(errorCode { _ = try f.write {
            try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.5"], allowReassignment: true))
        } } == "InvalidParameterValue")
        _ = try f.write {
            try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.50"], allowReassignment: true))
        }
        #expect(try f.describeENI(b).privateIpAddresses?.map(\.privateIpAddress) == ["10.0.1.5"])
        #expect(try f.describeENI(a).privateIpAddresses?.count == 4)
        #expect(errorCode { _ = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.50"])) } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a)) } } == "MissingParameter")
        #expect(errorCode { _ = try f.write {
            try $0.assignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.60"], secondaryPrivateIpAddressCount: 1))
        } } == "InvalidParameterCombination")

        #expect(errorCode { try f.write { try $0.unassignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.4"])) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.unassignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.6", "10.0.1.99"])) } }
            == "InvalidParameterValue")
        #expect(try f.describeENI(a).privateIpAddresses?.count == 4)
        try f.write { try $0.unassignPrivateIpAddresses(.init(networkInterfaceId: a, privateIpAddresses: ["10.0.1.6", "10.0.1.50"])) }
        #expect(try f.describeENI(a).privateIpAddresses?.map(\.privateIpAddress) == ["10.0.1.4", "10.0.1.7"])
        // Freed addresses are free again.
        _ = try f.write { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: b, privateIpAddresses: ["10.0.1.6"])) }
    }

    @Test func attachAndDetach() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let eni = try f.eni(subnet).networkInterfaceId!
        #expect(errorCode { _ = try f.write {
            try $0.attachNetworkInterface(.init(networkInterfaceId: eni, instanceId: "i-0123456789abcdef0", deviceIndex: 1))
        } } == "InvalidInstanceID.NotFound")
        #expect(try f.describeENI(eni).attachment == nil)

        let instance = Fixture.instance(vpcId: vpc)
        let result = try f.write { try $0.attach(eni, to: instance, deviceIndex: 1, networkCardIndex: 0) }
        let attachmentId = try #require(result.attachmentId)
        #expect(attachmentId.hasPrefix("eni-attach-"))
        let attached = try f.describeENI(eni)
        #expect(attached.status == "in-use")
        #expect(attached.attachment?.instanceId == instance.instanceId && attached.attachment?.status == "attached")
        #expect(attached.attachment?.deviceIndex == 1 && attached.attachment?.instanceOwnerId == Fixture.accountA)
        let byInstance = try f.read {
            try $0.describeNetworkInterfaces(.init(filters: [.init(name: "attachment.instance-id", values: [instance.instanceId])]))
        }
        #expect(byInstance.networkInterfaces?.map(\.networkInterfaceId) == [eni])

        let other = try f.eni(subnet).networkInterfaceId!
        #expect(errorCode { _ = try f.write { try $0.attach(other, to: instance, deviceIndex: 1, networkCardIndex: 0) } }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try f.write { try $0.attach(eni, to: instance, deviceIndex: 2, networkCardIndex: 0) } }
            == "InvalidNetworkInterface.InUse")
        #expect(errorCode { _ = try f.write { try $0.attach(other, to: Fixture.instance(vpcId: "vpc-0000000000000000f"), deviceIndex: 2, networkCardIndex: 0) } }
            == "InvalidParameterValue")
        #expect(errorCode { try f.write { try $0.deleteNetworkInterface(.init(networkInterfaceId: eni)) } }
            == "InvalidNetworkInterface.InUse")

        try f.write {
            try $0.modifyNetworkInterfaceAttribute(.init(
                networkInterfaceId: eni, attachment: .init(attachmentId: attachmentId, deleteOnTermination: true)))
        }
        let shown = try f.read { try $0.describeNetworkInterfaceAttribute(.init(networkInterfaceId: eni, attribute: "attachment")) }
        #expect(shown.attachment?.deleteOnTermination == true)
        #expect(errorCode { try f.write {
            try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, attachment: .init(attachmentId: "eni-attach-0000000000000000f")))
        } } == "InvalidAttachmentID.NotFound")

        #expect(errorCode { try f.write { try $0.detachNetworkInterface(.init(attachmentId: "eni-attach-0000000000000000f")) } }
            == "InvalidAttachmentID.NotFound")
        try f.write { try $0.detachNetworkInterface(.init(attachmentId: attachmentId)) }
        #expect(try f.describeENI(eni).status == "available")
        #expect(try f.describeENI(eni).attachment == nil)

        let primary = try f.write { try $0.attach(other, to: instance, deviceIndex: 0, networkCardIndex: 0) }.attachmentId!
        #expect(errorCode { try f.write { try $0.detachNetworkInterface(.init(attachmentId: primary)) } } == "OperationNotPermitted")
    }

    @Test func deleteFreesTheAddressesAndDisassociatesTheElasticIP() throws {
        let f = try Fixture()
        let subnet = try f.defaultSubnet().subnetId!
        let eni = try f.eni(subnet) { $0.privateIpAddress = "172.31.0.50" }.networkInterfaceId!
        let eip = try f.eip()
        _ = try f.write { try $0.associateAddress(.init(allocationId: eip.allocationId, networkInterfaceId: eni)) }
        try f.write { try $0.deleteNetworkInterface(.init(networkInterfaceId: eni)) }
        #expect(errorCode { _ = try f.describeENI(eni) } == "InvalidNetworkInterfaceID.NotFound")
        let address = try f.describeEIP(eip.allocationId!)
        #expect(address.associationId == nil && address.networkInterfaceId == nil && address.privateIpAddress == nil)
        _ = try f.eni(subnet) { $0.privateIpAddress = "172.31.0.50" }
        #expect(errorCode { try f.write { try $0.deleteNetworkInterface(.init(networkInterfaceId: eni)) } }
            == "InvalidNetworkInterfaceID.NotFound")
    }

    @Test func modifyAndDescribeAttributes() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let eni = try f.eni(subnet).networkInterfaceId!
        let group = try f.securityGroup(vpcId: vpc, name: "web")
        try f.write { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, description: .init(value: "db"))) }
        try f.write { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, sourceDestCheck: .init(value: false))) }
        try f.write { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, groups: [group])) }
        func attribute(_ name: String) throws -> EC2.DescribeNetworkInterfaceAttributeResult {
            try f.read { try $0.describeNetworkInterfaceAttribute(.init(networkInterfaceId: eni, attribute: name)) }
        }
        #expect(try attribute("description").description?.value == "db")
        #expect(try attribute("sourceDestCheck").sourceDestCheck?.value == false)
        #expect(try attribute("groupSet").groups == [.init(groupId: group, groupName: "web")])
        #expect(try attribute("attachment").attachment == nil)
        #expect(errorCode { _ = try attribute("nope") } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeNetworkInterfaceAttribute(.init(networkInterfaceId: eni)) } }
            == "MissingParameter")

        #expect(errorCode { try f.write {
            try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, description: .init(value: "x"), sourceDestCheck: .init(value: true)))
        } } == "InvalidParameterCombination")
        #expect(errorCode { try f.write { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni)) } } == "MissingParameter")
        let foreign = try f.securityGroup(vpcId: try f.vpc("10.1.0.0/16"), name: "other")
        #expect(errorCode { try f.write { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, groups: [group, foreign])) } }
            == "InvalidParameter")
        #expect(try f.describeENI(eni).groups?.map(\.groupId) == [group])
        #expect(try f.describeENI(eni).description == "db")
    }

    /// ConnectionTrackingSpecification: AWS's ranges, the rest left at AWS's defaults; a
    /// modification changes only what it names; a value out of range changes nothing.
    @Test func connectionTrackingTimeouts() throws {
        let f = try Fixture()
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        let eni = try f.eni(subnet) { $0.connectionTrackingSpecification = .init(tcpEstablishedTimeout: 120) }.networkInterfaceId!
        #expect(try f.describeENI(eni).connectionTrackingConfiguration
            == .init(tcpEstablishedTimeout: 120, udpStreamTimeout: 180, udpTimeout: 30))
        #expect(try f.describeENI(try f.eni(subnet).networkInterfaceId!).connectionTrackingConfiguration == nil)
        try f.write {
            try $0.modifyNetworkInterfaceAttribute(.init(connectionTrackingSpecification: .init(udpTimeout: 60), networkInterfaceId: eni))
        }
        #expect(try f.describeENI(eni).connectionTrackingConfiguration
            == .init(tcpEstablishedTimeout: 120, udpStreamTimeout: 180, udpTimeout: 60))
        for bad in [EC2.ConnectionTrackingSpecificationRequest(tcpEstablishedTimeout: 59),
                    .init(tcpEstablishedTimeout: 432_001), .init(udpStreamTimeout: 181), .init(udpTimeout: 29)] {
            #expect(errorCode { try f.write {
                try $0.modifyNetworkInterfaceAttribute(.init(connectionTrackingSpecification: bad, networkInterfaceId: eni))
            } } == "InvalidParameterValue")
            let before = try f.read { $0.networkInterfaces.count }
            #expect(errorCode { _ = try f.eni(subnet) { $0.connectionTrackingSpecification = bad } } == "InvalidParameterValue")
            #expect(try f.read { $0.networkInterfaces.count } == before)
        }
        #expect(try f.describeENI(eni).connectionTrackingConfiguration?.udpTimeout == 60)
        #expect(errorCode { try f.write {
            try $0.modifyNetworkInterfaceAttribute(.init(connectionTrackingSpecification: .init(udpTimeout: 40), networkInterfaceId: eni,
                                                         description: .init(value: "x")))
        } } == "InvalidParameterCombination")
    }

    @Test func filtersAndPagination() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let other = try f.subnet(vpc, "10.0.2.0/24")
        var ids: [String] = []
        for i in 0..<5 { ids.append(try f.eni(subnet) { $0.description = "n\(i)" }.networkInterfaceId!) }
        let tagged = try f.eni(other) {
            $0.tagSpecifications = [.init(resourceType: "network-interface", tags: [.init(key: "Name", value: "blue")])]
            $0.secondaryPrivateIpAddressCount = 1
        }
        func matching(_ filters: [EC2.Filter]) throws -> [String] {
            try f.read { try $0.describeNetworkInterfaces(.init(filters: filters)) }.networkInterfaces!.compactMap(\.networkInterfaceId)
        }
        let taggedId = tagged.networkInterfaceId!
        #expect(tagged.tagSet == [.init(key: "Name", value: "blue")])
        #expect(try matching([.init(name: "tag:Name", values: ["bl*"])]) == [taggedId])
        #expect(try matching([.init(name: "subnet-id", values: [other])]) == [taggedId])
        #expect(try matching([.init(name: "private-ip-address", values: ["10.0.2.5"])]) == [taggedId])
        #expect(try matching([.init(name: "addresses.private-ip-address", values: ["10.0.2.5"]),
                         .init(name: "addresses.primary", values: ["false"])]) == [taggedId])
        #expect(try matching([.init(name: "description", values: ["n3"])]) == [ids[3]])
        #expect(try matching([.init(name: "mac-address", values: [tagged.macAddress!])]) == [taggedId])
        #expect(try matching([.init(name: "vpc-id", values: [vpc]), .init(name: "status", values: ["available"])]).count == 6)
        #expect(try matching([.init(name: "group-name", values: ["default"]), .init(name: "owner-id", values: [Fixture.accountA])]).count == 6)
        #expect(try matching([.init(name: "private-dns-name", values: ["ip-10-0-1-4.ec2.internal"])]) == [ids[0]])
        #expect(try matching([.init(name: "source-dest-check", values: ["true"]), .init(name: "requester-managed", values: ["false"])]).count == 6)
        #expect(try matching([.init(name: "attachment.status", values: ["attached"])]).isEmpty)
        #expect(errorCode { _ = try matching([.init(name: "nope", values: ["x"])]) } == "InvalidParameterValue")

        let first = try f.read { try $0.describeNetworkInterfaces(.init(maxResults: 5)) }
        #expect(first.networkInterfaces?.count == 5)
        let token = try #require(first.nextToken)
        let rest = try f.read { try $0.describeNetworkInterfaces(.init(nextToken: token, maxResults: 5)) }
        #expect(rest.networkInterfaces?.count == 1 && rest.nextToken == nil)
        #expect(Set((first.networkInterfaces! + rest.networkInterfaces!).compactMap(\.networkInterfaceId)) == Set(ids + [taggedId]))
        #expect(errorCode { _ = try f.read { try $0.describeNetworkInterfaces(.init(maxResults: 4)) } } == "InvalidParameterValue")
        #expect(errorCode { _ = try f.read { try $0.describeNetworkInterfaces(.init(maxResults: 5, networkInterfaceIds: [taggedId])) } }
            == "InvalidParameterCombination")
        #expect(errorCode { _ = try f.read { try $0.describeNetworkInterfaces(.init(nextToken: "zz")) } } == "InvalidPaginationToken")
        #expect(errorCode { _ = try f.read { try $0.describeNetworkInterfaces(.init(networkInterfaceIds: [taggedId, "eni-0000000000000000f"])) } }
            == "InvalidNetworkInterfaceID.NotFound")
    }

    @Test func otherAccountsCannotSeeOrTouchAnInterface() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let eni = try f.eni(subnet).networkInterfaceId!
        let b = Fixture.accountB
        let notFound = "InvalidNetworkInterfaceID.NotFound"
        #expect(errorCode { _ = try f.eni(subnet, account: b) } == "InvalidSubnetID.NotFound")
        #expect(errorCode { _ = try f.describeENI(eni, account: b) } == notFound)
        #expect(try f.read(b) { try $0.describeNetworkInterfaces(.init()) }.networkInterfaces?.isEmpty == true)
        #expect(errorCode { _ = try f.read(b) { try $0.describeNetworkInterfaceAttribute(.init(networkInterfaceId: eni, attribute: "description")) } }
            == notFound)
        #expect(errorCode { try f.write(b) { try $0.deleteNetworkInterface(.init(networkInterfaceId: eni)) } } == notFound)
        #expect(errorCode { try f.write(b) { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eni, description: .init(value: "x"))) } }
            == notFound)
        #expect(errorCode { _ = try f.write(b) {
            try $0.attachNetworkInterface(.init(networkInterfaceId: eni, instanceId: "i-0123456789abcdef0", deviceIndex: 1))
        } } == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.assignPrivateIpAddresses(.init(networkInterfaceId: eni, secondaryPrivateIpAddressCount: 1)) } }
            == notFound)
        #expect(errorCode { try f.write(b) { try $0.unassignPrivateIpAddresses(.init(networkInterfaceId: eni, privateIpAddresses: ["10.0.1.4"])) } }
            == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.assignIpv6Addresses(.init(networkInterfaceId: eni, ipv6AddressCount: 1)) } }
            == notFound)
        #expect(errorCode { _ = try f.write(b) { try $0.unassignIpv6Addresses(.init(networkInterfaceId: eni, ipv6Addresses: ["::1"])) } }
            == notFound)
        let attachment = try f.write { try $0.attach(eni, to: Fixture.instance(vpcId: vpc), deviceIndex: 1, networkCardIndex: 0) }
        #expect(errorCode { try f.write(b) { try $0.detachNetworkInterface(.init(attachmentId: attachment.attachmentId!)) } }
            == "InvalidAttachmentID.NotFound")
        #expect(try f.describeENI(eni).description == "")
    }
}
