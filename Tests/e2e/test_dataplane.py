"""Issue 4 point 7: VPC networking enforced on real traffic between instances.

One `vpc up` (control plane + 2 host agents) for the module; each test builds its own VPC
through the public API and drives real tools (ping, nc, python sockets, dig, udhcpc via the
instance's boot) inside the instances' namespaces. Runs as root (CI is root).
"""
import glob
import os
import socket
import struct
import subprocess
import time
import uuid

import pytest

from helpers import make_client, vpc_bin
from hosts import (Stack, can_ping, eventually, launch, namespaces, netns_name, refused_at_once, require_root, vx,
                   wait_address)

pytestmark = [pytest.mark.ours, pytest.mark.own_server]


@pytest.fixture(scope="module")
def stack():
    require_root()
    # The agents busy poll (2 ms after traffic) here: enforcement must not depend on how
    # the data-plane thread waits. The other suites run them sleeping in epoll. Their
    # tables are sized by `vpc up`'s options too.
    s = Stack(hosts=2, extra_args=["--busy-poll", "2000", "--max-tracked-connections", "100000",
                                   "--max-flow-log-flows", "20000"])
    try:
        s.start()
        yield s
        launched = s.launched if hasattr(s, "launched") else set()
        s.stop()
        # Nothing leaks after `vpc up` exits: no namespace of any instance it ran.
        left = {netns_name(i) for i in launched} & namespaces()
        assert not left, f"namespaces left after vpc up exited: {left}"
    finally:
        s.cleanup()


@pytest.fixture
def ec2(stack):
    return make_client(stack.endpoint, "A")


class Net:
    """A VPC with two subnets and an SG; records instances for the leak check."""

    def __init__(self, ec2, stack, cidr="10.20.0.0/16"):
        self.ec2, self.stack = ec2, stack
        self.vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        base = cidr.split(".")[:2]
        self.subnet_a = ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"{base[0]}.{base[1]}.1.0/24")["Subnet"]["SubnetId"]
        self.subnet_b = ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"{base[0]}.{base[1]}.2.0/24")["Subnet"]["SubnetId"]
        self.sg = self.group("web")

    def group(self, name):
        return self.ec2.create_security_group(VpcId=self.vpc, GroupName=name, Description=name)["GroupId"]

    def allow(self, group, proto, port=None, cidr=None, source_group=None, egress=False):
        perm = {"IpProtocol": proto}
        if proto in ("tcp", "udp"):
            perm.update(FromPort=port, ToPort=port)
        elif proto == "icmp":
            perm.update(FromPort=-1, ToPort=-1)
        if cidr:
            perm["IpRanges"] = [{"CidrIp": cidr}]
        if source_group:
            perm["UserIdGroupPairs"] = [{"GroupId": source_group}]
        call = self.ec2.authorize_security_group_egress if egress else self.ec2.authorize_security_group_ingress
        return call(GroupId=group, IpPermissions=[perm])["SecurityGroupRules"][0]["SecurityGroupRuleId"]

    def run(self, subnet=None, groups=None, user_data=None, count=1):
        kwargs = {"SubnetId": subnet or self.subnet_a, "SecurityGroupIds": groups or [self.sg]}
        if user_data:
            kwargs["UserData"] = user_data
        out = launch(self.ec2, count=count, **kwargs)
        self.stack.launched = getattr(self.stack, "launched", set()) | {i["InstanceId"] for i in out}
        for i in out:
            wait_address(i)
        return out

    def host_of(self, instance):
        return self.stack.host_of(instance["InstanceId"])


