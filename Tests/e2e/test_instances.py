"""Instances and the host agents' feed, end to end: boto3 and the AWS CLI against `vpc serve`,
with a fake agent (fake_agent.py) that registers, long-polls the feed and reports status."""
import base64
import os
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import agent_token
from fake_agent import FakeAgent
from helpers import OurServer, make_client, vpc_bin

pytestmark = pytest.mark.ours

AMI = "ami-0123456789abcdef0"


def code(e):
    return e.value.response["Error"]["Code"]


def wait_state(ec2, instance_id, state, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        i = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        if i["State"]["Name"] == state:
            return i
        time.sleep(0.05)
    raise AssertionError(f"{instance_id} is {i['State']['Name']}, not {state}")


@pytest.fixture
def net(ec2_a):
    vpc = ec2_a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2_a.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2_a.create_security_group(VpcId=vpc, GroupName="web", Description="web")["GroupId"]
    return {"vpc": vpc, "subnet": subnet, "sg": sg}


def test_run_pending_then_running_and_describe_shape(ec2_a, host_agent, net):
    # boto3 base64-encodes UserData itself; the wire (and the agent) carry the base64.
    user_data = base64.b64encode(b"echo hello").decode()
    r = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                            SubnetId=net["subnet"], SecurityGroupIds=[net["sg"]], UserData="echo hello",
                            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]},
                                               {"ResourceType": "network-interface", "Tags": [{"Key": "role", "Value": "eth0"}]}])
    assert r["ReservationId"].startswith("r-") and r["OwnerId"] == "111111111111"
    i = r["Instances"][0]
    assert i["State"] == {"Code": 0, "Name": "pending"}
    assert i["InstanceType"] == "t3.micro" and i["ImageId"] == AMI
    assert i["SubnetId"] == net["subnet"] and i["VpcId"] == net["vpc"]
    ip = i["PrivateIpAddress"]
    assert ip == "10.0.1.4"  # the first address after the four reserved
    assert i["PrivateDnsName"] == "ip-10-0-1-4.ec2.internal"
    assert i["SecurityGroups"] == [{"GroupId": net["sg"], "GroupName": "web"}]
    eni = i["NetworkInterfaces"][0]
    assert eni["Attachment"]["DeviceIndex"] == 0 and eni["Attachment"]["DeleteOnTermination"] is True
    assert eni["MacAddress"].startswith("02:") and eni["Status"] == "in-use"
    assert "PublicIpAddress" not in i  # the subnet does not map public IPs

    running = wait_state(ec2_a, i["InstanceId"], "running")
    assert running["State"] == {"Code": 16, "Name": "running"}
    assert {"Key": "Name", "Value": "web-1"} in running["Tags"]
    enis = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"]
    assert enis[0]["Attachment"]["InstanceId"] == i["InstanceId"] and enis[0]["InterfaceType"] == "interface"
    assert {"Key": "role", "Value": "eth0"} in enis[0]["TagSet"]
    spec = host_agent.instances[i["InstanceId"]]
    assert spec["userData"] == user_data and spec["desiredState"] == "running"
    assert spec["interfaces"][0]["privateIpAddresses"] == [ip]

    out = ec2_a.get_console_output(InstanceId=i["InstanceId"])
    assert out["Output"].startswith(f"booted {i['InstanceId']}")  # boto3 decodes the base64
    statuses = ec2_a.describe_instance_status(InstanceIds=[i["InstanceId"]])["InstanceStatuses"]
    assert statuses[0]["InstanceStatus"]["Status"] == "ok"


