"""The same essentials through the AWS CLI (`aws ec2 ...`), which builds its requests
differently from boto3 (shorthand syntax, its own pagination)."""
import pytest

from helpers import CLIError


def test_cli_vpc_subnet_sg_lifecycle(aws_cli):
    vpc = aws_cli("create-vpc", "--cidr-block", "10.20.0.0/16", "--tag-specifications",
                  "ResourceType=vpc,Tags=[{Key=Name,Value=cli-vpc}]")["Vpc"]
    vpc_id = vpc["VpcId"]
    assert vpc_id.startswith("vpc-") and vpc["CidrBlock"] == "10.20.0.0/16"

    found = aws_cli("describe-vpcs", "--filters", "Name=cidr,Values=10.20.0.0/16")["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc_id]
    found = aws_cli("describe-vpcs", "--filters", "Name=tag:Name,Values=cli-vpc")["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc_id]
    all_ids = [v["VpcId"] for v in aws_cli("describe-vpcs")["Vpcs"]]
    assert len(all_ids) == 2 and vpc_id in all_ids  # plus the default VPC
    assert aws_cli("describe-vpcs", "--vpc-ids", vpc_id)["Vpcs"][0]["VpcId"] == vpc_id

    aws_cli("modify-vpc-attribute", "--vpc-id", vpc_id, "--enable-dns-hostnames", "{\"Value\":true}")
    attr = aws_cli("describe-vpc-attribute", "--vpc-id", vpc_id, "--attribute", "enableDnsHostnames")
    assert attr["EnableDnsHostnames"]["Value"] is True

    subnet = aws_cli("create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.20.1.0/24",
                     "--availability-zone", "us-east-1a")["Subnet"]
    subnet_id = subnet["SubnetId"]
    assert subnet["AvailabilityZone"] == "us-east-1a" and subnet["AvailableIpAddressCount"] == 251
    listed = aws_cli("describe-subnets", "--filters", f"Name=vpc-id,Values={vpc_id}")["Subnets"]
    assert [s["SubnetId"] for s in listed] == [subnet_id]
    aws_cli("modify-subnet-attribute", "--subnet-id", subnet_id, "--map-public-ip-on-launch")
    assert aws_cli("describe-subnets", "--subnet-ids", subnet_id)["Subnets"][0]["MapPublicIpOnLaunch"] is True

    sg_id = aws_cli("create-security-group", "--group-name", "cli-web", "--description", "web",
                    "--vpc-id", vpc_id)["GroupId"]
    assert sg_id.startswith("sg-")
    aws_cli("authorize-security-group-ingress", "--group-id", sg_id, "--protocol", "tcp",
            "--port", "22", "--cidr", "0.0.0.0/0")
    aws_cli("authorize-security-group-ingress", "--group-id", sg_id, "--ip-permissions",
            "IpProtocol=tcp,FromPort=8000,ToPort=8100,IpRanges=[{CidrIp=10.0.0.0/8,Description=app}]")
    sg = aws_cli("describe-security-groups", "--group-ids", sg_id)["SecurityGroups"][0]
    assert sg["GroupName"] == "cli-web" and sg["VpcId"] == vpc_id
    perms = {(p["IpProtocol"], p["FromPort"], p["ToPort"]): p["IpRanges"] for p in sg["IpPermissions"]}
    assert perms == {("tcp", 22, 22): [{"CidrIp": "0.0.0.0/0"}],
                     ("tcp", 8000, 8100): [{"CidrIp": "10.0.0.0/8", "Description": "app"}]}
    with pytest.raises(CLIError) as e:
        aws_cli("authorize-security-group-ingress", "--group-id", sg_id, "--protocol", "tcp",
                "--port", "22", "--cidr", "0.0.0.0/0")
    assert "InvalidPermission.Duplicate" in e.value.stderr
    aws_cli("revoke-security-group-ingress", "--group-id", sg_id, "--protocol", "tcp",
            "--port", "22", "--cidr", "0.0.0.0/0")
    sg = aws_cli("describe-security-groups", "--filters", "Name=group-name,Values=cli-web")["SecurityGroups"]
    assert [p["FromPort"] for p in sg[0]["IpPermissions"]] == [8000]

    aws_cli("create-tags", "--resources", vpc_id, subnet_id, "--tags", "Key=env,Value=cli", "Key=owner,Value=qa")
    tags = aws_cli("describe-tags", "--filters", "Name=key,Values=env")["Tags"]
    assert sorted((t["ResourceId"], t["Value"]) for t in tags) == sorted([(vpc_id, "cli"), (subnet_id, "cli")])
    aws_cli("delete-tags", "--resources", subnet_id, "--tags", "Key=env")
    tags = aws_cli("describe-tags", "--filters", f"Name=resource-id,Values={subnet_id}")["Tags"]
    assert [(t["Key"], t["Value"]) for t in tags] == [("owner", "qa")]

    igw_id = aws_cli("create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    aws_cli("attach-internet-gateway", "--internet-gateway-id", igw_id, "--vpc-id", vpc_id)
    rt_id = aws_cli("create-route-table", "--vpc-id", vpc_id)["RouteTable"]["RouteTableId"]
    aws_cli("create-route", "--route-table-id", rt_id, "--destination-cidr-block", "0.0.0.0/0",
            "--gateway-id", igw_id)
    assoc = aws_cli("associate-route-table", "--route-table-id", rt_id, "--subnet-id", subnet_id)
    rt = aws_cli("describe-route-tables", "--route-table-ids", rt_id)["RouteTables"][0]
    assert {r["DestinationCidrBlock"]: r["GatewayId"] for r in rt["Routes"]} == \
        {"10.20.0.0/16": "local", "0.0.0.0/0": igw_id}
    assert rt["Associations"][0]["SubnetId"] == subnet_id

    with pytest.raises(CLIError) as e:
        aws_cli("delete-vpc", "--vpc-id", vpc_id)
    assert "DependencyViolation" in e.value.stderr

    aws_cli("disassociate-route-table", "--association-id", assoc["AssociationId"])
    aws_cli("delete-route-table", "--route-table-id", rt_id)
    aws_cli("detach-internet-gateway", "--internet-gateway-id", igw_id, "--vpc-id", vpc_id)
    aws_cli("delete-internet-gateway", "--internet-gateway-id", igw_id)
    aws_cli("delete-security-group", "--group-id", sg_id)
    aws_cli("delete-subnet", "--subnet-id", subnet_id)
    aws_cli("delete-vpc", "--vpc-id", vpc_id)
    with pytest.raises(CLIError) as e:
        aws_cli("describe-vpcs", "--vpc-ids", vpc_id)
    assert "InvalidVpcID.NotFound" in e.value.stderr
    assert vpc_id not in [v["VpcId"] for v in aws_cli("describe-vpcs")["Vpcs"]]


def test_cli_errors_and_catalog(aws_cli):
    with pytest.raises(CLIError) as e:
        aws_cli("create-vpc", "--cidr-block", "10.0.0.0/8")
    assert "InvalidVpc.Range" in e.value.stderr and e.value.rc != 0
    with pytest.raises(CLIError) as e:
        aws_cli("describe-subnets", "--subnet-ids", "subnet-0123456789abcdef0")
    assert "InvalidSubnetID.NotFound" in e.value.stderr
    azs = aws_cli("describe-availability-zones")["AvailabilityZones"]
    assert len(azs) >= 2 and all(z["RegionName"] == "us-east-1" for z in azs)
    regions = [r["RegionName"] for r in aws_cli("describe-regions")["Regions"]]
    assert "us-east-1" in regions


def test_cli_auto_pagination(aws_cli):
    """The CLI follows NextToken on its own; --page-size forces several requests."""
    vpc_id = aws_cli("create-vpc", "--cidr-block", "10.30.0.0/16")["Vpc"]["VpcId"]
    created = {aws_cli("create-subnet", "--vpc-id", vpc_id, "--cidr-block", f"10.30.{i}.0/24")
               ["Subnet"]["SubnetId"] for i in range(7)}
    listed = aws_cli("describe-subnets", "--filters", f"Name=vpc-id,Values={vpc_id}",
                     "--page-size", "5")["Subnets"]
    assert sorted(s["SubnetId"] for s in listed) == sorted(created)
    first = aws_cli("describe-subnets", "--filters", f"Name=vpc-id,Values={vpc_id}",
                    "--max-items", "3")
    assert len(first["Subnets"]) == 3


def test_cli_account_b_uses_its_own_credentials(aws_cli):
    vpc_id = aws_cli("create-vpc", "--cidr-block", "10.40.0.0/16", account="B")["Vpc"]["VpcId"]
    assert vpc_id in [v["VpcId"] for v in aws_cli("describe-vpcs", account="B")["Vpcs"]]


@pytest.mark.ours  # moto keeps no connection tracking settings
def test_cli_connection_tracking_timeouts(aws_cli):
    """An interface's ConnectionTrackingSpecification, in the CLI's shorthand: AWS's defaults
    for what is left out, a modification changes what it names, out of range is refused."""
    vpc_id = aws_cli("create-vpc", "--cidr-block", "10.50.0.0/16")["Vpc"]["VpcId"]
    subnet_id = aws_cli("create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.50.1.0/24")["Subnet"]["SubnetId"]
    eni = aws_cli("create-network-interface", "--subnet-id", subnet_id, "--connection-tracking-specification",
                  "TcpEstablishedTimeout=120,UdpTimeout=45")["NetworkInterface"]
    assert eni["ConnectionTrackingConfiguration"] == {"TcpEstablishedTimeout": 120, "UdpStreamTimeout": 180,
                                                      "UdpTimeout": 45}
    eni_id = eni["NetworkInterfaceId"]
    aws_cli("modify-network-interface-attribute", "--network-interface-id", eni_id,
            "--connection-tracking-specification", "UdpStreamTimeout=90")
    shown = aws_cli("describe-network-interfaces", "--network-interface-ids", eni_id)["NetworkInterfaces"][0]
    assert shown["ConnectionTrackingConfiguration"] == {"TcpEstablishedTimeout": 120, "UdpStreamTimeout": 90,
                                                        "UdpTimeout": 45}
    with pytest.raises(CLIError) as e:
        aws_cli("modify-network-interface-attribute", "--network-interface-id", eni_id,
                "--connection-tracking-specification", "TcpEstablishedTimeout=59")
    assert "InvalidParameterValue" in e.value.stderr
