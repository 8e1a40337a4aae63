"""Issue 4 point 8: restart safety with the real control plane.

`vpc serve` and two `vpc agent`s as separate processes (as on real hosts). Killing an agent
keeps its instances' namespaces; the restarted agent reattaches and traffic resumes within
seconds, without rerunning user data. Restarting the control plane loses nothing: agents
resume the feed and later changes are enforced. Root only (CI is root).
"""
import os
import subprocess
import tempfile
import time

import pytest

from helpers import OurServer, make_client, vpc_bin
from hosts import can_ping, eventually, launch_when_hosts_ready, namespaces, netns_name, require_root, tear_down, wait_address

pytestmark = [pytest.mark.ours, pytest.mark.own_server]


class AgentProcess:
    """One `vpc agent` (no --cleanup-on-exit: a restart must keep its instances)."""

    def __init__(self, endpoint, host, underlay, token_file, state_dir, log_dir):
        self.args = [vpc_bin(), "agent", "--control-plane", endpoint, "--host-id", host, "--underlay", underlay,
                     "--token-file", token_file, "--state-dir", state_dir]
        self.log_path = os.path.join(log_dir, f"{host}.log")
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def test_agent_and_control_plane_restarts(tmp_path):
    require_root()
    data_dir = tempfile.mkdtemp(prefix="vpc-e2e-restart-")
    server = OurServer(data_dir=data_dir, extra_args=["--no-throttle"])
    token = os.path.join(data_dir, "agent-token")
    agents = []
    launched = []
    try:
        server.start()
        # Two hosts on loopback addresses of their own (unused by the vpc up suites' 127.0.0.2-3).
        for n, underlay in ((1, "127.0.0.12"), (2, "127.0.0.13")):
            a = AgentProcess(server.endpoint, f"rhost-{n}", underlay, token, str(tmp_path / f"host-{n}"), str(tmp_path))
            a.start()
            agents.append(a)
        ec2 = make_client(server.endpoint, "A")
        vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.31.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(VpcId=vpc, GroupName="ping", Description="ping")["GroupId"]
        rule = ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.31.0.0/16"}]}])
        rule_id = rule["SecurityGroupRules"][0]["SecurityGroupRuleId"]

        a, b = launch_when_hosts_ready(ec2, count=2, SubnetId=subnet, SecurityGroupIds=[sg], UserData="echo booted-once\n")
        launched += [a["InstanceId"], b["InstanceId"]]
        for i in (a, b):
            wait_address(i)
        ia, ip_b = a["InstanceId"], b["PrivateIpAddress"]
        assert can_ping(ia, ip_b)

        # Agent restart: SIGKILL host 1's agent (no cleanup), start it again.
        agents[0].kill()
        assert {netns_name(a["InstanceId"]), netns_name(b["InstanceId"])} <= namespaces()
        agents[0].start()
        started = time.time()
        eventually(lambda: can_ping(ia, ip_b, count=1), timeout=15, what="traffic after the agent restart")
        resumed_in = time.time() - started
        assert resumed_in < 10, resumed_in
        console = ec2.get_console_output(InstanceId=ia).get("Output", "")
        assert console.count("booted-once") <= 1  # user data not rerun by the reattach

        # Control-plane restart: nothing lost, agents resume the feed, changes still enforced.
        server.stop()
        assert can_ping(ia, ip_b)  # the data plane does not need the control plane
        server.start()
        ec2 = make_client(server.endpoint, "A")
        states = {i["InstanceId"]: i["State"]["Name"]
                  for r in ec2.describe_instances(InstanceIds=launched)["Reservations"] for i in r["Instances"]}
        assert states == {ia: "running", b["InstanceId"]: "running"}
        ec2.revoke_security_group_ingress(GroupId=sg, SecurityGroupRuleIds=[rule_id])
        eventually(lambda: not can_ping(ia, ip_b, count=1), timeout=15, what="revoke enforced after restart")
    finally:
        tear_down(server, agents, launched, data_dir)
    assert not ({netns_name(i) for i in launched} & namespaces()), "namespaces left behind"
