"""Full VPC scenario with boto3, one area per test, each from the first-start state.

`strict` is True against our server: the few assertions where moto differs from AWS
are guarded by it (each with a comment saying how moto differs).
"""
import ipaddress

import pytest
from botocore.exceptions import ClientError

from helpers import is_external, parse_error, signed_request, tags_of

STRICT = not is_external()


def new_vpc(ec2, cidr="10.0.0.0/16", name="main", ipv6=False):
    kwargs = {"CidrBlock": cidr,
              "TagSpecifications": [{"ResourceType": "vpc",
                                     "Tags": [{"Key": "Name", "Value": name}]}]}
    if ipv6:
        kwargs["AmazonProvidedIpv6CidrBlock"] = True
    return ec2.create_vpc(**kwargs)["Vpc"]


def zones(ec2):
    azs = ec2.describe_availability_zones()["AvailabilityZones"]
    return [(z["ZoneName"], z["ZoneId"]) for z in azs if z["State"] == "available"]


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def assert_usable_ip(ip, subnet_cidr):
    net = ipaddress.ip_network(subnet_cidr)
    addr = ipaddress.ip_address(ip)
    assert addr in net, (ip, subnet_cidr)
    offset = int(addr) - int(net.network_address)
    assert 4 <= offset <= net.num_addresses - 2, f"{ip} is reserved in {subnet_cidr}"


# --------------------------------------------------------------------------- VPCs


def test_vpc_create_describe_attributes_cidrs(ec2_a):
    vpc = new_vpc(ec2_a, name="scenario")
    vpc_id = vpc["VpcId"]
    assert vpc_id.startswith("vpc-")
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["IsDefault"] is False
    assert tags_of(vpc) == {"Name": "scenario"}
    if STRICT:  # moto: ids are 17 hex chars too, but keep the format check for ours
        assert len(vpc_id) == len("vpc-") + 17

    by_id = ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert [v["VpcId"] for v in by_id] == [vpc_id]
    assert by_id[0]["CidrBlockAssociationSet"][0]["CidrBlock"] == "10.0.0.0/16"

    for flt in ({"Name": "cidr", "Values": ["10.0.0.0/16"]},
                {"Name": "tag:Name", "Values": ["scenario"]},
                {"Name": "tag-key", "Values": ["Name"]},
                {"Name": "is-default", "Values": ["false"]}):
        got = [v["VpcId"] for v in ec2_a.describe_vpcs(Filters=[flt])["Vpcs"]]
        assert got == [vpc_id], flt
    defaults = ec2_a.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(defaults) == 1 and defaults[0]["CidrBlock"] == "172.31.0.0/16"
    assert ec2_a.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["nope"]}])["Vpcs"] == []

    # DNS attributes: hostnames off by default for a non-default VPC, support on.
    attr = ec2_a.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert attr["EnableDnsHostnames"]["Value"] is False
    attr = ec2_a.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
    assert attr["EnableDnsSupport"]["Value"] is True
    ec2_a.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    attr = ec2_a.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert attr["VpcId"] == vpc_id and attr["EnableDnsHostnames"]["Value"] is True

    # Secondary IPv4 CIDR and an Amazon-provided IPv6 /56.
    sec = ec2_a.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.1.0.0/16")
    assert sec["CidrBlockAssociation"]["CidrBlock"] == "10.1.0.0/16"
    assert sec["CidrBlockAssociation"]["AssociationId"].startswith("vpc-cidr-assoc-")
    v6 = ec2_a.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    v6_assoc = v6["Ipv6CidrBlockAssociation"]
    assert v6_assoc["AssociationId"].startswith("vpc-cidr-assoc-")
    described = ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    cidrs = {a["CidrBlock"] for a in described["CidrBlockAssociationSet"]}
    assert cidrs == {"10.0.0.0/16", "10.1.0.0/16"}
    v6s = described["Ipv6CidrBlockAssociationSet"]
    assert len(v6s) == 1
    net6 = ipaddress.ip_network(v6s[0]["Ipv6CidrBlock"])
    assert net6.version == 6 and net6.prefixlen == 56
    assert v6s[0]["Ipv6CidrBlockState"]["State"] in ("associating", "associated")


def test_default_vpc_first_start_state(ec2_a):
    vpcs = ec2_a.describe_vpcs()["Vpcs"]
    assert len(vpcs) == 1
    default = vpcs[0]
    assert default["IsDefault"] is True and default["CidrBlock"] == "172.31.0.0/16"
    subnets = ec2_a.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [default["VpcId"]]}])["Subnets"]
    azs = zones(ec2_a)
    assert len(subnets) == len(azs)
    for s in subnets:
        net = ipaddress.ip_network(s["CidrBlock"])
        assert net.prefixlen == 20 and net.subnet_of(ipaddress.ip_network("172.31.0.0/16"))
        assert s["DefaultForAz"] is True and s["MapPublicIpOnLaunch"] is True
    assert sorted(s["CidrBlock"] for s in subnets)[0] == "172.31.0.0/20"
    if not STRICT:  # moto's default VPC has no internet gateway and no 0.0.0.0/0 route
        return
    igws = ec2_a.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [default["VpcId"]]}])["InternetGateways"]
    assert len(igws) == 1
    main = ec2_a.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [default["VpcId"]]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert len(main) == 1
    routes = {r.get("DestinationCidrBlock"): r["GatewayId"] for r in main[0]["Routes"]}
    assert routes["172.31.0.0/16"] == "local"
    assert routes["0.0.0.0/0"] == igws[0]["InternetGatewayId"]


