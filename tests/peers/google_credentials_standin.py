#!/usr/bin/env python3
"""Stand-in for the Google token services behind Application Default
Credentials (stdlib only, loopback only).

usage: google_credentials_standin.py PORT [STATE_DIR]
Runs in the foreground until killed. With STATE_DIR it writes
google_credentials_standin.pid there.

Tokens are "valid-token-<n>" (which the Drive stand-in accepts), numbered per
issuer so that a test can tell who issued one: 100001... from the metadata
server, 200001... from STS, 300001... from IAM impersonation. They expire after
`expires_in` seconds (POST /__config__), and an issuer refuses nothing else.

  GET  /  and  /computeMetadata/v1/...      the GCE metadata server: 403 without
       "Metadata-Flavor: Google"; answers carry "Metadata-Flavor: Google".
       .../instance/service-accounts/default/token?scopes=a,b -> token answer
  POST /sts/v1/token                        RFC 8693 token exchange as Google's STS:
       grant_type token-exchange, audience == config audience, subject_token one
       of config subject_tokens, subject_token_type and requested_token_type
       (access_token) present; else 400 invalid_grant / invalid_request
  POST /iam/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken
       Authorization: Bearer <a token STS issued>, JSON {"scope": [...],
       "lifetime": "Ns"} -> {"accessToken", "expireTime"}; else 401/400
  GET  /subject-token?format=text|json      the URL-sourced subject token: the
       first of config subject_tokens ({"id_token": ...} for json); 401 unless
       the request carries config subject_header ("Name: value")
  POST /__config__ {"audience", "subject_tokens", "expires_in", "subject_header",
                    "impostor": true (metadata answers lack Metadata-Flavor, as a
                    server that is no metadata server would)}
  GET  /__stats__   {"requests": {endpoint: count}, "issued": [tokens],
                     "scopes": [last scopes per endpoint]}
"""
import datetime
import http.server
import json
import os
import sys
import threading
import urllib.parse

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"

_lock = threading.Lock()
_config = {"audience": "", "subject_tokens": [], "expires_in": 3600, "subject_header": "", "impostor": False}
_counters = {"metadata": 100000, "sts": 200000, "iam": 300000}
_requests = {}
_issued = {}  # token -> issuer
_scopes = {}


def _issue(issuer):
    with _lock:
        _counters[issuer] += 1
        token = f"valid-token-{_counters[issuer]}"
        _issued[token] = issuer
        return token, _config["expires_in"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "google-credentials-standin"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def _count(self, name):
        with _lock:
            _requests[name] = _requests.get(name, 0) + 1

    def _send(self, status, body, headers=None, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _oauth_error(self, status, code, description):
        self._send(status, {"error": code, "error_description": description})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/__stats__":
            with _lock:
                return self._send(200, {"requests": _requests, "issued": list(_issued), "scopes": _scopes})
        if url.path == "/subject-token":
            return self._subject_token(query)
        if url.path == "/" or url.path.startswith("/computeMetadata/"):
            return self._metadata(url.path, query)
        self._send(404, {"error": "not_found"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self._body()
        if url.path == "/__config__":
            with _lock:
                _config.update(json.loads(body or "{}"))
            return self._send(200, {"ok": True})
        if url.path == "/sts/v1/token":
            return self._sts(body)
        if url.path.startswith("/iam/v1/") and url.path.endswith(":generateAccessToken"):
            return self._iam(body)
        self._send(404, {"error": "not_found"})

    def _metadata(self, path, query):
        self._count("metadata")
        with _lock:
            impostor = _config["impostor"]
        flavor = {} if impostor else {"Metadata-Flavor": "Google"}
        if self.headers.get("Metadata-Flavor") != "Google":
            return self._send(403, "Missing required header: Metadata-Flavor", flavor, "text/html")
        if path == "/":
            return self._send(200, "computeMetadata/\n", flavor, "application/text")
        if path != "/computeMetadata/v1/instance/service-accounts/default/token":
            return self._send(404, "Not found", flavor, "text/html")
        self._count("metadata_token")
        with _lock:
            _scopes["metadata"] = query.get("scopes", "")
        token, expires_in = _issue("metadata")
        self._send(200, {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}, flavor)

    def _sts(self, body):
        self._count("sts")
        form = dict(urllib.parse.parse_qsl(body))
        with _lock:
            config = dict(_config)
            _scopes["sts"] = form.get("scope", "")
        if form.get("grant_type") != TOKEN_EXCHANGE:
            return self._oauth_error(400, "unsupported_grant_type", "grant_type must be token-exchange")
        if not form.get("subject_token_type") or form.get("requested_token_type") != ACCESS_TOKEN_TYPE:
            return self._oauth_error(400, "invalid_request", "subject_token_type and requested_token_type needed")
        if form.get("audience") != config["audience"]:
            return self._oauth_error(400, "invalid_target", "The target service indicated by the audience is invalid")
        if form.get("subject_token") not in config["subject_tokens"]:
            return self._oauth_error(400, "invalid_grant", "The subject token is invalid or expired")
        token, expires_in = _issue("sts")
        self._send(200, {"access_token": token, "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer",
                         "expires_in": expires_in})

    def _iam(self, body):
        self._count("iam")
        auth = self.headers.get("Authorization", "")
        caller = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with _lock:
            known = _issued.get(caller)
        if known != "sts":
            return self._send(401, {"error": {"code": 401, "message": "Request had invalid authentication "
                                              "credentials.", "status": "UNAUTHENTICATED"}})
        try:
            request = json.loads(body)
            scopes = request["scope"]
            lifetime = request.get("lifetime", "3600s")
            assert isinstance(scopes, list) and scopes and lifetime.endswith("s")
        except (ValueError, KeyError, AssertionError, AttributeError):
            return self._send(400, {"error": {"code": 400, "message": "Invalid request", "status":
                                              "INVALID_ARGUMENT"}})
        with _lock:
            _scopes["iam"] = " ".join(scopes)
        token, expires_in = _issue("iam")
        expire = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
        self._send(200, {"accessToken": token, "expireTime": expire.strftime("%Y-%m-%dT%H:%M:%SZ")})

    def _subject_token(self, query):
        self._count("subject_token")
        with _lock:
            config = dict(_config)
        if config["subject_header"]:
            name, _, value = config["subject_header"].partition(":")
            if self.headers.get(name.strip()) != value.strip():
                return self._send(401, {"error": "unauthorized"})
        token = config["subject_tokens"][0] if config["subject_tokens"] else ""
        if query.get("format") == "json":
            return self._send(200, {"id_token": token})
        self._send(200, token, content_type="text/plain")


def main():
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        with open(os.path.join(sys.argv[2], "google_credentials_standin.pid"), "w") as f:
            f.write(str(os.getpid()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
