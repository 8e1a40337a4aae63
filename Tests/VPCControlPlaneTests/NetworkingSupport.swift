import EC2Shapes
import VPCControlPlane
import VPCModel

/// Helpers for the network ACL, route table, gateway and DHCP tests.
extension Fixture {
    /// Creates an internet gateway, attaches it to `vpcId` if given, and returns its id.
    func internetGateway(attachedTo vpcId: String? = nil, account: String = accountA) throws -> String {
        try write(account) { tx in
            let id = try tx.createInternetGateway(.init()).internetGateway!.internetGatewayId!
            if let vpcId { try tx.attachInternetGateway(.init(internetGatewayId: id, vpcId: vpcId)) }
            return id
        }
    }

    func routeTableId(vpcId: String, account: String = accountA) throws -> String {
        try write(account) { try $0.createRouteTable(.init(vpcId: vpcId)).routeTable!.routeTableId! }
    }

    func networkAclId(vpcId: String, account: String = accountA) throws -> String {
        try write(account) { try $0.createNetworkAcl(.init(vpcId: vpcId)).networkAcl!.networkAclId! }
    }

    /// The main route table of a VPC.
    func mainRouteTable(_ vpcId: String) throws -> EC2.RouteTable? {
        try read { s in s.routeTables.values.first { t in t.vpcId == vpcId && (t.associations ?? []).contains { $0.main == true } } }
    }

    func routeTable(_ id: String) throws -> EC2.RouteTable? { try read { $0.routeTables[id] } }
    func networkAcl(_ id: String) throws -> EC2.NetworkAcl? { try read { $0.networkAcls[id] } }

    /// Puts a bare network interface in a subnet (ENIs are created elsewhere).
    func networkInterface(subnetId: String, vpcId: String, publicIp: String? = nil) throws -> String {
        let id = ResourceID.generate("eni")
        try write { $0.state.networkInterfaces[id] = EC2.NetworkInterface(
            association: publicIp.map { EC2.NetworkInterfaceAssociation(publicIp: $0) },
            networkInterfaceId: id, subnetId: subnetId, vpcId: vpcId) }
        return id
    }
}

/// A name filter, shorter to write.
func ec2Filter(_ name: String, _ values: String...) -> EC2.Filter { EC2.Filter(name: name, values: values) }
