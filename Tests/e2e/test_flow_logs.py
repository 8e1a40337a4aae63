"""Flow logs: CreateFlowLogs/DescribeFlowLogs/DeleteFlowLogs with boto3 and the AWS CLI; records
delivered by a fake agent (POST /_vpc/agent/flow-records with the agent token) and read back with
`aws logs filter-log-events`/`get-log-events`, from the S3-style directory, and with `vpc flow-logs`."""
import gzip
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import ACCOUNTS, REGION, OurServer, error_code, http, make_client, vpc_bin

ROLE = "arn:aws:iam::111111111111:role/flow-logs"
ACCOUNT_A = ACCOUNTS["A"][2]


@pytest.fixture
def data_dir(server):
    return server["proc"].data_dir


@pytest.fixture
def net(ec2_a):
    vpc = ec2_a.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2_a.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    eni = ec2_a.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.20.1.10")["NetworkInterface"]
    other = ec2_a.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.20.1.20")["NetworkInterface"]
    return {"vpc": vpc, "subnet": subnet, "eni": eni["NetworkInterfaceId"], "other": other["NetworkInterfaceId"]}


def deliver(endpoint, data_dir, batch, token=None):
    token = token or Path(data_dir, "agent-token").read_text().strip()
    return http("POST", endpoint + "/_vpc/agent/flow-records", data=json.dumps(batch).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def record(src, dst, sport, dport, action, start, direction="ingress", proto=6, packets=4, size=240, flags=27):
    return {"srcaddr": src, "dstaddr": dst, "srcport": sport, "dstport": dport, "protocol": proto,
            "packets": packets, "bytes": size, "start": start, "end": start + 3, "action": action,
            "tcpFlags": flags, "flowDirection": direction}


def logs_cli(endpoint, tmp_path, *args):
    key, secret, _ = ACCOUNTS["A"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_DEFAULT_REGION=REGION, AWS_PAGER="",
               AWS_MAX_ATTEMPTS="1", HOME=str(tmp_path))
    p = subprocess.run(["aws", "logs", *args, "--endpoint-url", endpoint, "--output", "json"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.ours  # moto fails the whole call for an unknown VPC; AWS lists it in Unsuccessful
def test_create_describe_delete(ec2_a, net):
    made = ec2_a.create_flow_logs(
        ResourceType="VPC", ResourceIds=[net["vpc"], "vpc-0123456789abcdef0"], TrafficType="ALL",
        LogGroupName="e2e-flows", DeliverLogsPermissionArn=ROLE, MaxAggregationInterval=60,
        LogFormat="${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}",
        TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "team", "Value": "net"}]}])
    assert len(made["FlowLogIds"]) == 1
    assert made["Unsuccessful"] == [{"Error": {"Code": "InvalidVpcID.NotFound",
                                               "Message": "The vpc ID 'vpc-0123456789abcdef0' does not exist"},
                                     "ResourceId": "vpc-0123456789abcdef0"}]
    fl = made["FlowLogIds"][0]
    s3 = ec2_a.create_flow_logs(ResourceType="Subnet", ResourceIds=[net["subnet"]], TrafficType="REJECT",
                                LogDestinationType="s3", LogDestination="arn:aws:s3:::e2e-bucket/flows")["FlowLogIds"][0]
    shown = {f["FlowLogId"]: f for f in ec2_a.describe_flow_logs()["FlowLogs"]}
    assert set(shown) == {fl, s3}
    f = shown[fl]
    assert (f["ResourceId"], f["TrafficType"], f["LogDestinationType"], f["LogGroupName"]) == (
        net["vpc"], "ALL", "cloud-watch-logs", "e2e-flows")
    assert f["LogDestination"] == f"arn:aws:logs:{REGION}:{ACCOUNT_A}:log-group:e2e-flows"
    assert (f["DeliverLogsPermissionArn"], f["DeliverLogsStatus"], f["FlowLogStatus"]) == (ROLE, "SUCCESS", "ACTIVE")
    assert f["MaxAggregationInterval"] == 60 and f["Tags"] == [{"Key": "team", "Value": "net"}]
    assert f["LogFormat"] == "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}"
    assert shown[s3]["LogDestination"] == "arn:aws:s3:::e2e-bucket/flows" and "LogGroupName" not in shown[s3]
    assert shown[s3]["LogFormat"].startswith("${version} ${account-id} ${interface-id}")
    assert shown[s3]["MaxAggregationInterval"] == 600

    def ids(**kw):
        return {x["FlowLogId"] for x in ec2_a.describe_flow_logs(**kw)["FlowLogs"]}
    assert ids(Filters=[{"Name": "resource-id", "Values": [net["subnet"]]}]) == {s3}
    assert ids(Filters=[{"Name": "log-destination-type", "Values": ["cloud-watch-logs"]}]) == {fl}
    assert ids(Filters=[{"Name": "traffic-type", "Values": ["REJECT"]}]) == {s3}
    assert ids(Filters=[{"Name": "log-group-name", "Values": ["e2e-*"]}]) == {fl}
    assert ids(Filters=[{"Name": "tag:team", "Values": ["net"]}]) == {fl}
    assert ids(Filters=[{"Name": "deliver-log-status", "Values": ["FAILED"]}]) == set()
    assert ids(FlowLogIds=[s3]) == {s3}

    again = ec2_a.create_flow_logs(ResourceType="VPC", ResourceIds=[net["vpc"]], TrafficType="ALL",
                                   LogGroupName="e2e-flows", DeliverLogsPermissionArn=ROLE)
    assert again["FlowLogIds"] == [] and again["Unsuccessful"][0]["Error"]["Code"] == "FlowLogAlreadyExists"

    gone = ec2_a.delete_flow_logs(FlowLogIds=[fl, "fl-0123456789abcdef0"])
    assert gone["Unsuccessful"] == [{"Error": {
        "Code": "InvalidFlowLogId.NotFound",
        "Message": "These flow log ids in the input list are not found: [TotalCount: 1] fl-0123456789abcdef0"},
        "ResourceId": "fl-0123456789abcdef0"}]
    assert ids() == {s3}