# --------------------------------------------------------------------------- subnets


def test_subnets_azs_ipv6_and_attributes(ec2_a):
    vpc_id = new_vpc(ec2_a, ipv6=True)["VpcId"]
    vpc = ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    vpc6 = ipaddress.ip_network(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    sub6 = str(list(vpc6.subnets(new_prefix=64))[1])
    (az1, _), (az2, az2_id) = zones(ec2_a)[:2]

    s1 = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=az1,
                             TagSpecifications=[{"ResourceType": "subnet",
                                                 "Tags": [{"Key": "Name", "Value": "a"}]}])["Subnet"]
    s2 = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/28", AvailabilityZoneId=az2_id,
                             Ipv6CidrBlock=sub6)["Subnet"]
    assert s1["SubnetId"].startswith("subnet-") and s1["VpcId"] == vpc_id
    assert s1["AvailabilityZone"] == az1 and tags_of(s1) == {"Name": "a"}
    assert s2["AvailabilityZone"] == az2 and s2["AvailabilityZoneId"] == az2_id
    assert s1["AvailableIpAddressCount"] == 256 - 5
    assert s2["AvailableIpAddressCount"] == 16 - 5
    assert s1["MapPublicIpOnLaunch"] is False
    assigned6 = [a["Ipv6CidrBlock"] for a in s2["Ipv6CidrBlockAssociationSet"]]
    assert [ipaddress.ip_network(c) for c in assigned6] == [ipaddress.ip_network(sub6)]

    got = ec2_a.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert {s["SubnetId"] for s in got} == {s1["SubnetId"], s2["SubnetId"]}
    got = ec2_a.describe_subnets(Filters=[{"Name": "availability-zone", "Values": [az2]},
                                          {"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert [s["SubnetId"] for s in got] == [s2["SubnetId"]]
    got = ec2_a.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.0.1.0/24"]}])
    assert [s["SubnetId"] for s in got["Subnets"]] == [s1["SubnetId"]]

    ec2_a.modify_subnet_attribute(SubnetId=s1["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    again = ec2_a.describe_subnets(SubnetIds=[s1["SubnetId"]])["Subnets"][0]
    assert again["MapPublicIpOnLaunch"] is True


def test_pagination_subnets_and_bad_token(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    created = {ec2_a.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
               for i in range(12)}
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"Filters": flt, "MaxResults": 5}
        if token:
            kwargs["NextToken"] = token
        resp = ec2_a.describe_subnets(**kwargs)
        pages += 1
        if STRICT:  # moto ignores MaxResults on DescribeSubnets and returns everything
            assert len(resp["Subnets"]) <= 5
        seen += [s["SubnetId"] for s in resp["Subnets"]]
        token = resp.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(created)  # every subnet exactly once
    if STRICT:
        assert pages == 3
    paged = [s["SubnetId"]
             for page in ec2_a.get_paginator("describe_subnets").paginate(
                 Filters=flt, PaginationConfig={"PageSize": 5})
             for s in page["Subnets"]]
    assert sorted(paged) == sorted(created)


@pytest.mark.ours  # moto ignores NextToken on DescribeVpcs/DescribeSubnets
def test_bad_next_token(ec2_a):
    for call in (lambda: ec2_a.describe_vpcs(MaxResults=5, NextToken="not-a-token"),
                 lambda: ec2_a.describe_subnets(MaxResults=5, NextToken="AAAA")):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "InvalidPaginationToken"


@pytest.mark.ours  # moto ignores MaxResults/NextToken on these describes
def test_pagination_vpcs_and_security_groups(ec2_a):
    created = {new_vpc(ec2_a, cidr=f"10.{i}.0.0/16", name=f"p{i}")["VpcId"] for i in range(4)}
    pages = list(ec2_a.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5}))
    ids = [v["VpcId"] for p in pages for v in p["Vpcs"]]
    assert len(ids) == len(set(ids)) == 5 and created <= set(ids)
    # DescribeVpcs MaxResults is 5-1000 (botocore refuses 4 itself, so send it raw).
    r = signed_request(ec2_a.meta.endpoint_url, {"Action": "DescribeVpcs", "Version": "2016-11-15",
                                                  "MaxResults": "4"})
    assert r.status_code == 400 and parse_error(r)[0] == "InvalidParameterValue"

    vpc_id = sorted(created)[0]
    groups = {ec2_a.create_security_group(VpcId=vpc_id, GroupName=f"g{i}", Description="d")["GroupId"]
              for i in range(11)}
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]  # 11 + the default group = 12
    first = ec2_a.describe_security_groups(Filters=flt, MaxResults=5)
    assert len(first["SecurityGroups"]) == 5 and first["NextToken"]
    pages = list(ec2_a.get_paginator("describe_security_groups").paginate(
        Filters=flt, PaginationConfig={"PageSize": 5}))
    assert [len(p["SecurityGroups"]) for p in pages] == [5, 5, 2]
    ids = [g["GroupId"] for p in pages for g in p["SecurityGroups"]]
    assert len(ids) == len(set(ids)) == 12 and groups <= set(ids)


# --------------------------------------------------------------------------- gateways & routes


def test_igw_route_tables(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    subnet_id = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    igw_id = ec2_a.create_internet_gateway(TagSpecifications=[{
        "ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}]
    )["InternetGateway"]["InternetGatewayId"]
    assert igw_id.startswith("igw-")
    ec2_a.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    igw = ec2_a.describe_internet_gateways(InternetGatewayIds=[igw_id])["InternetGateways"][0]
    assert igw["Attachments"] == [{"State": "available", "VpcId": vpc_id}]
    assert tags_of(igw) == {"Name": "gw"}

    main = ec2_a.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "association.main", "Values": ["true"]}])
    assert len(main["RouteTables"]) == 1
    main_rt = main["RouteTables"][0]
    assert any(a["Main"] for a in main_rt["Associations"])
    assert [(r["DestinationCidrBlock"], r["GatewayId"]) for r in main_rt["Routes"]] == \
        [("10.0.0.0/16", "local")]

    rt_id = ec2_a.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    assert rt_id.startswith("rtb-")
    assert ec2_a.create_route(RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0",
                              GatewayId=igw_id)["Return"] is True
    with pytest.raises(ClientError) as e:
        ec2_a.create_route(RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assert code(e) == "RouteAlreadyExists"
    assoc_id = ec2_a.associate_route_table(RouteTableId=rt_id, SubnetId=subnet_id)["AssociationId"]
    assert assoc_id.startswith("rtbassoc-")

    rt = ec2_a.describe_route_tables(RouteTableIds=[rt_id])["RouteTables"][0]
    routes = {r["DestinationCidrBlock"]: r for r in rt["Routes"]}
    assert routes["10.0.0.0/16"]["GatewayId"] == "local"
    assert routes["0.0.0.0/0"]["GatewayId"] == igw_id and routes["0.0.0.0/0"]["State"] == "active"
    assert [(a["SubnetId"], a["RouteTableAssociationId"], a["Main"]) for a in rt["Associations"]] == \
        [(subnet_id, assoc_id, False)]
    by_subnet = ec2_a.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["RouteTables"]
    assert [r["RouteTableId"] for r in by_subnet] == [rt_id]

    # Replace the default route with a route to a second IGW? Only one IGW per VPC:
    # replace it with a route to the same gateway for a new destination shape instead.
    ec2_a.create_route(RouteTableId=rt_id, DestinationCidrBlock="192.0.2.0/24", GatewayId=igw_id)
    eni_id = ec2_a.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    ec2_a.replace_route(RouteTableId=rt_id, DestinationCidrBlock="192.0.2.0/24",
                        NetworkInterfaceId=eni_id)
    routes = {r["DestinationCidrBlock"]: r for r in
              ec2_a.describe_route_tables(RouteTableIds=[rt_id])["RouteTables"][0]["Routes"]}
    assert routes["192.0.2.0/24"].get("NetworkInterfaceId") == eni_id
    assert routes["192.0.2.0/24"].get("GatewayId") in (None, "")

    ec2_a.delete_route(RouteTableId=rt_id, DestinationCidrBlock="192.0.2.0/24")
    routes = ec2_a.describe_route_tables(RouteTableIds=[rt_id])["RouteTables"][0]["Routes"]
    assert sorted(r["DestinationCidrBlock"] for r in routes) == ["0.0.0.0/0", "10.0.0.0/16"]
    with pytest.raises(ClientError) as e:
        ec2_a.delete_route(RouteTableId=rt_id, DestinationCidrBlock="192.0.2.0/24")
    assert code(e) == "InvalidRoute.NotFound"

    # An attached IGW can't be deleted; detach first.
    with pytest.raises(ClientError) as e:
        ec2_a.delete_internet_gateway(InternetGatewayId=igw_id)
    assert code(e) == "DependencyViolation"
    ec2_a.disassociate_route_table(AssociationId=assoc_id)
    ec2_a.delete_route_table(RouteTableId=rt_id)
    ec2_a.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ec2_a.delete_internet_gateway(InternetGatewayId=igw_id)
    with pytest.raises(ClientError) as e:
        ec2_a.describe_internet_gateways(InternetGatewayIds=[igw_id])
    assert code(e) == "InvalidInternetGatewayID.NotFound"


def test_egress_only_igw_and_dhcp_options(ec2_a):
    vpc_id = new_vpc(ec2_a, ipv6=True)["VpcId"]
    eigw = ec2_a.create_egress_only_internet_gateway(VpcId=vpc_id)["EgressOnlyInternetGateway"]
    eigw_id = eigw["EgressOnlyInternetGatewayId"]
    assert eigw_id.startswith("eigw-")
    assert eigw["Attachments"] == [{"State": "attached", "VpcId": vpc_id}]
    got = ec2_a.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[eigw_id])
    assert [g["EgressOnlyInternetGatewayId"] for g in got["EgressOnlyInternetGateways"]] == [eigw_id]
    assert ec2_a.delete_egress_only_internet_gateway(
        EgressOnlyInternetGatewayId=eigw_id)["ReturnCode"] is True
    remaining = ec2_a.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
    assert eigw_id not in [g["EgressOnlyInternetGatewayId"] for g in remaining]

    dopt = ec2_a.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]},
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]
    dopt_id = dopt["DhcpOptionsId"]
    assert dopt_id.startswith("dopt-")
    conf = {c["Key"]: [v["Value"] for v in c["Values"]] for c in dopt["DhcpConfigurations"]}
    assert conf == {"domain-name": ["corp.example"], "domain-name-servers": ["AmazonProvidedDNS"]}
    ec2_a.associate_dhcp_options(DhcpOptionsId=dopt_id, VpcId=vpc_id)
    assert ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"] == dopt_id
    got = ec2_a.describe_dhcp_options(DhcpOptionsIds=[dopt_id])["DhcpOptions"]
    assert [d["DhcpOptionsId"] for d in got] == [dopt_id]
    with pytest.raises(ClientError) as e:  # still associated
        ec2_a.delete_dhcp_options(DhcpOptionsId=dopt_id)
    assert code(e) == "DependencyViolation"
    ec2_a.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc_id)
    assert ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"] != dopt_id
    ec2_a.delete_dhcp_options(DhcpOptionsId=dopt_id)
    with pytest.raises(ClientError) as e:
        ec2_a.describe_dhcp_options(DhcpOptionsIds=[dopt_id])
    assert code(e) == "InvalidDhcpOptionID.NotFound"


