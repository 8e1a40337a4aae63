#!/usr/bin/env python3
"""API latency with and without the audit trail: starts `vpc serve` (VPC_BIN, default
.build/debug/vpc) with and without --no-audit, sends signed DescribeVpcs and CreateVpc
(+ DeleteVpc) calls one at a time over one keep-alive connection, and reports p50/p99
of the server-side handling time (from the access log) and the client round trip.

Usage: Scripts/bench-trail.py [--describes 3000] [--creates 400] [--rounds 2]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import urllib3

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY, SECRET = "AKIDBENCH00000000001", "benchsecret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(audit, describes, creates):
    binary = os.environ.get("VPC_BIN", os.path.join(REPO, ".build", "debug", "vpc"))
    d = tempfile.mkdtemp(prefix="vpc-bench-trail-")
    port = free_port()
    log = open(os.path.join(d, "log"), "w")
    args = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(d, "data"),
            "--credentials", f"{KEY}:{SECRET}:111111111111", "--no-throttle"] + ([] if audit else ["--no-audit"])
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1)
        creds = Credentials(KEY, SECRET)

        def call(params):
            body = urllib.parse.urlencode({**params, "Version": "2016-11-15"})
            req = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            SigV4Auth(creds, "ec2", "us-east-1").add_auth(req)
            p = req.prepare()
            t = time.perf_counter()
            r = pool.urlopen("POST", "/", body=p.body, headers=dict(p.headers))
            elapsed = time.perf_counter() - t
            assert r.status == 200, r.data
            return elapsed, r.data

        call({"Action": "DescribeVpcs"})  # initialises the region
        client = {"DescribeVpcs": [], "CreateVpc": []}
        for _ in range(describes):
            client["DescribeVpcs"].append(call({"Action": "DescribeVpcs"})[0])
        for _ in range(creates):
            t, data = call({"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"})
            client["CreateVpc"].append(t)
            vpc = re.search(rb"<vpcId>([^<]+)</vpcId>", data).group(1).decode()
            call({"Action": "DeleteVpc", "VpcId": vpc})
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    server = {"DescribeVpcs": [], "CreateVpc": []}
    for line in open(os.path.join(d, "log")):
        m = re.search(r"POST (DescribeVpcs|CreateVpc) .* status=200 ([0-9.]+)ms", line)
        if m:
            server[m.group(1)].append(float(m.group(2)))
    server["DescribeVpcs"] = server["DescribeVpcs"][1:]
    shutil.rmtree(d, ignore_errors=True)
    return server, {k: [x * 1000 for x in v] for k, v in client.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--describes", type=int, default=3000)
    ap.add_argument("--creates", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    results = {True: ({}, {}), False: ({}, {})}
    for _ in range(a.rounds):
        for audit in (False, True):  # interleaved, to share the machine's noise
            server, client = run(audit, a.describes, a.creates)
            for k in server:
                results[audit][0].setdefault(k, []).extend(server[k])
                results[audit][1].setdefault(k, []).extend(client[k])
    print(f"{'action':<14}{'audit':<7}{'n':>6}{'server p50':>12}{'server p99':>12}{'client p50':>12}{'client p99':>12}  (ms)")
    for k in ("DescribeVpcs", "CreateVpc"):
        for audit in (False, True):
            s, c = results[audit][0][k], results[audit][1][k]
            print(f"{k:<14}{'on' if audit else 'off':<7}{len(s):>6}{pct(s, 50):>12.3f}{pct(s, 99):>12.3f}"
                  f"{pct(c, 50):>12.3f}{pct(c, 99):>12.3f}")


if __name__ == "__main__":
    sys.exit(main())