# moto checks only the interval, the role and that a destination is given.
OURS = pytest.mark.ours


@pytest.mark.parametrize("kwargs,code", [
    ({"MaxAggregationInterval": 300}, "InvalidParameter"),
    pytest.param({"LogFormat": "${srcaddr} ${not-a-field}"}, "InvalidParameter", marks=OURS),
    pytest.param({"LogFormat": "srcaddr dstaddr"}, "InvalidParameter", marks=OURS),
    ({"DeliverLogsPermissionArn": None}, "InvalidParameter"),
    pytest.param({"DeliverLogsPermissionArn": "arn:aws:iam::1:role/x"}, "InvalidParameter", marks=OURS),
    ({"LogGroupName": None}, "InvalidParameter"),
    pytest.param({"LogDestination": "arn:aws:logs:us-east-1:111111111111:log-group:x"}, "InvalidParameter", marks=OURS),
    ({"LogDestinationType": "s3", "LogGroupName": None, "DeliverLogsPermissionArn": None}, "InvalidParameter"),
    pytest.param({"LogDestinationType": "s3", "LogGroupName": None, "DeliverLogsPermissionArn": None,
                  "LogDestination": "arn:aws:s3:::Not_A_Bucket"}, "InvalidParameter", marks=OURS),
    pytest.param({"TrafficType": None}, "MissingParameter", marks=OURS),
    pytest.param({"ResourceType": "TransitGateway"}, "InvalidParameterValue", marks=OURS),
])
def test_invalid_requests_create_nothing(ec2_a, net, kwargs, code):
    params = {"ResourceType": "VPC", "ResourceIds": [net["vpc"]], "TrafficType": "ALL", "LogGroupName": "g",
              "DeliverLogsPermissionArn": ROLE}
    params.update(kwargs)
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(ClientError) as e:
        ec2_a.create_flow_logs(**params)
    assert error_code(e) == code
    assert ec2_a.describe_flow_logs()["FlowLogs"] == []


@pytest.mark.ours  # moto does not replay a ClientToken (it answers FlowLogAlreadyExists)
def test_client_token_replays_the_answer(ec2_a, net):
    params = dict(ResourceType="VPC", ResourceIds=[net["vpc"]], TrafficType="ALL", LogGroupName="tok",
                  DeliverLogsPermissionArn=ROLE, ClientToken="flow-" + uuid.uuid4().hex)
    first = ec2_a.create_flow_logs(**params)
    again = ec2_a.create_flow_logs(**params)
    assert again["FlowLogIds"] == first["FlowLogIds"] and len(first["FlowLogIds"]) == 1
    assert first["ClientToken"] == params["ClientToken"]
    with pytest.raises(ClientError) as e:
        ec2_a.create_flow_logs(**dict(params, TrafficType="REJECT"))
    assert error_code(e) == "IdempotentParameterMismatch"
    assert len(ec2_a.describe_flow_logs()["FlowLogs"]) == 1


