"""ClientToken idempotency. botocore's model gives a ClientToken to CreateRouteTable,
CreateNetworkAcl, CreateNetworkInterface, CreateManagedPrefixList (auto-filled,
`idempotencyToken`) and CreateEgressOnlyInternetGateway (not auto-filled); CreateVpc,
CreateSubnet and CreateSecurityGroup have none.

All `ours`: moto ignores ClientToken (the same token twice creates two resources).
"""
import uuid

import botocore.session
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.ours


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_model_has_the_tokens_we_rely_on():
    model = botocore.session.get_session().get_service_model("ec2")
    auto = {op for op in ("CreateRouteTable", "CreateNetworkAcl", "CreateNetworkInterface",
                          "CreateManagedPrefixList")
            if model.operation_model(op).input_shape.members["ClientToken"].metadata.get("idempotencyToken")}
    assert len(auto) == 4
    assert "ClientToken" in model.operation_model("CreateEgressOnlyInternetGateway").input_shape.members
    assert "ClientToken" not in model.operation_model("CreateVpc").input_shape.members


@pytest.fixture
def vpc(ec2_a):
    return ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def subnet(ec2_a, vpc):
    return ec2_a.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


def route_tables(ec2, vpc):
    return ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]


def test_route_table_same_token_same_result(ec2_a, vpc):
    token = f"rt-{uuid.uuid4()}"
    first = ec2_a.create_route_table(VpcId=vpc, ClientToken=token)
    second = ec2_a.create_route_table(VpcId=vpc, ClientToken=token)
    assert first["RouteTable"]["RouteTableId"] == second["RouteTable"]["RouteTableId"]
    assert first.get("ClientToken", token) == token and second.get("ClientToken", token) == token
    assert len(route_tables(ec2_a, vpc)) == 2  # main + one
    # A different token (or none: botocore fills a fresh one) creates another.
    third = ec2_a.create_route_table(VpcId=vpc, ClientToken=token.upper())["RouteTable"]["RouteTableId"]
    fourth = ec2_a.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    assert len({first["RouteTable"]["RouteTableId"], third, fourth}) == 3
    assert len(route_tables(ec2_a, vpc)) == 4


def test_route_table_token_mismatch(ec2_a, vpc):
    other = ec2_a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    token = f"rt-{uuid.uuid4()}"
    ec2_a.create_route_table(VpcId=vpc, ClientToken=token)
    with pytest.raises(ClientError) as e:
        ec2_a.create_route_table(VpcId=other, ClientToken=token)
    assert code(e) == "IdempotentParameterMismatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:  # tags are parameters too
        ec2_a.create_route_table(VpcId=vpc, ClientToken=token, TagSpecifications=[
            {"ResourceType": "route-table", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert code(e) == "IdempotentParameterMismatch"
    assert len(route_tables(ec2_a, other)) == 1 and len(route_tables(ec2_a, vpc)) == 2


def test_network_acl_and_eni_and_prefix_list_tokens(ec2_a, vpc, subnet):
    token = f"acl-{uuid.uuid4()}"
    a1 = ec2_a.create_network_acl(VpcId=vpc, ClientToken=token)["NetworkAcl"]["NetworkAclId"]
    a2 = ec2_a.create_network_acl(VpcId=vpc, ClientToken=token)["NetworkAcl"]["NetworkAclId"]
    assert a1 == a2
    acls = ec2_a.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"]
    assert len(acls) == 2

    token = f"eni-{uuid.uuid4()}"
    e1 = ec2_a.create_network_interface(SubnetId=subnet, ClientToken=token)["NetworkInterface"]
    e2 = ec2_a.create_network_interface(SubnetId=subnet, ClientToken=token)["NetworkInterface"]
    assert e1["NetworkInterfaceId"] == e2["NetworkInterfaceId"]
    assert e1["PrivateIpAddress"] == e2["PrivateIpAddress"]
    enis = ec2_a.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])
    assert len(enis["NetworkInterfaces"]) == 1
    with pytest.raises(ClientError) as e:
        ec2_a.create_network_interface(SubnetId=subnet, ClientToken=token, Description="different")
    assert code(e) == "IdempotentParameterMismatch"

    token = f"pl-{uuid.uuid4()}"
    kwargs = dict(PrefixListName="idem", AddressFamily="IPv4", MaxEntries=5,
                  Entries=[{"Cidr": "10.5.0.0/16"}], ClientToken=token)
    p1 = ec2_a.create_managed_prefix_list(**kwargs)["PrefixList"]["PrefixListId"]
    p2 = ec2_a.create_managed_prefix_list(**kwargs)["PrefixList"]["PrefixListId"]
    assert p1 == p2
    mine = [p for p in ec2_a.describe_managed_prefix_lists()["PrefixLists"] if p["PrefixListName"] == "idem"]
    assert len(mine) == 1
    with pytest.raises(ClientError) as e:
        ec2_a.create_managed_prefix_list(**dict(kwargs, MaxEntries=6))
    assert code(e) == "IdempotentParameterMismatch"


def test_egress_only_igw_token(ec2_a, vpc):
    token = f"eigw-{uuid.uuid4()}"
    g1 = ec2_a.create_egress_only_internet_gateway(VpcId=vpc, ClientToken=token)
    g2 = ec2_a.create_egress_only_internet_gateway(VpcId=vpc, ClientToken=token)
    assert g1["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"] == \
        g2["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    assert g1.get("ClientToken", token) == token
    gws = ec2_a.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
    assert len(gws) == 1


def test_dry_run_does_not_consume_token(ec2_a, vpc):
    other = ec2_a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    token = f"dry-{uuid.uuid4()}"
    with pytest.raises(ClientError) as e:
        ec2_a.create_route_table(VpcId=other, ClientToken=token, DryRun=True)
    assert code(e) == "DryRunOperation"
    assert len(route_tables(ec2_a, other)) == 1
    # The token is still free: a real call with *different* parameters is not a mismatch.
    rt = ec2_a.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]["RouteTableId"]
    assert ec2_a.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]["RouteTableId"] == rt
    assert len(route_tables(ec2_a, vpc)) == 2 and len(route_tables(ec2_a, other)) == 1


def test_failed_call_does_not_consume_token(ec2_a, vpc):
    token = f"fail-{uuid.uuid4()}"
    with pytest.raises(ClientError) as e:
        ec2_a.create_route_table(VpcId="vpc-0123456789abcdef0", ClientToken=token)
    assert code(e) == "InvalidVpcID.NotFound"
    rt = ec2_a.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]["RouteTableId"]
    assert rt.startswith("rtb-")


def test_tokens_are_per_account(ec2_a, ec2_b, vpc):
    b_vpc = ec2_b.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    token = f"acct-{uuid.uuid4()}"
    a_rt = ec2_a.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]["RouteTableId"]
    b_rt = ec2_b.create_route_table(VpcId=b_vpc, ClientToken=token)["RouteTable"]["RouteTableId"]
    assert a_rt != b_rt
    assert ec2_b.describe_route_tables(RouteTableIds=[b_rt])["RouteTables"][0]["VpcId"] == b_vpc
