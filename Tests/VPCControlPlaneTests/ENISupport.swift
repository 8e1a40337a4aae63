import EC2Shapes
@testable import VPCControlPlane
import VPCModel

/// Helpers for the interface, Elastic IP, tag and catalog tests.
extension Fixture {
    /// The default subnet of us-east-1a (its VPC has an internet gateway).
    func defaultSubnet(_ account: String = accountA) throws -> EC2.Subnet {
        try read(account) { s in
            try s.describeSubnets(.init(filters: [.init(name: "default-for-az", values: ["true"]),
                                                  .init(name: "availability-zone", values: ["us-east-1a"])]))
        }.subnets!.first!
    }

    /// Creates a network interface and returns it as CreateNetworkInterface answered.
    func eni(_ subnetId: String, account: String = accountA, _ configure: (inout EC2.CreateNetworkInterfaceRequest) -> Void = { _ in })
        throws -> EC2.NetworkInterface {
        var request = EC2.CreateNetworkInterfaceRequest(subnetId: subnetId)
        configure(&request)
        return try write(account) { try $0.createNetworkInterface(request) }.networkInterface!
    }

    /// The interface as DescribeNetworkInterfaces shows it now.
    func describeENI(_ id: String, account: String = accountA) throws -> EC2.NetworkInterface {
        try read(account) { try $0.describeNetworkInterfaces(.init(networkInterfaceIds: [id])) }.networkInterfaces!.first!
    }

    /// Allocates an Elastic IP.
    func eip(account: String = accountA) throws -> EC2.AllocateAddressResult {
        try write(account) { try $0.allocateAddress(.init(domain: "vpc")) }
    }

    /// The Elastic IP as DescribeAddresses shows it now.
    func describeEIP(_ allocationId: String, account: String = accountA) throws -> EC2.Address {
        try read(account) { try $0.describeAddresses(.init(allocationIds: [allocationId])) }.addresses!.first!
    }

    /// Adds a security group straight to the state (its operations live elsewhere); returns its id.
    func securityGroup(vpcId: String, name: String, account: String = accountA) throws -> String {
        try write(account) { tx in
            let id = ResourceID.generate("sg")
            tx.state.securityGroups[id] = SecurityGroupRecord(
                groupId: id, groupName: name, description: name, vpcId: vpcId, ownerId: tx.account, tags: [],
                rules: [], isDefault: false)
            return id
        }
    }

    /// An attachment target in `vpcId`, us-east-1a, for the attachment rules alone (no instance launched).
    static func instance(_ id: String = "i-0123456789abcdef0", vpcId: String) -> InstanceTarget {
        InstanceTarget(instanceId: id, vpcId: vpcId, availabilityZone: "us-east-1a", primaryNetworkInterfaceId: nil)
    }
}
