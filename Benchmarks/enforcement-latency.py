#!/usr/bin/env python3
"""API-response-to-enforcement time with real host agents (issue 4 point 4).

Starts `vpc up` (release build, 2 agents), launches one instance per host in one security
group, then alternates AuthorizeSecurityGroupIngress / RevokeSecurityGroupIngress on it.
Each write changes both hosts' documents; the control plane times, per host, from the
write's HTTP response to the host's status report acknowledging that version, which the
agent sends only after installing the update in its data plane
(`GET /_vpc/agent/enforcement`). Needs root. Usage:

  sudo Benchmarks/enforcement-latency.py [--writes 200] [--gap-ms 20] [--bin .build/release/vpc]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "Tests", "e2e"))

KEY, SECRET, ACCOUNT = "AKIDBENCH000000000001", "benchsecret", "111111111111"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--gap-ms", type=float, default=20, help="pause between writes")
    ap.add_argument("--bin", default=os.path.join(REPO, ".build", "release", "vpc"))
    args = ap.parse_args()
    os.environ["VPC_BIN"] = args.bin
    from helpers import free_port, wait_tcp
    from hosts import launch_when_hosts_ready

    import boto3
    data_dir = tempfile.mkdtemp(prefix="vpc-bench-enf-")
    port, metrics = free_port(), free_port()
    up = subprocess.Popen([args.bin, "up", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, "--hosts", "2",
                           "--metrics-port", str(metrics), "--no-throttle", "--credentials", f"{KEY}:{SECRET}:{ACCOUNT}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ec2 = None
    ids = []
    try:
        wait_tcp(port, up, timeout=60)
        endpoint = f"http://127.0.0.1:{port}"
        ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY,
                           aws_secret_access_key=SECRET)
        vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.90.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(VpcId=vpc, GroupName="bench", Description="bench")["GroupId"]
        instances = launch_when_hosts_ready(ec2, count=2, SubnetId=subnet, SecurityGroupIds=[sg])
        ids = [i["InstanceId"] for i in instances]
        time.sleep(1)
        perm = [{"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.90.0.0/16"}]}]
        for n in range(args.writes):
            if n % 2 == 0:
                ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perm)
            else:
                ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=perm)
            time.sleep(args.gap_ms / 1000)
        time.sleep(1)
        token = open(os.path.join(data_dir, "agent-token")).read().strip()
        req = urllib.request.Request(endpoint + "/_vpc/agent/enforcement", headers={"Authorization": "Bearer " + token})
        report = json.load(urllib.request.urlopen(req, timeout=10))
        if os.environ.get("VERBOSE"):
            print(json.dumps(report, indent=1)[:3000])
        print(f"{args.writes} security-group writes, 2 agents ({args.bin})")
        print(f"{'host':10} {'count':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for name, s in sorted(report["hosts"].items()) + [("all", report["all"])]:
            if not s.get("count"):
                continue
            print(f"{name:10} {s['count']:>6} {s['p50Ms']:>8.2f} {s['p90Ms']:>8.2f} {s['p99Ms']:>8.2f} {s['maxMs']:>8.2f}")
    finally:
        if ec2 is not None and ids:
            try:
                ec2.terminate_instances(InstanceIds=ids)
                ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig={"Delay": 0.5, "MaxAttempts": 60})
            except Exception:
                pass
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
