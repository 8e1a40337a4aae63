import EC2Shapes
import Foundation
import Testing
import VPCStore
@testable import VPCControlPlane
import VPCModel

@Suite struct InstanceTests {
    @Test func noRegisteredHostIsNoCapacityAndChangesNothing() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        #expect(errorCode { _ = try f.run(subnet) } == "InsufficientInstanceCapacity")
        #expect(try f.read { $0.networkInterfaces.count } == 0)
        #expect(try f.read { $0.instances.count } == 0)
    }

    @Test func launchCreatesAnAttachedPrimaryInterface() throws {
        let f = try Fixture()
        try f.host("h1")
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let launched = try f.run(subnet, count: 2)
        #expect(launched.map(\.privateIpAddress) == ["10.0.1.4", "10.0.1.5"])
        let i = launched[0]
        #expect(i.state == EC2.InstanceState(code: 0, name: "pending"))
        #expect(i.privateDnsName == "ip-10-0-1-4.ec2.internal")
        #expect(launched[0].networkInterfaces?[0].macAddress != launched[1].networkInterfaces?[0].macAddress)
        let eniId = try #require(i.networkInterfaces?.first?.networkInterfaceId)
        let eni = try f.describeENI(eniId)
        #expect(eni.status == "in-use" && eni.interfaceType == "interface" && eni.description == "")
        #expect(eni.attachment?.instanceId == i.instanceId && eni.attachment?.deviceIndex == 0)
        #expect(eni.attachment?.deleteOnTermination == true && eni.attachment?.status == "attached")
        #expect(eni.macAddress?.hasPrefix("02:") == true)
        #expect(eni.groups?.map(\.groupName) == ["default"])
        #expect(try f.instance(i.instanceId!)?.hostId == "h1")
        // Other regions name hosts differently.
        let west = try f.cp.write(account: Fixture.accountA, region: "eu-west-1") { tx in
            try tx.runInstances(EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 1, minCount: 1))
        }.instances![0]
        #expect(west.privateDnsName?.hasSuffix(".eu-west-1.compute.internal") == true)
        #expect(west.publicIpAddress != nil)  // default subnets map public IPs
    }

    /// A launch interface's ConnectionTrackingSpecification becomes its ENI's: DescribeInstances
    /// shows it and the host is sent it. Out of range, the launch changes nothing.
    @Test func launchInterfaceConnectionTracking() throws {
        let f = try Fixture()
        try f.host("h1")
        let subnet = try f.subnet(try f.vpc(), "10.0.1.0/24")
        func timeouts(_ tcp: Int) -> (inout EC2.RunInstancesRequest) -> Void {
            { r in
                var spec = EC2.InstanceNetworkInterfaceSpecification(deviceIndex: 0, subnetId: subnet)
                spec.connectionTrackingSpecification = .init(tcpEstablishedTimeout: tcp, udpTimeout: 45)
                r.networkInterfaces = [spec]
            }
        }
        #expect(errorCode { _ = try f.run(nil, timeouts(30)) } == "InvalidParameterValue")
        #expect(try f.read { $0.instances.count + $0.networkInterfaces.count } == 0)
        let i = try f.run(nil, timeouts(600))[0]
        #expect(i.networkInterfaces?[0].connectionTrackingConfiguration
            == .init(tcpEstablishedTimeout: 600, udpStreamTimeout: 180, udpTimeout: 45))
        let interface = try #require(f.documents("h1").instances[i.instanceId!]?.interfaces.first)
        #expect(interface.tcpEstablishedTimeout == 600 && interface.udpStreamTimeout == 180 && interface.udpTimeout == 45)
        // An existing interface keeps its own settings.
        let eni = try f.eni(subnet).networkInterfaceId!
        #expect(errorCode { _ = try f.run(nil) { r in
            var spec = EC2.InstanceNetworkInterfaceSpecification(deviceIndex: 0, networkInterfaceId: eni)
            spec.connectionTrackingSpecification = .init(udpTimeout: 45)
            r.networkInterfaces = [spec]
        } } == "InvalidParameterCombination")
    }

    @Test func placementSpreadsOverHostsFewestFirstTiesByID() throws {
        let f = try Fixture()
        try f.host("h2")
        try f.host("h1")
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let ids = try f.run(subnet, count: 3).map { $0.instanceId! }
        #expect(try ids.map { try f.instance($0)!.hostId } == ["h1", "h2", "h1"])
        // A terminated instance frees its slot.
        for id in ids[0...0] {
            _ = try f.write { try $0.terminateInstances(.init(instanceIds: [id])) }
            try f.report(id, "terminated", host: "h1")
        }
        let next = try f.run(subnet)[0].instanceId!
        #expect(try f.instance(next)?.hostId == "h1")
        // Counts are rebuilt from the store after a restart.
        let again = try ControlPlane(store: f.store)
        let fourth = try again.write(account: Fixture.accountA, region: "us-east-1") { tx in
            try tx.runInstances(EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 1, minCount: 1, subnetId: subnet))
        }.instances![0].instanceId!
        #expect(try again.read(account: Fixture.accountA, region: "us-east-1") { $0.instances[fourth]?.hostId } == "h2")
    }

    @Test func lifecycleFollowsRequestsAndAgentReports() throws {
        let f = try Fixture()
        try f.host("h1")
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        #expect(errorCode { try f.write { tx in
            try tx.modifySubnetAttribute(.init(mapPublicIpOnLaunch: .init(value: true), subnetId: subnet, enableDns64: .init(value: true)))
        } } == "InvalidParameterCombination")  // one attribute a call
        #expect(try f.read { $0.subnets[subnet]?.mapPublicIpOnLaunch } != true)
        try f.write { tx in try tx.modifySubnetAttribute(.init(mapPublicIpOnLaunch: .init(value: true), subnetId: subnet)) }
        let i = try f.run(subnet)[0]
        let id = i.instanceId!
        let publicIp = try #require(i.publicIpAddress)
        #expect(errorCode { _ = try f.write { try $0.stopInstances(.init(instanceIds: [id])) } } == "IncorrectInstanceState")
        try f.report(id, "stopped", host: "h1")  // not asked for: ignored
        #expect(try f.instance(id)?.state == "pending")
        try f.report(id, "running", host: "h2")  // not this host's instance: ignored
        #expect(try f.instance(id)?.state == "pending")
        try f.report(id, "running", host: "h1", console: "hello\n")
        #expect(try f.instance(id)?.state == "running")
        let console = try f.read { try $0.getConsoleOutput(.init(instanceId: id)) }
        #expect(console.output.flatMap { Data(base64Encoded: $0) } == Data("hello\n".utf8))

        let stop = try f.write { try $0.stopInstances(.init(instanceIds: [id])) }.stoppingInstances![0]
        #expect(stop.previousState?.code == 16 && stop.currentState?.code == 64)
        try f.report(id, "stopped", host: "h1")
        let stopped = try f.read { try $0.describeInstances(.init(instanceIds: [id])) }.reservations![0].instances![0]
        #expect(stopped.state?.name == "stopped" && stopped.publicIpAddress == nil)
        let releasedOnStop = try f.write { tx in !tx.global.publicIPs.contains(IPv4(publicIp)!.value) }
        #expect(releasedOnStop)
        let start = try f.write { try $0.startInstances(.init(instanceIds: [id])) }.startingInstances![0]
        #expect(start.previousState?.code == 80 && start.currentState?.code == 0)
        try f.report(id, "running", host: "h1")
        let boot = try f.instance(id)!.bootCount
        try f.write { try $0.rebootInstances(.init(instanceIds: [id])) }
        #expect(try f.instance(id)?.bootCount == boot + 1)

        let eniId = i.networkInterfaces![0].networkInterfaceId!
        let table = try f.routeTableId(vpcId: vpc)
        _ = try f.write { try $0.createRoute(.init(routeTableId: table, destinationCidrBlock: "192.168.0.0/16", networkInterfaceId: eniId)) }
        #expect(errorCode { try f.write { try $0.deleteSubnet(.init(subnetId: subnet)) } } == "DependencyViolation")
        let term = try f.write { try $0.terminateInstances(.init(instanceIds: [id])) }.terminatingInstances![0]
        #expect(term.previousState?.name == "running" && term.currentState == EC2.InstanceState(code: 32, name: "shutting-down"))
        #expect(try f.read { $0.networkInterfaces[eniId] } != nil)  // until the host reports it gone
        try f.report(id, "terminated", host: "h1")
        #expect(try f.instance(id)?.state == "terminated")
        #expect(try f.read { $0.networkInterfaces[eniId] } == nil)
        #expect(try f.routeTable(table)?.routes?.first { $0.networkInterfaceId == eniId }?.state == "blackhole")
        // The address is free again, and the subnet can go.
        #expect(try f.run(subnet)[0].privateIpAddress == "10.0.1.4")
        #expect(ConsistencyCheck.problems(in: f.cp.snapshot()) == [])
    }

    @Test func launchTimePublicIPIsReleasedOnTermination() throws {
        let f = try Fixture()
        try f.host("h1")
        let i = try f.run(nil)[0]
        let ip = try #require(i.publicIpAddress.flatMap(IPv4.init))
        #expect(try f.write { $0.global.publicIPs.contains(ip.value) })
        _ = try f.write { try $0.terminateInstances(.init(instanceIds: [i.instanceId!])) }
        try f.report(i.instanceId!, "terminated", host: "h1")
        #expect(try !f.write { $0.global.publicIPs.contains(ip.value) })
    }

    /// An Elastic IP takes the place of the launch-time public IP, which goes back to the
    /// pool; when it leaves, the instance gets a new public IP, as on EC2.
    @Test func anElasticIPReplacesTheLaunchPublicIP() throws {
        let f = try Fixture()
        try f.host("h1")
        let i = try f.run(nil)[0]
        let id = i.instanceId!
        let launchIP = try #require(i.publicIpAddress.flatMap(IPv4.init))
        let eip = try f.write { try $0.allocateAddress(.init()) }
        let association = try f.write { try $0.associateAddress(.init(allocationId: eip.allocationId, instanceId: id)) }.associationId!
        #expect(try !f.write { $0.global.publicIPs.contains(launchIP.value) })
        func publicIP() throws -> String? {
            try f.read { try $0.describeInstances(.init(instanceIds: [id])) }.reservations![0].instances![0].publicIpAddress
        }
        #expect(try publicIP() == eip.publicIp)
        try f.write { try $0.disassociateAddress(.init(associationId: association)) }
        let fresh = try #require(try publicIP())
        #expect(fresh != eip.publicIp)
        // With a second interface the instance no longer names one.
        let extra = try f.eni(i.subnetId!)
        _ = try f.write { try $0.attachNetworkInterface(.init(networkInterfaceId: extra.networkInterfaceId!, instanceId: id, deviceIndex: 1)) }
        #expect(errorCode { _ = try f.write { try $0.associateAddress(.init(allocationId: eip.allocationId, instanceId: id)) } }
            == "InvalidInstanceID")
    }

    @Test func badRequestsChangeNothing() throws {
        let f = try Fixture()
        try f.host("h1")
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let cases: [(String, (inout EC2.RunInstancesRequest) -> Void)] = [
            ("InvalidAMIID.Malformed", { $0.imageId = "ami-nope" }),
            ("MissingParameter", { $0.imageId = nil }),
            ("InvalidParameterValue", { $0.instanceType = "huge" }),
            ("InvalidParameterValue", { $0.userData = "%%%" }),
            ("InvalidParameterValue", { $0.minCount = 0 }),
            ("InvalidParameterValue", { $0.privateIpAddress = "10.0.1.255" }),
            ("InvalidParameterValue", { $0.privateIpAddress = "10.0.2.5" }),
            ("InvalidParameterCombination", { $0.maxCount = 2; $0.privateIpAddress = "10.0.1.9" }),
            ("InvalidGroup.NotFound", { $0.subnetId = nil; $0.securityGroups = ["nope"] }),
            // Names are for the default VPC's groups; with a subnet, EC2 wants ids.
            ("InvalidParameterCombination", { $0.securityGroups = ["default"] }),
            ("InvalidParameterCombination", { $0.maxCount = 2; $0.ipv6Addresses = [.init(ipv6Address: "2600:1f18::5")] }),
            ("InvalidParameterValue", { $0.tagSpecifications = [.init(resourceType: "volume", tags: [.init(key: "aws:x", value: "")])] }),
            ("InvalidKeyPair.NotFound", { $0.keyName = "mine" }),
            ("Unsupported", { $0.launchTemplate = .init(launchTemplateId: "lt-0123456789abcdef0") }),
            ("InvalidParameterCombination", { $0.networkInterfaces = [.init(deviceIndex: 0, subnetId: subnet)] }),
            ("InvalidParameterValue", { $0.subnetId = nil; $0.networkInterfaces = [.init(deviceIndex: 1, subnetId: subnet)] }),
            ("InvalidParameterValue", { $0.tagSpecifications = [.init(resourceType: "vpc", tags: [])] }),
            ("Unsupported", { $0.placement = .init(tenancy: "dedicated") }),
            ("InvalidParameterValue", { $0.metadataOptions = .init(httpPutResponseHopLimit: 65) }),
            ("InvalidParameterValue", { $0.placement = .init(availabilityZone: "us-east-1b") }),
        ]
        for (expected, configure) in cases {
            #expect(errorCode { _ = try f.run(subnet, configure) } == expected)
        }
        #expect(try f.read { $0.instances.count + $0.networkInterfaces.count } == 0)
        #expect(try f.run(subnet) { $0.placement = .init(tenancy: "default", availabilityZone: "us-east-1a") }.count == 1)
        let imdsv2 = try f.run(subnet) { $0.metadataOptions = .init(httpTokens: "required", httpPutResponseHopLimit: 2) }[0]
        #expect(imdsv2.metadataOptions?.httpTokens == "required" && imdsv2.metadataOptions?.httpPutResponseHopLimit == 2)
        #expect(imdsv2.metadataOptions?.httpEndpoint == "enabled")
        #expect(errorCode { _ = try f.read { try $0.describeInstances(.init(instanceIds: ["i-0123456789abcdef0"])) } }
            == "InvalidInstanceID.NotFound")
        #expect(errorCode { _ = try f.write { try $0.terminateInstances(.init(instanceIds: ["i-x"])) } }
            == "InvalidInstanceID.Malformed")
        do {
            _ = try f.read { try $0.describeInstances(.init(instanceIds: ["i-0123456789abcdef1", "i-0123456789abcdef0"])) }
            Issue.record("no error")
        } catch let e as EC2Error {
            #expect(e.message == "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist")
        }
        // Tags for the launch's volumes are accepted (and have no volume to go on).
        #expect(try f.run(subnet) { $0.tagSpecifications = [.init(resourceType: "volume", tags: [.init(key: "k", value: "v")])] }.count == 1)
        // More than the subnet holds: MinCount fails, MaxCount is trimmed.
        let small = try f.subnet(vpc, "10.0.2.0/28")  // 11 usable addresses
        #expect(errorCode { _ = try f.run(small, count: 12) } == "InsufficientFreeAddressesInSubnet")
        let trimmed = try f.write { tx in
            try tx.runInstances(EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 20, minCount: 1, subnetId: small))
        }
        #expect(trimmed.instances?.count == 11)
        #expect(errorCode { _ = try f.run(small) } == "InsufficientFreeAddressesInSubnet")
        // Each instance takes an address per new interface in a subnet, and its secondaries.
        let pair = try f.subnet(vpc, "10.0.3.0/28")  // 11 usable addresses
        let twoEach = try f.write { tx in
            var r = EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 10, minCount: 1)
            r.networkInterfaces = [.init(deviceIndex: 0, subnetId: pair), .init(deviceIndex: 1, subnetId: pair)]
            return try tx.runInstances(r)
        }
        #expect(twoEach.instances?.count == 5)
        let more = try f.subnet(vpc, "10.0.4.0/28")
        let threeEach = try f.write { tx in
            var r = EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 10, minCount: 1)
            r.networkInterfaces = [.init(deviceIndex: 0, secondaryPrivateIpAddressCount: 2, subnetId: more)]
            return try tx.runInstances(r)
        }
        #expect(threeEach.instances?.count == 3)
    }

    @Test func instanceGroupsAreThePrimaryInterfaceGroups() throws {
        let f = try Fixture()
        try f.host("h1")
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let web = try f.securityGroup(vpcId: vpc, name: "web")
        let i = try f.run(subnet) { $0.securityGroupIds = [web] }[0]
        let id = i.instanceId!
        #expect(i.securityGroups?.map(\.groupId) == [web])
        let other = try f.securityGroup(vpcId: vpc, name: "other")
        try f.write { try $0.modifyInstanceAttribute(.init(instanceId: id, groups: [other])) }
        let eniId = i.networkInterfaces![0].networkInterfaceId!
        #expect(try f.describeENI(eniId).groups?.map(\.groupId) == [other])
        try f.write { try $0.modifyNetworkInterfaceAttribute(.init(networkInterfaceId: eniId, groups: [web])) }
        let shown = try f.read { try $0.describeInstanceAttribute(.init(instanceId: id, attribute: "groupSet")) }
        #expect(shown.groups?.map(\.groupId) == [web])
        try f.write { try $0.modifyInstanceAttribute(.init(sourceDestCheck: .init(value: false), instanceId: id)) }
        #expect(try f.describeENI(eniId).sourceDestCheck == false)
        #expect(errorCode { try f.write { try $0.modifyInstanceAttribute(.init(instanceId: id, instanceType: .init(value: "t3.large"))) } }
            == "IncorrectInstanceState")
        // A second interface makes a group change ambiguous, as in EC2.
        let extra = try f.eni(subnet)
        _ = try f.write { try $0.attachNetworkInterface(.init(networkInterfaceId: extra.networkInterfaceId!, instanceId: id, deviceIndex: 1)) }
        #expect(errorCode { try f.write { try $0.modifyInstanceAttribute(.init(instanceId: id, groups: [other])) } }
            == "InvalidInstanceID")
        #expect(errorCode { try f.write { try $0.modifyInstanceAttribute(.init(sourceDestCheck: .init(value: true), instanceId: id)) } }
            == "InvalidInstanceID")
        #expect(try f.describeENI(eniId).sourceDestCheck == false && f.describeENI(extra.networkInterfaceId!).sourceDestCheck == true)
        #expect(errorCode { _ = try f.write { try $0.deleteSecurityGroup(.init(groupId: web)) } } == "DependencyViolation")
    }

    @Test func describeFiltersTakeEC2sNames() throws {
        let f = try Fixture()
        try f.host("h1")
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let web = try f.securityGroup(vpcId: vpc, name: "web")
        let launched = try f.run(subnet, count: 2)
        let second = try f.eni(subnet) { $0.groups = [web] }
        let id = launched[1].instanceId!
        _ = try f.write { try $0.attachNetworkInterface(.init(networkInterfaceId: second.networkInterfaceId!, instanceId: id, deviceIndex: 1)) }
        func ids(_ name: String, _ values: [String]) throws -> [String] {
            try f.read { try $0.describeInstances(.init(filters: [.init(name: name, values: values)])) }
                .reservations!.flatMap { $0.instances! }.map { $0.instanceId! }.sorted()
        }
        let both = launched.map { $0.instanceId! }.sorted()
        #expect(try ids("launch-index", ["1"]) == [id])
        #expect(try ids("network-interface.attachment.device-index", ["1"]) == [id])
        #expect(try ids("network-interface.group-id", [web]) == [id])
        #expect(try ids("network-interface.addresses.primary", ["true"]) == both)
        #expect(try ids("network-interface.private-ip-address", [second.privateIpAddress!]) == [id])
        #expect(try ids("availability-zone-id", ["use1-az*"]) == both)
        #expect(try ids("hypervisor", ["xen"]) == both)
        #expect(try ids("metadata-options.http-tokens", ["optional"]) == both)
        #expect(try ids("metadata-options.http-protocol-ipv4", ["enabled"]) == both)
        #expect(try ids("network-interface.attachment.network-card-index", ["0"]) == both)
        #expect(try ids("key-name", ["*"]).isEmpty)  // no instance here has a key pair
        #expect(errorCode { _ = try ids("ami-launch-index", ["0"]) } == "InvalidParameterValue")
        #expect(errorCode { _ = try ids("network-interface.nope", ["0"]) } == "InvalidParameterValue")
        func statuses(_ name: String, _ values: [String]) throws -> Int {
            try f.read { try $0.describeInstanceStatus(.init(filters: [.init(name: name, values: values)], includeAllInstances: true)) }
                .instanceStatuses!.count
        }
        #expect(try statuses("availability-zone-id", ["use1-az*"]) == 2)
        #expect(try statuses("event.code", ["*"]) == 0)  // no scheduled events here
    }

    @Test func terminatedInstancesVanishAfterAnHour() throws {
        let clock = ManualClock()
        let store = InMemoryStore()
        let cp = try ControlPlane(store: store, clock: { clock.now })
        try cp.registerHost(HostRegistration(hostId: "h1", underlay: "192.0.2.1"))
        let id = try cp.write(account: Fixture.accountA, region: "us-east-1") { tx in
            try tx.runInstances(EC2.RunInstancesRequest(imageId: Fixture.ami, maxCount: 1, minCount: 1))
        }.instances![0].instanceId!
        _ = try cp.write(account: Fixture.accountA, region: "us-east-1") { try $0.terminateInstances(.init(instanceIds: [id])) }
        _ = try cp.applyHostStatus(HostStatus(hostId: "h1", appliedVersion: 0,
                                              instances: [InstanceStatus(instanceId: id, state: "terminated", consoleOutput: nil)]))
        clock.advance(3599)
        try cp.expireTerminatedInstances()
        #expect(try cp.read(account: Fixture.accountA, region: "us-east-1") { $0.instances[id]?.state } == "terminated")
        clock.advance(2)
        try cp.expireTerminatedInstances()
        #expect(try cp.read(account: Fixture.accountA, region: "us-east-1") { $0.instances[id] } == nil)
    }

    @Test func versionsKeepGrowingAcrossRestartsAndResets() throws {
        let store = InMemoryStore()
        let first = try ControlPlane(store: store)
        _ = try first.write(account: Fixture.accountA, region: "us-east-1") { try $0.createVpc(.init(cidrBlock: "10.0.0.0/16")) }
        try first.registerHost(HostRegistration(hostId: "h1", underlay: "192.0.2.1"))
        let before = first.version
        let second = try ControlPlane(store: store)
        #expect(second.version >= before)
        #expect(second.versionedSnapshot().hosts["h1"] != nil)
        _ = try second.write(account: Fixture.accountA, region: "us-east-1") { try $0.createVpc(.init(cidrBlock: "10.1.0.0/16")) }
        #expect(second.version > before)
        try second.reset()
        let afterReset = second.version
        #expect(second.versionedSnapshot().hosts["h1"] != nil)  // hosts survive a reset
        let third = try ControlPlane(store: store)
        #expect(third.version >= afterReset)
        #expect(third.versionedSnapshot().hosts["h1"] != nil)
    }
}
