"""vpc-loadgen, the benchmarks' load generator: its open loop (`--rate`) against our server,
and the rates it refuses."""
import pathlib
import re
import subprocess

import pytest

from helpers import ACCOUNTS, vpc_bin


def loadgen(*args):
    binary = pathlib.Path(vpc_bin()).with_name("vpc-loadgen")
    if not binary.exists():
        pytest.skip(f"vpc-loadgen not built at {binary}")
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.ours
def test_open_loop_sends_at_the_rate_and_reports_what_was_not_sent(endpoint):
    key, secret, _ = ACCOUNTS["A"]
    r = loadgen("describe-vpcs", "--endpoint", endpoint, "--access-key", key, "--secret", secret,
                "-c", "2", "--rate", "100", "--duration", "2", "--warmup", "0.5", "--vpcs", "0")
    assert r.returncode == 0, r.stderr
    summary = next(line for line in r.stderr.splitlines() if "rate=100/s" in line)
    requests = int(re.search(r": (\d+) requests in", summary).group(1))
    assert 190 <= requests <= 201, summary  # 100/s for 2 s, every one due in the window
    assert "errors 0" in summary and "due but not sent 0" in summary, summary


@pytest.mark.parametrize("rate", ["0", "-5", "0.5", "nan"])
def test_rates_it_cannot_keep_are_refused(rate):
    r = loadgen("describe-vpcs", "--endpoint", "http://127.0.0.1:9", f"--rate={rate}")
    assert r.returncode != 0
    assert "--rate must be at least 1 request/s" in r.stderr, r.stderr
