#!/usr/bin/env python3
"""Throughput and latency between two instances: our agent against kernel baselines.

Issue 4 point 10. Runs iperf3 (TCP) and ping between two network namespaces joined by

  veth      a plain veth pair (the floor: no policy at all);
  nft       a router namespace with an inet nftables table doing stateful filtering
            equivalent to the security groups (this kernel has no bridge-family
            conntrack, so the "bridge + nftables" baseline is a router + inet table);
  agent     instances launched through the API of `vpc up` (started by this script, 2
            hosts): one pair on the same host, one across hosts, through our agents.

Needs root. Names are unique per run and everything is removed at the end, even on
failure. Usage:

  sudo Benchmarks/dataplane-vs-kernel.py [--seconds 5] [--pings 300] [--modes veth,nft,agent]
        [--bin .build/release/vpc] [--busy-poll BUSY[/BULK][,BUSY[/BULK]...]] [--rounds N] [--idle-cost]

--busy-poll is passed to `vpc up` (each agent's data-plane thread polls BUSY µs after
close traffic before it sleeps; BULK, if given, is its `--bulk-poll`: µs of polling after
bulk traffic, default 100); with several values each round runs the agents once per
value. --idle-cost also measures what the agents' data-plane threads cost (CPU time of
both, in % of one CPU) while the pair exchanges lighter traffic: a ping every 10 ms, a ping
every 0.2 ms and TCP paced at 1 Gbit/s. Each round prints its results as a JSON line; the
table at the end gives, per path, the median and (over several rounds) the range.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

MTU = 9001


def sh(*args, check=True, capture=False, timeout=120):
    r = subprocess.run(args, check=False, timeout=timeout,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       stderr=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}): {r.stderr if capture else ''}")
    return r


class Topology:
    """Namespaces and links created for one baseline, removed by `close`."""

    def __init__(self, tag):
        self.tag = tag
        self.namespaces = []
        self.links = 0

    def namespace(self, role):
        name = f"bk{self.tag}{role}"
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def link(self, a, a_if, a_addr, b, b_if, b_addr):
        self.links += 1
        tmp_a, tmp_b = f"bk{self.tag}{self.links}a", f"bk{self.tag}{self.links}b"
        sh("ip", "link", "add", tmp_a, "mtu", str(MTU), "type", "veth", "peer", "name", tmp_b, "mtu", str(MTU))
        sh("ip", "link", "set", tmp_a, "netns", a, "name", a_if)
        sh("ip", "link", "set", tmp_b, "netns", b, "name", b_if)
        for ns, ifname, addr in ((a, a_if, a_addr), (b, b_if, b_addr)):
            if addr:
                sh("ip", "-n", ns, "addr", "add", addr, "dev", ifname)
            sh("ip", "-n", ns, "link", "set", ifname, "up")

    def close(self):
        for ns in self.namespaces:
            pids = sh("ip", "netns", "pids", ns, check=False, capture=True).stdout.split()
            for pid in pids:
                sh("kill", "-9", pid, check=False)
            sh("ip", "netns", "del", ns, check=False)


def measure(run_in_client, run_in_server, server_ip, seconds, pings):
    """iperf3 TCP throughput (Gbit/s) and ping RTT percentiles (µs); `run_in_*` prefix a command."""
    server = subprocess.Popen(run_in_server + ["iperf3", "-s", "-1", "-p", "5201"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        out = sh(*(run_in_client + ["iperf3", "-c", server_ip, "-p", "5201", "-t", str(seconds), "-J"]),
                 capture=True, timeout=seconds + 30).stdout
        gbps = json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9
    finally:
        server.kill()
        server.wait()
    out = sh(*(run_in_client + ["ping", "-n", "-c", str(pings), "-i", "0.01", "-W", "1", server_ip]),
             capture=True, timeout=pings + 30).stdout
    rtts = sorted(float(line.split("time=")[1].split()[0]) * 1000 for line in out.splitlines() if "time=" in line)
    if len(rtts) < pings * 0.95:
        raise RuntimeError(f"ping lost {pings - len(rtts)} of {pings}")
    p = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))]
    return {"gbps": round(gbps, 2), "rtt_p50_us": round(p(0.5)), "rtt_p99_us": round(p(0.99)),
            "rtt_mean_us": round(statistics.mean(rtts))}


def dataplane_cpu_seconds(session):
    """CPU time (s) of the data-plane threads of every agent in the process session `session`."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getsid(int(pid)) != session:
                continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() != "vpc-dataplane":
                        continue
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
        except (OSError, ProcessLookupError):
            pass
    return total / 1e9


