"""End-to-end harness: drives a real EC2-compatible server with boto3 and the AWS CLI.

VPC_E2E_ENDPOINT set   -> use that server (e.g. moto_server); tests marked `ours` are skipped.
VPC_E2E_ENDPOINT unset -> start our server (VPC_BIN, default <repo>/.build/debug/vpc) once per session.
"""
import json
import os
import subprocess

import pytest

from helpers import ACCOUNTS, EXTERNAL, REGION, CLIError, OurServer, do_reset, make_client

# VPC_E2E_RUN_OURS=1 runs `ours` tests against an external endpoint anyway (to see where it differs).
RUN_OURS = os.environ.get("VPC_E2E_RUN_OURS") == "1"


@pytest.fixture(scope="session")
def server():
    """The server under test: an external endpoint, or our binary started for the session."""
    if EXTERNAL:
        yield {"endpoint": EXTERNAL.rstrip("/"), "external": True, "proc": None}
        return
    # Throttling off for the functional suite (test_throttle starts its own throttled server).
    srv = OurServer(extra_args=["--no-throttle"])
    try:
        srv.start()
        yield {"endpoint": srv.endpoint, "external": False, "proc": srv}
        srv.stop()
    finally:
        srv.cleanup()


@pytest.fixture(scope="session")
def endpoint(server):
    return server["endpoint"]


@pytest.fixture(autouse=True)
def reset(request):
    """Every test starts from the first-start state (one default VPC per region)."""
    if request.node.get_closest_marker("ours") and EXTERNAL and not RUN_OURS:
        pytest.skip("needs our server (marked `ours`)")
    if request.node.get_closest_marker("own_server") or request.node.get_closest_marker("no_reset"):
        yield  # the test starts its own server, or its module resets once for a shared world
        return
    do_reset(request.getfixturevalue("server"))
    yield


def pytest_collection_modifyitems(config, items):
    if not EXTERNAL or RUN_OURS:
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




def agent_token(server):
    with open(os.path.join(server["proc"].data_dir, "agent-token")) as f:
        return f.read().strip()


@pytest.fixture(scope="session")
def host_agent(server):
    """One fake host agent for the session, reporting its instances as asked (hosts survive
    /_vpc/reset, so it serves every test)."""
    if server["external"]:
        pytest.skip("needs our server's agent endpoints")
    from fake_agent import FakeAgent
    agent = FakeAgent(server["endpoint"], agent_token(server), "host-e2e-1").register().start()
    yield agent
    agent.stop()