# --------------------------------------------------------------------------- security groups


def test_security_groups_rules(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    default = ec2_a.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    assert len(default) == 1
    default_id = default[0]["GroupId"]
    assert default[0]["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    assert default[0]["IpPermissionsEgress"][0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"
    if STRICT:  # moto creates the default SG without its self-referencing ingress rule
        ingress = default[0]["IpPermissions"]
        assert ingress[0]["IpProtocol"] == "-1"
        assert ingress[0]["UserIdGroupPairs"][0]["GroupId"] == default_id

    web = ec2_a.create_security_group(VpcId=vpc_id, GroupName="web", Description="web tier",
                                      TagSpecifications=[{"ResourceType": "security-group",
                                                          "Tags": [{"Key": "tier", "Value": "web"}]}])
    web_id = web["GroupId"]
    app_id = ec2_a.create_security_group(VpcId=vpc_id, GroupName="app", Description="app")["GroupId"]
    assert web_id.startswith("sg-")
    resp = ec2_a.authorize_security_group_ingress(GroupId=web_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "ssh"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": app_id}]},
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
    ])
    assert resp["Return"] is True
    if STRICT:  # moto returns only the last rule in SecurityGroupRules
        assert len(resp["SecurityGroupRules"]) == 4
        assert all(r["SecurityGroupRuleId"].startswith("sgr-") for r in resp["SecurityGroupRules"])

    sg = ec2_a.describe_security_groups(GroupIds=[web_id])["SecurityGroups"][0]
    assert sg["GroupName"] == "web" and sg["VpcId"] == vpc_id and tags_of(sg) == {"tier": "web"}
    perms = {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")): p for p in sg["IpPermissions"]}
    assert set(perms) == {("tcp", 22, 22), ("tcp", 443, 443), ("-1", None, None), ("icmp", 8, -1)}
    assert perms[("tcp", 22, 22)]["IpRanges"] == [{"CidrIp": "203.0.113.0/24", "Description": "ssh"}]
    assert perms[("tcp", 443, 443)]["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]
    assert [g["GroupId"] for g in perms[("-1", None, None)]["UserIdGroupPairs"]] == [app_id]
    assert sg["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]

    rules = ec2_a.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [web_id]}])["SecurityGroupRules"]
    assert len(rules) == 5  # 4 ingress + default egress
    assert all(r["SecurityGroupRuleId"].startswith("sgr-") and r["GroupId"] == web_id for r in rules)
    assert sum(r["IsEgress"] for r in rules) == 1
    ssh = next(r for r in rules if r.get("FromPort") == 22)
    assert ssh["CidrIpv4"] == "203.0.113.0/24" and ssh["IpProtocol"] == "tcp" and not ssh["IsEgress"]

    with pytest.raises(ClientError) as e:
        ec2_a.authorize_security_group_ingress(GroupId=web_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}])
    assert code(e) == "InvalidPermission.Duplicate"

    ec2_a.revoke_security_group_ingress(GroupId=web_id, IpPermissions=[
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    sg = ec2_a.describe_security_groups(GroupIds=[web_id])["SecurityGroups"][0]
    assert "icmp" not in {p["IpProtocol"] for p in sg["IpPermissions"]}

    assert ec2_a.modify_security_group_rules(GroupId=web_id, SecurityGroupRules=[{
        "SecurityGroupRuleId": ssh["SecurityGroupRuleId"],
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222,
                              "CidrIpv4": "198.51.100.0/24", "Description": "alt ssh"}}])["Return"]
    got = ec2_a.describe_security_group_rules(
        SecurityGroupRuleIds=[ssh["SecurityGroupRuleId"]])["SecurityGroupRules"]
    assert len(got) == 1
    assert (got[0]["FromPort"], got[0]["ToPort"], got[0]["CidrIpv4"], got[0]["Description"]) == \
        (2222, 2222, "198.51.100.0/24", "alt ssh")

    ec2_a.update_security_group_rule_descriptions_ingress(GroupId=web_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "https anywhere"}]}])
    sg = ec2_a.describe_security_groups(GroupIds=[web_id])["SecurityGroups"][0]
    https = next(p for p in sg["IpPermissions"] if p.get("FromPort") == 443)
    assert https["Ipv6Ranges"] == [{"CidrIpv6": "::/0", "Description": "https anywhere"}]

    with pytest.raises(ClientError) as e:
        ec2_a.create_security_group(VpcId=vpc_id, GroupName="web", Description="again")
    assert code(e) == "InvalidGroup.Duplicate"

    by_name = ec2_a.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["app"]}])
    assert [g["GroupId"] for g in by_name["SecurityGroups"]] == [app_id]
    if STRICT:  # moto lets you delete a VPC's default security group
        with pytest.raises(ClientError) as e:
            ec2_a.delete_security_group(GroupId=default_id)
        assert code(e) == "CannotDelete"
        # app is referenced by web's rule
        with pytest.raises(ClientError) as e:
            ec2_a.delete_security_group(GroupId=app_id)
        assert code(e) == "DependencyViolation"
    ec2_a.delete_security_group(GroupId=web_id)
    with pytest.raises(ClientError) as e:
        ec2_a.describe_security_groups(GroupIds=[web_id])
    assert code(e) == "InvalidGroup.NotFound"


