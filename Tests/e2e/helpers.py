"""Shared helpers for the e2e suite (servers, clients, error accessors)."""
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


class OurServer:
    """One `vpc serve` process on a free 127.0.0.1 port with its own data dir."""

    def __init__(self, data_dir=None, extra_args=(), port=None):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="vpc-e2e-")
        self.extra_args = list(extra_args)
        self.port = port or free_port()
        self.proc = None
        self.log_path = os.path.join(self.data_dir, f"server-{self.port}.log")

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
        try:
            wait_tcp(self.port, self.proc)
        except Exception:
            self.kill()
            raise
        return self

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
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.kill()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def make_client(endpoint, account="A", retries=None, service="ec2"):
    key, secret, _ = ACCOUNTS[account]
    cfg = Config(retries=retries or {"max_attempts": 3, "mode": "standard"})
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
