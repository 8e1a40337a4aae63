"""A restarted agent reattaches to its instances: an agent stopped without
--cleanup-on-exit leaves namespaces, TAPs and user-data processes running; the next one
(same state directory) reopens the TAPs and traffic flows again without a new DHCP lease
or a second run of the user data. A new boot count reruns the user data.

Needs root. Unique ids, namespaces and underlay addresses per run."""
import os
import secrets
import shutil
import subprocess
import tempfile
import time

import pytest

from agent_lab import UDHCPC_SCRIPT, Agent, dhcp, netns_exec
from agent_world import World
from fake_feed import FakeFeed

pytestmark = [pytest.mark.root, pytest.mark.own_server]

if os.geteuid() != 0:
    pytest.skip("needs root: network namespaces and TAP devices", allow_module_level=True)


def console(feed, host, instance_id, contains, timeout=15):
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        s = feed.wait_applied(host, 0)
        text = {i["instanceId"]: i.get("consoleOutput") or "" for i in s["instances"]}.get(instance_id, "")
        if contains(text):
            return text
        time.sleep(0.5)
    raise AssertionError("console of %s: %r" % (instance_id, text))


def test_restart_reattaches_and_reboot_reruns_user_data():
    workdir = tempfile.mkdtemp(prefix="vpc-agent-restart-")
    token = secrets.token_hex(16)
    token_file = os.path.join(workdir, "agent-token")
    with open(token_file, "w") as f:
        f.write(token)
    script = os.path.join(workdir, "udhcpc.sh")
    with open(script, "w") as f:
        f.write(UDHCPC_SCRIPT)
    os.chmod(script, 0o755)
    feed = FakeFeed(token).start()
    world = World(region="eu-west-1")
    r = 20 + secrets.randbelow(200), secrets.randbelow(250)
    under_a, under_b = "127.%d.%d.2" % r, "127.%d.%d.3" % r
    a = world.add_instance("10.0.1.20", "host-a", under_a, user_data="echo booted\nsleep 3600\n")
    b = world.add_instance("10.0.1.21", "host-b", under_b)
    agents = []
    try:
        version = feed.publish(world.hosts())
        agent_a = Agent(feed.url, "host-a", under_a, token_file, workdir, cleanup=False)
        agents += [agent_a, Agent(feed.url, "host-b", under_b, token_file, workdir)]
        for ag in agents:
            feed.wait_applied(ag.host, version)
        assert dhcp(workdir, script, a)["domain"] == "eu-west-1.compute.internal"
        dhcp(workdir, script, b)
        assert " 0% packet loss" in netns_exec(a, "ping", "-c", "2", "-W", "2", b["ip"]).stdout
        console(feed, "host-a", a["id"], lambda t: t.count("booted") == 1)

        agent_a.stop()
        assert agent_a.proc.returncode == 0
        ns = "vpc-" + a["id"]
        assert ns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        link = subprocess.run(["ip", "-n", ns, "-o", "addr", "show", "eth0"], capture_output=True, text=True).stdout
        assert a["ip"] in link  # the device and its address outlive the agent
        assert netns_exec(a, "ping", "-c", "1", "-W", "1", b["ip"]).returncode != 0  # nobody moves packets now

        agent_a = Agent(feed.url, "host-a", under_a, token_file, workdir, cleanup=True)
        agents[0] = agent_a
        feed.wait_applied("host-a", version)
        # The carrier came back with the new descriptor; the first packet may go to
        # neighbour re-resolution. Then traffic flows without loss.
        netns_exec(a, "ping", "-c", "1", "-W", "2", b["ip"])
        p = netns_exec(a, "ping", "-c", "3", "-W", "2", b["ip"])
        assert " 0% packet loss" in p.stdout, p.stdout + agent_a.output()
        time.sleep(1)
        assert console(feed, "host-a", a["id"], lambda t: "booted" in t).count("booted") == 1  # not rerun

        version = feed.publish(world.hosts(boots={a["id"]: 2}))
        feed.wait_applied("host-a", version)
        console(feed, "host-a", a["id"], lambda t: t.count("booted") == 2)
        # the reboot killed the first boot's sleep: exactly one left
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
        user_data = [p for p in pids if "udhcpc" not in open("/proc/%s/cmdline" % p).read()]
        assert len(user_data) == 2, pids  # the boot's sh (exec'd into the user data) and its sleep; plus the DHCP client
    finally:
        for ag in agents:
            ag.stop()
        feed.stop()
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        for inst in (a, b):
            if "vpc-" + inst["id"] in left:
                subprocess.run(["ip", "netns", "delete", "vpc-" + inst["id"]])
        shutil.rmtree(workdir, ignore_errors=True)
    assert "vpc-" + a["id"] not in left and "vpc-" + b["id"] not in left
