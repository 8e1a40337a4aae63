"""A hand-made world for agent tests: one VPC (10.0.0.0/16, VNI from the run id) with one
subnet, a security group, the default network ACL and the main route table, and instances
placed on hosts. Ids are random per run so runs never collide."""
import base64
import secrets


def hex17():
    return "0" + secrets.token_hex(8)


class World:
    def __init__(self, region="us-east-1"):
        self.region = region
        self.vpc = "vpc-" + hex17()
        self.subnet = "subnet-" + hex17()
        self.sg = "sg-" + hex17()
        self.acl = "acl-" + hex17()
        self.rtb = "rtb-" + hex17()
        self.vni = 0x100000 + secrets.randbelow(0xEFFFFF)
        self.allow_icmp = True
        # host id -> addresses left out of that host's mapping entries (found by lookup)
        self.hidden = {}
        self.instances = []  # dicts: id, eni, mac, ip, host, underlay, user_data

    def add_instance(self, ip, host, underlay, user_data=None):
        n = len(self.instances) + 1
        inst = {"id": "i-" + hex17(), "eni": "eni-" + hex17(),
                "mac": "02:" + ":".join("%02x" % b for b in secrets.token_bytes(5)),
                "ip": ip, "host": host, "underlay": underlay, "user_data": user_data, "n": n}
        self.instances.append(inst)
        return inst

    def security_group(self):
        ingress = [{"ipProtocol": 6, "fromPort": 5000, "toPort": 5000, "cidrs": ["10.0.0.0/16"]},
                   {"ipProtocol": 17, "fromPort": 5000, "toPort": 5000, "cidrs": ["10.0.0.0/16"]}]
        if self.allow_icmp:
            ingress.append({"ipProtocol": 1, "fromPort": -1, "toPort": -1, "cidrs": ["10.0.0.0/16"]})
        egress = [{"ipProtocol": -1, "fromPort": -1, "toPort": -1, "cidrs": ["0.0.0.0/0"]}]
        return {"groupId": self.sg, "ingress": ingress, "egress": egress}

    def network(self, host=None):
        entries = [
            {"ruleNumber": 100, "egress": False, "allow": True, "ipProtocol": -1, "cidr": "0.0.0.0/0", "fromPort": -1, "toPort": -1},
            {"ruleNumber": 100, "egress": True, "allow": True, "ipProtocol": -1, "cidr": "0.0.0.0/0", "fromPort": -1, "toPort": -1},
            {"ruleNumber": 32767, "egress": False, "allow": False, "ipProtocol": -1, "cidr": "0.0.0.0/0", "fromPort": -1, "toPort": -1},
            {"ruleNumber": 32767, "egress": True, "allow": False, "ipProtocol": -1, "cidr": "0.0.0.0/0", "fromPort": -1, "toPort": -1},
        ]
        return {
            "vpcId": self.vpc, "accountId": "123456789012", "region": self.region, "vni": self.vni,
            "cidrBlocks": ["10.0.0.0/16"], "ipv6CidrBlocks": [],
            "enableDnsSupport": True, "enableDnsHostnames": True,
            "domainName": "ec2.internal" if self.region == "us-east-1" else self.region + ".compute.internal",
            "subnets": [{"subnetId": self.subnet, "cidrBlock": "10.0.1.0/24", "ipv6CidrBlock": None,
                         "networkAclId": self.acl, "routeTableId": self.rtb}],
            "securityGroups": [self.security_group()],
            "networkAcls": [{"networkAclId": self.acl, "entries": entries}],
            "routeTables": [{"routeTableId": self.rtb, "routes": [{"destination": "10.0.0.0/16", "target": "local"}]}],
            "endpoints": [{"address": i["ip"], "networkInterfaceId": i["eni"], "macAddress": i["mac"],
                           "hostId": i["host"], "underlay": i["underlay"], "underlayPort": 6081,
                           "instanceId": i["id"]} for i in self.instances
                          if i["ip"] not in self.hidden.get(host, ())],
        }

    def instance_spec(self, inst, state="running", boot_count=1):
        ud = inst["user_data"]
        return {
            "instanceId": inst["id"], "accountId": "123456789012", "region": self.region,
            "desiredState": state, "bootCount": boot_count,
            "userData": base64.b64encode(ud.encode()).decode() if ud else None,
            "interfaces": [{"networkInterfaceId": inst["eni"], "deviceIndex": 0, "macAddress": inst["mac"],
                            "vpcId": self.vpc, "subnetId": self.subnet, "privateIpAddresses": [inst["ip"]],
                            "ipv6Addresses": [], "securityGroupIds": [self.sg], "sourceDestCheck": True}],
        }

    def directory(self):
        """Every endpoint, as the mapping service's lookup answers it."""
        return [{"vni": self.vni, "address": e["address"], "endpoint": e} for e in self.network()["endpoints"]]

    def hosts(self, states=None, boots=None):
        """The per-host documents for FakeFeed.publish; `states` maps instance ids to
        running / stopped / removed, `boots` to boot counts (RebootInstances bumps it)."""
        states, boots = states or {}, boots or {}
        docs = {}
        for i in self.instances:
            d = docs.setdefault(i["host"], {"instances": [], "networks": [self.network(i["host"])]})
            if states.get(i["id"]) != "removed":
                d["instances"].append(self.instance_spec(i, states.get(i["id"], "running"), boots.get(i["id"], 1)))
        return docs
