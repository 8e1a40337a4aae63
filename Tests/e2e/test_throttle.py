"""Throttling: per-account token buckets answered with 503 RequestLimitExceeded.

Starts its own server with a tiny Describe bucket: `--throttle-describe 5:1` (5 tokens,
refill 1 per second). Override the flags with VPC_E2E_THROTTLE_ARGS if the server spells
them differently. `ours`: moto does not throttle.
"""
import os
import shlex
import time

import pytest
from botocore.exceptions import ClientError

from helpers import http, make_client, parse_error, serve

pytestmark = [pytest.mark.ours, pytest.mark.own_server]

# botocore: "max_attempts" counts retries; "total_max_attempts" includes the first try.
NO_RETRY = {"total_max_attempts": 1, "mode": "standard"}
# Filtered describes: AWS has a separate bucket for unfiltered, unpaginated Describe calls,
# so the burst uses a filter to land in the plain "Describe" bucket.
ANY_VPC = [{"Name": "is-default", "Values": ["true", "false"]}]
THROTTLE_ARGS = shlex.split(os.environ.get("VPC_E2E_THROTTLE_ARGS",
                                           "--throttle-describe 5:1 --throttle-unauthenticated 5:0"))


@pytest.fixture(scope="module")
def throttled_server():
    yield from serve(THROTTLE_ARGS)


def burst(ec2, n):
    ok, throttled = 0, []
    for _ in range(n):
        try:
            resp = ec2.describe_vpcs(Filters=ANY_VPC)
            assert resp["ResponseMetadata"]["RetryAttempts"] == 0
            assert len(resp["Vpcs"]) >= 1
            ok += 1
        except ClientError as e:
            throttled.append((e.response["Error"]["Code"],
                              e.response["ResponseMetadata"]["HTTPStatusCode"],
                              e.response["ResponseMetadata"]["RetryAttempts"]))
    return ok, throttled


def test_burst_is_throttled_then_recovers(throttled_server):
    a = make_client(throttled_server.endpoint, "A", retries=NO_RETRY)
    b = make_client(throttled_server.endpoint, "B", retries=NO_RETRY)
    start = time.monotonic()
    ok, throttled = burst(a, 20)
    elapsed = time.monotonic() - start
    assert throttled, "no request was throttled"
    assert all(t == ("RequestLimitExceeded", 503, 0) for t in throttled), throttled
    # 5 tokens up front plus at most one per elapsed second.
    assert 5 <= ok <= 5 + int(elapsed) + 1, (ok, elapsed)
    assert len(throttled) == 20 - ok

    # Account B has its own bucket: A's burst does not touch it.
    ok_b, throttled_b = burst(b, 5)
    assert (ok_b, throttled_b) == (5, [])

    # A's mutating calls use another bucket.
    vpc = a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assert vpc.startswith("vpc-")

    time.sleep(3.2)  # refill at 1/s: at least 3 tokens back
    ok, throttled = burst(a, 3)
    assert (ok, throttled) == (3, [])
    # And a retrying client (botocore standard mode backs off on RequestLimitExceeded) gets through.
    patient = make_client(throttled_server.endpoint, "A",
                          retries={"total_max_attempts": 10, "mode": "standard"})
    for _ in range(4):
        assert patient.describe_vpcs(Filters=ANY_VPC)["Vpcs"]


def test_throttle_error_envelope(throttled_server):
    from helpers import parse_error, signed_request

    time.sleep(5.5)  # refill fully
    codes = []
    for _ in range(12):
        r = signed_request(throttled_server.endpoint, {"Action": "DescribeSubnets", "Version": "2016-11-15",
                                                                    "Filter.1.Name": "default-for-az",
                                                                    "Filter.1.Value.1": "true"},
                           account="A")
        if r.status_code != 200:
            assert r.status_code == 503
            codes.append(parse_error(r)[0])
    assert codes and set(codes) == {"RequestLimitExceeded"}


def test_failed_authentication_is_metered_per_source(throttled_server):
    """Calls that fail authentication leave trail records no account is metered for: past
    their source's rate (here 5, no refill) they are refused and not recorded."""
    url = throttled_server.endpoint + "/"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = [http("POST", url, data="Action=DescribeVpcs&Version=2016-11-15", headers=form) for _ in range(8)]
    assert [r.status_code for r in answers] == [401] * 5 + [503] * 3
    assert parse_error(answers[-1])[0] == "RequestLimitExceeded"
    # Signed calls from the same address are metered by their account, as before.
    a = make_client(throttled_server.endpoint, "A", retries=NO_RETRY)
    assert a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"].startswith("vpc-")
