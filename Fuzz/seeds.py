#!/usr/bin/env python3
"""Writes seed corpora for every harness from the captured fixtures:
each frame is cut at every layer we parse. Usage: seeds.py OUTDIR"""
import os, struct, sys, glob, hashlib

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]

def frames(path):
    d = open(path, "rb").read()
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        yield d[off + 16:off + 16 + incl]
        off += 16 + incl

def put(target, data):
    p = os.path.join(out, target)
    os.makedirs(p, exist_ok=True)
    open(os.path.join(p, hashlib.sha1(data).hexdigest()), "wb").write(data)

def udp(payload, sport, dport):
    if 53 in (sport, dport): put("FuzzDNS", payload)
    if {67, 68} & {sport, dport}: put("FuzzDHCP", payload)
    if dport == 6081:
        put("FuzzGeneve", payload)
        put("FuzzPipelineUnderlay", b"\x04\x00" + payload)
        put("FuzzPipelineUnderlay", b"\x00\x00" + payload)
        l2(payload[28:])

def l2(f):
    put("FuzzEthernet", f)
    # Pipeline harnesses: port byte, mode byte (own MAC and IP patched in), frame.
    for port in (0, 1, 2):
        put("FuzzPipelineInstance", bytes([port, 3]) + f)
    et, off = struct.unpack("!H", f[12:14])[0], 14
    while et in (0x8100, 0x88A8):
        et, off = struct.unpack("!H", f[off + 2:off + 4])[0], off + 4
    p = f[off:]
    if et == 0x0806: put("FuzzARP", p)
    elif et == 0x0800:
        put("FuzzIPv4", p)
        hl, tot, proto = (p[0] & 15) * 4, struct.unpack("!H", p[2:4])[0], p[9]
        t = p[hl:tot]
        if struct.unpack("!H", p[6:8])[0] & 0x1FFF: return
        if proto == 1: put("FuzzICMPv4", t)
        elif proto == 6: put("FuzzTCP", t)
        elif proto == 17:
            put("FuzzUDP", t)
            udp(t[8:], *struct.unpack("!HH", t[:4]))
    elif et == 0x86DD:
        put("FuzzIPv6", p)
        nh, t = p[6], p[40:]
        if nh == 58: put("FuzzICMPv6", t)
        elif nh == 6: put("FuzzTCP", t)
        elif nh == 17:
            put("FuzzUDP", t)
            udp(t[8:], *struct.unpack("!HH", t[:4]))

for path in glob.glob(os.path.join(here, "../Tests/VPCWireTests/Fixtures/*.pcap")):
    for f in frames(path): l2(f)
for s in ["10.0.0.1", "fe80::1", "::ffff:1.2.3.4", "2001:db8::1:0:0:1", "02:00:00:00:00:0a",
          "eni-0123456789abcdef0", "ip-10-0-1-5.ec2.internal"]:
    put("FuzzAddresses", s.encode())

# FuzzAPIRequest: a mode byte (bit 0: signed; bit 1: JSON; bit 2: CloudTrail, else bits 3-4 pick
# the CloudWatch Logs call), then raw header lines, a NUL and a body, or the body to sign.
raw = [
    b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/ec2/aws4_request, "
    b"SignedHeaders=host, Signature=00\nDate: Sun, 30 Aug 2015 12:36:00 GMT\nHost: x\0"
    b"Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1",
    b"X-Amz-Date: 20260101T000000Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/ec2/"
    b"aws4_request, SignedHeaders=host;x-amz-date, Signature=" + b"0" * 64 + b"\0Action=CreateVpc&CidrBlock=10.0.0.0%2F16",
    # Found by review, not by this harness in minutes: an 18-digit year overflowed before any key was looked up.
    b"Authorization: AWS4-HMAC-SHA256 Credential=x/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, "
    b"Signature=00\nDate: Sun, 30 Aug 9999999999999999 12:36:00 GMT\0Action=DescribeVpcs",
    b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, "
    b"Signature=00\0Action=DescribeVpcs&" + b".".join([b"a"] * 300) + b"=1",
]
signed = [
    b"Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&TagSpecification.1.ResourceType=vpc"
    b"&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=a",
    b"Action=DescribeVpcs&Version=2016-11-15&MaxResults=5&Filter.1.Name=cidr&Filter.1.Value.1=10.0.0.0/16",
    b"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=g&GroupDescription=d",
    b"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp"
    b"&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0",
    b"Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=2&ClientToken=t",
    b"Action=CreateFlowLogs&Version=2016-11-15&ResourceType=VPC&ResourceId.1=vpc-1&TrafficType=ALL"
    b"&LogDestinationType=s3&LogDestination=arn:aws:s3:::bucket/prefix&LogFormat=${version} ${srcaddr}",
]
for r in raw: put("FuzzAPIRequest", b"\x00" + r)
for body in signed: put("FuzzAPIRequest", b"\x01" + body)
put("FuzzAPIRequest", b"\x07" + b'{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateVpc"}],"MaxResults":5}')
put("FuzzAPIRequest", b"\x1b" + b'{"logGroupName":"g","filterPattern":"[a, ..., b=1*]","endTime":9223372036854775807}')
put("FuzzAPIRequest", b"\x03" + b'{"logGroupNamePrefix":"g","limit":5}')
