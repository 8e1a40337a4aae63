public import EC2Shapes
import VPCControlPlane
import VPCModel

extension ActionTable {
    /// Every EC2 action the server implements, bound to its control-plane function.
    public static let ec2: ActionTable = {
        var t = ActionTable()
        // VPCs
        t.write(EC2.CreateVpcRequest.self) { try $0.createVpc($1) }
        t.write(EC2.DeleteVpcRequest.self) { try $0.deleteVpc($1) }
        t.read(EC2.DescribeVpcsRequest.self) { try $0.describeVpcs($1) }
        t.write(EC2.ModifyVpcAttributeRequest.self) { try $0.modifyVpcAttribute($1) }
        t.read(EC2.DescribeVpcAttributeRequest.self) { try $0.describeVpcAttribute($1) }
        t.write(EC2.AssociateVpcCidrBlockRequest.self) { try $0.associateVpcCidrBlock($1) }
        t.write(EC2.DisassociateVpcCidrBlockRequest.self) { try $0.disassociateVpcCidrBlock($1) }
        t.write(EC2.CreateDefaultVpcRequest.self) { try $0.createDefaultVpc($1) }
        // Subnets
        t.write(EC2.CreateSubnetRequest.self) { try $0.createSubnet($1) }
        t.write(EC2.DeleteSubnetRequest.self) { try $0.deleteSubnet($1) }
        t.read(EC2.DescribeSubnetsRequest.self) { try $0.describeSubnets($1) }
        t.write(EC2.ModifySubnetAttributeRequest.self) { try $0.modifySubnetAttribute($1) }
        return t
    }()
}
