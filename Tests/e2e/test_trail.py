"""Audit trail: every call (reads, writes, failures, authentication failures) is a
CloudTrail record; LookupEvents over the CloudTrail JSON protocol finds them per
account; `vpc trail verify` passes; a SIGKILL leaves exactly one record per
acknowledged create and no record of a create that did not happen.

`ours`: CloudTrail on the EC2 endpoint, digests and `vpc trail verify` are ours.
"""
import base64
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import types

import boto3
import pytest
import rsa
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import ACCOUNTS, REGION, OurServer, make_client, vpc_bin

pytestmark = [pytest.mark.ours, pytest.mark.own_server]


@pytest.fixture
def trail_server():
    d = tempfile.mkdtemp(prefix="vpc-e2e-trail-")
    srv = OurServer(data_dir=d, extra_args=["--no-throttle", "--digest-interval", "1"])
    srv.start()
    yield srv
    srv.cleanup()
    shutil.rmtree(d, ignore_errors=True)


def cloudtrail(endpoint, account="A"):
    return make_client(endpoint, account, service="cloudtrail")


def lookup_cli(endpoint, *args, account="A"):
    key, secret, _ = ACCOUNTS[account]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_DEFAULT_REGION=REGION, AWS_PAGER="",
               AWS_MAX_ATTEMPTS="1")
    p = subprocess.run(["aws", "cloudtrail", "lookup-events", "--endpoint-url", endpoint, "--region", REGION,
                        "--output", "json", *args], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["Events"]


def poll(fn, ok, timeout=5.0):
    """Records of reads and failures are appended in batches: poll until `ok`."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if ok(value) or time.time() > deadline:
            return value
        time.sleep(0.1)


def by_name(ct, name):
    return ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]


def run_verify(data_dir):
    p = subprocess.run([vpc_bin(), "trail", "verify", "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"vpc trail verify failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_lookup_events_finds_calls_per_account(trail_server):
    endpoint = trail_server.endpoint
    a = make_client(endpoint, "A")
    created = a.create_vpc(CidrBlock="10.0.0.0/16")
    vpc = created["Vpc"]["VpcId"]
    subnet = a.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    a.describe_vpcs(VpcIds=[vpc])

    events = lookup_cli(endpoint, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateVpc")
    assert len(events) == 1, events  # a write's record is committed with the write: no polling needed
    ev = events[0]
    record = json.loads(ev["CloudTrailEvent"])
    assert ev["EventName"] == "CreateVpc" and ev["ReadOnly"] == "false" and ev["Username"] == "admin"
    assert ev["AccessKeyId"] == ACCOUNTS["A"][0] and ev["EventSource"] == "ec2.amazonaws.com"
    assert {"ResourceType": "AWS::EC2::VPC", "ResourceName": vpc} in ev["Resources"]
    assert record["requestID"] == created["ResponseMetadata"]["RequestId"]
    assert record["eventVersion"] == "1.11" and record["eventType"] == "AwsApiCall" and record["managementEvent"]
    assert record["recipientAccountId"] == ACCOUNTS["A"][2]
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNTS['A'][2]}:user/admin"
    assert record["requestParameters"] == {"cidrBlock": "10.0.0.0/16"}
    assert record["responseElements"]["vpc"]["vpcId"] == vpc

    ct = cloudtrail(endpoint)
    by_resource = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": subnet}])
    assert [e["EventName"] for e in by_resource["Events"]] == ["CreateSubnet"]
    reads = poll(lambda: by_name(ct, "DescribeVpcs"), lambda e: len(e) >= 1)
    assert json.loads(reads[0]["CloudTrailEvent"])["responseElements"] is None
    assert reads[0]["ReadOnly"] == "true"
    # Account B sees none of A's records.
    b = cloudtrail(endpoint, "B")
    assert by_name(b, "CreateVpc") == []
    assert lookup_cli(endpoint, "--lookup-attributes", f"AttributeKey=ResourceName,AttributeValue={vpc}",
                      account="B") == []
    assert all(json.loads(e["CloudTrailEvent"])["recipientAccountId"] == ACCOUNTS["B"][2]
               for e in b.lookup_events()["Events"])


def test_failures_and_auth_failures_are_recorded(trail_server):
    endpoint = trail_server.endpoint
    a = make_client(endpoint, "A", retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as bad:
        a.create_vpc(CidrBlock="10.0.0.0/33")
    request_id = bad.value.response["ResponseMetadata"]["RequestId"]
    key, _, account = ACCOUNTS["A"]
    wrong = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint, aws_access_key_id=key,
                         aws_secret_access_key="not-the-secret", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as denied:
        wrong.describe_subnets()
    assert denied.value.response["Error"]["Code"] == "AuthFailure"

    ct = cloudtrail(endpoint)
    failed = poll(lambda: [e for e in by_name(ct, "CreateVpc") if "errorCode" in e["CloudTrailEvent"]],
                  lambda e: len(e) >= 1)
    record = json.loads(failed[0]["CloudTrailEvent"])
    assert record["errorCode"] == "Client.InvalidParameterValue" and "10.0.0.0/33" in record["errorMessage"]
    assert record["requestID"] == request_id
    assert record["responseElements"] is None

    auth = poll(lambda: by_name(ct, "DescribeSubnets"), lambda e: len(e) >= 1)
    record = json.loads(auth[0]["CloudTrailEvent"])
    assert record["errorCode"] == "Client.AuthFailure"
    assert record["userIdentity"]["accessKeyId"] == key and record["recipientAccountId"] == account
    assert denied.value.response["ResponseMetadata"]["RequestId"] == record["requestID"]
    assert "not-the-secret" not in auth[0]["CloudTrailEvent"]


def test_lookup_events_paging_and_errors(trail_server):
    endpoint = trail_server.endpoint
    a = make_client(endpoint, "A")
    ids = [a.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(3)]
    ct = cloudtrail(endpoint)
    seen, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateVpc"}],
                                MaxResults=1, **kw)
        assert len(page["Events"]) <= 1
        seen += [r["ResourceName"] for e in page["Events"] for r in e["Resources"]
                 if r["ResourceType"] == "AWS::EC2::VPC"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == list(reversed(ids))  # newest first
    now = time.time()
    assert ct.lookup_events(StartTime=now + 3600, EndTime=now + 7200)["Events"] == []
    assert len(ct.lookup_events(StartTime=now - 3600, EndTime=now + 60,
                                LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateVpc"}])["Events"]) == 3
    with pytest.raises(ClientError) as e:
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateVpc"},
                                           {"AttributeKey": "Username", "AttributeValue": "admin"}])
    assert e.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:
        ct.lookup_events(MaxResults=51)
    assert e.value.response["Error"]["Code"] == "InvalidMaxResultsException"


def test_trail_verifies_after_calls(trail_server):
    a = make_client(trail_server.endpoint, "A")
    vpc = a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a.create_security_group(VpcId=vpc, GroupName="g", Description="d")
    a.describe_vpcs()
    time.sleep(2.5)  # at least one digest interval
    out = run_verify(trail_server.data_dir)  # while running
    assert out.startswith("verified ")
    trail_server.stop()
    out = run_verify(trail_server.data_dir)
    assert "digests" in out and " 0 digests" not in out, out
    head = json.load(open(os.path.join(trail_server.data_dir, "trail", "HEAD")))
    assert head["lastSequence"] >= 3 and head["digestKey"].startswith("AWSLogs/123456789012/CloudTrail-Digest/")
    assert os.path.exists(os.path.join(trail_server.data_dir, "trail", head["digestKey"]))
    assert "trail checkpoint digest=" in trail_server.log_tail(100_000)


def test_aws_cli_validator_accepts_the_exported_trail(trail_server):
    """The exported trail passes the checks of the AWS CLI's own `validate-logs`: each digest's
    SHA256withRSA signature and each log file's SHA-256 (of its uncompressed content), run on
    the trail directory through a stand-in S3 client (there is no bucket here)."""
    from awscli.customizations.cloudtrail.validation import (CloudTrailValidateLogs, DigestProvider,
                                                              Sha256RSADigestValidator)
    a = make_client(trail_server.endpoint, "A")
    a.create_vpc(CidrBlock="10.0.0.0/16")
    a.describe_vpcs()
    time.sleep(2.5)  # at least one digest interval
    trail = os.path.join(trail_server.data_dir, "trail")

    class Bucket:
        def get_object(self, Bucket, Key):
            path = os.path.join(trail, Key)
            with open(path, "rb") as f:
                body = io.BytesIO(f.read())
            metadata = {}
            if os.path.exists(path + ".metadata.json"):
                with open(path + ".metadata.json") as f:
                    metadata = json.load(f)
            return {"Body": body, "Metadata": metadata}

    clients = types.SimpleNamespace(get_client=lambda bucket: Bucket())
    with open(os.path.join(trail_server.data_dir, "trail-signing-key.pub.pem"), "rb") as f:
        public_key = base64.b64encode(rsa.PublicKey.load_pkcs1_openssl_pem(f.read()).save_pkcs1(format="DER"))
    digests = sorted(os.path.relpath(os.path.join(d, n), trail) for d, _, names in os.walk(trail)
                     for n in names if n.endswith(".json.gz") and "CloudTrail-Digest" in d)
    assert digests
    provider = DigestProvider(clients, "123456789012", "trail", REGION)
    invalid = []
    validator = types.SimpleNamespace(s3_client_provider=clients, _valid_logs=0, _write_status=lambda message: None,
                                      _on_log_invalid=lambda log: invalid.append(log["s3Object"]),
                                      _on_missing_log=lambda log: invalid.append("missing " + log["s3Object"]))
    logs = 0
    for key in digests:
        data, inflated = provider.fetch_digest("trail", key)
        Sha256RSADigestValidator().validate(data["digestS3Bucket"], key, public_key, data, inflated)  # raises if not
        for log in data["logFiles"]:
            CloudTrailValidateLogs._download_log(validator, log)
            logs += 1
    assert logs > 0 and validator._valid_logs == logs and not invalid, invalid


class Creator(threading.Thread):
    """Creates VPCs (then security groups in them) and remembers each acknowledged id with its request id."""

    def __init__(self, endpoint, account, region, stop):
        super().__init__(daemon=True)
        key, secret, _ = ACCOUNTS[account]
        self.ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint, aws_access_key_id=key,
                                aws_secret_access_key=secret,
                                config=Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10))
        self.stop, self.acked, self.vpcs = stop, [], []

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                if len(self.vpcs) < 4:
                    r = self.ec2.create_vpc(CidrBlock=f"10.{len(self.vpcs)}.0.0/16")
                    self.vpcs.append(r["Vpc"]["VpcId"])
                    self.acked.append(("CreateVpc", r["Vpc"]["VpcId"], r["ResponseMetadata"]["RequestId"]))
                else:
                    r = self.ec2.create_security_group(VpcId=self.vpcs[n % 4], GroupName=f"g{n}", Description="d")
                    self.acked.append(("CreateSecurityGroup", r["GroupId"], r["ResponseMetadata"]["RequestId"]))
            except Exception:
                if not self.stop.is_set():
                    time.sleep(0.05)


def test_sigkill_leaves_one_record_per_acknowledged_create():
    d = tempfile.mkdtemp(prefix="vpc-e2e-trail-kill-")
    servers = []
    try:
        srv = OurServer(data_dir=d, extra_args=["--no-throttle", "--digest-interval", "1"])
        servers.append(srv)
        srv.start()
        stop = threading.Event()
        creators = [Creator(srv.endpoint, account, region, stop)
                    for account in ("A", "B") for region in ("us-east-1", "eu-west-1")]
        for c in creators:
            c.start()
        time.sleep(2.0)
        srv.proc.kill()  # SIGKILL mid-write
        srv.proc.wait()
        stop.set()
        for c in creators:
            c.join(timeout=15)
        acked = [a for c in creators for a in c.acked]
        assert len(acked) >= 10, f"only {len(acked)} creates acknowledged"

        db = sqlite3.connect(os.path.join(d, "vpc.sqlite"))
        records = [json.loads(body) for (body,) in db.execute("SELECT body FROM audit_events ORDER BY seq")]
        db.close()
        successes = {}
        for r in records:
            if r["eventName"] in ("CreateVpc", "CreateSecurityGroup") and "errorCode" not in r:
                successes.setdefault(r["requestID"], []).append(r)
        for name, resource, request_id in acked:
            found = successes.get(request_id, [])
            assert len(found) == 1, (name, resource, request_id, len(found))
            assert found[0]["eventName"] == name
            assert any(x["ARN"].endswith("/" + resource) for x in found[0]["resources"])

        srv2 = OurServer(data_dir=d, extra_args=["--no-throttle", "--digest-interval", "1"])
        servers.append(srv2)
        srv2.start()
        # Every success record's resource exists after the restart (no record of a create that did not happen).
        for r in successes.values():
            r = r[0]
            account = r["recipientAccountId"]
            name = next(k for k, v in ACCOUNTS.items() if v[2] == account)
            ec2 = make_client(srv2.endpoint, name) if r["awsRegion"] == REGION else boto3.client(
                "ec2", region_name=r["awsRegion"], endpoint_url=srv2.endpoint, aws_access_key_id=ACCOUNTS[name][0],
                aws_secret_access_key=ACCOUNTS[name][1])
            if r["eventName"] == "CreateVpc":
                vpc = r["responseElements"]["vpc"]["vpcId"]
                assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
            else:
                group = r["responseElements"]["groupId"]
                assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
        srv2.stop()
        assert srv2.proc.returncode == 0
        run_verify(d)
    finally:
        for s in servers:
            s.cleanup()
        shutil.rmtree(d, ignore_errors=True)