def test_dhcp_dns_mtu_and_jumbo_path(ec2, stack):
    net = Net(ec2, stack, "10.21.0.0/16")
    net.allow(net.sg, "icmp", cidr="10.21.0.0/16")
    a, b = net.run(count=2)
    ia = a["InstanceId"]
    # The lease: address (checked by wait_address), router, MTU 9001, resolver and domain.
    route = vx(ia, "ip", "-4", "route", "show", "default").stdout
    assert "via 10.21.1.1" in route, route
    assert "mtu 9001" in vx(ia, "ip", "link", "show", "dev", "eth0").stdout
    resolv = open(f"/etc/netns/{netns_name(ia)}/resolv.conf").read()
    assert "nameserver 10.21.0.2" in resolv and "ec2.internal" in resolv, resolv
    # DNS: the other instance's private name, forward and reverse.
    name = b["PrivateDnsName"]
    assert name == "ip-" + b["PrivateIpAddress"].replace(".", "-") + ".ec2.internal"
    answer = vx(ia, "dig", "+short", "+time=2", "+tries=2", "@10.21.0.2", name).stdout.split()
    assert answer == [b["PrivateIpAddress"]], answer
    ptr = vx(ia, "dig", "+short", "+time=2", "-x", b["PrivateIpAddress"], "@10.21.0.2").stdout.strip()
    assert ptr == name + ".", ptr
    # A 9001-byte path, unfragmented.
    assert vx(ia, "ping", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", "8973", b["PrivateIpAddress"], check=False).returncode == 0
    assert vx(ia, "ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", "8974", b["PrivateIpAddress"], check=False).returncode != 0
    # Instances were spread over the two hosts.
    assert net.host_of(a) != net.host_of(b)
    # Both agents polled after traffic that came close together (`--busy-poll` reached them): a
    # flood ping sends each request as the last reply lands, so every frame is within the window.
    vx(ia, "ping", "-n", "-q", "-f", "-c", "200", "-W", "1", b["PrivateIpAddress"])
    # And both were sized as asked.
    for host in (1, 2):
        m = stack.metrics(host)
        assert m.get("vpc_agent_busy_polls_empty_total", 0) > 0
        assert m.get("vpc_tracked_flows_capacity") == 100000 and m.get("vpc_flow_log_flows_capacity") == 20000, m


def test_dhcp_options_set_servers_reach_the_instance(ec2, stack, tmp_path):
    net = Net(ec2, stack, "10.29.0.0/16")
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS", "10.9.9.9"]},
        {"Key": "ntp-servers", "Values": ["10.8.8.8"]},
        {"Key": "domain-name", "Values": ["corp.example"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=net.vpc)
    ia = net.run()[0]["InstanceId"]
    resolv = open(f"/etc/netns/{netns_name(ia)}/resolv.conf").read()
    assert "nameserver 10.29.0.2\nnameserver 10.9.9.9\n" in resolv and "search corp.example" in resolv, resolv
    # A lease asked for again carries them as options 6, 42 and 15.
    lease, script = tmp_path / "lease", tmp_path / "udhcpc.sh"
    script.write_text(f'#!/bin/sh\n[ "$1" = bound ] && echo "dns=$dns ntp=$ntpsrv domain=$domain" > {lease}\nexit 0\n')
    script.chmod(0o755)
    vx(ia, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "3", "-T", "2", "-s", str(script),
       "-O", "ntpsrv", "-O", "domain")
    assert lease.read_text().split() == ["dns=10.29.0.2", "10.9.9.9", "ntp=10.8.8.8", "domain=corp.example"]


def test_security_groups_allow_and_deny_across_hosts(ec2, stack):
    net = Net(ec2, stack, "10.22.0.0/16")
    server_ud = "#!/bin/sh\nbusybox httpd -f -p 8080 -h /tmp &\n"  # boto3 base64-encodes UserData
    a, b = net.run(count=2, user_data=server_ud)
    ip_b = b["PrivateIpAddress"]
    assert net.host_of(a) != net.host_of(b)
    # Default: the group admits nothing inbound (only its own members... which covers a and b!),
    # so use a dedicated group for the server side.
    closed = net.group("closed")
    ec2.modify_instance_attribute(InstanceId=b["InstanceId"], Groups=[closed])
    eventually(lambda: not can_ping(a["InstanceId"], ip_b, count=1), timeout=5, what="ping refused")
    assert not tcp_connects(a["InstanceId"], ip_b, 8080)
    net.allow(closed, "icmp", cidr="10.22.0.0/16")
    net.allow(closed, "tcp", 8080, cidr="10.22.1.0/24")
    eventually(lambda: can_ping(a["InstanceId"], ip_b, count=1), timeout=5, what="ping allowed")
    assert tcp_connects(a["InstanceId"], ip_b, 8080)
    # The TCP rule admits only subnet A: an instance in subnet B is refused.
    c = net.run(subnet=net.subnet_b)[0]
    assert can_ping(c["InstanceId"], ip_b)
    assert not tcp_connects(c["InstanceId"], ip_b, 8080)


ECHO_SERVER = """
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen()
def serve(c):
    while True:
        d = c.recv(100)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

ECHO_CLIENT = """
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7000), timeout=3)
print("connected", flush=True)
for line in sys.stdin:
    s.sendall(line.encode())
    try:
        print("echo", s.recv(100).decode().strip(), flush=True)
    except OSError as e:
        print("lost", e, flush=True)
