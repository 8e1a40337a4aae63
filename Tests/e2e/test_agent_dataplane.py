"""The host agent end to end, without the control plane: a fake feed (fake_feed.py) places
two instances of one VPC on two agents whose underlays are two loopback addresses, and
the instances talk through real namespaces, TAPs and Geneve over lo.

Needs root (namespaces, TAPs, tcpdump). Ids, namespaces and underlay addresses are
unique per run; agents run with --cleanup-on-exit and the test checks nothing is left."""
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from agent_lab import UDHCPC_SCRIPT, Agent, dhcp, metric, netns_exec
from agent_world import World
from fake_feed import FakeFeed
from helpers import vpc_bin

pytestmark = [pytest.mark.root, pytest.mark.own_server]

if os.geteuid() != 0:
    pytest.skip("needs root: network namespaces and TAP devices", allow_module_level=True)

@pytest.fixture(scope="module")
def lab():
    workdir = tempfile.mkdtemp(prefix="vpc-agent-e2e-")
    token = secrets.token_hex(16)
    token_file = os.path.join(workdir, "agent-token")
    with open(token_file, "w") as f:
        f.write(token + "\n")
    script = os.path.join(workdir, "udhcpc.sh")
    with open(script, "w") as f:
        f.write(UDHCPC_SCRIPT)
    os.chmod(script, 0o755)
    feed = FakeFeed(token).start()
    world = World()
    r = 20 + secrets.randbelow(200), secrets.randbelow(250)
    under_a, under_b = "127.%d.%d.2" % r, "127.%d.%d.3" % r
    a = world.add_instance("10.0.1.10", "host-a", under_a, user_data="echo hello-from-user-data\nip -o link show eth0\n")
    b = world.add_instance("10.0.1.11", "host-b", under_b)
    c = world.add_instance("10.0.1.12", "host-a", under_a)  # A's neighbour on the same host
    version = feed.publish(world.hosts())
    agents = [Agent(feed.url, "host-a", under_a, token_file, workdir),
              Agent(feed.url, "host-b", under_b, token_file, workdir)]
    try:
        for ag in agents:
            feed.wait_applied(ag.host, version)
        yield {"feed": feed, "world": world, "a": a, "b": b, "c": c, "agents": agents, "script": script,
               "workdir": workdir}
    finally:
        for ag in agents:
            ag.stop()
        feed.stop()
        leftovers = [ns for ns in os.listdir("/run/netns") if ns in ("vpc-" + a["id"], "vpc-" + b["id"], "vpc-" + c["id"])] \
            if os.path.isdir("/run/netns") else []
        for ns in leftovers:  # only if the agents failed to clean up; the test below then fails
            subprocess.run(["ip", "netns", "delete", ns])
        shutil.rmtree(workdir, ignore_errors=True)


def test_instances_run_in_their_namespaces(lab):
    for inst in (lab["a"], lab["b"], lab["c"]):
        out = subprocess.run(["ip", "-n", "vpc-" + inst["id"], "-o", "link", "show", "eth0"], capture_output=True,
                             text=True, check=True).stdout
        assert "mtu 9001" in out and inst["mac"] in out and "UP" in out


def test_dhcp_gives_the_eni_address_router_dns_and_mtu(lab):
    for inst in (lab["a"], lab["b"], lab["c"]):
        lease = dhcp(lab["workdir"], lab["script"], inst)
        assert lease["ip"] == inst["ip"]
        assert lease["mask"] == "24"
        assert lease["router"] == "10.0.1.1"
        assert lease["dns"] == "10.0.0.2"
        assert lease["domain"] == "ec2.internal"
        assert lease["mtu"] == "9001"
        assert lease["lease"] == "3600"
        assert lease["hostname"] == "ip-" + inst["ip"].replace(".", "-")


