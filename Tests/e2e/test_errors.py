"""Error cases: authentication, validation, quotas, DryRun and the wire-level error envelope.

Cross-account isolation is in test_isolation.py.
"""
import datetime
import urllib.parse

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import ACCOUNTS, REGION, http, make_client, parse_error, signed_request

# botocore: "max_attempts" counts retries, "total_max_attempts" counts the first try too.
NO_RETRY = {"total_max_attempts": 1, "mode": "standard"}


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def client_with(endpoint, key, secret):
    return boto3.client("ec2", region_name=REGION, endpoint_url=endpoint, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries=NO_RETRY))


# --------------------------------------------------------------------------- authentication


@pytest.mark.ours  # moto_server does not check signatures
@pytest.mark.parametrize("key,secret", [
    ("AKIDTESTA0000000001", "wrong-secret"),          # known key, bad signature
    ("AKIDUNKNOWN000000099", "secretA"),               # unknown access key
    ("AKIDTESTB0000000002", "secretA"),                # A's secret with B's key
])
def test_bad_credentials_auth_failure(endpoint, key, secret):
    ec2 = client_with(endpoint, key, secret)
    with pytest.raises(ClientError) as e:
        ec2.describe_vpcs()
    assert code(e) == "AuthFailure"
    assert status(e) == 401
    with pytest.raises(ClientError) as e:  # and nothing is created
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
    assert code(e) == "AuthFailure"
    assert len(make_client(endpoint, "A").describe_vpcs()["Vpcs"]) == 1


@pytest.mark.ours  # moto_server does not check signatures
def test_unsigned_and_tampered_requests(endpoint):
    body = {"Action": "DescribeVpcs", "Version": "2016-11-15"}
    r = http("POST", endpoint + "/", data=body)  # no Authorization at all
    assert r.status_code in (400, 401, 403)
    assert parse_error(r)[0] in ("AuthFailure", "MissingAuthenticationToken")

    good = signed_request(endpoint, body)
    assert good.status_code == 200 and b"DescribeVpcsResponse" in good.content
    # Replay the signed headers over a different body: signature no longer matches.
    tampered = http("POST", endpoint + "/", data="Action=DeleteVpc&Version=2016-11-15&VpcId=vpc-1",
                    headers={k: v for k, v in good.request.headers.items() if k.lower() != "content-length"})
    assert tampered.status_code == 401 and parse_error(tampered)[0] == "AuthFailure"


