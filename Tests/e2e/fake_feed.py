"""A stand-in for the control plane's agent feed (docs/agent-protocol.md), for testing
`vpc agent` without `vpc serve`: register, long-polled feed, lookup and status, with the
bearer token checked. Tests change `networks` / `instances` through `publish`, which bumps
the version and wakes the long polls. Every update it serves is full (allowed by the
protocol: an agent must replace what it holds)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeFeed:
    def __init__(self, token):
        self.token = token
        self.version = 1
        self.cond = threading.Condition()
        # host id -> {"instances": [InstanceSpec], "networks": [NetworkSpec]}
        self.hosts = {}
        self.registrations = {}
        self.statuses = {}  # host id -> last HostStatus
        self.lookups = []
        self.directory = []
        # (host, since) of every feed request; while `failing`, feed requests get 503
        self.feed_requests = []
        self.failing = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def publish(self, hosts, directory=()):
        """Replaces every host's documents and bumps the version; returns the new version.
        `directory` lists what lookup answers: {"vni", "address", "endpoint"}."""
        with self.cond:
            self.hosts = json.loads(json.dumps(hosts))
            self.directory = list(directory)
            self.version += 1
            self.cond.notify_all()
            return self.version

    def wait_applied(self, host, version, timeout=20):
        """Waits until `host` reported appliedVersion >= version; returns its status."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.cond:
                s = self.statuses.get(host)
                if s and s["appliedVersion"] >= version:
                    return s
                self.cond.wait(0.2)
        raise AssertionError("host %s did not apply version %d (last status %r)" % (host, version, self.statuses.get(host)))

    def _update(self, host):
        docs = self.hosts.get(host, {"instances": [], "networks": []})
        return {"version": self.version, "full": True, "instances": docs["instances"], "removedInstances": [],
                "networks": docs["networks"], "removedNetworks": []}

    def _handler(self):
        feed = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the agent went away mid long-poll

            def _authorized(self):
                if self.headers.get("Authorization") != "Bearer " + feed.token:
                    self._reply(401, {})
                    return False
                return True

            def _body(self):
                n = int(self.headers.get("Content-Length", "0"))
                return json.loads(self.rfile.read(n) or b"{}")

            def do_POST(self):
                if not self._authorized():
                    return
                path = urlparse(self.path).path
                body = self._body()
                with feed.cond:
                    if path == "/_vpc/agent/register":
                        feed.registrations[body["hostId"]] = body
                    elif path == "/_vpc/agent/status":
                        feed.statuses[body["hostId"]] = body
                        feed.cond.notify_all()
                    else:
                        return self._reply(404, {})
                self._reply(200, {})

            def do_GET(self):
                if not self._authorized():
                    return
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if u.path == "/_vpc/agent/feed":
                    since, wait = int(q.get("since", "0")), float(q.get("wait", "25"))
                    with feed.cond:
                        feed.feed_requests.append((q.get("host"), since))
                        if feed.failing:
                            return self._reply(503, {})
                    deadline = time.time() + wait
                    with feed.cond:
                        while feed.version <= since and time.time() < deadline:
                            feed.cond.wait(deadline - time.time())
                        if feed.version <= since:
                            body = {"version": since, "full": False, "instances": [], "removedInstances": [],
                                    "networks": [], "removedNetworks": []}
                        else:
                            body = feed._update(q["host"])
                    return self._reply(200, body)
                if u.path == "/_vpc/agent/lookup":
                    with feed.cond:
                        feed.lookups.append(q)
                        for e in feed.directory:
                                if str(e["vni"]) == q["vni"] and e["address"] == q["address"]:
                                    return self._reply(200, e["endpoint"])
                    return self._reply(404, {})
                self._reply(404, {})

        return Handler
