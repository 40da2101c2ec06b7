"""The peer servers of tests/peers, for Python tests and bench scripts.

The Python counterpart of tests/support/peer_server.hpp: each Peer runs one
start-*.sh script on a free loopback port below 32768 (retrying when another
process took the port meanwhile), reads the .env file it writes and stops the
server again with stop-peers.sh. A peer that does not start raises PeerError
with its logs: a test that needs a server fails, it never skips.

    with Peer.moto(state_dir) as moto:
        s3 = moto.s3_client()
    proxy = Peer.fault_proxy(dir, upstream_port=moto.port)
    proxy.set_fault({"status": 503, "count": 1000})
"""

import json
import os
import random
import socket
import subprocess
import urllib.request

PEERS_DIR = os.environ.get("CLOUDSYNC_PEERS_DIR") or os.path.dirname(os.path.abspath(__file__))
LOWEST_PORT, HIGHEST_PORT = 20000, 32767  # below the Linux ephemeral range
START_ATTEMPTS = 3
# Proxies of the developer's environment must never see loopback test traffic.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy")


class PeerError(RuntimeError):
    pass


def free_port():
    """A loopback port that can be bound and that nothing listens on right now."""
    for _ in range(200):
        port = random.randint(LOWEST_PORT, HIGHEST_PORT)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise PeerError(f"no free loopback port between {LOWEST_PORT} and {HIGHEST_PORT}")


def no_proxy_opener():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Peer:
    """One server started by tests/peers/<script>; `args` may hold "{port}" and "{dir}"."""

    def __init__(self, name, script, args, state_dir, timeout=240):
        self.name, self.dir = name, state_dir
        os.makedirs(state_dir, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        why = ""
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            argv = ["bash", os.path.join(PEERS_DIR, script)] + [
                a.format(port=self.port, dir=state_dir) for a in args]
            r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
            if r.returncode == 0:
                return
            why = r.stdout + r.stderr + self.logs()
            self.stop()
            if "already in use" not in why:
                break
        raise PeerError(f"peer {name} ({script}) did not start:\n{why}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self):
        """KEY=VALUE lines of <dir>/<name>.env as the start scripts write it."""
        values = {}
        path = os.path.join(self.dir, self.name + ".env")
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    key, sep, value = line.strip().partition("=")
                    if sep:
                        values[key] = value
        return values

    def logs(self, tail=4000):
        out = []
        for entry in sorted(os.listdir(self.dir)) if os.path.isdir(self.dir) else []:
            if entry.endswith(".log"):
                with open(os.path.join(self.dir, entry), errors="replace") as f:
                    out.append(f"--- {entry} ---\n{f.read()[-tail:]}")
        return "\n".join(out)

    def stop(self):
        """Stops the server (what the state directory's .pid files name). Idempotent."""
        subprocess.run(["bash", os.path.join(PEERS_DIR, "stop-peers.sh"), self.dir], capture_output=True, timeout=60)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ----- the peers -----

    @classmethod
    def moto(cls, state_dir, mode="strict"):
        """S3 (moto); env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, S3_ENDPOINT."""
        return cls("moto", "start-moto.sh", ["{port}", "{dir}", mode], state_dir)

    @classmethod
    def azurite(cls, state_dir, npm_dir):
        """Azure Blob (Azurite); env: AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY, AZURE_BLOB_ENDPOINT, ..."""
        return cls("azurite", "start-azurite.sh", ["{port}", "{dir}", npm_dir], state_dir)

    @classmethod
    def drive(cls, state_dir, npm_dir):
        """The Drive v3 stand-in; env: DRIVE_BASE_URL, DRIVE_ACCESS_TOKEN."""
        return cls("drive", "start-drive-mock.sh", ["{port}", "{dir}", npm_dir], state_dir)

    @classmethod
    def fault_proxy(cls, state_dir, upstream_port):
        """The fault-injecting reverse proxy in front of 127.0.0.1:upstream_port (faults.py)."""
        return cls("faultproxy", "start-faultproxy.sh", ["{port}", str(upstream_port), "{dir}"], state_dir)

    @classmethod
    def postgres(cls, state_dir):
        """A private PostgreSQL server (start-postgres.sh); env: PGHOST, PGPORT, PGUSER, PGPASSWORD,
        PGDATABASE, POSTGRES_CONNINFO (without the password), POSTGRES_BIN."""
        return cls("postgres", "start-postgres.sh", ["{port}", "{dir}"], state_dir)

    # ----- helpers for some peers -----

    def psql(self, sql, database=None, check=True):
        """Runs SQL with psql against the postgres peer; returns its unaligned, tuples-only output."""
        e = self.env
        env = dict(os.environ, PGHOST=e["PGHOST"], PGPORT=e["PGPORT"], PGUSER=e["PGUSER"],
                   PGPASSWORD=e["PGPASSWORD"], PGDATABASE=database or e["PGDATABASE"])
        # On stdin: a statement may be longer than an argument can be.
        r = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-qtAX", "-f", "-"], input=sql, env=env,
                           capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise PeerError(f"psql failed: {r.stderr}")
        return r.stdout

    def s3_client(self):
        """A boto3 S3 client for moto with the credentials it made (boto3 comes with moto)."""
        import boto3
        import botocore.config
        e = self.env
        return boto3.client("s3", endpoint_url=e["S3_ENDPOINT"], region_name=e.get("AWS_REGION", "us-east-1"),
                            aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"],
                            config=botocore.config.Config(proxies={}, retries={"max_attempts": 2}))

    def set_fault(self, rule):
        """The fault proxy's rule (see faults.py); None clears it."""
        request = urllib.request.Request(f"{self.url}/__faults__", method="DELETE" if rule is None else "POST",
                                         data=None if rule is None else json.dumps(rule).encode())
        with no_proxy_opener().open(request, timeout=10) as answer:
            return json.loads(answer.read())

    def fault_hits(self):
        """How many requests the fault proxy's current rule has hit."""
        with no_proxy_opener().open(f"{self.url}/__faults__", timeout=10) as answer:
            return json.loads(answer.read())["hits"]

    def drive_call(self, method, path, body=None, content_type="application/json"):
        """One request to the Drive stand-in as its administrator; the answer's JSON."""
        request = urllib.request.Request(self.url + path, method=method, data=body,
                                         headers={"Authorization": "Bearer another-valid-token",
                                                  "Content-Type": content_type})
        with no_proxy_opener().open(request, timeout=30) as answer:
            text = answer.read()
            return json.loads(text) if text else {}
