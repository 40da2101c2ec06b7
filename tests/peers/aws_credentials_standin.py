#!/usr/bin/env python3
"""Stand-in for the AWS credential endpoints that have no peer (stdlib only, loopback only).

usage: aws_credentials_standin.py PORT [STATE_DIR]
Runs in the foreground until killed, or until the process that started it exits.

Serves, from one configurable list of credentials (each fetch hands out the next
one, cycling, with Expiration = now + lifetime):
  PUT /latest/api/token                        IMDSv2 session token; needs
                                               X-aws-ec2-metadata-token-ttl-seconds
  GET /latest/meta-data/iam/security-credentials/[ROLE]
                                               401 without a token this server issued
                                               ("imdsv1": true accepts none); the role
                                               name, then {"Code": "Success", ...}
  GET /container/credentials                   401 unless Authorization is container_token
  GET /federation/credentials?role_name=R&account_id=A
                                               SSO portal: 401 unless x-amz-sso_bearer_token
                                               is sso_token; {"roleCredentials": {...}}
  POST /__config__   {"credentials": [{"AccessKeyId", "SecretAccessKey", "Token"}],
                      "lifetime": seconds, "container_token": T, "sso_token": T,
                      "imdsv1": bool, "no_token_route": bool (PUT answers 404)}
                     replaces the configuration and zeroes the counters
  GET /__stats__     {"token_puts", "imds_roles", "imds_credentials", "container",
                      "sso", "unauthorized"}
"""
import datetime
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
CONFIG = {"credentials": [{"AccessKeyId": "ASIASTANDIN", "SecretAccessKey": "standin-secret-key",
                           "Token": "standin-session-token"}], "lifetime": 3600}
STATS = {}
TOKENS = set()
ROLE = "standin-role"
ROLES_PATH = "/latest/meta-data/iam/security-credentials/"


def reset_stats():
    STATS.clear()
    STATS.update(token_puts=0, imds_roles=0, imds_credentials=0, container=0, sso=0, unauthorized=0)


reset_stats()


def next_credentials(counter):
    with LOCK:
        STATS[counter] += 1
        creds = CONFIG["credentials"]
        picked = dict(creds[(STATS[counter] - 1) % len(creds)])
        expires = time.time() + CONFIG.get("lifetime", 3600)
    return picked, expires


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, message):
        with LOCK:
            STATS["unauthorized"] += 1
        self.answer(401, {"message": message})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_PUT(self):
        self.body()
        if self.path != "/latest/api/token":
            return self.answer(404, {"message": "no such route"})
        if CONFIG.get("no_token_route"):
            return self.answer(404, {"message": "IMDSv1 only"})
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(400, {"message": "missing TTL header"})
        with LOCK:
            STATS["token_puts"] += 1
            token = "imds-session-token-%d" % STATS["token_puts"]
            TOKENS.add(token)
        self.answer(200, token, "text/plain")

    def do_POST(self):
        data = self.body()
        if self.path != "/__config__":
            return self.answer(404, {"message": "no such route"})
        with LOCK:
            CONFIG.clear()
            CONFIG.update(json.loads(data))
            TOKENS.clear()
            reset_stats()
        self.answer(200, {})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__stats__":
            with LOCK:
                return self.answer(200, dict(STATS))
        if url.path.startswith(ROLES_PATH):
            token = self.headers.get("X-aws-ec2-metadata-token")
            if token not in TOKENS and not (token is None and CONFIG.get("imdsv1")):
                return self.refuse("a valid IMDSv2 session token is required")
            role = url.path[len(ROLES_PATH):]
            if role == "":
                with LOCK:
                    STATS["imds_roles"] += 1
                return self.answer(200, ROLE, "text/plain")
            if role != ROLE:
                return self.answer(404, {"message": "no such role"})
            creds, expires = next_credentials("imds_credentials")
            creds.update(Code="Success", Type="AWS-HMAC", LastUpdated=iso(time.time()), Expiration=iso(expires))
            return self.answer(200, creds)
        if url.path == "/container/credentials":
            if self.headers.get("Authorization") != CONFIG.get("container_token"):
                return self.refuse("wrong authorization token")
            creds, expires = next_credentials("container")
            creds.update(Expiration=iso(expires))
            return self.answer(200, creds)
        if url.path == "/federation/credentials":
            query = dict(urllib.parse.parse_qsl(url.query))
            if self.headers.get("x-amz-sso_bearer_token") != CONFIG.get("sso_token"):
                return self.refuse("Session token not found or invalid")
            if not query.get("role_name") or not query.get("account_id"):
                return self.answer(400, {"message": "role_name and account_id are required"})
            creds, expires = next_credentials("sso")
            return self.answer(200, {"roleCredentials": {
                "accessKeyId": creds["AccessKeyId"], "secretAccessKey": creds["SecretAccessKey"],
                "sessionToken": creds.get("Token", ""), "expiration": int(expires * 1000)}})
        self.answer(404, {"message": "no such route"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _exit_with_parent(parent):
    # Started as a child of the tests: never linger after them.
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main():
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        os.makedirs(sys.argv[2], exist_ok=True)
        with open(os.path.join(sys.argv[2], "aws_credentials_standin.pid"), "w") as f:
            f.write("%d\n" % os.getpid())
    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.stderr.write("listening on 127.0.0.1:%d\n" % port)
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