def test_min_max_count_reservation_and_filters(ec2_a, host_agent, net):
    r = ec2_a.run_instances(ImageId=AMI, MinCount=2, MaxCount=3, SubnetId=net["subnet"])
    ids = sorted(i["InstanceId"] for i in r["Instances"])
    assert len(ids) == 3 and [i["AmiLaunchIndex"] for i in r["Instances"]] == [0, 1, 2]
    assert r["Instances"][0]["InstanceType"] == "m1.small"
    ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"])
    res = ec2_a.describe_instances(Filters=[{"Name": "reservation-id", "Values": [r["ReservationId"]]}])["Reservations"]
    assert len(res) == 1 and sorted(i["InstanceId"] for i in res[0]["Instances"]) == ids
    assert len(ec2_a.describe_instances()["Reservations"]) == 2
    zone = ec2_a.describe_subnets(SubnetIds=[net["subnet"]])["Subnets"][0]["AvailabilityZone"]
    for name, value in [("subnet-id", net["subnet"]), ("vpc-id", net["vpc"]), ("image-id", AMI),
                        ("instance-type", "m1.small"), ("availability-zone", zone)]:
        found = ec2_a.describe_instances(Filters=[{"Name": name, "Values": [value]}])["Reservations"]
        assert sum(len(x["Instances"]) for x in found) == 4, name
    one = r["Instances"][0]
    by_ip = ec2_a.describe_instances(Filters=[{"Name": "private-ip-address", "Values": [one["PrivateIpAddress"]]}])
    assert [i["InstanceId"] for x in by_ip["Reservations"] for i in x["Instances"]] == [one["InstanceId"]]
    by_eni = ec2_a.describe_instances(Filters=[{"Name": "network-interface.network-interface-id",
                                                "Values": [one["NetworkInterfaces"][0]["NetworkInterfaceId"]]}])
    assert by_eni["Reservations"][0]["Instances"][0]["InstanceId"] == one["InstanceId"]
    default_sg = ec2_a.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]},
                                                         {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    by_group = ec2_a.describe_instances(Filters=[{"Name": "instance.group-id", "Values": [default_sg["GroupId"]]}])
    assert sum(len(x["Instances"]) for x in by_group["Reservations"]) == 4
    ec2_a.create_tags(Resources=[one["InstanceId"]], Tags=[{"Key": "team", "Value": "net"}])
    tagged = ec2_a.describe_instances(Filters=[{"Name": "tag:team", "Values": ["net"]}])["Reservations"]
    assert [i["InstanceId"] for x in tagged for i in x["Instances"]] == [one["InstanceId"]]
    for i in ids:
        wait_state(ec2_a, i, "running")
    running = ec2_a.describe_instances(Filters=[{"Name": "instance-state-code", "Values": ["16"]}])["Reservations"]
    assert sum(len(x["Instances"]) for x in running) >= 3
    # Paging by instance.
    page = ec2_a.describe_instances(MaxResults=5)
    assert "NextToken" not in page
    seen = []
    token = None
    while True:
        kw = {"MaxResults": 5}
        if token:
            kw["NextToken"] = token
        p = ec2_a.describe_instances(**kw)
        seen += [i["InstanceId"] for x in p["Reservations"] for i in x["Instances"]]
        token = p.get("NextToken")
        if not token:
            break
    assert len(seen) == 4


def test_stop_start_reboot_terminate(ec2_a, host_agent, net):
    i = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"])["Instances"][0]["InstanceId"]
    wait_state(ec2_a, i, "running")
    stop = ec2_a.stop_instances(InstanceIds=[i])["StoppingInstances"][0]
    assert stop["PreviousState"]["Name"] == "running" and stop["CurrentState"] == {"Code": 64, "Name": "stopping"}
    stopped = wait_state(ec2_a, i, "stopped")
    assert stopped["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    assert stopped["StateTransitionReason"].startswith("User initiated (")
    assert ec2_a.describe_instance_status(InstanceIds=[i])["InstanceStatuses"] == []
    assert ec2_a.describe_instance_status(InstanceIds=[i], IncludeAllInstances=True)[
        "InstanceStatuses"][0]["InstanceState"]["Name"] == "stopped"
    with pytest.raises(ClientError) as e:
        ec2_a.reboot_instances(InstanceIds=[i])
    assert code(e) == "IncorrectInstanceState"
    ec2_a.modify_instance_attribute(InstanceId=i, InstanceType={"Value": "t3.large"})
    assert ec2_a.describe_instance_attribute(InstanceId=i, Attribute="instanceType")["InstanceType"]["Value"] == "t3.large"
    start = ec2_a.start_instances(InstanceIds=[i])["StartingInstances"][0]
    assert start["PreviousState"]["Name"] == "stopped" and start["CurrentState"] == {"Code": 0, "Name": "pending"}
    wait_state(ec2_a, i, "running")
    boot = host_agent.instances[i]["bootCount"]
    ec2_a.reboot_instances(InstanceIds=[i])
    deadline = time.time() + 5
    while host_agent.instances[i]["bootCount"] == boot and time.time() < deadline:
        time.sleep(0.02)
    assert host_agent.instances[i]["bootCount"] == boot + 1
    eni = ec2_a.describe_instances(InstanceIds=[i])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as e:
        ec2_a.delete_subnet(SubnetId=net["subnet"])
    assert code(e) == "DependencyViolation"
    with pytest.raises(ClientError) as e:
        ec2_a.delete_network_interface(NetworkInterfaceId=eni)
    assert code(e) == "InvalidNetworkInterface.InUse"
    term = ec2_a.terminate_instances(InstanceIds=[i])["TerminatingInstances"][0]
    assert term["PreviousState"]["Name"] == "running" and term["CurrentState"] == {"Code": 32, "Name": "shutting-down"}
    gone = wait_state(ec2_a, i, "terminated")
    assert gone["State"]["Code"] == 48 and gone["NetworkInterfaces"] == []
    assert ec2_a.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni]}])["NetworkInterfaces"] == []
    again = ec2_a.terminate_instances(InstanceIds=[i])["TerminatingInstances"][0]
    assert again["PreviousState"]["Name"] == "terminated" and again["CurrentState"]["Name"] == "terminated"
    with pytest.raises(ClientError) as e:
        ec2_a.start_instances(InstanceIds=[i])
    assert code(e) == "IncorrectInstanceState"
    ec2_a.delete_subnet(SubnetId=net["subnet"])  # nothing uses it any more


