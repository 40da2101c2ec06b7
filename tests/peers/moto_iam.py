"""Creates IAM users and assumed-role sessions on moto, for tests of what credentials may do.

Usage: moto_iam.py SPEC.json OUT.json     environment: EP (moto's endpoint), AK/SK (a key allowed IAM and STS)
SPEC:  {"users":    {"NAME": [policy statements] | null},          null: a user without any policy
        "sessions": {"NAME": {"statements": [...], "duration": S}}}  sts:AssumeRole of a role of its own
Writes {"NAME": {"access_key_id": ..., "secret_access_key": ..., "session_token": ...}} to OUT.json.
moto (unlike AWS) takes any DurationSeconds; boto3 checks AWS's 900 s minimum, so STS calls are
made without parameter validation. moto_strict.py makes S3 refuse a session once it expired.
"""
import json, os, sys

import boto3
from botocore.config import Config


def client(service, validate=True):
    return boto3.client(service, endpoint_url=os.environ["EP"], region_name="us-east-1",
                        aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"],
                        config=Config(parameter_validation=validate))


def policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


spec = json.load(open(sys.argv[1]))
iam, sts, out = client("iam"), client("sts", validate=False), {}
for name, statements in spec.get("users", {}).items():
    iam.create_user(UserName=name)
    if statements is not None:
        iam.put_user_policy(UserName=name, PolicyName="probe", PolicyDocument=policy(statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    out[name] = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
for name, session in spec.get("sessions", {}).items():
    trust = [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(trust))["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=policy(session["statements"]))
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=name,
                            DurationSeconds=session["duration"])["Credentials"]
    out[name] = {"access_key_id": creds["AccessKeyId"], "secret_access_key": creds["SecretAccessKey"],
                 "session_token": creds["SessionToken"]}
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
