"""Runs a command against a bucket on moto (S3, SigV4 enforced), started here
and stopped afterwards: the C ABI's storage tests on a real S3 peer.
  run_on_moto.py SCRATCH_DIR COMMAND... ({url} and {options} in COMMAND are
  replaced by the bucket's URL and the backend options as JSON)"""
import json
import os
import random
import socket
import subprocess
import sys

import boto3

scratch, command = sys.argv[1], sys.argv[2:]
peers = os.environ.get("CLOUDSYNC_PEERS_DIR") or os.path.join(os.path.dirname(__file__), "..", "peers")
state = os.path.join(scratch, f"moto-{os.getpid()}")
os.makedirs(state, exist_ok=True)
# Loopback requests must not go through a proxy of the environment.
for name in ("http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY",
             "AWS_CA_BUNDLE"):
    os.environ.pop(name, None)


def free_port():
    for _ in range(200):
        port = random.randint(20000, 32767)  # below the Linux ephemeral range
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


started = None
for attempt in range(3):  # a port taken between the pick and moto's bind is retried
    port = free_port()
    started = subprocess.run(["bash", os.path.join(peers, "start-moto.sh"), str(port), state, "strict"],
                             capture_output=True, text=True)
    if started.returncode == 0:
        break
if started.returncode != 0:
    sys.exit(f"moto did not start:\n{started.stdout}\n{started.stderr}")
try:
    env = dict(line.split("=", 1) for line in open(os.path.join(state, "moto.env")).read().split())
    endpoint = env["S3_ENDPOINT"]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket="capi-storage")
    options = json.dumps({"endpoint": endpoint, "region": "us-east-1", "provider": "aws",
                          "access_key_id": env["AWS_ACCESS_KEY_ID"],
                          "secret_access_key": env["AWS_SECRET_ACCESS_KEY"]})
    argv = [a.replace("{url}", "s3://capi-storage/run").replace("{options}", options) for a in command]
    sys.exit(subprocess.run(argv).returncode)
finally:
    subprocess.run(["bash", os.path.join(peers, "stop-peers.sh"), state], capture_output=True)