def test_errors(ec2_a, host_agent, net):
    cases = [
        (dict(ImageId="ami-xyz", MinCount=1, MaxCount=1, SubnetId=net["subnet"]), "InvalidAMIID.Malformed"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId="subnet-0123456789abcdef0"), "InvalidSubnetID.NotFound"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], InstanceType="Big One"), "InvalidParameterValue"),
        (dict(ImageId=AMI, MinCount=2, MaxCount=2, SubnetId=net["subnet"], PrivateIpAddress="10.0.1.10"), "InvalidParameterCombination"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], PrivateIpAddress="10.0.1.1"), "InvalidParameterValue"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SecurityGroups=["nope"]), "InvalidGroup.NotFound"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], SecurityGroups=["default"]), "InvalidParameterCombination"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], KeyName="k"), "InvalidKeyPair.NotFound"),
        (dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"],
              NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": net["subnet"]}]), "InvalidParameterCombination"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as e:
            ec2_a.run_instances(**kwargs)
            pytest.fail(f"no error for {kwargs}")
        assert code(e) == expected, kwargs
    assert ec2_a.describe_instances()["Reservations"] == []
    with pytest.raises(ClientError) as e:
        ec2_a.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert code(e) == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as e:
        ec2_a.stop_instances(InstanceIds=["i-nope"])
    assert code(e) == "InvalidInstanceID.Malformed"
    with pytest.raises(ClientError) as e:
        ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], DryRun=True)
    assert code(e) == "DryRunOperation"
    # A taken address.
    first = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], PrivateIpAddress="10.0.1.10")
    with pytest.raises(ClientError) as e:
        ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], PrivateIpAddress="10.0.1.10")
    assert code(e) == "InvalidIPAddress.InUse"
    with pytest.raises(ClientError) as e:
        ec2_a.delete_security_group(GroupId=first["Instances"][0]["SecurityGroups"][0]["GroupId"])
    assert code(e) in ("CannotDelete", "DependencyViolation")