@pytest.mark.ours  # moto_server does not check X-Amz-Date
def test_stale_request_expired(endpoint):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    old = (now - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    r = signed_request(endpoint, {"Action": "DescribeVpcs", "Version": "2016-11-15"}, amz_date=old)
    code_, message, _ = parse_error(r)
    assert code_ == "RequestExpired" and r.status_code in (400, 401)
    future = (now + datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    r = signed_request(endpoint, {"Action": "DescribeVpcs", "Version": "2016-11-15"}, amz_date=future)
    assert parse_error(r)[0] == "RequestExpired"
    recent = (now - datetime.timedelta(minutes=5)).strftime("%Y%m%dT%H%M%SZ")  # inside the window
    r = signed_request(endpoint, {"Action": "DescribeVpcs", "Version": "2016-11-15"}, amz_date=recent)
    assert r.status_code == 200


@pytest.mark.ours  # moto_server routes a host-less presigned GET to its S3 backend
def test_presigned_describe_vpcs(endpoint):
    ec2 = make_client(endpoint, "A")
    # botocore signs a presigned URL for the operation's method (POST for EC2) unless told GET.
    url = ec2.generate_presigned_url("describe_vpcs", Params={}, ExpiresIn=300, HttpMethod="GET")
    q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert q["Action"] == ["DescribeVpcs"] and "X-Amz-Signature" in q
    r = http("GET", url)
    assert r.status_code == 200, r.text
    assert b"<DescribeVpcsResponse" in r.content and b"172.31.0.0/16" in r.content
    bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    r = http("GET", bad)
    assert r.status_code in (401, 403) and parse_error(r)[0] == "AuthFailure"


# --------------------------------------------------------------------------- wire-level errors


@pytest.mark.ours  # moto answers an HTML 500 / ignores unknown parameters / ignores missing ones
@pytest.mark.parametrize("body,expected", [
    ({"Action": "FrobnicateVpc", "Version": "2016-11-15"}, "InvalidAction"),
    ({"Action": "DescribeVpcs", "Version": "2016-11-15", "Bogus": "1"}, "UnknownParameter"),
    ({"Action": "CreateSubnet", "Version": "2016-11-15", "CidrBlock": "10.0.9.0/24"}, "MissingParameter"),
    ({"Action": "DescribeVpcs", "Version": "2016-11-15", "Filter.1.Name": "no-such-filter",
      "Filter.1.Value.1": "x"}, "InvalidParameterValue"),
])
def test_raw_request_error_envelope(endpoint, body, expected):
    r = signed_request(endpoint, body)
    assert r.status_code == 400, r.text
    code_, message, request_id = parse_error(r)
    assert code_ == expected, r.text
    assert message
    assert len(request_id) >= 8
    assert r.headers.get("Content-Type", "").startswith(("text/xml", "application/xml"))


@pytest.mark.ours
def test_request_ids_unique_and_in_success(endpoint):
    a = signed_request(endpoint, {"Action": "DescribeVpcs", "Version": "2016-11-15"})
    b = signed_request(endpoint, {"Action": "DescribeVpcs", "Version": "2016-11-15"})
    assert b"<requestId>" in a.content
    ida = a.text.split("<requestId>")[1].split("<")[0]
    idb = b.text.split("<requestId>")[1].split("<")[0]
    assert ida and ida != idb
    assert 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"' in a.text
    g = signed_request(endpoint, {"Action": "DescribeVpcs", "Version": "2016-11-15"}, method="GET")
    assert g.status_code == 200 and b"<vpcSet>" in g.content


@pytest.mark.ours  # moto returns an HTML 500 for unknown filter names
def test_unknown_filter_name(ec2_a):
    with pytest.raises(ClientError) as e:
        ec2_a.describe_vpcs(Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert code(e) == "InvalidParameterValue"


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("cidr,expected", [
    ("10.0.0.0/8", "InvalidVpc.Range"),
    ("10.0.0.0/15", "InvalidVpc.Range"),
    ("10.0.0.0/29", "InvalidVpc.Range"),
    ("garbage", "InvalidParameterValue"),
    ("10.0.0.300/16", "InvalidParameterValue"),
])
def test_bad_vpc_cidr(ec2_a, cidr, expected):
    with pytest.raises(ClientError) as e:
        ec2_a.create_vpc(CidrBlock=cidr)
    assert code(e) == expected and status(e) == 400
    assert len(ec2_a.describe_vpcs()["Vpcs"]) == 1  # nothing created


def test_bad_subnet_cidrs(ec2_a):
    vpc_id = ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    cases = [("10.1.0.0/24", "InvalidSubnet.Range"),      # outside the VPC
             ("10.0.0.0/15", "InvalidSubnet.Range"),      # bigger than the VPC
             ("10.0.1.0/25", "InvalidSubnet.Conflict"),   # inside an existing subnet
             ("10.0.0.0/23", "InvalidSubnet.Conflict"),   # contains an existing subnet
             ("10.0.0.300/24", "InvalidParameterValue")]
    for cidr, expected in cases:
        with pytest.raises(ClientError) as e:
            ec2_a.create_subnet(VpcId=vpc_id, CidrBlock=cidr)
        assert code(e) == expected, cidr
    subnets = ec2_a.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert [s["CidrBlock"] for s in subnets] == ["10.0.1.0/24"]
    with pytest.raises(ClientError) as e:
        ec2_a.create_subnet(VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.2.0/24")
    assert code(e) == "InvalidVpcID.NotFound"


@pytest.mark.ours  # moto accepts a /29 subnet; AWS subnets are /16 to /28
def test_subnet_too_small(ec2_a):
    vpc_id = ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    with pytest.raises(ClientError) as e:
        ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/29")
    assert code(e) == "InvalidSubnet.Range"


def test_duplicate_security_group_name(ec2_a):
    vpc_id = ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other = ec2_a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2_a.create_security_group(VpcId=vpc_id, GroupName="dup", Description="d")
    with pytest.raises(ClientError) as e:
        ec2_a.create_security_group(VpcId=vpc_id, GroupName="dup", Description="again")
    assert code(e) == "InvalidGroup.Duplicate"
    with pytest.raises(ClientError) as e:
        ec2_a.create_security_group(VpcId=vpc_id, GroupName="default", Description="d")
    assert code(e) == "InvalidGroup.Reserved"  # AWS error-code list: 'default' is reserved
    # Same name in another VPC is fine.
    assert ec2_a.create_security_group(VpcId=other, GroupName="dup", Description="d")["GroupId"]
    groups = ec2_a.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["dup"]}])
    assert sorted(g["VpcId"] for g in groups["SecurityGroups"]) == sorted([vpc_id, other])


def test_not_found_by_id(ec2_a):
    cases = [
        (lambda: ec2_a.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"]), "InvalidVpcID.NotFound"),
        (lambda: ec2_a.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"]), "InvalidSubnetID.NotFound"),
        (lambda: ec2_a.describe_security_groups(GroupIds=["sg-0123456789abcdef0"]), "InvalidGroup.NotFound"),
        (lambda: ec2_a.describe_route_tables(RouteTableIds=["rtb-0123456789abcdef0"]),
         "InvalidRouteTableID.NotFound"),
        (lambda: ec2_a.describe_internet_gateways(InternetGatewayIds=["igw-0123456789abcdef0"]),
         "InvalidInternetGatewayID.NotFound"),
        (lambda: ec2_a.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"]),
         "InvalidNetworkInterfaceID.NotFound"),
        (lambda: ec2_a.describe_addresses(AllocationIds=["eipalloc-0123456789abcdef0"]),
         "InvalidAllocationID.NotFound"),
        (lambda: ec2_a.describe_dhcp_options(DhcpOptionsIds=["dopt-0123456789abcdef0"]),
         "InvalidDhcpOptionID.NotFound"),
        (lambda: ec2_a.delete_vpc(VpcId="vpc-0123456789abcdef0"), "InvalidVpcID.NotFound"),
        (lambda: ec2_a.delete_subnet(SubnetId="subnet-0123456789abcdef0"), "InvalidSubnetID.NotFound"),
    ]
    for call, expected in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == expected and status(e) == 400


@pytest.mark.ours  # moto: NACL miss → InvalidRouteTableID.NotFound; deleted prefix lists stay describable
def test_not_found_by_id_more(ec2_a):
    cases = [
        (lambda: ec2_a.describe_network_acls(NetworkAclIds=["acl-0123456789abcdef0"]),
         "InvalidNetworkAclID.NotFound"),
        (lambda: ec2_a.describe_managed_prefix_lists(PrefixListIds=["pl-0123456789abcdef0"]),
         "InvalidPrefixListID.NotFound"),
        (lambda: ec2_a.describe_security_group_rules(SecurityGroupRuleIds=["sgr-0123456789abcdef0"]),
         "InvalidSecurityGroupRuleId.NotFound"),
    ]
    for call, expected in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == expected


@pytest.mark.ours  # moto has no VPC quota
def test_vpc_quota(ec2_a, ec2_b):
    ids = [ec2_a.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(4)]
    assert len(ec2_a.describe_vpcs()["Vpcs"]) == 5  # with the default VPC
    with pytest.raises(ClientError) as e:
        ec2_a.create_vpc(CidrBlock="10.9.0.0/16")
    assert code(e) == "VpcLimitExceeded"
    assert len(ec2_a.describe_vpcs()["Vpcs"]) == 5
    # The quota is per account and region.
    assert ec2_b.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    west = boto3.client("ec2", region_name="us-west-2", endpoint_url=ec2_a.meta.endpoint_url,
                        aws_access_key_id=ACCOUNTS["A"][0], aws_secret_access_key=ACCOUNTS["A"][1])
    assert west.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2_a.delete_vpc(VpcId=ids[0])
    assert ec2_a.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]


# --------------------------------------------------------------------------- DryRun


@pytest.mark.ours  # moto ignores DryRun on CreateVpc and checks dependencies before DryRun on DeleteVpc
def test_dry_run(ec2_a):
    with pytest.raises(ClientError) as e:
        ec2_a.create_vpc(CidrBlock="10.0.0.0/16", DryRun=True)
    assert code(e) == "DryRunOperation" and status(e) == 412
    assert len(ec2_a.describe_vpcs()["Vpcs"]) == 1

    vpc_id = ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    with pytest.raises(ClientError) as e:
        ec2_a.delete_vpc(VpcId=vpc_id, DryRun=True)
    assert code(e) == "DryRunOperation" and status(e) == 412
    assert ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["VpcId"] == vpc_id

    with pytest.raises(ClientError) as e:
        ec2_a.describe_vpcs(DryRun=True)
    assert code(e) == "DryRunOperation"
    # DryRun of a request that would fail reports the real error, not DryRunOperation.
    with pytest.raises(ClientError) as e:
        ec2_a.create_vpc(CidrBlock="10.0.0.0/8", DryRun=True)
    assert code(e) == "InvalidVpc.Range"
    with pytest.raises(ClientError) as e:
        ec2_a.delete_vpc(VpcId="vpc-0123456789abcdef0", DryRun=True)
    assert code(e) == "InvalidVpcID.NotFound"


def test_dry_run_security_group(ec2_a):
    vpc_id = ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    with pytest.raises(ClientError) as e:
        ec2_a.create_security_group(VpcId=vpc_id, GroupName="dry", Description="d", DryRun=True)
    assert code(e) == "DryRunOperation" and status(e) == 412
    groups = ec2_a.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    assert [g["GroupName"] for g in groups["SecurityGroups"]] == ["default"]
