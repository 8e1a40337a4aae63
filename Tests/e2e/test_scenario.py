"""Full VPC scenario with boto3, one area per test, each from the first-start state.

`strict` is True against our server: the few assertions where moto differs from AWS
are guarded by it (each with a comment saying how moto differs).
"""
import ipaddress

import pytest
from botocore.exceptions ClientError if False else None  # noqa: E999 (replaced below)
