"""End-to-end harness: drives a real EC2-compatible server with boto3 and the AWS CLI.

VPC_E2E_ENDPOINT set   -> use that server (e.g. moto_server); tests marked `ours` are skipped.
VPC_E2E_ENDPOINT unset -> start our server (VPC_BIN, default <repo>/.build/debug/vpc) once per session.
"""
import json
import os
import subprocess
import urllib.request

import pytest

from helpers import ACCOUNTS, EXTERNAL, REGION, CLIError, OurServer, make_client


@pytest.fixture(scope="session")
def server():
    """The server under test: an external endpoint, or our binary started for the session."""
    if EXTERNAL:
        yield {"endpoint": EXTERNAL.rstrip("/"), "external": True, "proc": None}
        return
    srv = OurServer()
    try:
        srv.start()
        yield {"endpoint": srv.endpoint, "external": False, "proc": srv}
        srv.stop()
    finally:
        srv.cleanup()


@pytest.fixture(scope="session")
def endpoint(server):
    return server["endpoint"]


def do_reset(server):
    path = "/moto-api/reset" if server["external"] else "/_vpc/reset"
    req = urllib.request.Request(server["endpoint"] + path, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 204), resp.status


@pytest.fixture(autouse=True)
def reset(request, server):
    """Every test starts from the first-start state (one default VPC per region)."""
    if request.node.get_closest_marker("ours") and server["external"]:
        pytest.skip("needs our server (marked `ours`)")
    if request.node.get_closest_marker("own_server"):
        yield  # the test starts its own server
        return
    do_reset(server)
    yield


def pytest_collection_modifyitems(config, items):
    if not EXTERNAL:
        return
    skip = pytest.mark.skip(reason="marked `ours`: runs only against our server")
    for item in items:
        if item.get_closest_marker("ours"):
            item.add_marker(skip)


@pytest.fixture
def ec2_a(endpoint):
    return make_client(endpoint, "A")


@pytest.fixture
def ec2_b(endpoint):
    return make_client(endpoint, "B")


@pytest.fixture
def aws_cli(endpoint, tmp_path):
    """aws_cli('create-vpc', '--cidr-block', '10.0.0.0/16') -> parsed JSON (or {} when empty)."""

    def run(*args, account="A"):
        key, secret, _ = ACCOUNTS[account]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="", AWS_MAX_ATTEMPTS="1",
                   HOME=str(tmp_path))
        cmd = ["aws", "ec2", *args, "--endpoint-url", endpoint, "--region", REGION,
               "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise CLIError(p.returncode, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    return run


