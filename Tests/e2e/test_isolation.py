"""Account isolation: account B can't see, change, delete or use account A's resources.

Every id-taking action we implement is tried by B against A's ids and must answer the
resource's NotFound code, exactly as AWS does for an id you don't own. Describe* without
ids must never list A's resources. All `ours`: moto_server maps every access key to one
account, so it can't isolate A from B.

The tests share one world built by A (module scope); they are read-only for A because
every B call is expected to fail, and the last test checks A's world is intact.
"""
import ipaddress
import time

import pytest
from botocore.exceptions import ClientError

from helpers import do_reset, make_client

pytestmark = [pytest.mark.ours, pytest.mark.no_reset]

NF = {
    "vpc": "InvalidVpcID.NotFound", "subnet": "InvalidSubnetID.NotFound",
    "sg": "InvalidGroup.NotFound", "acl": "InvalidNetworkAclID.NotFound",
    "rtb": "InvalidRouteTableID.NotFound", "igw": "InvalidInternetGatewayID.NotFound",
    "eni": "InvalidNetworkInterfaceID.NotFound", "eip": "InvalidAllocationID.NotFound",
    "pl": "InvalidPrefixListID.NotFound", "dopt": "InvalidDhcpOptionID.NotFound",
    "assoc": "InvalidAssociationID.NotFound", "eigw": "InvalidGatewayID.NotFound",
    "sgr": "InvalidSecurityGroupRuleId.NotFound", "addr": "InvalidAddress.NotFound",
    "i": "InvalidInstanceID.NotFound",
}