def test_default_subnet_public_ip_and_names(ec2_a, host_agent):
    r = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SecurityGroups=["default"])
    i = r["Instances"][0]
    subnet = ec2_a.describe_subnets(SubnetIds=[i["SubnetId"]])["Subnets"][0]
    assert subnet["DefaultForAz"] and subnet["MapPublicIpOnLaunch"]
    assert i["PublicIpAddress"] and i["PublicDnsName"].endswith(".compute-1.amazonaws.com")
    eni = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[i["NetworkInterfaces"][0]["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni["Association"]["PublicIp"] == i["PublicIpAddress"] and eni["Association"]["IpOwnerId"] == "amazon"
    found = ec2_a.describe_instances(Filters=[{"Name": "ip-address", "Values": [i["PublicIpAddress"]]}])["Reservations"]
    assert found[0]["Instances"][0]["InstanceId"] == i["InstanceId"]
    wait_state(ec2_a, i["InstanceId"], "running")
    ec2_a.stop_instances(InstanceIds=[i["InstanceId"]])
    stopped = wait_state(ec2_a, i["InstanceId"], "stopped")
    assert "PublicIpAddress" not in stopped  # released on stop, as EC2 does


def test_existing_eni_and_modify_attributes(ec2_a, host_agent, net):
    eni = ec2_a.create_network_interface(SubnetId=net["subnet"], Groups=[net["sg"]])["NetworkInterface"]
    r = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=[
        {"DeviceIndex": 0, "NetworkInterfaceId": eni["NetworkInterfaceId"]}])
    i = r["Instances"][0]
    assert i["PrivateIpAddress"] == eni["PrivateIpAddress"]
    assert i["NetworkInterfaces"][0]["Attachment"]["DeleteOnTermination"] is False
    other = ec2_a.create_security_group(VpcId=net["vpc"], GroupName="other", Description="o")["GroupId"]
    ec2_a.modify_instance_attribute(InstanceId=i["InstanceId"], Groups=[other])
    got = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in got["Groups"]] == [other]
    ec2_a.modify_network_interface_attribute(NetworkInterfaceId=eni["NetworkInterfaceId"], Groups=[net["sg"]])
    desc = ec2_a.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="groupSet")
    assert [g["GroupId"] for g in desc["Groups"]] == [net["sg"]]
    ec2_a.modify_instance_attribute(InstanceId=i["InstanceId"], SourceDestCheck={"Value": False})
    assert ec2_a.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="sourceDestCheck")[
        "SourceDestCheck"]["Value"] is False
    wait_state(ec2_a, i["InstanceId"], "running")
    ec2_a.terminate_instances(InstanceIds=[i["InstanceId"]])
    wait_state(ec2_a, i["InstanceId"], "terminated")
    left = ec2_a.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert left["Status"] == "available" and "Attachment" not in left  # not deleted on termination


def test_cli_run_describe_terminate(aws_cli, host_agent, net):
    out = aws_cli("run-instances", "--image-id", AMI, "--count", "1", "--subnet-id", net["subnet"],
                  "--instance-type", "t3.nano")
    iid = out["Instances"][0]["InstanceId"]
    desc = aws_cli("describe-instances", "--instance-ids", iid)
    assert desc["Reservations"][0]["Instances"][0]["InstanceType"] == "t3.nano"
    deadline = time.time() + 10
    while time.time() < deadline:
        st = aws_cli("describe-instance-status", "--instance-ids", iid)["InstanceStatuses"]
        if st:
            break
        time.sleep(0.1)
    assert st[0]["InstanceState"]["Name"] == "running"
    console = aws_cli("get-console-output", "--instance-id", iid)
    assert console["InstanceId"] == iid and "booted" in console["Output"]  # the CLI decodes it
    term = aws_cli("terminate-instances", "--instance-ids", iid)
    assert term["TerminatingInstances"][0]["CurrentState"]["Name"] == "shutting-down"


