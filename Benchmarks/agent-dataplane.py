#!/usr/bin/env python3
"""Measures the host agent's data plane: two `vpc agent`s on two loopback underlay
addresses (fed by Tests/e2e/fake_feed.py), one instance each; ping RTT and iperf3 TCP
throughput between the instances, across the agents (Geneve over lo). Needs root and
iperf3. VPC_BIN selects the binary (default .build/release/vpc)."""
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "Tests", "e2e"))
os.environ.setdefault("VPC_BIN", os.path.join(REPO, ".build", "release", "vpc"))

from agent_lab import UDHCPC_SCRIPT, Agent, dhcp, metric, netns_exec  # noqa: E402
from agent_world import World  # noqa: E402
from fake_feed import FakeFeed  # noqa: E402


def main():
    for offloads in (True, False):
        print("== TAP offloads %s ==" % ("on (IFF_VNET_HDR, TSO, checksum; segmented in the agent)" if offloads else "off"))
        run(offloads)


def run(offloads):
    workdir = tempfile.mkdtemp(prefix="vpc-agent-bench-")
    token = secrets.token_hex(16)
    token_file = os.path.join(workdir, "agent-token")
    with open(token_file, "w") as f:
        f.write(token)
    script = os.path.join(workdir, "udhcpc.sh")
    with open(script, "w") as f:
        f.write(UDHCPC_SCRIPT)
    os.chmod(script, 0o755)
    feed = FakeFeed(token).start()
    world = World()
    r = 20 + secrets.randbelow(200), secrets.randbelow(250)
    ua, ub = "127.%d.%d.2" % r, "127.%d.%d.3" % r
    a = world.add_instance("10.0.1.10", "host-a", ua)
    b = world.add_instance("10.0.1.11", "host-b", ub)
    version = feed.publish(world.hosts())
    extra = [] if offloads else ["--no-tap-offloads"]
    agents = [Agent(feed.url, "host-a", ua, token_file, workdir, extra_args=extra),
              Agent(feed.url, "host-b", ub, token_file, workdir, extra_args=extra)]
    server = None
    try:
        for ag in agents:
            feed.wait_applied(ag.host, version)
        dhcp(workdir, script, a)
        dhcp(workdir, script, b)
        p = netns_exec(a, "ping", "-q", "-c", "200", "-i", "0.01", b["ip"], timeout=60)
        print("ping across agents (200 x 56 B, 10 ms apart):", p.stdout.strip().splitlines()[-1])
        p = netns_exec(a, "ping", "-q", "-c", "50", "-i", "0.01", "-M", "do", "-s", "8973", b["ip"], timeout=60)
        print("ping across agents (50 x 8973 B, DF):", p.stdout.strip().splitlines()[-1])
        server = subprocess.Popen(["ip", "netns", "exec", "vpc-" + b["id"], "iperf3", "-s", "-p", "5000", "-1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        for streams in (1, 4):
            p = netns_exec(a, "iperf3", "-c", b["ip"], "-p", "5000", "-t", "10", "-P", str(streams), timeout=60)
            lines = [l for l in p.stdout.splitlines() if ("sender" in l or "receiver" in l) and (streams == 1 or "SUM" in l)]
            print("iperf3 TCP, %d stream(s), 10 s:" % streams)
            for l in lines:
                print("   ", re.sub(r"\s+", " ", l.strip()))
            if streams == 1:
                server.wait(timeout=10)
                server = subprocess.Popen(["ip", "netns", "exec", "vpc-" + b["id"], "iperf3", "-s", "-p", "5000", "-1"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.5)
        m = agents[1].metrics()
        print("host-b: tap_tx_drops=%d underlay_rx_packets=%d" % (
            metric(m, "vpc_agent_tap_tx_drops_total"), metric(m, "vpc_agent_underlay_rx_packets_total")))
        m = agents[0].metrics()
        print("host-a: tap_rx_frames=%d tap_segments=%d underlay_tx_errors=%d" % (
            metric(m, "vpc_agent_tap_rx_frames_total"), metric(m, "vpc_agent_tap_segments_total"),
            metric(m, "vpc_agent_underlay_tx_errors_total")))
    finally:
        if server and server.poll() is None:
            server.kill()
        for ag in agents:
            ag.stop()
        feed.stop()


if __name__ == "__main__":
    print("binary:", os.environ["VPC_BIN"])
    main()