@pytest.fixture(scope="module")
def world(server, host_agent):
    """A's resources (every kind), plus a few of B's own to combine with A's ids."""
    do_reset(server)
    a = make_client(server["endpoint"], "A")
    b = make_client(server["endpoint"], "B")
    w = {}
    vpc = a.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                       TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "owner", "Value": "A"}]}])
    w["vpc"] = vpc["Vpc"]["VpcId"]
    v6 = a.describe_vpcs(VpcIds=[w["vpc"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    w["vpc_cidr_assoc"] = a.associate_vpc_cidr_block(VpcId=w["vpc"], CidrBlock="10.1.0.0/16")[
        "CidrBlockAssociation"]["AssociationId"]
    w["subnet"] = a.create_subnet(VpcId=w["vpc"], CidrBlock="10.0.1.0/24",
                                  Ipv6CidrBlock=str(next(ipaddress.ip_network(v6).subnets(new_prefix=64)))
                                  )["Subnet"]["SubnetId"]
    w["sg"] = a.create_security_group(VpcId=w["vpc"], GroupName="a-web", Description="A")["GroupId"]
    a.authorize_security_group_ingress(GroupId=w["sg"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    w["sgr"] = next(r["SecurityGroupRuleId"] for r in a.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [w["sg"]]}])["SecurityGroupRules"] if not r["IsEgress"])
    w["acl"] = a.create_network_acl(VpcId=w["vpc"])["NetworkAcl"]["NetworkAclId"]
    a.create_network_acl_entry(NetworkAclId=w["acl"], RuleNumber=100, Protocol="-1", RuleAction="allow",
                               Egress=False, CidrBlock="0.0.0.0/0")
    default_acl = a.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                    "Values": [w["subnet"]]}])["NetworkAcls"][0]
    w["acl_assoc"] = next(x["NetworkAclAssociationId"] for x in default_acl["Associations"]
                          if x["SubnetId"] == w["subnet"])
    w["igw"] = a.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    a.attach_internet_gateway(InternetGatewayId=w["igw"], VpcId=w["vpc"])
    w["rtb"] = a.create_route_table(VpcId=w["vpc"])["RouteTable"]["RouteTableId"]
    a.create_route(RouteTableId=w["rtb"], DestinationCidrBlock="0.0.0.0/0", GatewayId=w["igw"])
    w["rtb_assoc"] = a.associate_route_table(RouteTableId=w["rtb"], SubnetId=w["subnet"])["AssociationId"]
    w["eigw"] = a.create_egress_only_internet_gateway(VpcId=w["vpc"])[
        "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    eni = a.create_network_interface(SubnetId=w["subnet"])["NetworkInterface"]
    w["eni"], w["eni_ip"] = eni["NetworkInterfaceId"], eni["PrivateIpAddress"]
    a.assign_private_ip_addresses(NetworkInterfaceId=w["eni"], SecondaryPrivateIpAddressCount=1)
    w["eni_secondary"] = next(i["PrivateIpAddress"] for i in a.describe_network_interfaces(
        NetworkInterfaceIds=[w["eni"]])["NetworkInterfaces"][0]["PrivateIpAddresses"] if not i["Primary"])
    alloc = a.allocate_address(Domain="vpc")
    w["eip"], w["eip_ip"] = alloc["AllocationId"], alloc["PublicIp"]
    w["eip_assoc"] = a.associate_address(AllocationId=w["eip"], NetworkInterfaceId=w["eni"])["AssociationId"]
    w["eip2"] = a.allocate_address(Domain="vpc")["AllocationId"]  # unassociated
    pl = a.create_managed_prefix_list(PrefixListName="a-pl", AddressFamily="IPv4", MaxEntries=5,
                                      Entries=[{"Cidr": "10.9.0.0/16"}])["PrefixList"]
    w["pl"], w["pl_version"] = pl["PrefixListId"], pl["Version"]
    w["dopt"] = a.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["a.example"]}])["DhcpOptions"]["DhcpOptionsId"]
    a.associate_dhcp_options(DhcpOptionsId=w["dopt"], VpcId=w["vpc"])
    w["fl"] = a.create_flow_logs(ResourceType="VPC", ResourceIds=[w["vpc"]], TrafficType="ALL", LogGroupName="a-flows",
                                 DeliverLogsPermissionArn="arn:aws:iam::111111111111:role/fl")["FlowLogIds"][0]

    run = a.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1, SubnetId=w["subnet"],
                          SecurityGroupIds=[w["sg"]])
    w["instance"], w["reservation"] = run["Instances"][0]["InstanceId"], run["ReservationId"]
    w["instance_ip"] = run["Instances"][0]["PrivateIpAddress"]
    for _ in range(200):  # the session's fake agent reports it running
        if a.describe_instances(InstanceIds=[w["instance"]])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running":
            break
        time.sleep(0.05)

    # B's own resources, to pair with A's ids.
    w["b_vpc"] = b.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    w["b_subnet"] = b.create_subnet(VpcId=w["b_vpc"], CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    w["b_sg"] = b.create_security_group(VpcId=w["b_vpc"], GroupName="b", Description="B")["GroupId"]
    w["b_rtb"] = b.create_route_table(VpcId=w["b_vpc"])["RouteTable"]["RouteTableId"]
    w["b_eni"] = b.create_network_interface(SubnetId=w["b_subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    w["b_igw"] = b.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    w["b_eip"] = b.allocate_address(Domain="vpc")["AllocationId"]
    w["b_dopt"] = b.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["b.example"]}])["DhcpOptions"]["DhcpOptionsId"]
    w["snapshot"] = snapshot(a, w)
    return w