def test_feed_long_poll_wakes_on_rule_change(ec2_a, server, host_agent, net):
    i = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"],
                            SecurityGroupIds=[net["sg"]])["Instances"][0]
    wait_state(ec2_a, i["InstanceId"], "running")
    watcher = FakeAgent(server["endpoint"], agent_token(server), host_agent.host_id)
    watcher.apply(watcher.feed(since=0))
    assert net["vpc"] in watcher.networks and i["InstanceId"] in watcher.instances
    assert watcher.networks[net["vpc"]]["domainName"] == "ec2.internal"
    for change in ("authorize", "revoke"):
        got = {}

        def poll():
            got["update"] = watcher.feed(wait=10)
            got["at"] = time.monotonic()

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.3)  # the poll is parked
        perm = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}]
        if change == "authorize":
            ec2_a.authorize_security_group_ingress(GroupId=net["sg"], IpPermissions=perm)
        else:
            ec2_a.revoke_security_group_ingress(GroupId=net["sg"], IpPermissions=perm)
        answered = time.monotonic()
        t.join(timeout=10)
        update = got["update"]
        # Woken by the commit: the feed answer comes with (or before) the API's.
        assert got["at"] - answered < 0.25, got["at"] - answered
        assert not update["full"] and [n["vpcId"] for n in update["networks"]] == [net["vpc"]]
        assert update["instances"] == []
        watcher.apply(update)
        group = next(g for g in watcher.networks[net["vpc"]]["securityGroups"] if g["groupId"] == net["sg"])
        has_rule = any(r["cidrs"] == ["10.9.0.0/16"] and r["fromPort"] == 443 for r in group["ingress"])
        assert has_rule == (change == "authorize")
    # Resume from `since`: nothing newer, so an immediate empty delta at the same version.
    again = watcher.feed(since=watcher.version, wait=0)
    assert not again["full"] and again["networks"] == [] and again["version"] >= watcher.version
    # An unknown base gets everything.
    assert watcher.feed(since=watcher.version + 1_000_000, wait=0)["full"]
    # Enforcement timing saw the host acknowledge those writes.
    status, report = host_agent.call("GET", "/_vpc/agent/enforcement")
    assert status == 200 and report["hosts"][host_agent.host_id]["count"] >= 2
    assert report["hosts"][host_agent.host_id]["p50Ms"] is not None


def test_feed_terminate_removes_instance_and_endpoint(ec2_a, server, host_agent, net):
    ids = [x["InstanceId"] for x in ec2_a.run_instances(ImageId=AMI, MinCount=2, MaxCount=2,
                                                        SubnetId=net["subnet"])["Instances"]]
    for i in ids:
        wait_state(ec2_a, i, "running")
    watcher = FakeAgent(server["endpoint"], agent_token(server), host_agent.host_id)
    watcher.apply(watcher.feed(since=0))
    endpoints = {e["instanceId"] for e in watcher.networks[net["vpc"]]["endpoints"]}
    assert set(ids) <= endpoints
    ec2_a.terminate_instances(InstanceIds=[ids[0]])
    update = watcher.feed(wait=5)
    assert update["removedInstances"] == [ids[0]]
    watcher.apply(update)
    endpoints = {e["instanceId"] for e in watcher.networks[net["vpc"]]["endpoints"]}
    assert ids[0] not in endpoints and ids[1] in endpoints
    lookup_ip = next(e["address"] for e in watcher.networks[net["vpc"]]["endpoints"] if e["instanceId"] == ids[1])
    vni = watcher.networks[net["vpc"]]["vni"]
    status, endpoint = watcher.call("GET", f"/_vpc/agent/lookup?host={watcher.host_id}&vni={vni}&address={lookup_ip}")
    assert status == 200 and endpoint["instanceId"] == ids[1] and endpoint["underlay"] == host_agent.underlay
    status, _ = watcher.call("GET", f"/_vpc/agent/lookup?host={watcher.host_id}&vni={vni}&address=10.0.1.250")
    assert status == 404


def test_agent_calls_need_the_token(server, host_agent):
    for token in ("", "wrong"):
        for method, path in [("GET", "/_vpc/agent/feed?host=host-e2e-1&since=0"), ("GET", "/_vpc/agent/enforcement"),
                             ("POST", "/_vpc/agent/register"), ("POST", "/_vpc/agent/status")]:
            status, _ = host_agent.call(method, path, body={} if method == "POST" else None, token=token)
            assert status == 401, (token, path)
    st = os.stat(os.path.join(server["proc"].data_dir, "agent-token"))
    assert st.st_mode & 0o777 == 0o600