@pytest.mark.ours  # moto allows deleting a VPC's default security group (AWS: CannotDelete)
def test_default_security_group_cannot_be_deleted(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    sg = ec2_a.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    with pytest.raises(ClientError) as e:
        ec2_a.delete_security_group(GroupId=sg["GroupId"])
    assert code(e) == "CannotDelete"
    assert ec2_a.describe_security_groups(GroupIds=[sg["GroupId"]])["SecurityGroups"]


# --------------------------------------------------------------------------- network ACLs


def test_network_acls(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    subnet_id = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    default = ec2_a.describe_network_acls(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"]
    assert len(default) == 1 and default[0]["IsDefault"] is True
    entries = {(e["Egress"], e["RuleNumber"]): e for e in default[0]["Entries"]}
    for egress in (False, True):
        assert entries[(egress, 100)]["RuleAction"] == "allow"
        assert entries[(egress, 100)]["Protocol"] == "-1"
        assert entries[(egress, 100)]["CidrBlock"] == "0.0.0.0/0"
        assert entries[(egress, 32767)]["RuleAction"] == "deny"
    assoc = [a for a in default[0]["Associations"] if a["SubnetId"] == subnet_id]
    assert len(assoc) == 1  # a new subnet joins the default NACL

    acl_id = ec2_a.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    assert acl_id.startswith("acl-")
    ec2_a.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="6",
                                   RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0",
                                   PortRange={"From": 22, "To": 22})
    ec2_a.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=110, Protocol="6",
                                   RuleAction="allow", Egress=True, CidrBlock="10.0.0.0/8",
                                   PortRange={"From": 1024, "To": 65535})
    with pytest.raises(ClientError) as e:
        ec2_a.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="6",
                                       RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0",
                                       PortRange={"From": 80, "To": 80})
    assert code(e) == "NetworkAclEntryAlreadyExists"
    ec2_a.replace_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="6",
                                    RuleAction="deny", Egress=False, CidrBlock="192.0.2.0/24",
                                    PortRange={"From": 23, "To": 23})
    acl = ec2_a.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]
    assert acl["IsDefault"] is False and acl["VpcId"] == vpc_id
    entries = {(e["Egress"], e["RuleNumber"]): e for e in acl["Entries"]}
    r100 = entries[(False, 100)]
    assert (r100["RuleAction"], r100["CidrBlock"], r100["PortRange"], r100["Protocol"]) == \
        ("deny", "192.0.2.0/24", {"From": 23, "To": 23}, "6")
    assert entries[(True, 110)]["PortRange"] == {"From": 1024, "To": 65535}
    if STRICT:  # moto's new NACLs have no default deny (*) entries
        assert entries[(False, 32767)]["RuleAction"] == "deny"
        assert entries[(True, 32767)]["RuleAction"] == "deny"

    new_assoc = ec2_a.replace_network_acl_association(
        AssociationId=assoc[0]["NetworkAclAssociationId"], NetworkAclId=acl_id)["NewAssociationId"]
    assert new_assoc.startswith("aclassoc-")
    now = ec2_a.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in now] == [acl_id]
    assert [(a["SubnetId"], a["NetworkAclAssociationId"]) for a in now[0]["Associations"]] == \
        [(subnet_id, new_assoc)]

    ec2_a.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=110, Egress=True)
    acl = ec2_a.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]
    assert (True, 110) not in {(e["Egress"], e["RuleNumber"]) for e in acl["Entries"]}


