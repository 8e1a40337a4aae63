"""Shared helpers for the e2e suite (servers, clients, error accessors)."""
import atexit
import os
import signal
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNTS = {
    "A": ("AKIDTESTA0000000001", "secretA", "111111111111"),
    "B": ("AKIDTESTB0000000002", "secretB", "222222222222"),
}
EXTERNAL = os.environ.get("VPC_E2E_ENDPOINT")


def is_external():
    return bool(EXTERNAL)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vpc_bin():
    return os.environ.get("VPC_BIN", str(REPO / ".build" / "debug" / "vpc"))


def wait_tcp(port, proc=None, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer within {timeout}s")


_LIVE = set()


@atexit.register
def _kill_leftovers():
    """Never leave a server behind, even if pytest dies between setup and teardown."""
    for srv in list(_LIVE):
        srv.kill()


class OurServer:
    """One `vpc serve` process on a free 127.0.0.1 port with its own data dir."""

    def __init__(self, data_dir=None, extra_args=(), port=None):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="vpc-e2e-")
        self.extra_args = list(extra_args)
        self.port = port or free_port()
        self.proc = None
        # Logs live outside the data dir so the server (and `vpc check`) only ever see their own files.
        self.log_dir = tempfile.mkdtemp(prefix="vpc-e2e-log-")
        self.log_path = os.path.join(self.log_dir, f"server-{self.port}.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        binary = vpc_bin()
        if not os.path.exists(binary):
            pytest.skip(f"vpc binary not found at {binary} (set VPC_BIN or VPC_E2E_ENDPOINT)")
        cmd = [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
               "--enable-reset"]
        for key, secret, account in ACCOUNTS.values():
            cmd += ["--credentials", f"{key}:{secret}:{account}"]
        cmd += self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _LIVE.add(self)
        try:
            wait_tcp(self.port, self.proc)
        except Exception as e:
            self.kill()
            raise RuntimeError(f"{e}; command: {' '.join(cmd)}\n--- server log ---\n{self.log_tail()}") from e
        return self

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then SIGKILL if it does not exit in 10 s."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_log()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def _close_log(self):
        _LIVE.discard(self)
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.kill()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if not os.environ.get("VPC_E2E_KEEP_LOGS"):
            shutil.rmtree(self.log_dir, ignore_errors=True)


def serve(extra_args):
    """A generator for a fixture: our server with `extra_args`, stopped and removed after."""
    srv = OurServer(extra_args=extra_args)
    try:
        srv.start()
        yield srv
        srv.stop()
    finally:
        srv.cleanup()


def make_client(endpoint, account="A", retries=None, service="ec2"):
    key, secret, _ = ACCOUNTS[account]
    cfg = Config(retries=retries or {"total_max_attempts": 3, "mode": "standard"})
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                        aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


class CLIError(Exception):
    def __init__(self, rc, stderr):
        super().__init__(f"aws exited {rc}: {stderr.strip()}")
        self.rc = rc
        self.stderr = stderr


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def http_status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def signed_request(endpoint, params, account="A", secret=None, amz_date=None, method="POST",
                   region=REGION):
    """Send an EC2 Query request signed with SigV4 by botocore; returns the `requests` response.

    `params` is a dict (or a pre-encoded body string); `amz_date` overrides X-Amz-Date
    (format 20150830T123600Z) to test clock skew; `secret` overrides the account's secret.
    """
    import datetime
    import urllib.parse
    from unittest import mock

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    key, real_secret, _ = ACCOUNTS[account] if account in ACCOUNTS else (account, "x", "")
    body = params if isinstance(params, str) else urllib.parse.urlencode(params)
    if method == "POST":
        req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    else:
        req = AWSRequest(method="GET", url=endpoint + "/?" + body)
    auth = SigV4Auth(Credentials(key, secret or real_secret), "ec2", region)
    if amz_date:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            auth.add_auth(req)
    else:
        auth.add_auth(req)
    prepared = req.prepare()
    return http(prepared.method, prepared.url, data=prepared.body, headers=dict(prepared.headers))


def parse_error(resp):
    """(code, message, request_id) from an EC2 XML error envelope; asserts its shape."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(resp.content)
    assert root.tag.split("}")[-1] == "Response", resp.text
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    err = root.find(f"{ns}Errors/{ns}Error")
    assert err is not None, resp.text
    rid = root.find(f"{ns}RequestID")
    assert rid is not None and rid.text, resp.text
    return err.findtext(f"{ns}Code"), err.findtext(f"{ns}Message"), rid.text


def do_reset(server):
    """Back to the first-start state: POST /_vpc/reset (ours) or /moto-api/reset (moto)."""
    import urllib.request

    path = "/moto-api/reset" if server["external"] else "/_vpc/reset"
    req = urllib.request.Request(server["endpoint"] + path, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 204), resp.status


class HTTPResponse:
    """The little of a `requests` response the tests use (urllib3 ships with botocore)."""

    def __init__(self, resp, sent_headers):
        self.status_code = resp.status
        self.content = resp.data
        self.text = resp.data.decode("utf-8", "replace")
        self.headers = resp.headers
        self.request = type("SentRequest", (), {"headers": sent_headers})()


def http(method, url, data=None, headers=None, timeout=30):
    import urllib.parse

    import urllib3

    headers = dict(headers or {})
    body = data
    if isinstance(data, dict):
        body = urllib.parse.urlencode(data)
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    if isinstance(body, str):
        body = body.encode()
    resp = urllib3.PoolManager().request(method, url, body=body, headers=headers, timeout=timeout,
                                         retries=False, redirect=False)
    return HTTPResponse(resp, headers)
