"""Connections from the attacker's side: a client cannot hold the server's connections
without using them, nor make it buffer answers it never reads.

Starts its own server with small limits: `--answer-timeout 3` (a connection without an
answer for 3 s is closed), `--max-connections-per-source 6`, `--max-connections 9`.
Raw sockets stand for the attacker; boto3 for everyone else.
"""
import socket
import time
import urllib.parse

import pytest

from helpers import ACCOUNTS, REGION, make_client, serve

pytestmark = [pytest.mark.ours, pytest.mark.own_server]

TIMEOUT = 3
PER_SOURCE = 6
TOTAL = 9
UNSIGNED = b"GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def guarded():
    yield from serve(["--no-throttle", "--answer-timeout", str(TIMEOUT),
                      "--max-connections-per-source", str(PER_SOURCE), "--max-connections", str(TOTAL)])


def connect(srv, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect(("127.0.0.1", srv.port))
    return s


def closed_by_server(s, within):
    """Whether the server closes `s` (EOF or reset) within `within` seconds; reads what comes."""
    s.settimeout(0.2)
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            if s.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def answered(s, timeout=2.0):
    """Sends one unsigned call and reads its answer's status line (401 AuthFailure)."""
    s.sendall(UNSIGNED)
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk
    # Read the body too, so the connection is ready for the next call.
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += s.recv(65536)
    return head.split(b"\r\n")[0]


def wait_until_served(srv, deadline=5.0):
    """boto3 gets an answer (a place is free again)."""
    ec2 = make_client(srv.endpoint)
    end = time.monotonic() + deadline
    while True:
        try:
            return ec2.describe_vpcs()
        except Exception:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def test_slow_requests_and_idle_connections_are_closed(guarded):
    # A request whose head trickles in, a byte every half second: closed at the timeout.
    slow = connect(guarded)
    started = time.monotonic()
    slow.sendall(b"POST / HTTP/1.1\r\n")
    slow.settimeout(0.5)
    closed = False
    for byte in b"X-Slow: " + b"a" * 40:
        try:
            slow.send(bytes([byte]))
            if slow.recv(1) == b"":
                closed = True
                break
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            closed = True
            break
    elapsed = time.monotonic() - started
    slow.close()
    assert closed, "a request trickling in for 20 s was never cut off"
    assert TIMEOUT - 0.5 <= elapsed <= TIMEOUT + 3, elapsed

    # A keep-alive connection: answered, then left idle, closed a timeout after its answer.
    idle = connect(guarded)
    assert answered(idle) == b"HTTP/1.1 401 Unauthorized"
    assert not closed_by_server(idle, TIMEOUT - 1)
    assert closed_by_server(idle, 3)
    idle.close()

    # A connection in use stays open past the timeout: every answer restarts the clock.
    busy = connect(guarded)
    for _ in range(2 * TIMEOUT):
        assert answered(busy) == b"HTTP/1.1 401 Unauthorized"
        time.sleep(1)
    busy.close()
    wait_until_served(guarded)


def test_connections_over_the_limits_are_closed_unread(guarded):
    held = []
    try:
        for _ in range(PER_SOURCE):
            held.append(connect(guarded))
            assert answered(held[-1]) == b"HTTP/1.1 401 Unauthorized"
        # One more from the same address: closed at once, the call it sends unanswered.
        over = connect(guarded)
        try:
            over.sendall(UNSIGNED)
        except (ConnectionResetError, BrokenPipeError):
            pass
        assert closed_by_server(over, 1.5)
        over.close()
        # Another address still gets places, up to the total.
        for _ in range(TOTAL - PER_SOURCE):
            held.append(connect(guarded, "127.0.0.2"))
            assert answered(held[-1]) == b"HTTP/1.1 401 Unauthorized"
        third = connect(guarded, "127.0.0.3")
        assert closed_by_server(third, 1.5)
        third.close()
    finally:
        for s in held:
            s.close()
    # Places are given back when connections close.
    wait_until_served(guarded)
    # Logged at most once a second, with how many were refused.
    with open(guarded.log_path, "rb") as f:
        assert b"connections refused: over the connection limit" in f.read()


def signed_get(srv, params):
    """One SigV4-signed GET as raw bytes, to be sent again and again."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    key, secret, _ = ACCOUNTS["A"]
    req = AWSRequest(method="GET", url=f"{srv.endpoint}/?{urllib.parse.urlencode(params)}")
    SigV4Auth(Credentials(key, secret), "ec2", REGION).add_auth(req)
    prepared = req.prepare()
    path = prepared.url.split(str(srv.port), 1)[1]
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{srv.port}"]
    lines += [f"{name}: {value}" for name, value in prepared.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_client_that_reads_no_answers_stops_being_read(guarded):
    # Answers much larger than the calls: a group of 50 rules with long descriptions.
    ec2 = make_client(guarded.endpoint)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName=f"big-{time.time_ns()}", Description="d", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "d" * 200}]} for p in range(1000, 1050)])
    call = signed_get(guarded, {"Action": "DescribeSecurityGroups", "Version": "2016-11-15", "GroupId.1": group})
    probe = connect(guarded)
    assert len(answered_raw(probe, call)) > 15 * len(call)
    probe.close()

    # Pipeline the call without reading a byte of the answers. Without backpressure the
    # server would read on and keep every answer in memory; with it, the sends stall.
    s = connect(guarded)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.setblocking(False)
    batch = call * 64
    sent, last_progress, stalled = 0, time.monotonic(), False
    while sent < 12 << 20:
        try:
            sent += s.send(batch)
            last_progress = time.monotonic()
        except BlockingIOError:
            if time.monotonic() - last_progress > 1.5:
                stalled = True
                break
            time.sleep(0.01)
        except (ConnectionResetError, BrokenPipeError):
            stalled = True  # closed by the answer deadline while stalled
            break
    assert stalled, f"the server read {sent} bytes of calls whose answers were never read"
    # Everyone else is still served, and the stalled connection is cut off.
    wait_until_served(guarded, deadline=2)
    reset = False
    end = time.monotonic() + TIMEOUT + 3
    while time.monotonic() < end and not reset:
        try:
            s.send(call)
        except BlockingIOError:
            pass
        except (ConnectionResetError, BrokenPipeError):
            reset = True
        time.sleep(0.1)
    s.close()
    assert reset, "a connection that reads no answers stayed open past the answer timeout"


def answered_raw(s, call):
    """Sends `call` and returns the whole answer (head and body)."""
    s.sendall(call)
    s.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body