# --------------------------------------------------------------------------- ENIs & EIPs


def test_network_interfaces_and_addresses(ec2_a):
    vpc_id = new_vpc(ec2_a, ipv6=True)["VpcId"]
    vpc = ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    vpc6 = ipaddress.ip_network(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    sub6 = list(vpc6.subnets(new_prefix=64))[0]
    cidr = "10.0.1.0/28"  # small, so reserved addresses are likely to be hit if mishandled
    subnet_id = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock=cidr,
                                    Ipv6CidrBlock=str(sub6))["Subnet"]["SubnetId"]
    sg_id = ec2_a.create_security_group(VpcId=vpc_id, GroupName="eni", Description="d")["GroupId"]

    eni = ec2_a.create_network_interface(SubnetId=subnet_id, Description="primary")["NetworkInterface"]
    eni_id = eni["NetworkInterfaceId"]
    assert eni_id.startswith("eni-") and eni["SubnetId"] == subnet_id and eni["VpcId"] == vpc_id
    assert eni["Description"] == "primary" and eni["SourceDestCheck"] is True
    primary = eni["PrivateIpAddress"]
    if STRICT:  # moto may hand out reserved addresses (.0-.3, broadcast)
        assert_usable_ip(primary, cidr)
    else:
        assert ipaddress.ip_address(primary) in ipaddress.ip_network(cidr)
    fixed_ip = "10.0.1.10" if primary != "10.0.1.10" else "10.0.1.11"
    fixed = ec2_a.create_network_interface(SubnetId=subnet_id, PrivateIpAddress=fixed_ip)
    assert fixed["NetworkInterface"]["PrivateIpAddress"] == fixed_ip

    before = ec2_a.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]
    assigned = ec2_a.assign_private_ip_addresses(NetworkInterfaceId=eni_id,
                                                 SecondaryPrivateIpAddressCount=2)
    assert assigned["NetworkInterfaceId"] == eni_id
    desc = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    ips = desc["PrivateIpAddresses"]
    assert [i["PrivateIpAddress"] for i in ips if i["Primary"]] == [primary]
    secondary = [i["PrivateIpAddress"] for i in ips if not i["Primary"]]
    assert len(secondary) == 2
    if STRICT:  # moto may hand out the same address twice
        assert len({primary, fixed_ip, *secondary}) == 4
    for ip in secondary:
        if STRICT:
            assert_usable_ip(ip, cidr)
    if STRICT:  # moto does not track AvailableIpAddressCount per address
        after = ec2_a.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]
        assert after == before - 2
        assert before == 16 - 5 - 2  # two ENIs already hold one address each

    ec2_a.unassign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=[secondary[0]])
    ips = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    remaining = sorted(i["PrivateIpAddress"] for i in ips["PrivateIpAddresses"])
    if STRICT:
        assert remaining == sorted([primary, secondary[1]])
    else:
        assert primary in remaining and len(remaining) in (1, 2)

    v6 = ec2_a.assign_ipv6_addresses(NetworkInterfaceId=eni_id, Ipv6AddressCount=1)
    assert len(v6["AssignedIpv6Addresses"]) == 1
    assert ipaddress.ip_address(v6["AssignedIpv6Addresses"][0]) in sub6

    ec2_a.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[sg_id])
    ec2_a.modify_network_interface_attribute(NetworkInterfaceId=eni_id,
                                             SourceDestCheck={"Value": False})
    desc = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in desc["Groups"]] == [sg_id]
    assert desc["SourceDestCheck"] is False
    assert [a["Ipv6Address"] for a in desc["Ipv6Addresses"]] == v6["AssignedIpv6Addresses"]

    for flt, expected in (({"Name": "subnet-id", "Values": [subnet_id]}, {eni_id, fixed["NetworkInterface"]["NetworkInterfaceId"]}),
                          ({"Name": "vpc-id", "Values": [vpc_id]}, {eni_id, fixed["NetworkInterface"]["NetworkInterfaceId"]}),
                          ({"Name": "private-ip-address", "Values": [primary]}, {eni_id})):
        got = ec2_a.describe_network_interfaces(Filters=[flt])["NetworkInterfaces"]
        assert {n["NetworkInterfaceId"] for n in got} == expected, flt

    # Elastic IP: allocate, associate to the ENI, disassociate, release. An EIP
    # needs an internet gateway on the VPC (else Gateway.NotAttached, as in AWS).
    alloc = ec2_a.allocate_address(Domain="vpc")
    with pytest.raises(ClientError) as e:
        ec2_a.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eni_id)
    assert e.value.response["Error"]["Code"] == "Gateway.NotAttached"
    igw_id = ec2_a.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2_a.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    alloc_id = alloc["AllocationId"]
    assert alloc_id.startswith("eipalloc-") and alloc["Domain"] == "vpc"
    ipaddress.ip_address(alloc["PublicIp"])
    assoc_id = ec2_a.associate_address(AllocationId=alloc_id, NetworkInterfaceId=eni_id)["AssociationId"]
    assert assoc_id.startswith("eipassoc-")
    addr = ec2_a.describe_addresses(AllocationIds=[alloc_id])["Addresses"][0]
    assert (addr["PublicIp"], addr["NetworkInterfaceId"], addr["AssociationId"], addr["PrivateIpAddress"]) == \
        (alloc["PublicIp"], eni_id, assoc_id, primary)
    eni_assoc = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    if STRICT:  # moto leaves the ENI's Association empty
        assert eni_assoc["Association"]["PublicIp"] == alloc["PublicIp"]
    ec2_a.disassociate_address(AssociationId=assoc_id)
    addr = ec2_a.describe_addresses(AllocationIds=[alloc_id])["Addresses"][0]
    assert "AssociationId" not in addr and not addr.get("NetworkInterfaceId")
    ec2_a.release_address(AllocationId=alloc_id)
    with pytest.raises(ClientError) as e:
        ec2_a.describe_addresses(AllocationIds=[alloc_id])
    assert code(e) == "InvalidAllocationID.NotFound"

    ec2_a.delete_network_interface(NetworkInterfaceId=eni_id)
    with pytest.raises(ClientError) as e:
        ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
    assert code(e) == "InvalidNetworkInterfaceID.NotFound"