"""


def start_echo_server(instance_id):
    return subprocess.Popen([vpc_bin(), "exec", instance_id, "--", "python3", "-c", ECHO_SERVER],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class EchoClient:
    def __init__(self, instance_id, ip):
        self.p = subprocess.Popen([vpc_bin(), "exec", instance_id, "--", "python3", "-u", "-c", ECHO_CLIENT, ip],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.first = self.p.stdout.readline().strip()

    def echo(self, word):
        self.p.stdin.write(word + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.kill()
        self.p.wait()


def tcp_connects(instance_id, ip, port):
    """Whether a new TCP connection from the instance to ip:port is established within 1.5 s."""
    code = f"import socket; socket.create_connection(('{ip}', {port}), timeout=1.5).close()"
    return vx(instance_id, "python3", "-c", code, check=False).returncode == 0


def new_connection_works(instance_id, ip):
    return tcp_connects(instance_id, ip, 7000)


def test_revoke_keeps_tracked_connection_but_cuts_untracked(ec2, stack):
    net = Net(ec2, stack, "10.23.0.0/16")
    server_group = net.group("echo")
    a = net.run()[0]
    b = net.run(groups=[server_group])[0]
    ip_b = b["PrivateIpAddress"]
    rule = net.allow(server_group, "tcp", 7000, cidr="10.23.0.0/16")
    server = start_echo_server(b["InstanceId"])
    try:
        eventually(lambda: new_connection_works(a["InstanceId"], ip_b), timeout=10, what="echo server up")
        client = EchoClient(a["InstanceId"], ip_b)
        try:
            assert client.first == "connected"
            assert client.echo("one") == "echo one"
            ec2.revoke_security_group_ingress(GroupId=server_group, SecurityGroupRuleIds=[rule])
            time.sleep(0.2)
            assert client.echo("two") == "echo two"  # tracked: continues
            assert not new_connection_works(a["InstanceId"], ip_b)  # new: refused
        finally:
            client.close()
        # Untracked: 0.0.0.0/0 all traffic both ways is not tracked (AWS), so revoking cuts it.
        ec2.authorize_security_group_ingress(GroupId=server_group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        eventually(lambda: new_connection_works(a["InstanceId"], ip_b), timeout=5, what="open again")
        client = EchoClient(a["InstanceId"], ip_b)
        try:
            assert client.echo("three") == "echo three"
            rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [server_group]}])
            ingress = [r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"] if not r["IsEgress"]]
            ec2.revoke_security_group_ingress(GroupId=server_group, SecurityGroupRuleIds=ingress)
            time.sleep(0.2)
            assert client.echo("four") != "echo four"  # untracked: stops
        finally:
            client.close()
        # AWS's example: one port open to 0.0.0.0/0, all traffic out (the group's default
        # egress rule): untracked too, so revoking that one rule cuts the flow.
        rule = ec2.authorize_security_group_ingress(GroupId=server_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 7000, "ToPort": 7000, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        eventually(lambda: new_connection_works(a["InstanceId"], ip_b), timeout=5, what="port 7000 open to all")
        client = EchoClient(a["InstanceId"], ip_b)
        try:
            assert client.echo("five") == "echo five"
            ec2.revoke_security_group_ingress(GroupId=server_group, SecurityGroupRuleIds=[rule])
            time.sleep(0.2)
            assert client.echo("six") != "echo six"  # untracked: stops
        finally:
            client.close()
    finally:
        server.kill()
        server.wait()


def test_network_acl_blocks_at_once_both_ways_and_is_stateless(ec2, stack):
    net = Net(ec2, stack, "10.24.0.0/16")
    net.allow(net.sg, "icmp", cidr="10.24.0.0/16")
    a = net.run(subnet=net.subnet_a)[0]
    b = net.run(subnet=net.subnet_b)[0]
    ia, ip_b = a["InstanceId"], b["PrivateIpAddress"]
    assert can_ping(ia, ip_b)
    acl = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [net.subnet_b]}])["NetworkAcls"][0]
    # Inbound deny on B's subnet.
    ec2.create_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=50, Protocol="1", RuleAction="deny",
                                 Egress=False, CidrBlock="10.24.1.0/24", IcmpTypeCode={"Type": -1, "Code": -1})
    assert refused_at_once(ia, ip_b)
    ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=50, Egress=False)
    assert eventually(lambda: can_ping(ia, ip_b, count=1), timeout=5, what="ping after delete")
    # Outbound deny on B's subnet: the reply is dropped.
    ec2.create_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=50, Protocol="1", RuleAction="deny",
                                 Egress=True, CidrBlock="10.24.1.0/24", IcmpTypeCode={"Type": -1, "Code": -1})
    assert refused_at_once(ia, ip_b)
    ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=50, Egress=True)
    # Stateless: a custom NACL that allows inbound only drops the replies.
    custom = ec2.create_network_acl(VpcId=net.vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=custom, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0")
    assoc = [x for x in acl["Associations"] if x["SubnetId"] == net.subnet_b][0]["NetworkAclAssociationId"]
    new_assoc = ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=custom)["NewAssociationId"]
    assert refused_at_once(ia, ip_b)
    ec2.create_network_acl_entry(NetworkAclId=custom, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=True, CidrBlock="0.0.0.0/0")
    assert eventually(lambda: can_ping(ia, ip_b, count=1), timeout=5, what="ping with outbound rule")
    ec2.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=acl["NetworkAclId"])


def test_referenced_group_admits_exactly_its_members(ec2, stack):
    net = Net(ec2, stack, "10.25.0.0/16")
    web, db, other = net.group("web-tier"), net.group("db-tier"), net.group("other-tier")
    net.allow(db, "icmp", source_group=web)
    target = net.run(groups=[db])[0]
    member = net.run(groups=[web])[0]
    outsider = net.run(groups=[other])[0]
    ip_t = target["PrivateIpAddress"]
    assert can_ping(member["InstanceId"], ip_t)
    assert not can_ping(outsider["InstanceId"], ip_t, count=1)
    # Membership changes are followed.
    ec2.modify_instance_attribute(InstanceId=outsider["InstanceId"], Groups=[other, web])
    assert eventually(lambda: can_ping(outsider["InstanceId"], ip_t, count=1), timeout=5, what="new member admitted")
    ec2.modify_instance_attribute(InstanceId=member["InstanceId"], Groups=[other])
    assert eventually(lambda: not can_ping(member["InstanceId"], ip_t, count=1), timeout=5, what="old member refused")


def drops(stack, reason):
    """Sum of a drop reason over both agents (per ENI and global series)."""
    total = 0.0
    for host in (1, 2):
        for name, value in stack.metrics(host).items():
            if name.startswith(("vpc_eni_drops_total", "vpc_drops_total")) and f'reason="{reason}"' in name:
                total += value
    return total


def geneve(vni, src_eni, dst_eni, inner):
    """A Geneve packet (RFC 8926) carrying our ENI option (class 0xFFF0, type 1, 16 bytes)."""
    option = struct.pack("!HBB", 0xFFF0, 0x01, 4) + struct.pack("!QQ", src_eni, dst_eni)
    header = struct.pack("!BBHI", len(option) // 4, 0, 0x6558, vni << 8)
    return header + option + inner


def test_spoofing_never_reaches_another_instance(ec2, stack):
    net = Net(ec2, stack, "10.26.0.0/16")
    net.allow(net.sg, "-1", cidr="0.0.0.0/0")
    a, b = net.run(count=2)
    ia, ib, ip_b = a["InstanceId"], b["InstanceId"], b["PrivateIpAddress"]
    assert can_ping(ia, ip_b)
    # A capture on the victim sees only what the agent delivers.
    cap = subprocess.Popen(["ip", "netns", "exec", netns_name(ib), "tcpdump", "-i", "eth0", "-n", "-l", "-c", "50",
                            "not arp and not port 67 and not port 68"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(1)
        before = {r: drops(stack, r) for r in ("sourceIPSpoofed", "sourceMACSpoofed", "arpSpoofed",
                                               "forgedEncapsulation", "unknownVNI", "unverifiedSource")}
        # Another source IP.
        vx(ia, "ip", "addr", "add", "10.26.1.200/24", "dev", "eth0")
        vx(ia, "ping", "-n", "-c", "2", "-W", "1", "-I", "10.26.1.200", ip_b, check=False)
        # Gratuitous ARP for another instance's address.
        vx(ia, "ip", "addr", "add", f"{ip_b}/32", "dev", "eth0")
        vx(ia, "busybox", "arping", "-U", "-c", "2", "-I", "eth0", "-s", ip_b, ip_b, check=False)
        # Another MAC.
        vx(ia, "ip", "link", "set", "eth0", "address", "02:00:00:00:66:66")
        vx(ia, "ping", "-n", "-c", "2", "-W", "1", ip_b, check=False)
        # Hand-made Geneve from the underlay side: an unregistered address, and a registered
        # host's address with another VPC's VNI.
        inner = bytes(64)
        for src, vni in (("127.0.0.99", 4242), ("127.0.0.2", 99999)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))
            for host in ("127.0.0.2", "127.0.0.3"):
                s.sendto(geneve(vni, 1, 2, inner), (host, 6081))
            s.close()
        time.sleep(1)
        after = {r: drops(stack, r) for r in before}
        assert after["sourceIPSpoofed"] > before["sourceIPSpoofed"]
        assert after["arpSpoofed"] > before["arpSpoofed"]
        assert after["sourceMACSpoofed"] > before["sourceMACSpoofed"]
        underlay = sum(after[r] - before[r] for r in ("forgedEncapsulation", "unknownVNI", "unverifiedSource"))
        assert underlay >= 4, after
    finally:
        cap.terminate()
        seen = cap.communicate(timeout=5)[0]
    assert "10.26.1.200" not in seen, seen
    assert "02:00:00:00:66:66" not in seen


def test_route_through_an_appliance_needs_its_check_off(ec2, stack):
    """A route to an instance (its ENI) on the other host: traffic for the network behind it
    reaches it, and its answers from that network come back, only while its
    source/destination check is off."""
    net = Net(ec2, stack, "10.30.0.0/16")
    net.allow(net.sg, "icmp", cidr="0.0.0.0/0")
    a, appliance = net.run(count=2)
    assert net.host_of(a) != net.host_of(appliance)
    ia, ir = a["InstanceId"], appliance["InstanceId"]
    vx(ir, "ip", "addr", "add", "192.168.77.1/32", "dev", "lo")  # the network behind it
    table = ec2.create_route_table(VpcId=net.vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=net.subnet_a)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.168.77.0/24", InstanceId=ir)
    route = [r for r in ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
             if r.get("DestinationCidrBlock") == "192.168.77.0/24"][0]
    assert route["NetworkInterfaceId"] == appliance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assert route["InstanceId"] == ir and route["State"] == "active"

    # Checked (the default): the appliance takes only its own addresses.
    before = drops(stack, "destinationCheck")
    assert refused_at_once(ia, "192.168.77.1")
    assert drops(stack, "destinationCheck") > before

    ec2.modify_instance_attribute(InstanceId=ir, SourceDestCheck={"Value": False})
    assert eventually(lambda: can_ping(ia, "192.168.77.1", count=1), timeout=5, what="ping through the appliance")

    ec2.modify_instance_attribute(InstanceId=ir, SourceDestCheck={"Value": True})
    assert eventually(lambda: not can_ping(ia, "192.168.77.1", count=1), timeout=5, what="checked again")
    # The appliance cannot answer from that network either while checked.
    before = drops(stack, "sourceIPSpoofed")
    vx(ir, "ping", "-n", "-c", "2", "-W", "1", "-I", "192.168.77.1", a["PrivateIpAddress"], check=False)
    assert drops(stack, "sourceIPSpoofed") > before


def ipv6_pair(ec2, stack, octet):
    """A dual-stack VPC 10.<octet>.0.0/16 with one /64 subnet and a group that lets all IPv6
    out (nothing in), and two instances in it on different hosts, one IPv6 address each, the
    second's configured. Returns (vpc, its IPv6 block, group, first, second, second's IPv6)."""
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.1.0/24",
                               Ipv6CidrBlock=block.replace("::/56", "::/64"))["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(VpcId=vpc, GroupName="v6", Description="v6")["GroupId"]
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    out = launch(ec2, count=2, SubnetId=subnet, SecurityGroupIds=[sg], Ipv6AddressCount=1)
    stack.launched = getattr(stack, "launched", set()) | {i["InstanceId"] for i in out}
    a, b = out
    assert stack.host_of(a["InstanceId"]) != stack.host_of(b["InstanceId"])
    ip6_b = b["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"]
    eventually(lambda: ip6_b in vx(b["InstanceId"], "ip", "-6", "addr").stdout, timeout=20, what="IPv6 address configured")
    return vpc, block, sg, a, b, ip6_b


def test_ipv6_route_through_an_appliance(ec2, stack):
    """The same across hosts over IPv6: a /64 behind an instance whose check is off."""
    vpc, _, sg, a, appliance, own = ipv6_pair(ec2, stack, 31)
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    ia, ir = a["InstanceId"], appliance["InstanceId"]
    vx(ir, "ip", "-6", "addr", "add", "fd77::1/128", "dev", "lo")
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationIpv6CidrBlock="fd77::/64", InstanceId=ir)

    def ping6(to="fd77::1"):
        return vx(ia, "ping", "-6", "-n", "-c", "1", "-W", "1", to, check=False).returncode == 0
    assert eventually(lambda: ping6(own), timeout=20, what="IPv6 between the two")  # A's IPv6 works
    assert not ping6()  # checked
    ec2.modify_instance_attribute(InstanceId=ir, SourceDestCheck={"Value": False})
    assert eventually(ping6, timeout=5, what="ICMPv6 through the appliance")


def test_user_data_runs_unprivileged_yet_serves_and_pings(ec2, stack):
    """The namespace isolates only the network, so user data runs as the instance's own
    unprivileged user: it cannot read the host's secrets (the trail's signing key), yet it
    can still bind port 80 and ping, as an instance's root could. The script itself never
    shows in a command line, which every user of the host can read."""
    net = Net(ec2, stack, "10.28.0.0/16")
    net.allow(net.sg, "icmp", cidr="10.28.0.0/16")
    net.allow(net.sg, "tcp", 80, cidr="10.28.0.0/16")
    b = net.run()[0]
    secret = f"user-data-secret-{uuid.uuid4().hex}"
    key = os.path.join(stack.data_dir, "trail-signing-key.pem")
    assert os.path.exists(key)
    user_data = (f"#!/bin/sh\necho uid=$(id -u)\n"
                 f"if cat {key} >/dev/null 2>&1; then echo key-readable; else echo key-denied; fi\n"
                 f"if ping -n -c 1 -W 2 {b['PrivateIpAddress']} >/dev/null 2>&1; then echo ping-ok; else echo ping-failed; fi\n"
                 "busybox httpd -p 80 -h /tmp && echo port-80-bound\n"
                 f"marker={secret}\nsleep 30; echo $marker\n")
    a = net.run(user_data=user_data)[0]
    console = eventually(lambda: (lambda out: out if "port-80-bound" in out or "failed" in out else None)(
        ec2.get_console_output(InstanceId=a["InstanceId"]).get("Output", "")), timeout=20, what="the user data's output")
    assert "uid=0" not in console and "uid=" in console, console
    assert "key-denied" in console and "ping-ok" in console and "port-80-bound" in console, console
    assert tcp_connects(b["InstanceId"], a["PrivateIpAddress"], 80)
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):  # the user data's shell is still in its sleep
        try:
            with open(cmdline, "rb") as f:
                assert secret.encode() not in f.read(), f"the user data shows in {cmdline}"
        except (FileNotFoundError, ProcessLookupError):
            pass


def test_ipv6_between_instances_across_hosts(ec2, stack):
    _, block, sg, a, b, ip6_b = ipv6_pair(ec2, stack, 27)

    def ping6(count=2):
        return vx(a["InstanceId"], "ping", "-6", "-n", "-c", str(count), "-i", "0.2", "-W", "1", ip6_b, check=False).returncode == 0
    assert not ping6(1)  # the group admits no ICMPv6 yet
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": block}]}])
    assert eventually(ping6, timeout=5, what="ICMPv6 allowed across hosts")
