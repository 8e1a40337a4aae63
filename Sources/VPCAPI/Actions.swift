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
        // Security groups
        t.write(EC2.CreateSecurityGroupRequest.self) { try $0.createSecurityGroup($1) }
        t.write(EC2.DeleteSecurityGroupRequest.self) { try $0.deleteSecurityGroup($1) }
        t.read(EC2.DescribeSecurityGroupsRequest.self) { try $0.describeSecurityGroups($1) }
        t.write(EC2.AuthorizeSecurityGroupIngressRequest.self, .securityGroupRules) {
            try $0.authorizeSecurityGroupIngress($1)
        }
        t.write(EC2.AuthorizeSecurityGroupEgressRequest.self, .securityGroupRules) {
            try $0.authorizeSecurityGroupEgress($1)
        }
        t.write(EC2.RevokeSecurityGroupIngressRequest.self, .securityGroupRules) { try $0.revokeSecurityGroupIngress($1) }
        t.write(EC2.RevokeSecurityGroupEgressRequest.self, .securityGroupRules) { try $0.revokeSecurityGroupEgress($1) }
        t.read(EC2.DescribeSecurityGroupRulesRequest.self) { try $0.describeSecurityGroupRules($1) }
        t.write(EC2.ModifySecurityGroupRulesRequest.self, .securityGroupRules) { try $0.modifySecurityGroupRules($1) }
        t.write(EC2.UpdateSecurityGroupRuleDescriptionsIngressRequest.self) {
            try $0.updateSecurityGroupRuleDescriptionsIngress($1)
        }
        t.write(EC2.UpdateSecurityGroupRuleDescriptionsEgressRequest.self) {
            try $0.updateSecurityGroupRuleDescriptionsEgress($1)
        }
        // Managed prefix lists
        t.write(EC2.CreateManagedPrefixListRequest.self) { try $0.createManagedPrefixList($1) }
        t.write(EC2.ModifyManagedPrefixListRequest.self) { try $0.modifyManagedPrefixList($1) }
        t.write(EC2.DeleteManagedPrefixListRequest.self) { try $0.deleteManagedPrefixList($1) }
        t.read(EC2.DescribeManagedPrefixListsRequest.self) { try $0.describeManagedPrefixLists($1) }
        t.read(EC2.GetManagedPrefixListEntriesRequest.self) { try $0.getManagedPrefixListEntries($1) }
        // Network ACLs
        t.write(EC2.CreateNetworkAclRequest.self) { try $0.createNetworkAcl($1) }
        t.write(EC2.DeleteNetworkAclRequest.self) { try $0.deleteNetworkAcl($1) }
        t.read(EC2.DescribeNetworkAclsRequest.self) { try $0.describeNetworkAcls($1) }
        t.write(EC2.CreateNetworkAclEntryRequest.self) { try $0.createNetworkAclEntry($1) }
        t.write(EC2.ReplaceNetworkAclEntryRequest.self) { try $0.replaceNetworkAclEntry($1) }
        t.write(EC2.DeleteNetworkAclEntryRequest.self) { try $0.deleteNetworkAclEntry($1) }
        t.write(EC2.ReplaceNetworkAclAssociationRequest.self) { try $0.replaceNetworkAclAssociation($1) }
        // Route tables
        t.write(EC2.CreateRouteTableRequest.self) { try $0.createRouteTable($1) }
        t.write(EC2.DeleteRouteTableRequest.self) { try $0.deleteRouteTable($1) }
        t.read(EC2.DescribeRouteTablesRequest.self) { try $0.describeRouteTables($1) }
        t.write(EC2.CreateRouteRequest.self) { try $0.createRoute($1) }
        t.write(EC2.ReplaceRouteRequest.self) { try $0.replaceRoute($1) }
        t.write(EC2.DeleteRouteRequest.self) { try $0.deleteRoute($1) }
        t.write(EC2.AssociateRouteTableRequest.self) { try $0.associateRouteTable($1) }
        t.write(EC2.DisassociateRouteTableRequest.self) { try $0.disassociateRouteTable($1) }
        t.write(EC2.ReplaceRouteTableAssociationRequest.self) { try $0.replaceRouteTableAssociation($1) }
        // Internet gateways and egress-only internet gateways
        t.write(EC2.CreateInternetGatewayRequest.self) { try $0.createInternetGateway($1) }
        t.write(EC2.AttachInternetGatewayRequest.self) { try $0.attachInternetGateway($1) }
        t.write(EC2.DetachInternetGatewayRequest.self) { try $0.detachInternetGateway($1) }
        t.write(EC2.DeleteInternetGatewayRequest.self) { try $0.deleteInternetGateway($1) }
        t.read(EC2.DescribeInternetGatewaysRequest.self) { try $0.describeInternetGateways($1) }
        t.write(EC2.CreateEgressOnlyInternetGatewayRequest.self) { try $0.createEgressOnlyInternetGateway($1) }
        t.write(EC2.DeleteEgressOnlyInternetGatewayRequest.self) { try $0.deleteEgressOnlyInternetGateway($1) }
        t.read(EC2.DescribeEgressOnlyInternetGatewaysRequest.self) { try $0.describeEgressOnlyInternetGateways($1) }
        // DHCP options
        t.write(EC2.CreateDhcpOptionsRequest.self) { try $0.createDhcpOptions($1) }
        t.write(EC2.AssociateDhcpOptionsRequest.self) { try $0.associateDhcpOptions($1) }
        t.write(EC2.DeleteDhcpOptionsRequest.self) { try $0.deleteDhcpOptions($1) }
        t.read(EC2.DescribeDhcpOptionsRequest.self) { try $0.describeDhcpOptions($1) }
        // Elastic IPs
        t.write(EC2.AllocateAddressRequest.self) { try $0.allocateAddress($1) }
        t.write(EC2.AssociateAddressRequest.self) { try $0.associateAddress($1) }
        t.write(EC2.DisassociateAddressRequest.self) { try $0.disassociateAddress($1) }
        t.write(EC2.ReleaseAddressRequest.self) { try $0.releaseAddress($1) }
        t.read(EC2.DescribeAddressesRequest.self) { try $0.describeAddresses($1) }
        // Network interfaces
        t.write(EC2.CreateNetworkInterfaceRequest.self) { try $0.createNetworkInterface($1) }
        t.write(EC2.DeleteNetworkInterfaceRequest.self) { try $0.deleteNetworkInterface($1) }
        t.read(EC2.DescribeNetworkInterfacesRequest.self) { try $0.describeNetworkInterfaces($1) }
        t.write(EC2.AttachNetworkInterfaceRequest.self) { try $0.attachNetworkInterface($1) }
        t.write(EC2.DetachNetworkInterfaceRequest.self) { try $0.detachNetworkInterface($1) }
        t.write(EC2.ModifyNetworkInterfaceAttributeRequest.self) { try $0.modifyNetworkInterfaceAttribute($1) }
        t.read(EC2.DescribeNetworkInterfaceAttributeRequest.self) { try $0.describeNetworkInterfaceAttribute($1) }
        t.write(EC2.AssignPrivateIpAddressesRequest.self) { try $0.assignPrivateIpAddresses($1) }
        t.write(EC2.UnassignPrivateIpAddressesRequest.self) { try $0.unassignPrivateIpAddresses($1) }
        t.write(EC2.AssignIpv6AddressesRequest.self) { try $0.assignIpv6Addresses($1) }
        t.write(EC2.UnassignIpv6AddressesRequest.self) { try $0.unassignIpv6Addresses($1) }
        // Instances
        t.write(EC2.RunInstancesRequest.self) { try $0.runInstances($1) }
        t.read(EC2.DescribeInstancesRequest.self) { try $0.describeInstances($1) }
        t.readWithSilentHosts(EC2.DescribeInstanceStatusRequest.self) { try $0.describeInstanceStatus($1, silentHosts: $2) }
        t.write(EC2.StopInstancesRequest.self) { try $0.stopInstances($1) }
        t.write(EC2.StartInstancesRequest.self) { try $0.startInstances($1) }
        t.write(EC2.RebootInstancesRequest.self) { try $0.rebootInstances($1) }
        t.write(EC2.TerminateInstancesRequest.self) { try $0.terminateInstances($1) }
        t.write(EC2.ModifyInstanceAttributeRequest.self) { try $0.modifyInstanceAttribute($1) }
        t.read(EC2.DescribeInstanceAttributeRequest.self) { try $0.describeInstanceAttribute($1) }
        t.read(EC2.GetConsoleOutputRequest.self) { try $0.getConsoleOutput($1) }
        // Flow logs
        t.write(EC2.CreateFlowLogsRequest.self) { try $0.createFlowLogs($1) }
        t.write(EC2.DeleteFlowLogsRequest.self) { try $0.deleteFlowLogs($1) }
        t.read(EC2.DescribeFlowLogsRequest.self) { try $0.describeFlowLogs($1) }
        // Tags and the catalog
        t.write(EC2.CreateTagsRequest.self) { try $0.createTags($1) }
        t.write(EC2.DeleteTagsRequest.self) { try $0.deleteTags($1) }
        t.read(EC2.DescribeTagsRequest.self) { try $0.describeTags($1) }
        t.read(EC2.DescribeAvailabilityZonesRequest.self) { try $0.describeAvailabilityZones($1) }
        t.read(EC2.DescribeRegionsRequest.self) { try $0.describeRegions($1) }
        t.read(EC2.DescribeAccountAttributesRequest.self) { try $0.describeAccountAttributes($1) }
        return t
    }()
}