@pytest.mark.ours  # moto accepts reserved addresses (.0-.3, broadcast) for an ENI
@pytest.mark.parametrize("ip", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255",
                                "10.0.2.4"])
def test_eni_reserved_or_outside_address_rejected(ec2_a, ip):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    subnet_id = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    with pytest.raises(ClientError) as e:
        ec2_a.create_network_interface(SubnetId=subnet_id, PrivateIpAddress=ip)
    assert code(e) == "InvalidParameterValue"
    assert ec2_a.describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])["NetworkInterfaces"] == []


@pytest.mark.ours  # moto assigns addresses at random and may use the reserved ones
def test_eni_fills_small_subnet_without_reserved_addresses(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    subnet_id = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/28")["Subnet"]["SubnetId"]
    eni_id = ec2_a.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    ec2_a.assign_private_ip_addresses(NetworkInterfaceId=eni_id, SecondaryPrivateIpAddressCount=10)
    ips = [i["PrivateIpAddress"] for i in ec2_a.describe_network_interfaces(
        NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]["PrivateIpAddresses"]]
    assert sorted(ips, key=ipaddress.ip_address) == [f"10.0.1.{i}" for i in range(4, 15)]
    assert ec2_a.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"] == 0
    with pytest.raises(ClientError) as e:
        ec2_a.assign_private_ip_addresses(NetworkInterfaceId=eni_id, SecondaryPrivateIpAddressCount=1)
    assert code(e) in ("InsufficientFreeAddressesInSubnet", "PrivateIpAddressLimitExceeded")


# --------------------------------------------------------------------------- prefix lists & tags


def test_managed_prefix_list(ec2_a):
    pl = ec2_a.create_managed_prefix_list(
        PrefixListName="corp", AddressFamily="IPv4", MaxEntries=10,
        Entries=[{"Cidr": "10.1.0.0/16", "Description": "office"}, {"Cidr": "10.2.0.0/16"}])["PrefixList"]
    pl_id = pl["PrefixListId"]
    assert pl_id.startswith("pl-") and pl["PrefixListName"] == "corp" and pl["MaxEntries"] == 10
    assert pl["Version"] == 1 and pl["AddressFamily"] == "IPv4"
    entries = ec2_a.get_managed_prefix_list_entries(PrefixListId=pl_id)["Entries"]
    assert sorted(e["Cidr"] for e in entries) == ["10.1.0.0/16", "10.2.0.0/16"]
    assert {e["Cidr"]: e.get("Description") for e in entries}["10.1.0.0/16"] == "office"

    mod = ec2_a.modify_managed_prefix_list(PrefixListId=pl_id, CurrentVersion=1,
                                           AddEntries=[{"Cidr": "10.3.0.0/16", "Description": "lab"}],
                                           RemoveEntries=[{"Cidr": "10.1.0.0/16"}])["PrefixList"]
    assert mod["PrefixListId"] == pl_id
    desc = ec2_a.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"]
    assert len(desc) == 1 and desc[0]["Version"] == 2
    entries = ec2_a.get_managed_prefix_list_entries(PrefixListId=pl_id)["Entries"]
    assert sorted(e["Cidr"] for e in entries) == ["10.2.0.0/16", "10.3.0.0/16"]
    if STRICT:  # moto does not keep old versions
        old = ec2_a.get_managed_prefix_list_entries(PrefixListId=pl_id, TargetVersion=1)["Entries"]
        assert sorted(e["Cidr"] for e in old) == ["10.1.0.0/16", "10.2.0.0/16"]
        with pytest.raises(ClientError) as e:  # stale CurrentVersion
            ec2_a.modify_managed_prefix_list(PrefixListId=pl_id, CurrentVersion=1,
                                             AddEntries=[{"Cidr": "10.4.0.0/16"}])
        assert code(e) in ("PrefixListVersionMismatch", "IncorrectState", "InvalidParameterValue")

    ec2_a.delete_managed_prefix_list(PrefixListId=pl_id)
    # Gone, or (AWS may keep it visible for a while, moto does) in state delete-complete.
    try:
        left = ec2_a.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"]
        assert all(p["State"] == "delete-complete" for p in left)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidPrefixListID.NotFound"


def test_tags(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    subnet_id = ec2_a.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg_id = ec2_a.create_security_group(VpcId=vpc_id, GroupName="t", Description="d")["GroupId"]
    ec2_a.create_tags(Resources=[vpc_id, subnet_id, sg_id],
                      Tags=[{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "net"}])

    def tags(**filters):
        flt = [{"Name": k.replace("_", "-"), "Values": v} for k, v in filters.items()]
        return sorted((t["ResourceId"], t["ResourceType"], t["Key"], t["Value"])
                      for t in ec2_a.describe_tags(Filters=flt)["Tags"])

    assert tags(resource_id=[vpc_id]) == [(vpc_id, "vpc", "Name", "main"), (vpc_id, "vpc", "env", "test"),
                                          (vpc_id, "vpc", "team", "net")]
    assert tags(key=["env"], resource_type=["subnet"]) == [(subnet_id, "subnet", "env", "test")]
    assert tags(resource_type=["security-group"], key=["team"]) == \
        [(sg_id, "security-group", "team", "net")]
    assert ec2_a.describe_vpcs(Filters=[{"Name": "tag:env", "Values": ["test"]}])["Vpcs"][0]["VpcId"] == vpc_id

    ec2_a.create_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "prod"}])  # overwrite
    assert tags(resource_id=[vpc_id], key=["env"]) == [(vpc_id, "vpc", "env", "prod")]
    ec2_a.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "wrong-value"}])
    assert tags(resource_id=[vpc_id], key=["env"]) == [(vpc_id, "vpc", "env", "prod")]
    ec2_a.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env"}])
    assert tags(resource_id=[vpc_id]) == [(vpc_id, "vpc", "Name", "main"), (vpc_id, "vpc", "team", "net")]
    assert tags_of(ec2_a.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]) == {"Name": "main", "team": "net"}


