"""Issue 5 point 6: flow records from real traffic. The agents aggregate what the data
plane saw per flow and interval (2 s here, `--flow-log-interval-override 2`), deliver the
windows to the control plane, and the records read back with the CloudWatch Logs API are
exactly the packets sent: addresses, ports, protocol, packet and IP byte counts, action
(ACCEPT, REJECT by the security group, REJECT by the network ACL).

One `vpc up` with two hosts; runs as root (CI is root)."""
import json
import os
import tempfile
import time
import uuid

import pytest

from helpers import ACCOUNTS, OurServer, make_client
from hosts import Stack, eventually, launch, launch_when_hosts_ready, namespaces, netns_name, require_root, tear_down, vx, wait_address
from test_restart import AgentProcess

pytestmark = [pytest.mark.ours, pytest.mark.own_server]

ROLE = "arn:aws:iam::111111111111:role/flow-logs"
ACCOUNT = ACCOUNTS["A"][2]


@pytest.fixture(scope="module")
def stack():
    require_root()
    s = Stack(hosts=2, extra_args=["--flow-log-interval-override", "2"])
    try:
        s.start()
        yield s
        launched = getattr(s, "launched", set())
        s.stop()
        left = {netns_name(i) for i in launched} & namespaces()
        assert not left, f"namespaces left after vpc up exited: {left}"
    finally:
        s.cleanup()