@pytest.mark.own_server
def test_a_hosts_own_token_acts_for_that_host_alone():
    """`vpc agent-token` prints a host's own token: it reads that host's feed and reports for
    it, and is refused (403) for another host's; a forged one is refused (401)."""
    srv = OurServer(extra_args=["--no-throttle"])
    try:
        srv.start()

        def token_of_current(host):
            return subprocess.run([vpc_bin(), "agent-token", "--data-dir", srv.data_dir, "--host-id", host],
                                  check=True, capture_output=True, text=True).stdout.strip()

        def token_of(host):
            out = token_of_current(host)
            assert out.startswith(host + ".") and len(out) == len(host) + 1 + 64
            return out
        with open(os.path.join(srv.data_dir, "agent-token")) as f:
            other = FakeAgent(srv.endpoint, f.read().strip(), "host-other").register()
        mine = FakeAgent(srv.endpoint, token_of("host-mine"), "host-mine").register()
        mine.step()
        other.step()
        assert mine.call("GET", "/_vpc/agent/feed?host=host-other&since=0&wait=0")[0] == 403
        assert mine.call("POST", "/_vpc/agent/status", {"hostId": "host-other", "appliedVersion": 0, "instances": []})[0] == 403
        assert mine.call("POST", "/_vpc/agent/register",
                         {"hostId": "host-other", "underlay": "192.0.2.99", "underlayPort": 6081})[0] == 403
        forged = "host-other." + token_of("host-mine").split(".")[-1]
        assert mine.call("GET", "/_vpc/agent/feed?host=host-other&since=0&wait=0", token=forged)[0] == 401
        assert subprocess.run([vpc_bin(), "agent-token", "--data-dir", srv.data_dir, "--host-id", "a b"],
                              capture_output=True).returncode != 0
        # Revoking one host's token: the running server refuses it at once; the next works.
        old = mine.token
        new = subprocess.run([vpc_bin(), "agent-token", "--data-dir", srv.data_dir, "--host-id", "host-mine", "--revoke"],
                             check=True, capture_output=True, text=True).stdout.strip()
        assert new.startswith("host-mine.1.") and new != old
        assert mine.call("GET", "/_vpc/agent/feed?host=host-mine&since=0&wait=0")[0] == 401
        assert mine.call("GET", "/_vpc/agent/feed?host=host-mine&since=0&wait=0", token=new)[0] == 200
        assert token_of_current("host-mine") == new
        other.step()  # other hosts keep theirs
    finally:
        srv.cleanup()


@pytest.mark.own_server
def test_no_host_no_capacity_and_versions_survive_restart(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    srv = OurServer(extra_args=["--no-throttle", "--agent-token-file", str(token_file)])
    try:
        srv.start()
        ec2 = make_client(srv.endpoint, "A")
        with pytest.raises(ClientError) as e:
            ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
        assert code(e) == "InsufficientInstanceCapacity"
        agent = FakeAgent(srv.endpoint, "s3cret-token", "host-restart").register()
        iid = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        agent.step()
        before = agent.version
        assert iid in agent.instances
        srv.stop()
        srv.start()
        update = agent.feed(since=before, wait=0)
        assert update["full"] and update["version"] >= before
        assert [s["instanceId"] for s in update["instances"]] == [iid]
        ec2 = make_client(srv.endpoint, "A")
        assert ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
        ec2.create_tags(Resources=[iid], Tags=[{"Key": "k", "Value": "v"}])
        assert agent.feed(since=0)["version"] > before
    finally:
        srv.cleanup()


def test_client_token_launches_once(ec2_a, host_agent, net):
    first = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], ClientToken="launch-1")
    again = ec2_a.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"], ClientToken="launch-1")
    assert again["ReservationId"] == first["ReservationId"]
    assert again["Instances"][0]["InstanceId"] == first["Instances"][0]["InstanceId"]
    assert len(ec2_a.describe_instances()["Reservations"]) == 1
    found = ec2_a.describe_instances(Filters=[{"Name": "client-token", "Values": ["launch-1"]}])["Reservations"]
    assert found[0]["Instances"][0]["ClientToken"] == "launch-1"
    with pytest.raises(ClientError) as e:
        ec2_a.run_instances(ImageId=AMI, MinCount=2, MaxCount=2, SubnetId=net["subnet"], ClientToken="launch-1")
    assert code(e) == "IdempotentParameterMismatch"