# --------------------------------------------------------------------------- catalog


def test_zones_regions_account_attributes(ec2_a):
    azs = ec2_a.describe_availability_zones()["AvailabilityZones"]
    assert len(azs) >= 2
    for z in azs:
        assert z["RegionName"] == "us-east-1" and z["State"] == "available"
        assert z["ZoneName"].startswith("us-east-1") and z["ZoneId"].startswith("use1-az")
        assert z["ZoneType"] == "availability-zone"
    assert len({z["ZoneId"] for z in azs}) == len(azs)
    one = ec2_a.describe_availability_zones(ZoneNames=["us-east-1a"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in one] == ["us-east-1a"]

    regions = {r["RegionName"]: r for r in ec2_a.describe_regions()["Regions"]}
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(regions)
    assert regions["us-east-1"]["Endpoint"].startswith("ec2.us-east-1")
    only = ec2_a.describe_regions(RegionNames=["eu-west-1"])["Regions"]
    assert [r["RegionName"] for r in only] == ["eu-west-1"]

    attrs = {a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
             for a in ec2_a.describe_account_attributes()["AccountAttributes"]}
    assert "VPC" in attrs["supported-platforms"]
    assert int(attrs["max-instances"][0]) > 0
    assert int(attrs["vpc-max-security-groups-per-interface"][0]) == 5
    assert "max-elastic-ips" in attrs and "vpc-max-elastic-ips" in attrs
    if STRICT:  # moto says default-vpc "none" although it has one; AWS: VPC-only accounts
        default_vpc = ec2_a.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
        assert attrs["default-vpc"] == [default_vpc["VpcId"]]
        assert attrs["supported-platforms"] == ["VPC"]
    if STRICT:  # moto ignores AttributeNames
        one = ec2_a.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
        assert [a["AttributeName"] for a in one] == ["default-vpc"]


# --------------------------------------------------------------------------- teardown order


def test_delete_in_dependency_order(ec2_a):
    vpc_id = new_vpc(ec2_a)["VpcId"]
    subnets = [ec2_a.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
               for i in (1, 2)]
    igw_id = ec2_a.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2_a.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    sg_id = ec2_a.create_security_group(VpcId=vpc_id, GroupName="x", Description="d")["GroupId"]
    rt_id = ec2_a.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    acl_id = ec2_a.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]

    with pytest.raises(ClientError) as e:
        ec2_a.delete_vpc(VpcId=vpc_id)
    assert code(e) == "DependencyViolation"
    with pytest.raises(ClientError) as e:
        ec2_a.delete_internet_gateway(InternetGatewayId=igw_id)
    assert code(e) == "DependencyViolation"
    ec2_a.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ec2_a.delete_internet_gateway(InternetGatewayId=igw_id)
    for s in subnets:
        ec2_a.delete_subnet(SubnetId=s)
    with pytest.raises(ClientError) as e:
        ec2_a.describe_subnets(SubnetIds=[subnets[0]])
    assert code(e) == "InvalidSubnetID.NotFound"
    ec2_a.delete_security_group(GroupId=sg_id)
    ec2_a.delete_route_table(RouteTableId=rt_id)
    ec2_a.delete_network_acl(NetworkAclId=acl_id)
    ec2_a.delete_vpc(VpcId=vpc_id)  # main RT, default SG and default NACL go with it

    with pytest.raises(ClientError) as e:
        ec2_a.describe_vpcs(VpcIds=[vpc_id])
    assert code(e) == "InvalidVpcID.NotFound"
    assert vpc_id not in [v["VpcId"] for v in ec2_a.describe_vpcs()["Vpcs"]]
    gone = [(lambda: ec2_a.describe_route_tables(RouteTableIds=[rt_id]), "InvalidRouteTableID.NotFound"),
            (lambda: ec2_a.describe_security_groups(GroupIds=[sg_id]), "InvalidGroup.NotFound")]
    if STRICT:  # moto answers InvalidRouteTableID.NotFound for a missing NACL
        gone.append((lambda: ec2_a.describe_network_acls(NetworkAclIds=[acl_id]),
                     "InvalidNetworkAclID.NotFound"))
    for call, err in gone:
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == err
    leftovers = ec2_a.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    assert leftovers["SecurityGroups"] == []
    with pytest.raises(ClientError) as e:
        ec2_a.delete_vpc(VpcId=vpc_id)
    assert code(e) == "InvalidVpcID.NotFound"