@pytest.mark.ours  # moto's DeleteFlowLogs answer has no Unsuccessful list
def test_dry_run_and_cli(ec2_a, net, aws_cli):
    with pytest.raises(ClientError) as e:
        ec2_a.create_flow_logs(ResourceType="VPC", ResourceIds=[net["vpc"]], TrafficType="ALL", LogGroupName="g",
                               DeliverLogsPermissionArn=ROLE, DryRun=True)
    assert error_code(e) == "DryRunOperation"
    made = aws_cli("create-flow-logs", "--resource-type", "NetworkInterface", "--resource-ids", net["eni"],
                   "--traffic-type", "ACCEPT", "--log-group-name", "cli-flows",
                   "--deliver-logs-permission-arn", ROLE)
    assert len(made["FlowLogIds"]) == 1
    listed = aws_cli("describe-flow-logs", "--filter", f"Name=resource-id,Values={net['eni']}")
    assert [f["FlowLogId"] for f in listed["FlowLogs"]] == made["FlowLogIds"]
    assert aws_cli("delete-flow-logs", "--flow-log-ids", made["FlowLogIds"][0])["Unsuccessful"] == []


@pytest.mark.ours  # the agent endpoint and the data directory are ours
def test_delivered_records_read_with_aws_logs_and_vpc_flow_logs(ec2_a, net, endpoint, data_dir, tmp_path):
    group = "e2e-" + uuid.uuid4().hex[:8]
    fl = ec2_a.create_flow_logs(ResourceType="VPC", ResourceIds=[net["vpc"]], TrafficType="ALL", LogGroupName=group,
                                DeliverLogsPermissionArn=ROLE)["FlowLogIds"][0]
    reject_only = ec2_a.create_flow_logs(ResourceType="NetworkInterface", ResourceIds=[net["eni"]],
                                         TrafficType="REJECT", LogGroupName=group,
                                         DeliverLogsPermissionArn=ROLE)["FlowLogIds"][0]
    t0 = int(time.time()) // 60 * 60 - 120
    eni, peer = net["eni"], "10.20.1.20"
    ssh = record(peer, "10.20.1.10", 40022, 22, "ACCEPT", t0 + 5)
    rdp = record(peer, "10.20.1.10", 40389, 3389, "REJECT", t0 + 10, packets=1, size=60, flags=2)
    batch = {"hostId": "e2e-host", "sequence": 1, "windows": [
        {"flowLogId": fl, "networkInterfaceId": eni, "start": t0, "end": t0 + 60, "logStatus": "OK", "records": [ssh, rdp]},
        {"flowLogId": reject_only, "networkInterfaceId": eni, "start": t0, "end": t0 + 60, "logStatus": "OK",
         "records": [ssh, rdp]},
        {"flowLogId": fl, "networkInterfaceId": net["other"], "start": t0 + 60, "end": t0 + 120, "logStatus": "NODATA",
         "records": []},
    ]}
    # No token, a wrong token: refused, nothing stored.
    assert http("POST", endpoint + "/_vpc/agent/flow-records", data=json.dumps(batch).encode()).status_code == 401
    assert deliver(endpoint, data_dir, batch, token="wrong").status_code == 401
    r = deliver(endpoint, data_dir, batch)
    assert r.status_code == 200, r.text
    assert json.loads(r.text) == {"stored": 4, "duplicate": False, "dropped": 1, "failed": 0}
    # The agent restarted before it saw the answer: the same batch again is not stored twice.
    again = deliver(endpoint, data_dir, batch)
    assert json.loads(again.text) == {"stored": 0, "duplicate": True, "dropped": 0, "failed": 0}

    line_ssh = f"2 {ACCOUNT_A} {eni} {peer} 10.20.1.10 40022 22 6 4 240 {t0 + 5} {t0 + 8} ACCEPT OK"
    line_rdp = f"2 {ACCOUNT_A} {eni} {peer} 10.20.1.10 40389 3389 6 1 60 {t0 + 10} {t0 + 13} REJECT OK"
    line_nodata = f"2 {ACCOUNT_A} {net['other']} - - - - - - - {t0 + 60} {t0 + 120} - NODATA"

    everything = logs_cli(endpoint, tmp_path, "filter-log-events", "--log-group-name", group)
    assert sorted((e["logStreamName"], e["message"]) for e in everything["events"]) == sorted([
        (f"{eni}-all", line_ssh), (f"{eni}-all", line_rdp), (f"{eni}-reject", line_rdp),
        (f"{net['other']}-all", line_nodata)])
    ssh_only = logs_cli(endpoint, tmp_path, "filter-log-events", "--log-group-name", group, "--filter-pattern",
                        '[version, account, eni, source, destination, srcport, destport="22", protocol, packets, bytes, '
                        'windowstart, windowend, action, flowlogstatus]')
    assert [e["message"] for e in ssh_only["events"]] == [line_ssh]
    rejects = logs_cli(endpoint, tmp_path, "filter-log-events", "--log-group-name", group,
                       "--log-stream-names", f"{eni}-all", "--filter-pattern", "REJECT")
    assert [e["message"] for e in rejects["events"]] == [line_rdp]
    stream = logs_cli(endpoint, tmp_path, "get-log-events", "--log-group-name", group,
                      "--log-stream-name", f"{eni}-all", "--start-from-head")
    assert [e["message"] for e in stream["events"]] == [line_ssh, line_rdp]
    assert stream["events"][0]["timestamp"] == (t0 + 5) * 1000
    groups = logs_cli(endpoint, tmp_path, "describe-log-groups", "--log-group-name-prefix", group)
    assert [g["logGroupName"] for g in groups["logGroups"]] == [group]
    streams = logs_cli(endpoint, tmp_path, "describe-log-streams", "--log-group-name", group)
    assert sorted(s["logStreamName"] for s in streams["logStreams"]) == sorted(
        [f"{eni}-all", f"{eni}-reject", f"{net['other']}-all"])

    def vpc_flow_logs(*args):
        p = subprocess.run([vpc_bin(), "flow-logs", *args, "--data-dir", data_dir], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout.splitlines()
    assert vpc_flow_logs("query", "--flow-log-id", fl) == [line_ssh, line_rdp, line_nodata]
    assert vpc_flow_logs("query", "--eni", eni, "--action", "REJECT") == [line_rdp, line_rdp]
    assert vpc_flow_logs("query", "--address", peer, "--flow-log-id", fl, "--until", str(t0 + 6)) == [line_ssh]
    assert vpc_flow_logs("query", "--eni", net["other"], "--since", str(t0 + 60)) == [line_nodata]
    assert vpc_flow_logs("tail", "-n", "1", "--eni", eni, "--long") == [f"{group} {eni}-reject {line_rdp}"]


@pytest.mark.ours  # the agent endpoint and the data directory are ours
def test_s3_destination_objects(ec2_a, net, endpoint, data_dir):
    bucket = "e2e-" + uuid.uuid4().hex[:12]
    fl = ec2_a.create_flow_logs(ResourceType="Subnet", ResourceIds=[net["subnet"]], TrafficType="ALL",
                                LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{bucket}/team",
                                LogFormat="${interface-id} ${srcaddr} ${dstport} ${action} ${flow-direction}")["FlowLogIds"][0]
    t0 = 1_800_000_000
    batch = {"hostId": "e2e-s3", "sequence": 5, "windows": [
        {"flowLogId": fl, "networkInterfaceId": net["eni"], "start": t0, "end": t0 + 60, "logStatus": "OK",
         "records": [record("10.20.1.20", "10.20.1.10", 5000, 53, "ACCEPT", t0 + 1, proto=17, flags=0)]}]}
    assert json.loads(deliver(endpoint, data_dir, batch).text)["stored"] == 1
    assert json.loads(deliver(endpoint, data_dir, batch).text)["duplicate"] is True
    root = Path(data_dir, "s3", bucket)
    objects = sorted(root.rglob("*.log.gz"))
    assert [str(o.relative_to(root).parent) for o in objects] == [f"team/AWSLogs/{ACCOUNT_A}/vpcflowlogs/{REGION}/2027/01/15"]
    assert objects[0].name.startswith(f"{ACCOUNT_A}_vpcflowlogs_{REGION}_{fl}_20270115T0800Z_")
    assert gzip.decompress(objects[0].read_bytes()).decode() == (
        "interface-id srcaddr dstport action flow-direction\n"
        f"{net['eni']} 10.20.1.20 53 ACCEPT ingress\n")


@pytest.mark.ours
@pytest.mark.own_server
def test_batches_survive_a_control_plane_restart():
    """A batch acknowledged before a restart is still a duplicate after it (the key is in SQLite)."""
    srv = OurServer(extra_args=["--no-throttle", "--flow-log-interval-override", "2"])
    try:
        srv.start()
        a = make_client(srv.endpoint, "A")
        vpc = a.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        subnet = a.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
        eni = a.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        fl = a.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL", LogGroupName="restart",
                                DeliverLogsPermissionArn=ROLE)["FlowLogIds"][0]
        batch = {"hostId": "h", "sequence": 42, "windows": [
            {"flowLogId": fl, "networkInterfaceId": eni, "start": 1_800_000_000, "end": 1_800_000_002,
             "logStatus": "NODATA", "records": []}]}
        assert json.loads(deliver(srv.endpoint, srv.data_dir, batch).text)["stored"] == 1
        token = Path(srv.data_dir, "agent-token").read_text().strip()
        assert oct(os.stat(Path(srv.data_dir, "agent-token")).st_mode & 0o777) == "0o600"
        srv.kill()
        srv.start()
        assert Path(srv.data_dir, "agent-token").read_text().strip() == token
        assert json.loads(deliver(srv.endpoint, srv.data_dir, batch).text)["duplicate"] is True
        events = make_client(srv.endpoint, "A", service="logs").filter_log_events(logGroupName="restart")["events"]
        assert len(events) == 1 and events[0]["message"].endswith("- NODATA")
    finally:
        srv.cleanup()


