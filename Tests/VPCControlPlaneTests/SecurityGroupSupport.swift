import EC2Shapes
import VPCControlPlane
import VPCModel

/// Helpers for security group and prefix list tests.
extension Fixture {
    /// Creates a security group and returns its id.
    func group(_ vpcId: String?, _ name: String = "web", account: String = accountA, tags: [EC2.Tag]? = nil) throws -> String {
        try write(account) {
            try $0.createSecurityGroup(EC2.CreateSecurityGroupRequest(
                description: "test group", groupName: name, vpcId: vpcId,
                tagSpecifications: tags.map { [EC2.TagSpecification(resourceType: "security-group", tags: $0)] })).groupId!
        }
    }

    /// Adds ingress rules and returns them.
    @discardableResult
    func ingress(_ groupId: String, _ permissions: [EC2.IpPermission], account: String = accountA) throws -> [EC2.SecurityGroupRule] {
        try write(account) {
            try $0.authorizeSecurityGroupIngress(.init(groupId: groupId, ipPermissions: permissions)).securityGroupRules ?? []
        }
    }

    /// A group as DescribeSecurityGroups shows it.
    func describedGroup(_ groupId: String, account: String = accountA) throws -> EC2.SecurityGroup? {
        try read(account) { try $0.describeSecurityGroups(.init(groupIds: [groupId])) }.securityGroups?.first
    }

    /// The stored rules of a group.
    func rules(_ groupId: String) throws -> [EC2.SecurityGroupRule] {
        try read { $0.securityGroups[groupId]?.rules ?? [] }
    }

    /// Creates a managed prefix list and returns its id.
    func prefixList(_ cidrs: [String], family: String = "IPv4", maxEntries: Int = 10, account: String = accountA) throws -> String {
        try write(account) {
            try $0.createManagedPrefixList(.init(prefixListName: "office", entries: cidrs.map { .init(cidr: $0) },
                                                 maxEntries: maxEntries, addressFamily: family)).prefixList!.prefixListId!
        }
    }
}

/// One TCP port from IPv4 CIDRs.
func tcp(_ port: Int, _ cidrs: String...) -> EC2.IpPermission {
    EC2.IpPermission(ipProtocol: "tcp", fromPort: port, toPort: port, ipRanges: cidrs.map { EC2.IpRange(cidrIp: $0) })
}

/// The EC2 error a throwing call fails with, or nil if it succeeds.
func ec2Error(_ body: () throws -> Void) -> EC2Error? {
    do {
        try body()
        return nil
    } catch {
        return error as? EC2Error
    }
}
