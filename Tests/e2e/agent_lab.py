"""Shared pieces of the agent e2e tests: running `vpc agent` processes against a fake
feed, commands inside instance namespaces, DHCP with busybox udhcpc, metrics."""
import os
import signal
import subprocess
import urllib.request

from helpers import free_port, vpc_bin

UDHCPC_SCRIPT = r"""#!/bin/sh
# busybox udhcpc hook: record the offer, then configure the interface with it.
case "$1" in
  bound|renew)
    echo "ip=$ip mask=$mask router=$router dns=$dns domain=$domain mtu=$mtu hostname=$hostname lease=$lease serverid=$serverid" > "$LEASE_FILE"
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    ;;
esac
exit 0
"""


def netns_exec(inst, *cmd, timeout=30, env=None, check=False):
    return subprocess.run(["ip", "netns", "exec", "vpc-" + inst["id"], *cmd], capture_output=True, text=True,
                          timeout=timeout, env=env, check=check)


class Agent:
    def __init__(self, feed_url, host, underlay, token_file, workdir, cleanup=True, extra_args=()):
        self.host, self.underlay = host, underlay
        self.metrics_port = free_port()
        self.state_dir = os.path.join(workdir, host)
        self.log = open(os.path.join(workdir, host + ".log"), "a+")
        self.proc = subprocess.Popen(
            [vpc_bin(), "agent", "--control-plane", feed_url, "--host-id", host, "--underlay", underlay,
             "--token-file", token_file, "--state-dir", self.state_dir,
             "--metrics-listen", "127.0.0.1:%d" % self.metrics_port] + (["--cleanup-on-exit"] if cleanup else []) + list(extra_args),
            stdout=self.log, stderr=subprocess.STDOUT)

    def metrics(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port, timeout=5) as r:
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def output(self):
        self.log.seek(0)
        return self.log.read()


def metric(text, name, **labels):
    total = 0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all('%s="%s"' % kv in line for kv in labels.items()):
            total += int(line.rsplit(" ", 1)[1])
    return total


def dhcp(workdir, script, inst):
    lease_file = os.path.join(workdir, inst["id"] + ".lease")
    env = dict(os.environ, LEASE_FILE=lease_file)
    p = netns_exec(inst, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "3", "-T", "2",
                   "-s", script, "-O", "mtu", "-O", "domain", env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    with open(lease_file) as f:
        return dict(kv.split("=", 1) for kv in f.read().split())