# Loads under which --idle-cost measures the agents' data-plane CPU: (column, client command).
IDLE_COST_LOADS = (
    ("cpu_ping100", lambda ip: ["ping", "-n", "-q", "-c", "300", "-i", "0.01", ip]),
    ("cpu_ping5k", lambda ip: ["ping", "-n", "-q", "-c", "15000", "-i", "0.0002", ip]),
    ("cpu_tcp1g", lambda ip: ["iperf3", "-c", ip, "-p", "5201", "-t", "3", "-b", "1G"]),
)


def idle_cost(run_in_client, run_in_server, server_ip, session):
    """Both agents' data-plane CPU, in % of one CPU, under each of IDLE_COST_LOADS."""
    server = subprocess.Popen(run_in_server + ["iperf3", "-s", "-p", "5201"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        cost = {}
        for column, command in IDLE_COST_LOADS:
            cpu, start = dataplane_cpu_seconds(session), time.monotonic()
            sh(*(run_in_client + command(server_ip)), timeout=60)
            cost[column] = round(100 * (dataplane_cpu_seconds(session) - cpu) / (time.monotonic() - start), 1)
        return cost
    finally:
        server.kill()
        server.wait()


def veth_baseline(seconds, pings):
    t = Topology(uuid.uuid4().hex[:5])
    try:
        a, b = t.namespace("a"), t.namespace("b")
        t.link(a, "eth0", "10.0.1.10/24", b, "eth0", "10.0.1.11/24")
        return measure(["ip", "netns", "exec", a], ["ip", "netns", "exec", b], "10.0.1.11", seconds, pings)
    finally:
        t.close()


NFT_RULES = """
table inet vpcsg {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state invalid drop
    ct state established,related accept
    # egress SG of A: all traffic out; ingress SG of B: tcp 5201 and icmp from A's subnet
    iifname "ra" oifname "rb" ip saddr 10.0.1.0/24 tcp dport 5201 ct state new accept
    iifname "ra" oifname "rb" ip saddr 10.0.1.0/24 icmp type echo-request ct state new accept
  }
}
"""


def nft_baseline(seconds, pings):
    t = Topology(uuid.uuid4().hex[:5])
    try:
        a, r, b = t.namespace("a"), t.namespace("r"), t.namespace("b")
        t.link(a, "eth0", "10.0.1.10/24", r, "ra", "10.0.1.1/24")
        t.link(b, "eth0", "10.0.2.11/24", r, "rb", "10.0.2.1/24")
        sh("ip", "-n", a, "route", "add", "default", "via", "10.0.1.1")
        sh("ip", "-n", b, "route", "add", "default", "via", "10.0.2.1")
        sh("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        subprocess.run(["ip", "netns", "exec", r, "nft", "-f", "-"], input=NFT_RULES, text=True, check=True)
        return measure(["ip", "netns", "exec", a], ["ip", "netns", "exec", b], "10.0.2.11", seconds, pings)
    finally:
        t.close()


def agent_pairs(binary, seconds, pings, busy_poll="0", with_idle_cost=False):
    """Through our agents: `vpc up` with 2 hosts, 3 instances (so one pair shares a host and
    one pair crosses hosts), an SG admitting iperf3 and ICMP; addresses from the agents' DHCP."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "e2e"))
    os.environ["VPC_BIN"] = binary
    import boto3
    from helpers import free_port, wait_tcp
    from hosts import launch_when_hosts_ready

    key, secret = "AKIDBENCHDP000000001", "benchsecret"
    data_dir = tempfile.mkdtemp(prefix="vpc-bench-dp-")
    port, metrics = free_port(), free_port()
    up = subprocess.Popen([binary, "up", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, "--hosts", "2",
                           "--metrics-port", str(metrics), "--no-throttle", "--credentials", f"{key}:{secret}",
                           *poll_arguments(busy_poll)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_tcp(port, up, timeout=60)
        ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id=key, aws_secret_access_key=secret)
        vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(VpcId=vpc, GroupName="bench", Description="bench")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5201, "ToPort": 5201, "IpRanges": [{"CidrIp": "10.77.0.0/16"}]},
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.77.0.0/16"}]}])
        for p in (metrics, metrics + 1):  # both agents have their feed (so both are registered)
            wait_agent_feed(p)
        instances = launch_when_hosts_ready(ec2, count=3, SubnetId=subnet, SecurityGroupIds=[sg])
        ids = [i["InstanceId"] for i in instances]
        desc = {i["InstanceId"]: i for i in instances}
        host = {i: next(n for n in (1, 2) if os.path.isdir(os.path.join(data_dir, "hosts", f"host-{n}", "instances", i)))
                for i in ids}
        for i in ids:  # wait for each DHCP lease
            for _ in range(100):
                if desc[i]["PrivateIpAddress"] + "/" in sh(binary, "exec", i, "--", "ip", "-4", "addr", capture=True).stdout:
                    break
                time.sleep(0.1)
        pairs = [(x, y) for x in ids for y in ids if x < y]
        results = {}
        for label, same in (("agent, same host", True), ("agent, across hosts", False)):
            x, y = next((x, y) for x, y in pairs if (host[x] == host[y]) == same)
            client, server, ip = [binary, "exec", x, "--"], [binary, "exec", y, "--"], desc[y]["PrivateIpAddress"]
            results[label] = measure(client, server, ip, seconds, pings)
            if with_idle_cost:
                results[label].update(idle_cost(client, server, ip, up.pid))
        return results
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)


def poll_arguments(spec):
    """`BUSY` or `BUSY/BULK` (microseconds) as `vpc up` options; without BULK, its default."""
    busy, _, bulk = spec.partition("/")
    return ["--busy-poll", str(int(busy))] + (["--bulk-poll", str(int(bulk))] if bulk else [])


def wait_agent_feed(metrics_port, timeout=60):
    """Until the agent whose metrics are on `metrics_port` has applied a feed version."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith("vpc_agent_feed_version") and float(line.rsplit(" ", 1)[1]) > 0:
                        return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the agent with metrics on port {metrics_port} did not get its feed")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--pings", type=int, default=300)
    ap.add_argument("--modes", default="veth,nft")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                  ".build", "release", "vpc"), help="vpc binary for the agent mode")
    ap.add_argument("--busy-poll", default="0",
                    help="microseconds each agent polls after traffic, BUSY or BUSY/BULK (BULK: after bulk traffic, "
                         "`--bulk-poll`); several (0,0/0,20000) alternate within a round")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of every mode, alternated; medians and ranges")
    ap.add_argument("--idle-cost", action="store_true",
                    help="also the agents' data-plane CPU (%% of a CPU) under ping every 10 ms, ping every "
                         "0.2 ms and TCP at 1 Gbit/s")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    modes = args.modes.split(",")
    polls = args.busy_poll.split(",")
    for p in polls:
        poll_arguments(p)  # malformed values fail before anything starts
    runs = {}  # path -> one result per round
    for _ in range(args.rounds):
        results = {}
        if "veth" in modes:
            results["veth pair"] = veth_baseline(args.seconds, args.pings)
        if "nft" in modes:
            results["router + nftables conntrack"] = nft_baseline(args.seconds, args.pings)
        if "agent" in modes:
            for poll in polls:
                suffix = f", busy-poll {poll}" if len(polls) > 1 else ""
                for name, r in agent_pairs(args.bin, args.seconds, args.pings, poll, args.idle_cost).items():
                    results[name + suffix] = r
        for name, r in results.items():
            runs.setdefault(name, []).append(r)
        print(json.dumps(results), flush=True)
    columns = (("gbps", "TCP Gbit/s"), ("rtt_p50_us", "RTT p50 µs"), ("rtt_p99_us", "RTT p99 µs"))
    if args.idle_cost:
        columns += (("cpu_ping100", "CPU % ping 100/s"), ("cpu_ping5k", "CPU % ping 5k/s"),
                    ("cpu_tcp1g", "CPU % TCP 1G"))
    print(f"{'path':44}" + "".join(f" {title:>20}" for _, title in columns))
    for name, rs in runs.items():
        cells = []
        for key, _ in columns:
            values = [r[key] for r in rs if key in r]
            if not values:
                cells.append("")
                continue
            median = statistics.median(values)
            cells.append(f"{median:g}" if len(values) == 1 else f"{median:g} ({min(values):g}-{max(values):g})")
        print(f"{name:44}" + "".join(f" {c:>20}" for c in cells))


if __name__ == "__main__":
    main()