def snapshot(a, w):
    """What A sees of its own world (compared before and after B's attempts)."""
    vpc = a.describe_vpcs(VpcIds=[w["vpc"]])["Vpcs"][0]
    sg = a.describe_security_groups(GroupIds=[w["sg"]])["SecurityGroups"][0]
    acl = a.describe_network_acls(NetworkAclIds=[w["acl"]])["NetworkAcls"][0]
    rtb = a.describe_route_tables(RouteTableIds=[w["rtb"]])["RouteTables"][0]
    eni = a.describe_network_interfaces(NetworkInterfaceIds=[w["eni"]])["NetworkInterfaces"][0]
    return {
        "vpc": (vpc["DhcpOptionsId"], sorted(c["CidrBlock"] for c in vpc["CidrBlockAssociationSet"]),
                sorted((t["Key"], t["Value"]) for t in vpc.get("Tags", []))),
        "dns": a.describe_vpc_attribute(VpcId=w["vpc"], Attribute="enableDnsHostnames")["EnableDnsHostnames"],
        "subnet": a.describe_subnets(SubnetIds=[w["subnet"]])["Subnets"][0]["MapPublicIpOnLaunch"],
        "sg": sorted(str(p) for p in sg["IpPermissions"]) + sorted(str(p) for p in sg["IpPermissionsEgress"]),
        "acl": sorted(str(e) for e in acl["Entries"]),
        "rtb": (sorted(str(r) for r in rtb["Routes"]), sorted(str(x) for x in rtb["Associations"])),
        "igw": a.describe_internet_gateways(InternetGatewayIds=[w["igw"]])["InternetGateways"][0]["Attachments"],
        "eigw": len(a.describe_egress_only_internet_gateways(
            EgressOnlyInternetGatewayIds=[w["eigw"]])["EgressOnlyInternetGateways"]),
        "eni": (sorted(i["PrivateIpAddress"] for i in eni["PrivateIpAddresses"]),
                [g["GroupId"] for g in eni["Groups"]], eni["SourceDestCheck"], len(eni.get("Ipv6Addresses", []))),
        "eip": sorted((x["AllocationId"], x.get("AssociationId")) for x in
                      a.describe_addresses(AllocationIds=[w["eip"], w["eip2"]])["Addresses"]),
        "pl": (a.describe_managed_prefix_lists(PrefixListIds=[w["pl"]])["PrefixLists"][0]["Version"],
               sorted(e["Cidr"] for e in a.get_managed_prefix_list_entries(PrefixListId=w["pl"])["Entries"])),
        "dopt": len(a.describe_dhcp_options(DhcpOptionsIds=[w["dopt"]])["DhcpOptions"]),
        "vpcs": len(a.describe_vpcs()["Vpcs"]),
        "instance": [(i["State"]["Name"], i["InstanceType"], i["SourceDestCheck"], i.get("Tags"),
                      [g["GroupId"] for g in i["SecurityGroups"]], len(i["NetworkInterfaces"]))
                     for r in a.describe_instances(InstanceIds=[w["instance"]])["Reservations"] for i in r["Instances"]],
        "fl": [(f["FlowLogId"], f["ResourceId"], f.get("Tags", [])) for f in a.describe_flow_logs()["FlowLogs"]],
    }