@pytest.mark.ours  # the agent endpoint and the data directory are ours
def test_tail_follow_prints_new_records(ec2_a, net, endpoint, data_dir):
    fl = ec2_a.create_flow_logs(ResourceType="NetworkInterface", ResourceIds=[net["eni"]], TrafficType="ALL",
                                LogGroupName="follow", DeliverLogsPermissionArn=ROLE)["FlowLogIds"][0]
    t0 = int(time.time())
    old = {"hostId": "tail", "sequence": 1, "windows": [
        {"flowLogId": fl, "networkInterfaceId": net["eni"], "start": t0 - 60, "end": t0, "logStatus": "NODATA", "records": []}]}
    assert json.loads(deliver(endpoint, data_dir, old).text)["stored"] == 1
    proc = subprocess.Popen([vpc_bin(), "flow-logs", "tail", "-n", "1", "-f", "--eni", net["eni"], "--data-dir", data_dir],
                            stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, proc.kill)  # a missing line fails the test instead of hanging it
    watchdog.start()
    try:
        assert proc.stdout.readline().rstrip("\n").endswith(" - NODATA")
        new = {"hostId": "tail", "sequence": 2, "windows": [
            {"flowLogId": fl, "networkInterfaceId": net["eni"], "start": t0, "end": t0 + 60, "logStatus": "OK",
             "records": [record("10.20.1.20", "10.20.1.10", 1234, 80, "ACCEPT", t0 + 1)]}]}
        assert json.loads(deliver(endpoint, data_dir, new).text)["stored"] == 1
        line = proc.stdout.readline().rstrip("\n")  # the follower polls every second
        assert line == f"2 {ACCOUNT_A} {net['eni']} 10.20.1.20 10.20.1.10 1234 80 6 4 240 {t0 + 1} {t0 + 4} ACCEPT OK"
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()


