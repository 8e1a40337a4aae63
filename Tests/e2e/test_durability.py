"""Durability: every acknowledged write survives SIGKILL, the store stays consistent
(`vpc check --data-dir DIR` exits 0), and a ClientToken keeps its answer across a crash.

`ours`: starts our binary on its own data dir.
"""
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import ACCOUNTS, OurServer, make_client, vpc_bin

pytestmark = [pytest.mark.ours, pytest.mark.own_server]

CRASH_AFTER = float(os.environ.get("VPC_E2E_CRASH_AFTER", "2.0"))  # seconds of load before SIGKILL
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="vpc-e2e-durable-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def servers():
    """Tracks started servers so a failing test never leaves one running."""
    started = []
    yield started
    for s in started:
        s.cleanup()  # kills if still running; the data dir belongs to the data_dir fixture


def start(data_dir, servers, **kw):
    srv = OurServer(data_dir=data_dir, extra_args=["--no-throttle"], **kw)
    servers.append(srv)
    return srv.start()


def client(endpoint, account, region):
    key, secret, _ = ACCOUNTS[account]
    return boto3.client("ec2", region_name=region, endpoint_url=endpoint, aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                      connect_timeout=2, read_timeout=10))


def run_check(data_dir):
    p = subprocess.run([vpc_bin(), "check", "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"vpc check failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    return p


class Writer(threading.Thread):
    """One (account, region): VPCs up to the quota, then subnets, SGs and ENIs in them.
    Records an id only once the server has acknowledged it."""

    def __init__(self, endpoint, account, region, stop):
        super().__init__(daemon=True)
        self.ec2 = client(endpoint, account, region)
        self.account, self.region, self.stop = account, region, stop
        self.acked = {"vpc": [], "subnet": [], "sg": [], "eni": []}
        self.subnets_per_vpc = {}
        self.errors = []
        self.failures = []  # transport errors (expected only around the kill)

    def run(self):
        counter = itertools.count()
        vpc_quota_hit = False
        while not self.stop.is_set():
            n = next(counter)
            try:
                if not vpc_quota_hit and (n % 4 == 0 or not self.acked["vpc"]):
                    try:
                        cidr = f"10.{len(self.acked['vpc'])}.0.0/16"
                        vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
                        self.acked["vpc"].append(vpc)
                        self.subnets_per_vpc[vpc] = 0
                    except ClientError as e:
                        if e.response["Error"]["Code"] != "VpcLimitExceeded":
                            raise
                        vpc_quota_hit = True
                    continue
                vpc = self.acked["vpc"][n % len(self.acked["vpc"])]
                second = self.acked["vpc"].index(vpc)
                kind = n % 3
                if kind == 0 and self.subnets_per_vpc[vpc] < 150:
                    i = self.subnets_per_vpc[vpc]
                    self.subnets_per_vpc[vpc] += 1
                    sub = self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{second}.{i}.0/24")
                    self.acked["subnet"].append(sub["Subnet"]["SubnetId"])
                elif kind == 1:
                    sg = self.ec2.create_security_group(VpcId=vpc, GroupName=f"g{n}", Description="d")
                    self.acked["sg"].append(sg["GroupId"])
                elif self.acked["subnet"]:
                    subnet = self.acked["subnet"][n % len(self.acked["subnet"])]
                    eni = self.ec2.create_network_interface(SubnetId=subnet)
                    self.acked["eni"].append(eni["NetworkInterface"]["NetworkInterfaceId"])
            except ClientError as e:
                if not self.stop.is_set():
                    self.errors.append(e.response["Error"])
            except Exception as e:  # connection refused / reset once the server is killed
                self.failures.append(repr(e))
                if not self.stop.is_set():
                    time.sleep(0.05)


def describe_all(ec2, ids, call, key, id_key, param):
    found = set()
    for i in range(0, len(ids), 100):
        batch = ids[i:i + 100]
        found |= {x[id_key] for x in call(**{param: batch})[key]}
    return found


def test_acknowledged_writes_survive_sigkill(data_dir, servers):
    srv = start(data_dir, servers)
    stop = threading.Event()
    writers = [Writer(srv.endpoint, account, region, stop)
               for account in ("A", "B") for region in REGIONS]
    for w in writers:
        w.start()
    time.sleep(CRASH_AFTER)
    srv.proc.kill()  # SIGKILL mid-write
    srv.proc.wait()
    stop.set()
    for w in writers:
        w.join(timeout=15)
    total = sum(len(v) for w in writers for v in w.acked.values())
    assert total >= 20, f"only {total} writes acknowledged in {CRASH_AFTER} s: {writers[0].failures[:3]}"
    unexpected = [e for w in writers for e in w.errors]
    assert not unexpected, unexpected[:5]

    run_check(data_dir)  # consistent straight after the crash

    srv2 = start(data_dir, servers)
    for w in writers:
        ec2 = client(srv2.endpoint, w.account, w.region)
        checks = [("vpc", ec2.describe_vpcs, "Vpcs", "VpcId", "VpcIds"),
                  ("subnet", ec2.describe_subnets, "Subnets", "SubnetId", "SubnetIds"),
                  ("sg", ec2.describe_security_groups, "SecurityGroups", "GroupId", "GroupIds"),
                  ("eni", ec2.describe_network_interfaces, "NetworkInterfaces", "NetworkInterfaceId",
                   "NetworkInterfaceIds")]
        for kind, call, key, id_key, param in checks:
            ids = w.acked[kind]
            if ids:
                assert describe_all(ec2, ids, call, key, id_key, param) == set(ids), (w.account, w.region, kind)
        # Each ENI's address is unique within the account and region.
        enis = ec2.describe_network_interfaces()["NetworkInterfaces"]
        addrs = [(n["SubnetId"], p["PrivateIpAddress"]) for n in enis for p in n["PrivateIpAddresses"]]
        assert len(addrs) == len(set(addrs))
    # The server still works after recovery.
    a = make_client(srv2.endpoint, "A")
    vpc = a.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"][0]["VpcId"]
    assert a.create_security_group(VpcId=vpc, GroupName="after-crash", Description="d")["GroupId"]
    srv2.stop()
    assert srv2.proc.returncode == 0, "server did not exit cleanly on SIGTERM"
    run_check(data_dir)


def test_client_token_survives_sigkill(data_dir, servers):
    srv = start(data_dir, servers)
    a = make_client(srv.endpoint, "A")
    vpc = a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    token = "crash-token-0001"
    rt = a.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]["RouteTableId"]
    srv.proc.kill()
    srv.proc.wait()

    srv2 = start(data_dir, servers)
    a = make_client(srv2.endpoint, "A")
    again = a.create_route_table(VpcId=vpc, ClientToken=token)["RouteTable"]["RouteTableId"]
    assert again == rt
    tables = a.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    assert sorted(t["RouteTableId"] for t in tables if not any(x.get("Main") for x in t["Associations"])) == [rt]
    other = a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    with pytest.raises(ClientError) as e:
        a.create_route_table(VpcId=other, ClientToken=token)
    assert e.value.response["Error"]["Code"] == "IdempotentParameterMismatch"
    srv2.stop()


def test_graceful_restart_keeps_state_and_default_vpc(data_dir, servers):
    srv = start(data_dir, servers)
    a = make_client(srv.endpoint, "A")
    default = a.describe_vpcs()["Vpcs"]
    assert len(default) == 1 and default[0]["IsDefault"]
    vpc = a.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "keep"}]}])["Vpc"]["VpcId"]
    subnet = a.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]
    srv.stop()
    assert srv.proc.returncode == 0

    srv2 = start(data_dir, servers)
    a = make_client(srv2.endpoint, "A")
    vpcs = {v["VpcId"]: v for v in a.describe_vpcs()["Vpcs"]}
    assert set(vpcs) == {default[0]["VpcId"], vpc}  # no second default VPC on restart
    assert {t["Key"]: t["Value"] for t in vpcs[vpc]["Tags"]} == {"Name": "keep"}
    again = a.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]
    assert again["CidrBlock"] == "10.0.1.0/24" and again["AvailableIpAddressCount"] == 251
    # Ids keep being unique after restart.
    new = a.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    assert new != subnet["SubnetId"]
    srv2.stop()
    run_check(data_dir)