def perm(**kw):
    return [dict({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, **kw)]


# (name, call(b, w), acceptable codes)
MATRIX = [
    # VPC
    ("DescribeVpcs", lambda b, w: b.describe_vpcs(VpcIds=[w["vpc"]]), ["vpc"]),
    ("DescribeVpcAttribute", lambda b, w: b.describe_vpc_attribute(VpcId=w["vpc"], Attribute="enableDnsSupport"), ["vpc"]),
    ("ModifyVpcAttribute", lambda b, w: b.modify_vpc_attribute(VpcId=w["vpc"], EnableDnsHostnames={"Value": True}), ["vpc"]),
    ("AssociateVpcCidrBlock", lambda b, w: b.associate_vpc_cidr_block(VpcId=w["vpc"], CidrBlock="10.2.0.0/16"), ["vpc"]),
    ("AssociateVpcCidrBlock.ipv6", lambda b, w: b.associate_vpc_cidr_block(VpcId=w["vpc"], AmazonProvidedIpv6CidrBlock=True), ["vpc"]),
    ("DisassociateVpcCidrBlock", lambda b, w: b.disassociate_vpc_cidr_block(AssociationId=w["vpc_cidr_assoc"]),
     ["InvalidVpcCidrBlockAssociationID.NotFound", "InvalidVpcCidrBlockAssociationId.NotFound"]),
    ("DeleteVpc", lambda b, w: b.delete_vpc(VpcId=w["vpc"]), ["vpc"]),
    ("CreateSubnet", lambda b, w: b.create_subnet(VpcId=w["vpc"], CidrBlock="10.0.200.0/24"), ["vpc"]),
    ("CreateSecurityGroup", lambda b, w: b.create_security_group(VpcId=w["vpc"], GroupName="x", Description="x"), ["vpc"]),
    ("CreateRouteTable", lambda b, w: b.create_route_table(VpcId=w["vpc"]), ["vpc"]),
    ("CreateNetworkAcl", lambda b, w: b.create_network_acl(VpcId=w["vpc"]), ["vpc"]),
    ("CreateEgressOnlyInternetGateway", lambda b, w: b.create_egress_only_internet_gateway(VpcId=w["vpc"]), ["vpc"]),
    ("AttachInternetGateway.vpc", lambda b, w: b.attach_internet_gateway(InternetGatewayId=w["b_igw"], VpcId=w["vpc"]), ["vpc"]),
    ("AssociateDhcpOptions.vpc", lambda b, w: b.associate_dhcp_options(DhcpOptionsId=w["b_dopt"], VpcId=w["vpc"]), ["vpc"]),
    ("CreateTags.vpc", lambda b, w: b.create_tags(Resources=[w["vpc"]], Tags=[{"Key": "owner", "Value": "B"}]), ["vpc"]),
    ("DeleteTags.vpc", lambda b, w: b.delete_tags(Resources=[w["vpc"]], Tags=[{"Key": "owner"}]), ["vpc"]),
    # Subnet
    ("DescribeSubnets", lambda b, w: b.describe_subnets(SubnetIds=[w["subnet"]]), ["subnet"]),
    ("ModifySubnetAttribute", lambda b, w: b.modify_subnet_attribute(SubnetId=w["subnet"], MapPublicIpOnLaunch={"Value": True}), ["subnet"]),
    ("DeleteSubnet", lambda b, w: b.delete_subnet(SubnetId=w["subnet"]), ["subnet"]),
    ("CreateNetworkInterface", lambda b, w: b.create_network_interface(SubnetId=w["subnet"]), ["subnet"]),
    ("AssociateRouteTable.subnet", lambda b, w: b.associate_route_table(RouteTableId=w["b_rtb"], SubnetId=w["subnet"]), ["subnet"]),
    # Security group
    ("DescribeSecurityGroups", lambda b, w: b.describe_security_groups(GroupIds=[w["sg"]]), ["sg"]),
    ("AuthorizeSecurityGroupIngress", lambda b, w: b.authorize_security_group_ingress(GroupId=w["sg"], IpPermissions=perm(FromPort=80, ToPort=80)), ["sg"]),
    ("AuthorizeSecurityGroupEgress", lambda b, w: b.authorize_security_group_egress(GroupId=w["sg"], IpPermissions=perm(FromPort=80, ToPort=80)), ["sg"]),
    ("RevokeSecurityGroupIngress", lambda b, w: b.revoke_security_group_ingress(GroupId=w["sg"], IpPermissions=perm()), ["sg"]),
    ("RevokeSecurityGroupEgress", lambda b, w: b.revoke_security_group_egress(GroupId=w["sg"], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]), ["sg"]),
    ("ModifySecurityGroupRules", lambda b, w: b.modify_security_group_rules(GroupId=w["sg"], SecurityGroupRules=[{
        "SecurityGroupRuleId": w["sgr"], "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "CidrIpv4": "1.2.3.4/32"}}]), ["sg", "sgr"]),
    ("UpdateSecurityGroupRuleDescriptionsIngress", lambda b, w: b.update_security_group_rule_descriptions_ingress(
        GroupId=w["sg"], IpPermissions=perm(IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "B"}])), ["sg"]),
    ("DescribeSecurityGroupRules", lambda b, w: b.describe_security_group_rules(SecurityGroupRuleIds=[w["sgr"]]), ["sgr"]),
    ("DeleteSecurityGroup", lambda b, w: b.delete_security_group(GroupId=w["sg"]), ["sg"]),
    ("AuthorizeSecurityGroupIngress.source-group", lambda b, w: b.authorize_security_group_ingress(
        GroupId=w["b_sg"], IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": w["sg"]}]}]), ["sg"]),
    ("ModifyNetworkInterfaceAttribute.groups", lambda b, w: b.modify_network_interface_attribute(
        NetworkInterfaceId=w["b_eni"], Groups=[w["sg"]]), ["sg"]),
    # Network ACL
    ("DescribeNetworkAcls", lambda b, w: b.describe_network_acls(NetworkAclIds=[w["acl"]]), ["acl"]),
    ("CreateNetworkAclEntry", lambda b, w: b.create_network_acl_entry(NetworkAclId=w["acl"], RuleNumber=200, Protocol="-1",
                                                                    RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0"), ["acl"]),
    ("ReplaceNetworkAclEntry", lambda b, w: b.replace_network_acl_entry(NetworkAclId=w["acl"], RuleNumber=100, Protocol="-1",
                                                                      RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0"), ["acl"]),
    ("DeleteNetworkAclEntry", lambda b, w: b.delete_network_acl_entry(NetworkAclId=w["acl"], RuleNumber=100, Egress=False), ["acl"]),
    ("DeleteNetworkAcl", lambda b, w: b.delete_network_acl(NetworkAclId=w["acl"]), ["acl"]),
    ("ReplaceNetworkAclAssociation", lambda b, w: b.replace_network_acl_association(AssociationId=w["acl_assoc"], NetworkAclId=w["acl"]),
     ["acl", "assoc"]),
    # Route table
    ("DescribeRouteTables", lambda b, w: b.describe_route_tables(RouteTableIds=[w["rtb"]]), ["rtb"]),
    ("CreateRoute", lambda b, w: b.create_route(RouteTableId=w["rtb"], DestinationCidrBlock="192.0.2.0/24", GatewayId=w["igw"]), ["rtb", "igw"]),
    ("ReplaceRoute", lambda b, w: b.replace_route(RouteTableId=w["rtb"], DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=w["b_eni"]), ["rtb"]),
    ("DeleteRoute", lambda b, w: b.delete_route(RouteTableId=w["rtb"], DestinationCidrBlock="0.0.0.0/0"), ["rtb"]),
    ("AssociateRouteTable.rtb", lambda b, w: b.associate_route_table(RouteTableId=w["rtb"], SubnetId=w["b_subnet"]), ["rtb"]),
    ("DisassociateRouteTable", lambda b, w: b.disassociate_route_table(AssociationId=w["rtb_assoc"]), ["assoc"]),
    ("DeleteRouteTable", lambda b, w: b.delete_route_table(RouteTableId=w["rtb"]), ["rtb"]),
    ("CreateRoute.target-eni", lambda b, w: b.create_route(RouteTableId=w["b_rtb"], DestinationCidrBlock="192.0.2.0/24",
                                                           NetworkInterfaceId=w["eni"]), ["eni"]),
    ("CreateRoute.target-igw", lambda b, w: b.create_route(RouteTableId=w["b_rtb"], DestinationCidrBlock="192.0.2.0/24",
                                                           GatewayId=w["igw"]), ["InvalidGatewayID.NotFound"]),
    # Internet gateways
    ("DescribeInternetGateways", lambda b, w: b.describe_internet_gateways(InternetGatewayIds=[w["igw"]]), ["igw"]),
    ("AttachInternetGateway.igw", lambda b, w: b.attach_internet_gateway(InternetGatewayId=w["igw"], VpcId=w["b_vpc"]), ["igw"]),
    ("DetachInternetGateway", lambda b, w: b.detach_internet_gateway(InternetGatewayId=w["igw"], VpcId=w["vpc"]), ["igw", "vpc"]),
    ("DeleteInternetGateway", lambda b, w: b.delete_internet_gateway(InternetGatewayId=w["igw"]), ["igw"]),
    ("DescribeEgressOnlyInternetGateways", lambda b, w: b.describe_egress_only_internet_gateways(
        EgressOnlyInternetGatewayIds=[w["eigw"]]), ["eigw"]),
    ("DeleteEgressOnlyInternetGateway", lambda b, w: b.delete_egress_only_internet_gateway(
        EgressOnlyInternetGatewayId=w["eigw"]), ["eigw"]),
    # Network interfaces
    ("DescribeNetworkInterfaces", lambda b, w: b.describe_network_interfaces(NetworkInterfaceIds=[w["eni"]]), ["eni"]),
    ("ModifyNetworkInterfaceAttribute", lambda b, w: b.modify_network_interface_attribute(
        NetworkInterfaceId=w["eni"], SourceDestCheck={"Value": False}), ["eni"]),
    ("AssignPrivateIpAddresses", lambda b, w: b.assign_private_ip_addresses(
        NetworkInterfaceId=w["eni"], SecondaryPrivateIpAddressCount=1), ["eni"]),
    ("UnassignPrivateIpAddresses", lambda b, w: b.unassign_private_ip_addresses(
        NetworkInterfaceId=w["eni"], PrivateIpAddresses=[w["eni_secondary"]]), ["eni"]),
    ("AssignIpv6Addresses", lambda b, w: b.assign_ipv6_addresses(NetworkInterfaceId=w["eni"], Ipv6AddressCount=1), ["eni"]),
    ("DeleteNetworkInterface", lambda b, w: b.delete_network_interface(NetworkInterfaceId=w["eni"]), ["eni"]),
    ("CreateTags.eni", lambda b, w: b.create_tags(Resources=[w["eni"]], Tags=[{"Key": "k", "Value": "v"}]), ["eni"]),
    ("AssociateAddress.eni", lambda b, w: b.associate_address(AllocationId=w["b_eip"], NetworkInterfaceId=w["eni"]), ["eni"]),
    # Elastic IPs
    ("DescribeAddresses", lambda b, w: b.describe_addresses(AllocationIds=[w["eip"]]), ["eip"]),
    ("DescribeAddresses.public-ip", lambda b, w: b.describe_addresses(PublicIps=[w["eip_ip"]]), ["addr"]),
    ("AssociateAddress.alloc", lambda b, w: b.associate_address(AllocationId=w["eip2"], NetworkInterfaceId=w["b_eni"]), ["eip"]),
    ("DisassociateAddress", lambda b, w: b.disassociate_address(AssociationId=w["eip_assoc"]), ["assoc", "InvalidAssociationID.NotFound"]),
    ("ReleaseAddress", lambda b, w: b.release_address(AllocationId=w["eip2"]), ["eip"]),
    # Prefix lists
    ("DescribeManagedPrefixLists", lambda b, w: b.describe_managed_prefix_lists(PrefixListIds=[w["pl"]]), ["pl"]),
    ("GetManagedPrefixListEntries", lambda b, w: b.get_managed_prefix_list_entries(PrefixListId=w["pl"]), ["pl"]),
    ("ModifyManagedPrefixList", lambda b, w: b.modify_managed_prefix_list(
        PrefixListId=w["pl"], CurrentVersion=w["pl_version"], AddEntries=[{"Cidr": "10.8.0.0/16"}]), ["pl"]),
    ("DeleteManagedPrefixList", lambda b, w: b.delete_managed_prefix_list(PrefixListId=w["pl"]), ["pl"]),
    ("AuthorizeSecurityGroupIngress.prefix-list", lambda b, w: b.authorize_security_group_ingress(
        GroupId=w["b_sg"], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                           "PrefixListIds": [{"PrefixListId": w["pl"]}]}]), ["pl"]),
    # DHCP options
    ("DescribeDhcpOptions", lambda b, w: b.describe_dhcp_options(DhcpOptionsIds=[w["dopt"]]), ["dopt"]),
    ("DeleteDhcpOptions", lambda b, w: b.delete_dhcp_options(DhcpOptionsId=w["dopt"]), ["dopt"]),
    ("AssociateDhcpOptions.dopt", lambda b, w: b.associate_dhcp_options(DhcpOptionsId=w["dopt"], VpcId=w["b_vpc"]), ["dopt"]),
    # Instances
    ("DescribeInstances", lambda b, w: b.describe_instances(InstanceIds=[w["instance"]]), ["i"]),
    ("DescribeInstanceStatus", lambda b, w: b.describe_instance_status(InstanceIds=[w["instance"]]), ["i"]),
    ("DescribeInstanceAttribute", lambda b, w: b.describe_instance_attribute(InstanceId=w["instance"], Attribute="instanceType"), ["i"]),
    ("GetConsoleOutput", lambda b, w: b.get_console_output(InstanceId=w["instance"]), ["i"]),
    ("StopInstances", lambda b, w: b.stop_instances(InstanceIds=[w["instance"]]), ["i"]),
    ("StartInstances", lambda b, w: b.start_instances(InstanceIds=[w["instance"]]), ["i"]),
    ("RebootInstances", lambda b, w: b.reboot_instances(InstanceIds=[w["instance"]]), ["i"]),
    ("TerminateInstances", lambda b, w: b.terminate_instances(InstanceIds=[w["instance"]]), ["i"]),
    ("ModifyInstanceAttribute", lambda b, w: b.modify_instance_attribute(InstanceId=w["instance"], SourceDestCheck={"Value": False}), ["i"]),
    ("ModifyInstanceAttribute.groups", lambda b, w: b.modify_instance_attribute(InstanceId=w["instance"], Groups=[w["b_sg"]]), ["i"]),
    ("CreateTags.instance", lambda b, w: b.create_tags(Resources=[w["instance"]], Tags=[{"Key": "k", "Value": "v"}]), ["i"]),
    ("RunInstances.subnet", lambda b, w: b.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1,
                                                         SubnetId=w["subnet"]), ["subnet"]),
    ("RunInstances.sg", lambda b, w: b.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1,
                                                     SubnetId=w["b_subnet"], SecurityGroupIds=[w["sg"]]), ["sg"]),
    ("RunInstances.eni", lambda b, w: b.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1,
                                                      NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": w["eni"]}]), ["eni"]),
    ("AttachNetworkInterface.instance", lambda b, w: b.attach_network_interface(
        NetworkInterfaceId=w["b_eni"], InstanceId=w["instance"], DeviceIndex=1), ["i"]),
    ("AssociateAddress.instance", lambda b, w: b.associate_address(AllocationId=w["b_eip"], InstanceId=w["instance"]), ["i"]),
    # Flow logs (CreateFlowLogs and DeleteFlowLogs answer with Unsuccessful items: test_b_flow_log_calls_on_a)
    ("CreateTags.fl", lambda b, w: b.create_tags(Resources=[w["fl"]], Tags=[{"Key": "k", "Value": "v"}]),
     ["InvalidFlowLogId.NotFound"]),
]


@pytest.mark.parametrize("name,call,codes", MATRIX, ids=[m[0] for m in MATRIX])
def test_b_cannot_touch_a(world, ec2_b, name, call, codes):
    accepted = {NF.get(c, c) for c in codes}
    with pytest.raises(ClientError) as e:
        call(ec2_b, world)
    assert e.value.response["Error"]["Code"] in accepted, (name, e.value.response["Error"])
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# (name, describe call(b, w), list key, id key, world keys that must not appear)
LISTINGS = [
    ("vpcs", lambda b, w: b.describe_vpcs(), "Vpcs", "VpcId", ["vpc"]),
    ("subnets", lambda b, w: b.describe_subnets(), "Subnets", "SubnetId", ["subnet"]),
    ("security-groups", lambda b, w: b.describe_security_groups(), "SecurityGroups", "GroupId", ["sg"]),
    ("security-group-rules", lambda b, w: b.describe_security_group_rules(), "SecurityGroupRules",
     "SecurityGroupRuleId", ["sgr"]),
    ("network-acls", lambda b, w: b.describe_network_acls(), "NetworkAcls", "NetworkAclId", ["acl"]),
    ("route-tables", lambda b, w: b.describe_route_tables(), "RouteTables", "RouteTableId", ["rtb"]),
    ("internet-gateways", lambda b, w: b.describe_internet_gateways(), "InternetGateways",
     "InternetGatewayId", ["igw"]),
    ("egress-only-igws", lambda b, w: b.describe_egress_only_internet_gateways(), "EgressOnlyInternetGateways",
     "EgressOnlyInternetGatewayId", ["eigw"]),
    ("network-interfaces", lambda b, w: b.describe_network_interfaces(), "NetworkInterfaces",
     "NetworkInterfaceId", ["eni"]),
    ("addresses", lambda b, w: b.describe_addresses(), "Addresses", "AllocationId", ["eip", "eip2"]),
    ("prefix-lists", lambda b, w: b.describe_managed_prefix_lists(), "PrefixLists", "PrefixListId", ["pl"]),
    ("dhcp-options", lambda b, w: b.describe_dhcp_options(), "DhcpOptions", "DhcpOptionsId", ["dopt"]),
    ("flow-logs", lambda b, w: b.describe_flow_logs(), "FlowLogs", "FlowLogId", ["fl"]),
    ("flow-logs-by-a-id", lambda b, w: b.describe_flow_logs(FlowLogIds=[w["fl"]]), "FlowLogs", "FlowLogId", ["fl"]),
    ("flow-logs-by-a-vpc-id", lambda b, w: b.describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [w["vpc"]]}]), "FlowLogs", "FlowLogId", ["fl"]),
    ("tags", lambda b, w: b.describe_tags(), "Tags", "ResourceId", ["vpc", "subnet", "sg", "eni"]),
    ("vpcs-by-a-vpc-id", lambda b, w: b.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [w["vpc"]]}]),
     "Vpcs", "VpcId", ["vpc"]),
    ("subnets-by-vpc-id", lambda b, w: b.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [w["vpc"]]}]),
     "Subnets", "SubnetId", ["subnet"]),
    ("sgs-by-name", lambda b, w: b.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["a-web"]}]),
     "SecurityGroups", "GroupId", ["sg"]),
    ("enis-by-vpc-id", lambda b, w: b.describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [w["vpc"]]}]), "NetworkInterfaces", "NetworkInterfaceId", ["eni"]),
    ("enis-by-a-ip", lambda b, w: b.describe_network_interfaces(
        Filters=[{"Name": "private-ip-address", "Values": [w["eni_ip"]]}]), "NetworkInterfaces",
     "NetworkInterfaceId", ["eni"]),
    ("reservations", lambda b, w: b.describe_instances(), "Reservations", "ReservationId", ["reservation"]),
    ("instance-status", lambda b, w: b.describe_instance_status(IncludeAllInstances=True), "InstanceStatuses",
     "InstanceId", ["instance"]),
    ("reservations-by-a-ip", lambda b, w: b.describe_instances(
        Filters=[{"Name": "private-ip-address", "Values": [w["instance_ip"]]}]), "Reservations", "ReservationId",
     ["reservation"]),
    ("tags-by-a-resource", lambda b, w: b.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [w["vpc"]]}]), "Tags", "ResourceId", ["vpc"]),
]