@pytest.mark.ours  # the agent endpoint is ours
def test_a_busy_interval_over_one_mebibyte(ec2_a, net, endpoint, data_dir):
    fl = ec2_a.create_flow_logs(ResourceType="NetworkInterface", ResourceIds=[net["eni"]], TrafficType="ACCEPT",
                                LogGroupName="busy", DeliverLogsPermissionArn=ROLE)["FlowLogIds"][0]
    t0 = 1_800_000_000
    records = [record(f"10.20.{n // 250}.{n % 250 + 1}", "10.20.1.10", 1024 + n % 60000, 443,
                      "REJECT" if n % 4 == 0 else "ACCEPT", t0 + n % 60) for n in range(8000)]
    body = {"hostId": "busy", "sequence": 1, "windows": [
        {"flowLogId": fl, "networkInterfaceId": net["eni"], "start": t0, "end": t0 + 60, "logStatus": "OK",
         "records": records}]}
    assert len(json.dumps(body)) > 1 << 20
    r = deliver(endpoint, data_dir, body)
    assert r.status_code == 200, r.text
    assert json.loads(r.text) == {"stored": 6000, "duplicate": False, "dropped": 2000, "failed": 0}
    logs = make_client(endpoint, "A", service="logs")
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName="busy", filterPattern="[..., action=ACCEPT, status]")
    assert sum(len(p["events"]) for p in pages) == 6000
