"""A small host agent for the e2e suite: registers, long-polls the feed, keeps the documents
the way `vpc agent` must (full replaces, deltas upsert and remove) and reports its instances
as the control plane asks them to be (running, stopped, terminated) with a console line."""
import json
import threading
import urllib.error
import urllib.request


class FakeAgent:
    def __init__(self, endpoint, token, host_id, underlay="192.0.2.10", interface_capacity=None):
        self.endpoint, self.token, self.host_id, self.underlay = endpoint, token, host_id, underlay
        self.interface_capacity = interface_capacity
        self.version = 0
        self.instances = {}   # instance id -> InstanceSpec
        self.networks = {}    # vpc id -> NetworkSpec
        self.updates = []     # every update received, in order
        self._stop = threading.Event()
        self._thread = None

    def call(self, method, path, body=None, token=None, timeout=70):
        """(status, parsed JSON or None)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        auth = self.token if token is None else token
        if auth:
            req.add_header("Authorization", "Bearer " + auth)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, raw

    def register(self):
        body = {"hostId": self.host_id, "underlay": self.underlay, "underlayPort": 6081}
        if self.interface_capacity is not None:
            body["interfaceCapacity"] = self.interface_capacity
        status, _ = self.call("POST", "/_vpc/agent/register", body)
        assert status == 200, status
        return self

    def feed(self, since=None, wait=0):
        since = self.version if since is None else since
        status, update = self.call("GET", f"/_vpc/agent/feed?host={self.host_id}&since={since}&wait={wait}")
        assert status == 200, (status, update)
        return update

    def apply(self, update):
        """Installs an update as an agent does."""
        if update["full"]:
            self.instances, self.networks = {}, {}
        for spec in update["instances"]:
            self.instances[spec["instanceId"]] = spec
        for spec in update["networks"]:
            self.networks[spec["vpcId"]] = spec
        for i in update["removedInstances"]:
            self.instances.pop(i, None)
        for v in update["removedNetworks"]:
            self.networks.pop(v, None)
        self.version = update["version"]
        self.updates.append(update)

    def report(self, removed=()):
        """Posts status: every instance as desired, removed ones terminated."""
        instances = [{"instanceId": i, "state": spec["desiredState"],
                      "consoleOutput": f"booted {i} boot {spec['bootCount']}\n"}
                     for i, spec in sorted(self.instances.items())]
        instances += [{"instanceId": i, "state": "terminated", "consoleOutput": None} for i in removed]
        status, _ = self.call("POST", "/_vpc/agent/status",
                              {"hostId": self.host_id, "appliedVersion": self.version, "instances": instances})
        assert status == 200, status

    def step(self, wait=0):
        update = self.feed(wait=wait)
        before = set(self.instances)
        self.apply(update)
        removed = set(update["removedInstances"]) | (before - set(self.instances) if update["full"] else set())
        self.report(removed)
        return update

    def start(self):
        """Runs the agent loop in a thread until stop()."""
        def loop():
            while not self._stop.is_set():
                try:
                    self.step(wait=1)
                except Exception:  # the server may be restarting between tests
                    self._stop.wait(0.2)
        self._thread = threading.Thread(target=loop, name=f"agent-{self.host_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