@pytest.mark.parametrize("name,call,key,id_key,hidden", LISTINGS, ids=[x[0] for x in LISTINGS])
def test_b_listings_never_show_a(world, ec2_b, name, call, key, id_key, hidden):
    items = call(ec2_b, world)[key]
    seen = {i[id_key] for i in items}
    assert not seen & {world[h] for h in hidden}
    if "-by-" in name:
        # Filters that match only A's resources. Address spaces of two accounts may
        # overlap (both default VPCs are 172.31.0.0/16), so B may have its own match.
        assert all(i.get("OwnerId", "222222222222") == "222222222222" for i in items)
        if name != "enis-by-a-ip":
            assert items == []
    if name == "vpcs":
        assert world["b_vpc"] in seen and len(items) == 2  # B's default VPC and its own
        assert all(i["OwnerId"] == "222222222222" for i in items)
    if name == "subnets":
        assert world["b_subnet"] in seen
    if name == "addresses":
        assert seen == {world["b_eip"]}
        assert world["eip_ip"] not in {i["PublicIp"] for i in items}


def test_b_flow_log_calls_on_a(world, ec2_b, endpoint):
    """A's VPC, subnet, ENI and flow log are unknown to B: Unsuccessful items, nothing created or deleted;
    A's log group is not B's."""
    role = "arn:aws:iam::222222222222:role/fl"
    for kind, key, code in [("VPC", "vpc", "InvalidVpcID.NotFound"), ("Subnet", "subnet", "InvalidSubnetID.NotFound"),
                            ("NetworkInterface", "eni", "InvalidNetworkInterfaceID.NotFound")]:
        r = ec2_b.create_flow_logs(ResourceType=kind, ResourceIds=[world[key]], TrafficType="ALL",
                                   LogGroupName="b-flows", DeliverLogsPermissionArn=role)
        assert r["FlowLogIds"] == []
        assert [(u["ResourceId"], u["Error"]["Code"]) for u in r["Unsuccessful"]] == [(world[key], code)]
    r = ec2_b.delete_flow_logs(FlowLogIds=[world["fl"]])
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in r["Unsuccessful"]] == [(world["fl"], "InvalidFlowLogId.NotFound")]
    assert ec2_b.describe_flow_logs()["FlowLogs"] == []
    logs_b = make_client(endpoint, "B", service="logs")
    assert logs_b.describe_log_groups()["logGroups"] == []
    with pytest.raises(ClientError) as e:
        logs_b.filter_log_events(logGroupName="a-flows")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_b_owner_ids(world, ec2_a, ec2_b):
    assert ec2_a.describe_vpcs(VpcIds=[world["vpc"]])["Vpcs"][0]["OwnerId"] == "111111111111"
    assert ec2_b.describe_vpcs(VpcIds=[world["b_vpc"]])["Vpcs"][0]["OwnerId"] == "222222222222"
    sg = ec2_b.describe_security_groups(GroupIds=[world["b_sg"]])["SecurityGroups"][0]
    assert sg["OwnerId"] == "222222222222"


def test_zz_a_world_unchanged(world, ec2_a):
    """Runs last in this module: none of B's attempts changed anything of A's."""
    assert snapshot(ec2_a, world) == world["snapshot"]