def two_instances(ec2, stack, cidr):
    """A client in subnet 1 and a server in subnet 2 on different hosts. The server's group
    admits ICMP and UDP 6666 from the VPC; its subnet's network ACL denies UDP 6666 inbound."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet_a = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace(".0.0/16", ".1.0/24"))["Subnet"]["SubnetId"]
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace(".0.0/16", ".2.0/24"))["Subnet"]["SubnetId"]
    client_sg = ec2.create_security_group(VpcId=vpc, GroupName="client", Description="client")["GroupId"]
    server_sg = ec2.create_security_group(VpcId=vpc, GroupName="server", Description="server")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=server_sg, IpPermissions=[
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": cidr}]},
        {"IpProtocol": "udp", "FromPort": 6666, "ToPort": 6666, "IpRanges": [{"CidrIp": cidr}]}])
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, egress, proto, action, ports in ((50, False, "17", "deny", {"From": 6666, "To": 6666}),
                                                 (100, False, "-1", "allow", None), (100, True, "-1", "allow", None)):
        entry = {"NetworkAclId": acl, "RuleNumber": number, "Egress": egress, "Protocol": proto,
                 "RuleAction": action, "CidrBlock": "0.0.0.0/0"}
        if ports:
            entry["PortRange"] = ports
        ec2.create_network_acl_entry(**entry)
    default = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_b]}])["NetworkAcls"][0]
    association = next(x["NetworkAclAssociationId"] for x in default["Associations"] if x["SubnetId"] == subnet_b)
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    # One at a time: each goes to the host with the fewest instances.
    a = launch(ec2, SubnetId=subnet_a, SecurityGroupIds=[client_sg])[0]
    b = launch(ec2, SubnetId=subnet_b, SecurityGroupIds=[server_sg])[0]
    stack.launched = getattr(stack, "launched", set()) | {a["InstanceId"], b["InstanceId"]}
    for i in (a, b):
        wait_address(i)
    assert stack.host_of(a["InstanceId"]) != stack.host_of(b["InstanceId"])
    return a, b


def records(logs, group, stream):
    """The stream's lines (default format v2) as tuples; NODATA lines as well."""
    out = []
    kwargs = {"logGroupName": group, "logStreamNames": [stream]}
    while True:
        try:
            page = logs.filter_log_events(**kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return out
        out += [e["message"].split() for e in page["events"]]
        if not page.get("nextToken"):
            return out
        kwargs["nextToken"] = page["nextToken"]


def flows(lines):
    """Records with traffic, summed per (src, dst, srcport, dstport, protocol, action) over
    the windows they fell in: {key: (packets, bytes)}."""
    out = {}
    for f in lines:
        assert f[0] == "2" and f[1] == ACCOUNT, f
        if f[13] != "OK":
            assert f[3:10] == ["-"] * 7 and f[12] == "-" and f[13] in ("NODATA", "SKIPDATA"), f
            continue
        key = (f[3], f[4], int(f[5]), int(f[6]), int(f[7]), f[12])
        packets, size = out.get(key, (0, 0))
        out[key] = (packets + int(f[8]), size + int(f[9]))
        assert int(f[10]) <= int(f[11]), f
    return out


def test_allowed_and_rejected_traffic_gives_exact_records(stack):
    ec2 = make_client(stack.endpoint, "A")
    logs = make_client(stack.endpoint, "A", service="logs")
    a, b = two_instances(ec2, stack, "10.41.0.0/16")
    ip_a, ip_b = a["PrivateIpAddress"], b["PrivateIpAddress"]
    eni = b["NetworkInterfaces"][0]["NetworkInterfaceId"]
    group = "flows-" + uuid.uuid4().hex[:8]
    ec2.create_flow_logs(ResourceType="NetworkInterface", ResourceIds=[eni], TrafficType="ALL",
                         LogGroupName=group, DeliverLogsPermissionArn=ROLE)
    # A second flow log of the ENI, in a v5 format.
    ec2.create_flow_logs(ResourceType="NetworkInterface", ResourceIds=[eni], TrafficType="ALL",
                         LogGroupName=group + "-v5", DeliverLogsPermissionArn=ROLE,
                         LogFormat="${flow-direction} ${traffic-path} ${dstaddr} ${protocol} ${action}")
    stream = f"{eni}-all"
    # The agent aggregates for the ENI: its first windows (nothing sent yet) say NODATA.
    first = eventually(lambda: records(logs, group, stream), timeout=20, what="first NODATA window")
    assert all(f[13] == "NODATA" and f[2] == eni for f in first), first

    # Three echoes allowed by the server's group; one SYN to a port it does not admit
    # (timeout below the 1 s retransmission: exactly one SYN).
    ping = vx(a["InstanceId"], "ping", "-n", "-c", "3", "-i", "0.2", "-s", "56", "-W", "2", ip_b)
    assert " 0% packet loss" in ping.stdout, ping.stdout
    syn = f"import socket\ntry: socket.create_connection(('{ip_b}', 5555), timeout=0.5)\nexcept OSError: pass\n"
    vx(a["InstanceId"], "python3", "-c", syn)
    # One datagram the server's group admits but its subnet's network ACL denies.
    udp = f"import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'0123456789', ('{ip_b}', 6666))\n"
    vx(a["InstanceId"], "python3", "-c", udp)

    # Echo requests in, replies out: 84 IP bytes each (20 + 8 + 56).
    echoes = {(ip_a, ip_b, 0, 0, 1, "ACCEPT"): (3, 252), (ip_b, ip_a, 0, 0, 1, "ACCEPT"): (3, 252)}

    def delivered():
        got = flows(records(logs, group, stream))
        return got if len(got) == 4 and all(got.get(k) == v for k, v in echoes.items()) else None

    got = eventually(delivered, timeout=20, interval=0.5, what="the records of the traffic")
    rejected = sorted(k for k in got if k[5] == "REJECT")
    assert len(rejected) == 2, got
    syn_key, udp_key = sorted(rejected, key=lambda k: k[4])
    assert (syn_key[0], syn_key[1], syn_key[3], syn_key[4]) == (ip_a, ip_b, 5555, 6) and syn_key[2] > 1023
    # The refused SYN: 60 IP bytes (20 + 20 + MSS, SACK, timestamp and window-scale options).
    assert got[syn_key] == (1, 60), got
    # The datagram the network ACL dropped: 38 IP bytes (20 + 8 + 10).
    assert (udp_key[0], udp_key[1], udp_key[3], udp_key[4]) == (ip_a, ip_b, 6666, 17) and udp_key[2] > 1023
    assert got[udp_key] == (1, 38), got
    # Egress (the echo replies, to an instance of the VPC) went "through another resource in
    # the same VPC": traffic-path 1; ingress has none.
    def echoes_v5():
        lines = [f for f in records(logs, group + "-v5", stream) if f[3:] == ["1", "ACCEPT"]]
        return lines if {f[0] for f in lines} == {"ingress", "egress"} else None

    v5 = eventually(echoes_v5, timeout=20, interval=0.5, what="the v5 records of the echoes")
    assert all(f[1:3] == (["1", ip_a] if f[0] == "egress" else ["-", ip_b]) for f in v5), v5
    # Later windows add nothing (NODATA): delivered once.
    time.sleep(5)
    assert flows(records(logs, group, stream)) == got
    lines = records(logs, group, stream)
    assert lines[-1][13] == "NODATA", lines[-1]
    m = stack.metrics(stack.host_of(b["InstanceId"]))
    assert m["vpc_agent_flow_record_batches_delivered_total"] >= 3, m
    assert m["vpc_agent_flow_record_batches_refused_total"] == m["vpc_agent_flow_record_windows_lost_total"] == 0


def test_window_spooled_when_the_agent_dies_arrives_once(tmp_path):
    """`vpc serve` and two `vpc agent`s as separate processes. With the control plane down,
    the server's agent spools the window of three echoes; SIGKILLed and restarted, it
    resends the spooled batches once the control plane is back: the records arrive once.
    Stopped with SIGTERM, it spools the open interval first."""
    require_root()
    data_dir = tempfile.mkdtemp(prefix="vpc-e2e-flowrestart-")
    server = OurServer(data_dir=data_dir, extra_args=["--no-throttle", "--flow-log-interval-override", "2"])
    token = os.path.join(data_dir, "agent-token")
    agents, launched = [], []
    try:
        server.start()
        # Underlay addresses of their own (the vpc up suites use 127.0.0.2-3, test_restart .12-13).
        for n, underlay in ((1, "127.0.0.22"), (2, "127.0.0.23")):
            a = AgentProcess(server.endpoint, f"fhost-{n}", underlay, token, str(tmp_path / f"host-{n}"), str(tmp_path))
            a.start()
            agents.append(a)
        ec2 = make_client(server.endpoint, "A")
        vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(VpcId=vpc, GroupName="ping", Description="ping")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.42.0.0/16"}]}])

        a, b = launch_when_hosts_ready(ec2, count=2, SubnetId=subnet, SecurityGroupIds=[sg])
        launched += [a["InstanceId"], b["InstanceId"]]
        for i in (a, b):
            wait_address(i)
        ip_a, ip_b = a["PrivateIpAddress"], b["PrivateIpAddress"]
        host_b = next(n for n in (1, 2) if (tmp_path / f"host-{n}" / "instances" / b["InstanceId"]).is_dir())
        assert not (tmp_path / f"host-{3 - host_b}" / "instances" / b["InstanceId"]).is_dir()
        eni = b["NetworkInterfaces"][0]["NetworkInterfaceId"]
        group = "flows-" + uuid.uuid4().hex[:8]
        ec2.create_flow_logs(ResourceType="NetworkInterface", ResourceIds=[eni], TrafficType="ALL",
                             LogGroupName=group, DeliverLogsPermissionArn=ROLE)
        logs = make_client(server.endpoint, "A", service="logs")
        eventually(lambda: records(logs, group, f"{eni}-all"), timeout=20, what="first NODATA window")

        server.stop()
        ping = vx(a["InstanceId"], "ping", "-n", "-c", "3", "-i", "0.2", "-s", "56", "-W", "2", ip_b)
        assert " 0% packet loss" in ping.stdout, ping.stdout
        spool = tmp_path / f"host-{host_b}" / "flow-records"

        def spooled_echoes(packets=6):
            found = []
            for f in spool.glob("*.json"):
                batch = json.loads(f.read_text())
                found += [r for w in batch["windows"] for r in w["records"] if r["protocol"] == 1]
            return found if sum(r["packets"] for r in found) == packets else None
        eventually(spooled_echoes, timeout=15, interval=0.3, what="the echoes' window in the spool")
        agents[host_b - 1].kill()
        assert spooled_echoes(), "the spool lost the window when the agent was killed"
        agents[host_b - 1].start()
        server.start()
        logs = make_client(server.endpoint, "A", service="logs")
        echoes = {(ip_a, ip_b, 0, 0, 1, "ACCEPT"): (3, 252), (ip_b, ip_a, 0, 0, 1, "ACCEPT"): (3, 252)}
        eventually(lambda: flows(records(logs, group, f"{eni}-all")) == echoes, timeout=30, interval=0.5,
                   what="the spooled records delivered after the restart")
        eventually(lambda: spooled_echoes() is None, timeout=15,
                   what="the spool emptied")
        time.sleep(3)
        assert flows(records(logs, group, f"{eni}-all")) == echoes  # once

        # A stopping agent (SIGTERM) spools the open interval: one more echo, stop at once.
        server.stop()
        ping = vx(a["InstanceId"], "ping", "-n", "-c", "1", "-s", "56", "-W", "2", ip_b)
        assert " 0% packet loss" in ping.stdout, ping.stdout
        agents[host_b - 1].stop()
        assert agents[host_b - 1].proc.returncode == 0
        assert spooled_echoes(packets=2), "the open interval was not spooled at the stop"
        agents[host_b - 1].start()
        server.start()
        logs = make_client(server.endpoint, "A", service="logs")
        echoes = {k: (4, 336) for k in echoes}
        eventually(lambda: flows(records(logs, group, f"{eni}-all")) == echoes, timeout=30, interval=0.5,
                   what="the window spooled at the stop delivered")
    finally:
        tear_down(server, agents, launched, data_dir)
    assert not ({netns_name(i) for i in launched} & namespaces()), "namespaces left behind"
