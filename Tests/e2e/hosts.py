"""Helpers for the data-plane suites: `vpc up` / `vpc agent` processes, instances, commands in them."""
import os
import re
import signal
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

from helpers import ACCOUNTS, _LIVE, free_port, vpc_bin, wait_tcp


def free_ports(n):
    """A base port such that base..base+n-1 are free on 127.0.0.1 now."""
    import socket
    while True:
        base = free_port()
        try:
            for port in range(base, base + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue


def require_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, TAP devices); CI runs as root")


class Stack:
    """`vpc up` (control plane + N agents in one command) on a free port with its own data dir.

    Underlay addresses are 127.0.0.2..N+1 (fixed by `vpc up`), so one stack runs at a time.
    """

    def __init__(self, hosts=2, extra_args=()):
        self.data_dir = tempfile.mkdtemp(prefix="vpc-e2e-up-")
        self.port = free_port()
        self.metrics_port = free_ports(hosts)
        self.hosts = hosts
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(tempfile.mkdtemp(prefix="vpc-e2e-uplog-"), "up.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        require_root()
        cmd = [vpc_bin(), "up", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
               "--hosts", str(self.hosts), "--metrics-port", str(self.metrics_port), "--no-throttle",
               "--quota-vpcs", "50"]
        for key, secret, account in ACCOUNTS.values():
            cmd += ["--credentials", f"{key}:{secret}:{account}"]
        cmd += self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        _LIVE.add(self)
        try:
            wait_tcp(self.port, self.proc, timeout=60)
            self.wait_hosts_registered()
        except Exception as e:
            self.kill()
            raise RuntimeError(f"{e}\n--- vpc up log ---\n{self.log_tail()}") from e
        return self

    def wait_hosts_registered(self, timeout=30):
        """Until every agent has registered and installed a feed update (its feed version > 0)."""
        deadline = time.time() + timeout
        for n in range(1, self.hosts + 1):
            while True:
                try:
                    if any(k.startswith("vpc_agent_feed_version") and v > 0 for k, v in self.metrics(n).items()):
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError(f"agent host-{n} did not register")
                time.sleep(0.1)

    def metrics(self, host):
        """Prometheus text of agent `host` (1-based) parsed into {name{labels}: value}."""
        url = f"http://127.0.0.1:{self.metrics_port + host - 1}/metrics"
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def host_of(self, instance_id):
        """The host (1-based) whose agent runs the instance: its state dir holds the instance."""
        for n in range(1, self.hosts + 1):
            if os.path.isdir(os.path.join(self.data_dir, "hosts", f"host-{n}", "instances", instance_id)):
                return n
        return None

    def log_tail(self, n=6000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=30):
        """Ctrl-C, as a user would; the agents tear their instances down."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def _close(self):
        _LIVE.discard(self)
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(os.path.dirname(self.log_path), ignore_errors=True)


def netns_name(instance_id):
    return f"vpc-{instance_id}"


def namespaces():
    return set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())


def vx(instance_id, *cmd, timeout=30, check=True, input=None):
    """Runs `cmd` inside the instance with `vpc exec`; returns CompletedProcess (text)."""
    p = subprocess.run([vpc_bin(), "exec", instance_id, "--", *cmd], capture_output=True, text=True,
                       timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"vpc exec {instance_id} -- {' '.join(cmd)} exited {p.returncode}: {p.stderr}{p.stdout}")
    return p


def can_ping(src, dst_ip, count=2, wait=1):
    return vx(src, "ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(wait), dst_ip, check=False).returncode == 0


def refused_at_once(src, dst_ip, within=2.0):
    """Whether a change the API just acknowledged refuses pings from `src`, and keeps refusing
    them. The agents apply a change milliseconds after the answer (BENCHMARKS.md, issue 4
    point 4), so the first ping is normally refused already; a loaded machine gets `within`
    seconds."""
    eventually(lambda: not can_ping(src, dst_ip, count=1), timeout=within, interval=0.05, what="ping refused")
    return not can_ping(src, dst_ip, count=1)


def eventually(predicate, timeout=10.0, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def launch(ec2, count=1, **kwargs):
    """RunInstances and wait for running; returns the instances as DescribeInstances shows them."""
    res = ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=count, MaxCount=count, **kwargs)
    ids = [i["InstanceId"] for i in res["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    found = [i for r in ec2.describe_instances(InstanceIds=ids)["Reservations"] for i in r["Instances"]]
    return sorted(found, key=lambda i: ids.index(i["InstanceId"]))


def launch_when_hosts_ready(ec2, count=1, timeout=30, **kwargs):
    """`launch`, retried while RunInstances answers InsufficientInstanceCapacity (no agent registered yet)."""
    def attempt():
        try:
            return launch(ec2, count=count, **kwargs)
        except Exception as e:
            if "InsufficientInstanceCapacity" in str(e):
                return None
            raise
    return eventually(attempt, timeout=timeout, interval=0.5, what="agents registered")


def tear_down(server, agents, launched, data_dir):
    """After a test with its own `vpc serve` and agents: terminate what it launched, stop
    everything, and as a last resort delete the instances' namespaces (never leave them)."""
    if launched and server.proc and server.proc.poll() is None:
        try:
            from helpers import make_client
            ec2 = make_client(server.endpoint, "A")
            ec2.terminate_instances(InstanceIds=launched)
            ec2.get_waiter("instance_terminated").wait(InstanceIds=launched, WaiterConfig={"Delay": 0.5, "MaxAttempts": 60})
        except Exception:
            pass
    for agent in agents:
        agent.stop()
    server.cleanup()
    for i in launched:
        if netns_name(i) in namespaces():
            pids = subprocess.run(["ip", "netns", "pids", netns_name(i)], capture_output=True, text=True).stdout.split()
            for pid in pids:
                subprocess.run(["kill", "-9", pid])
            subprocess.run(["ip", "netns", "del", netns_name(i)], capture_output=True)
    shutil.rmtree(data_dir, ignore_errors=True)


def wait_address(instance):
    """Until the instance's DHCP client configured the ENI's primary address on eth0."""
    ip = instance["PrivateIpAddress"]
    eventually(lambda: re.search(rf"inet {re.escape(ip)}/", vx(instance["InstanceId"], "ip", "-4", "addr", "show", "dev", "eth0").stdout),
               timeout=20, what=f"DHCP lease of {ip} in {instance['InstanceId']}")
