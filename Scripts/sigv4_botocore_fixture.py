# Captures botocore-signed EC2 requests (fixed clock) as fixtures for SigV4BotocoreTests.swift.
import datetime, json
from unittest import mock
import botocore.auth, botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED = datetime.datetime(2026, 11, 27, 3, 4, 5)
out = {}
with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: FIXED):
    # 1. A real EC2 client request, captured just before it is sent.
    s = botocore.session.get_session()
    c = s.create_client("ec2", region_name="eu-west-1", endpoint_url="http://localhost:8080",
                        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        aws_session_token="FQoGZXIvYXdzEBYaDHNlc3Npb24tdG9rZW4=")
    def grab(request, **kw):
        out["header"] = {"method": request.method, "url": request.url,
                         "headers": [(k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()],
                         "body": request.body.decode() if isinstance(request.body, bytes) else request.body}
        from botocore.awsrequest import AWSResponse
        return AWSResponse(request.url, 200, {}, None)
    c.meta.events.register("before-send.ec2.*", grab)
    try:
        c.describe_vpcs(Filters=[{"Name": "cidr-block-association.cidr-block", "Values": ["10.0.0.0/16", "a b+c"]}])
    except Exception:
        pass
    # 1b. The same without a session token: SignedHeaders=content-type;host;x-amz-date.
    c2 = s.create_client("ec2", region_name="us-east-1", endpoint_url="http://127.0.0.1:4566",
                         aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                         aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    first = out.pop("header")
    c2.meta.events.register("before-send.ec2.*", grab)
    try:
        c2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "x y"}]}])
    except Exception:
        pass
    out["headerNoToken"] = out.pop("header")
    out["header"] = first
    # 2. A presigned GET (SigV4QueryAuth), no session token.
    creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    r = AWSRequest(method="GET", url="https://ec2.eu-west-1.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15")
    botocore.auth.SigV4QueryAuth(creds, "ec2", "eu-west-1", expires=300).add_auth(r)
    p = r.prepare()
    out["presigned"] = {"method": p.method, "url": p.url, "headers": list(p.headers.items())}
print(json.dumps(out, indent=1))