def test_vpc_exec_runs_inside_the_instance(lab):
    a = lab["a"]
    p = subprocess.run([vpc_bin(), "exec", a["id"], "--", "ip", "-o", "-4", "addr", "show", "eth0"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and a["ip"] + "/24" in p.stdout, p.stdout + p.stderr
    p = subprocess.run([vpc_bin(), "exec", a["id"], "--", "cat", "/etc/resolv.conf"], capture_output=True, text=True)
    assert "nameserver 10.0.0.2" in p.stdout and "search ec2.internal" in p.stdout
    p = subprocess.run([vpc_bin(), "exec", "i-0000000000000dead", "--", "true"], capture_output=True, text=True)
    assert p.returncode == 1 and "no namespace" in p.stderr


def test_agent_refuses_to_start_without_privileges():
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", vpc_bin(), "agent",
                        "--control-plane", "http://127.0.0.1:9", "--host-id", "h", "--underlay", "127.0.0.9"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 77 and "needs root" in p.stderr


@pytest.mark.parametrize("command", ["agent", "up"])
@pytest.mark.parametrize("option", ["--max-tracked-connections", "--max-flow-log-flows"])
@pytest.mark.parametrize("value", ["0", "15", "67108865", "-1", "many"])
def test_table_sizes_out_of_range_are_refused(command, option, value):
    required = ["--control-plane", "http://127.0.0.1:9", "--host-id", "h", "--underlay", "127.0.0.9"] if command == "agent" else []
    p = subprocess.run([vpc_bin(), command, *required, f"{option}={value}"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert option in p.stderr, p.stderr


@pytest.mark.parametrize("command,option,value", [
    ("serve", "--host-silence-limit", "0"), ("serve", "--host-silence-limit", "-5"), ("serve", "--host-silence-limit", "soon"),
    ("up", "--host-silence-limit", "0"), ("agent", "--bulk-poll", "-1"), ("agent", "--bulk-poll", "4294967296"),
    ("up", "--bulk-poll", "fast"),
])
def test_polling_and_silence_options_out_of_range_are_refused(command, option, value, tmp_path):
    """Refused before anything starts: no data directory is written."""
    required = {"agent": ["--control-plane", "http://127.0.0.1:9", "--host-id", "h", "--underlay", "127.0.0.9"],
                "serve": ["--data-dir", str(tmp_path / "data")], "up": ["--data-dir", str(tmp_path / "data")]}[command]
    p = subprocess.run([vpc_bin(), command, *required, f"{option}={value}"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert option in p.stderr, p.stderr
    assert not (tmp_path / "data").exists()


def test_ping_across_agents_and_jumbo_frames(lab):
    p = netns_exec(lab["a"], "ping", "-c", "5", "-i", "0.2", "-W", "2", lab["b"]["ip"])
    assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
    rtt = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)", p.stdout)
    print("ping RTT across agents min/avg/max ms:", rtt.groups())
    # 8973 + 8 (ICMP) + 20 (IP) = 9001: the VPC MTU, without fragmentation.
    p = netns_exec(lab["a"], "ping", "-c", "2", "-W", "2", "-M", "do", "-s", "8973", lab["b"]["ip"])
    assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
    p = netns_exec(lab["a"], "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "8974", lab["b"]["ip"])
    assert p.returncode != 0  # one byte over the MTU: refused locally


RECEIVER = """
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5000)); s.listen(1); print("listening", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 20)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest(), flush=True)
"""

SENDER = """
import hashlib, os, socket, sys
data = os.urandom(64 << 20)
s = socket.create_connection((sys.argv[1], 5000)); s.sendall(data); s.close()
print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
"""


def bulk_transfer(lab, sender, receiver):
    """64 MiB over TCP from `sender` to `receiver`: (bytes, sha256) as sent and as received."""
    recv = subprocess.Popen(["ip", "netns", "exec", "vpc-" + receiver["id"], "python3", "-c", RECEIVER],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert recv.stdout.readline().strip() == "listening"
        sent = netns_exec(sender, "python3", "-c", SENDER, receiver["ip"], timeout=120)
        assert sent.returncode == 0, sent.stderr
        got, _ = recv.communicate(timeout=60)
    finally:
        if recv.poll() is None:
            recv.kill()
    return sent.stdout.split(), got.split()


def test_tcp_bulk_transfer_arrives_intact(lab):
    """64 MiB over TCP across the agents: with TAP offloads the sender's kernel hands the
    agent 64 KB super-frames that the agent cuts into segments (checksums left partial),
    and the receiving agent gathers segments into super-frames again; the bytes must
    arrive unchanged."""
    sent, got = bulk_transfer(lab, lab["a"], lab["b"])
    assert got == sent
    m = lab["agents"][0].metrics()
    assert metric(m, "vpc_agent_tap_offload_drops_total") == 0
    assert metric(m, "vpc_agent_tap_segments_total") > 0  # super-frames were cut in the agent
    r = lab["agents"][1].metrics()
    assert metric(r, "vpc_agent_tap_offload_drops_total") == 0
    assert metric(r, "vpc_agent_tap_tx_coalesced_segments_total") > 0  # and gathered again


def test_tcp_bulk_transfer_on_one_host_keeps_super_frames_whole(lab):
    """64 MiB over TCP between two instances of one host: the super-frames go through the
    pipeline once and reach the receiver's TAP whole, for its kernel to take as they are;
    the bytes must arrive unchanged and the flow's segments still be counted."""
    before = lab["agents"][0].metrics()
    sent, got = bulk_transfer(lab, lab["a"], lab["c"])
    assert got == sent
    m = lab["agents"][0].metrics()
    assert metric(m, "vpc_agent_tap_offload_drops_total") == 0
    assert metric(m, "vpc_agent_tap_tx_super_frames_total") > metric(before, "vpc_agent_tap_tx_super_frames_total")
    # 64 MiB in segments of at most 8961 bytes: at least 7,489 packets into the receiver.
    received = metric(m, "vpc_eni_packets_in_total", eni=lab["c"]["eni"]) \
        - metric(before, "vpc_eni_packets_in_total", eni=lab["c"]["eni"])
    assert received >= (64 << 20) // 8961


def test_ping_between_instances_on_one_host(lab):
    p = netns_exec(lab["a"], "ping", "-c", "3", "-i", "0.2", "-W", "2", lab["c"]["ip"])
    assert " 0% packet loss" in p.stdout, p.stdout + p.stderr
    m = lab["agents"][0].metrics()
    assert metric(m, "vpc_eni_packets_in_total", eni=lab["c"]["eni"]) >= 3


def test_resolver_answers_private_names_and_refuses_the_rest(lab):
    a, b = lab["a"], lab["b"]
    name = "ip-" + b["ip"].replace(".", "-") + ".ec2.internal"
    for server in ("10.0.0.2", "169.254.169.253"):
        p = netns_exec(a, "dig", "+time=2", "+tries=1", "@" + server, name, "+short")
        assert p.stdout.strip() == b["ip"], p.stdout + p.stderr
    p = netns_exec(a, "dig", "+time=2", "+tries=1", "@10.0.0.2", "-x", b["ip"], "+short")
    assert p.stdout.strip() == name + "."
    p = netns_exec(a, "dig", "+time=2", "+tries=1", "@10.0.0.2", "ip-10-0-1-99.ec2.internal")
    assert "status: NXDOMAIN" in p.stdout
    p = netns_exec(a, "dig", "+time=2", "+tries=1", "@10.0.0.2", "example.com")
    assert "status: REFUSED" in p.stdout  # no forwarding to the internet


def test_geneve_on_the_underlay(lab):
    a, b = lab["a"], lab["b"]
    cap = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-l", "-c", "2", "udp port 6081 and host " + a["underlay"]],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(1)
        netns_exec(a, "ping", "-c", "2", "-W", "2", b["ip"])
        out, _ = cap.communicate(timeout=10)
    finally:
        if cap.poll() is None:
            cap.kill()
    vni = "vni 0x%x" % lab["world"].vni
    assert "Geneve" in out and vni in out, out
    assert "IP %s > %s: ICMP echo request" % (a["ip"], b["ip"]) in out, out


def test_user_data_runs_and_console_is_reported(lab):
    deadline, console = time.time() + 15, ""
    while time.time() < deadline and "eth0" not in console:
        status = lab["feed"].wait_applied("host-a", 0)
        console = {i["instanceId"]: i.get("consoleOutput") or "" for i in status["instances"]}[lab["a"]["id"]]
        time.sleep(0.5)
    assert "hello-from-user-data" in console
    assert "eth0" in console  # ran inside the namespace, where eth0 is the ENI


def test_security_group_revoke_stops_new_flows(lab):
    feed, world, a, b = lab["feed"], lab["world"], lab["a"], lab["b"]
    world.allow_icmp = False
    version = feed.publish(world.hosts())
    for ag in lab["agents"]:
        feed.wait_applied(ag.host, version)
    try:
        p = netns_exec(a, "ping", "-c", "2", "-W", "1", b["ip"])
        assert "100% packet loss" in p.stdout, p.stdout
        m = lab["agents"][1].metrics()
        assert metric(m, "vpc_eni_drops_total", reason="securityGroup", eni=b["eni"]) >= 2
        assert metric(m, "vpc_agent_feed_version") == version
    finally:
        world.allow_icmp = True
        version = feed.publish(world.hosts())
        for ag in lab["agents"]:
            feed.wait_applied(ag.host, version)
    p = netns_exec(a, "ping", "-c", "2", "-W", "2", b["ip"])
    assert " 0% packet loss" in p.stdout, p.stdout


def test_feed_errors_are_retried_and_resume_from_the_applied_version(lab):
    feed, world = lab["feed"], lab["world"]
    with feed.cond:
        feed.failing = True
        seen = len(feed.feed_requests)
    # The poll already waiting gets this version; every request after it fails.
    version = feed.publish(world.hosts(), world.directory())
    feed.wait_applied("host-a", version)
    time.sleep(2)
    with feed.cond:
        feed.failing = False
        retries = [since for host, since in feed.feed_requests[seen:] if host == "host-a"]
    assert len(retries) >= 2 and set(retries) == {version}  # backed off, asking from what it applied
    version = feed.publish(world.hosts(), world.directory())
    feed.wait_applied("host-a", version, timeout=30)
    assert " 0% packet loss" in netns_exec(lab["a"], "ping", "-c", "1", "-W", "2", lab["b"]["ip"]).stdout


def test_metrics_count_per_eni_traffic(lab):
    m = lab["agents"][0].metrics()
    assert metric(m, "vpc_eni_packets_out_total", eni=lab["a"]["eni"]) > 0
    assert metric(m, "vpc_eni_packets_in_total", eni=lab["a"]["eni"]) > 0
    assert metric(m, "vpc_agent_dhcp_replies_total") >= 2
    assert "vpc_drops_total{reason=\"forgedEncapsulation\"}" in m


def test_oversize_datagram_from_a_registered_host_is_dropped_and_counted(lab):
    """No agent sends more than Geneve plus one frame of at most 9216 bytes per datagram: a
    larger one, even from a registered host's underlay address, is dropped and counted, and
    nothing reaches the instance."""
    a, b = lab["a"], lab["b"]
    before = lab["agents"][0].metrics()
    header = struct.pack("!BBHI", 5, 0, 0x6558, lab["world"].vni << 8) + struct.pack("!HBB", 0xFFF0, 0x01, 4)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((b["underlay"], 0))  # the source the mapping service names for B's host
        s.sendto(header + bytes(16) + bytes(20000), (a["underlay"], 6081))
    def counted():
        return metric(lab["agents"][0].metrics(), "vpc_agent_underlay_rx_oversize_total") \
            > metric(before, "vpc_agent_underlay_rx_oversize_total")
    deadline = time.time() + 5
    while not counted() and time.time() < deadline:
        time.sleep(0.1)
    assert counted()
    after = lab["agents"][0].metrics()
    assert metric(after, "vpc_eni_packets_in_total", eni=a["eni"]) == metric(before, "vpc_eni_packets_in_total", eni=a["eni"])


def test_crafted_tiny_segment_size_from_an_instance_is_dropped_and_counted(lab):
    """A root process in an instance can hand its TAP a TCP super-frame with any virtio
    header (AF_PACKET with PACKET_VNET_HDR). One asking for 8-byte segments would become
    hundreds of packets: the agent drops it and counts it, and the peer gets nothing."""
    a, b = lab["a"], lab["b"]
    before, before_b = lab["agents"][0].metrics(), lab["agents"][1].metrics()
    p = netns_exec(a, "python3", "-c", CRAFTED_GSO, a["mac"], a["ip"], b["ip"], timeout=30)
    assert p.returncode == 0, p.stderr
    deadline = time.time() + 5
    while metric(lab["agents"][0].metrics(), "vpc_agent_tap_offload_drops_total") \
            == metric(before, "vpc_agent_tap_offload_drops_total") and time.time() < deadline:
        time.sleep(0.1)
    after = lab["agents"][0].metrics()
    assert metric(after, "vpc_agent_tap_offload_drops_total") == metric(before, "vpc_agent_tap_offload_drops_total") + 1
    assert metric(after, "vpc_eni_packets_out_total", eni=a["eni"]) == metric(before, "vpc_eni_packets_out_total", eni=a["eni"])
    time.sleep(0.5)  # anything sent on would have crossed by now
    after_b = lab["agents"][1].metrics()
    assert metric(after_b, "vpc_eni_packets_in_total", eni=b["eni"]) == metric(before_b, "vpc_eni_packets_in_total", eni=b["eni"])


CRAFTED_GSO = r"""
import socket, struct, sys
mac, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
payload = bytes(3000)
tcp = struct.pack("!HHIIBBHHH", 40000, 5000, 1, 0, 5 << 4, 0x18, 512, 0, 0)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
eth = bytes.fromhex("027670630001") + bytes.fromhex(mac.replace(":", "")) + b"\x08\x00"
# virtio_net_hdr: NEEDS_CSUM, GSO TCPv4, hdr_len 54, gso_size 8, csum_start 34, csum_offset 16
vnet = struct.pack("<BBHHHH", 1, 1, 54, 8, 34, 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
s.bind(("eth0", 0))
s.send(vnet + eth + ip + tcp + payload)
"""


def test_mapping_miss_is_resolved_by_lookup(lab):
    feed, world, a, b = lab["feed"], lab["world"], lab["a"], lab["b"]
    world.hidden = {"host-a": {b["ip"]}}  # host-a is not told where B lives
    try:
        version = feed.publish(world.hosts(), world.directory())
        feed.wait_applied("host-a", version)
        before = len(feed.lookups)
        # The first packets miss and are dropped while host-a asks; then the answer is used.
        netns_exec(a, "ping", "-c", "1", "-W", "1", b["ip"])
        p = netns_exec(a, "ping", "-c", "3", "-W", "2", b["ip"])
        assert " 0% packet loss" in p.stdout, p.stdout
        asked = [q for q in feed.lookups[before:] if q["host"] == "host-a"]
        assert asked and asked[0]["address"] == b["ip"] and asked[0]["vni"] == str(world.vni)
        m = lab["agents"][0].metrics()
        assert metric(m, "vpc_eni_drops_total", eni=a["eni"], reason="mappingMiss") >= 1
    finally:
        world.hidden = {}
        version = feed.publish(world.hosts(), world.directory())
        for ag in lab["agents"]:
            feed.wait_applied(ag.host, version)


def test_stop_then_terminate_leave_nothing(lab):
    feed, world, b = lab["feed"], lab["world"], lab["b"]
    ns = "vpc-" + b["id"]
    version = feed.publish(world.hosts({b["id"]: "stopped"}))
    status = feed.wait_applied("host-b", version)
    assert {i["instanceId"]: i["state"] for i in status["instances"]}[b["id"]] == "stopped"
    assert ns not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    version = feed.publish(world.hosts({b["id"]: "removed"}))
    status = feed.wait_applied("host-b", version)
    assert {i["instanceId"]: i["state"] for i in status["instances"]}.get(b["id"]) == "terminated"
    assert ns not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not os.path.exists("/etc/netns/" + ns)
    assert not os.path.exists(os.path.join(lab["agents"][1].state_dir, "instances", b["id"]))


def running(pid):
    """Whether the process exists and is not a zombie (killed orphans wait for init to reap them)."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_agent_exit_with_cleanup_leaves_nothing(lab):
    a = lab["a"]
    pids_before = subprocess.run(["ip", "netns", "pids", "vpc-" + a["id"]], capture_output=True, text=True).stdout
    for ag in lab["agents"]:
        ag.stop()
        assert ag.proc.returncode == 0, ag.output()
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for inst in (a, lab["b"], lab["c"]):
        assert "vpc-" + inst["id"] not in out
    for ag in lab["agents"]:
        assert os.listdir(os.path.join(ag.state_dir, "instances")) == []
        assert not os.path.exists(os.path.join(ag.state_dir, "agent.json"))
    for pid in pids_before.split():
        assert not running(pid), "process %s survived" % pid
    # The underlay sockets are closed: the addresses can be bound again.
    for ag in lab["agents"]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ag.underlay, 6081))
        s.close()