@pytest.mark.own_server
def test_placement_stays_within_each_hosts_interfaces(tmp_path):
    """A host registers how many interfaces it holds; launches and attachments past every
    host's room are refused as EC2 refuses them, and a terminated instance frees its place."""
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    srv = OurServer(extra_args=["--no-throttle", "--agent-token-file", str(token_file)])
    try:
        srv.start()
        agent = FakeAgent(srv.endpoint, "s3cret-token", "host-small", interface_capacity=2).register()
        assert agent.call("POST", "/_vpc/agent/register", {"hostId": "host-bad", "underlay": "192.0.2.11",
                                                           "underlayPort": 6081, "interfaceCapacity": 0})[0] == 400
        ec2 = make_client(srv.endpoint, "A")
        ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=5)["Instances"]]
        assert len(ids) == 2  # MaxCount trimmed to the room left
        with pytest.raises(ClientError) as e:
            ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
        assert code(e) == "InsufficientInstanceCapacity"
        agent.step()
        subnet = ec2.describe_instances(InstanceIds=[ids[0]])["Reservations"][0]["Instances"][0]["SubnetId"]
        eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        with pytest.raises(ClientError) as e:
            ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=ids[0], DeviceIndex=1)
        assert code(e) == "AttachmentLimitExceeded"
        ec2.terminate_instances(InstanceIds=[ids[1]])
        agent.step()  # the agent reports it terminated
        wait_state(ec2, ids[1], "terminated")
        assert ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=ids[0], DeviceIndex=1)["AttachmentId"]
        with pytest.raises(ClientError) as e:
            ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
        assert code(e) == "InsufficientInstanceCapacity"
    finally:
        srv.cleanup()


@pytest.mark.own_server
def test_the_instance_quota_is_the_operators(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    srv = OurServer(extra_args=["--no-throttle", "--agent-token-file", str(token_file), "--quota-instances", "1"])
    try:
        srv.start()
        FakeAgent(srv.endpoint, "s3cret-token", "host-quota").register()
        ec2 = make_client(srv.endpoint, "A")
        assert len(ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=3)["Instances"]) == 1
        with pytest.raises(ClientError) as e:
            ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
        assert code(e) == "InstanceLimitExceeded"
        # Per account: another account still launches.
        assert len(make_client(srv.endpoint, "B").run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"]) == 1
    finally:
        srv.cleanup()


@pytest.mark.own_server
def test_launches_go_only_to_hosts_whose_agents_are_heard_from(tmp_path):
    """A host whose agent has gone quiet for --host-silence-limit gets no new instances (they
    would stay pending there); one in a long poll is heard from throughout."""
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    srv = OurServer(extra_args=["--no-throttle", "--agent-token-file", str(token_file), "--host-silence-limit", "3"])
    try:
        srv.start()
        quiet = FakeAgent(srv.endpoint, "s3cret-token", "host-quiet").register()
        talking = FakeAgent(srv.endpoint, "s3cret-token", "host-talking").register()
        ec2 = make_client(srv.endpoint, "A")
        time.sleep(1.6)
        talking.step()
        time.sleep(1.6)  # host-quiet silent for 3.2 s, host-talking for 1.6
        ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=AMI, MinCount=3, MaxCount=3)["Instances"]]
        talking.step()
        quiet.step()
        assert sorted(talking.instances) == sorted(ids) and quiet.instances == {}
        for i in ids:
            wait_state(ec2, i, "running")
        time.sleep(3.2)  # both silent
        with pytest.raises(ClientError) as e:
            ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
        assert code(e) == "InsufficientInstanceCapacity"
        assert "heard from" in e.value.response["Error"]["Message"]
        assert len(ec2.describe_instances()["Reservations"]) == 1  # nothing launched
        # Their instances fail the system status check (the answer is not a stale cached one).
        statuses = ec2.describe_instance_status(InstanceIds=ids)["InstanceStatuses"]
        assert {s["SystemStatus"]["Status"] for s in statuses} == {"impaired"}
        assert {s["SystemStatus"]["Details"][0]["Status"] for s in statuses} == {"failed"}
        assert {s["InstanceStatus"]["Status"] for s in statuses} == {"insufficient-data"}
        talking.step()
        statuses = ec2.describe_instance_status(InstanceIds=ids)["InstanceStatuses"]
        assert {s["SystemStatus"]["Status"] for s in statuses} == {"ok"}
        # host-quiet long-polls (past the limit): it is live while it waits, and gets the launch.
        polled = {}
        poll = threading.Thread(target=lambda: polled.update(quiet.feed(wait=8)))
        poll.start()
        time.sleep(3.5)
        new = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        poll.join(timeout=10)
        assert [s["instanceId"] for s in polled["instances"]] == [new]
    finally:
        srv.cleanup()
