#!/usr/bin/env python3
"""Stand-in for Microsoft Entra ID and Azure's managed identity endpoints (stdlib
only, loopback only), for the Azure credential tests.

usage: entra_standin.py PORT STATE_DIR --tenant T --client-id C [--client-secret S]
         [--cert CERT.pem] [--federated-file F] [--identity-header H]
         [--managed-client-id M] [--lifetime SECONDS]

Endpoints:
  POST /{tenant}/oauth2/v2.0/token   client_credentials with scope https://storage.azure.com/.default and
                                     either client_secret == S, or client_assertion_type jwt-bearer and a
                                     client_assertion that is
                                       - an RS256 JWT signed by CERT's key (checked with `openssl dgst -verify`),
                                         header x5t / x5t#S256 = CERT's SHA-1 / SHA-256 thumbprints,
                                         claims aud = this URL, iss = sub = C, exp in the future, a jti; or
                                       - the current content of F (workload identity).
                                     Answers like Entra: token_type, expires_in, access_token; errors as
                                     {"error": "invalid_client", "error_description": "AADSTS7000215: ..."}.
  GET  /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R[&client_id=M]
                                     the IMDS: needs "Metadata: true"; expires_in and expires_on as strings.
  GET  /msi/token?api-version=2019-08-01&resource=R[&client_id=M]
                                     App Service: needs X-IDENTITY-HEADER == H; expires_on only.
  GET  /stats                        JSON: tokens issued per method, the federated tokens seen.
Issued tokens are JWT-shaped (aud https://storage.azure.com, iss https://sts.windows.net/T/, iat, nbf,
exp = now + lifetime) so that Azurite's --oauth basic accepts them; their signature is not real.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

STORAGE_SCOPE = "https://storage.azure.com/.default"
STORAGE_RESOURCE = "https://storage.azure.com/"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

args = None
stats = {"client_secret": 0, "client_certificate": 0, "workload_identity": 0, "imds": 0, "app_service": 0,
         "federated_tokens": [], "rejected": []}
lock = threading.Lock()
pubkey_file = None
thumbprints = None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(method, subject):
    now = int(time.time())
    with lock:
        stats[method] += 1
        serial = stats[method]
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"aud": "https://storage.azure.com", "iss": "https://sts.windows.net/%s/" % args.tenant,
                                "iat": now, "nbf": now - 300, "exp": now + args.lifetime, "appid": subject,
                                "method": method, "serial": serial}).encode())
    return "%s.%s.%s" % (header, claims, b64url(b"not-a-real-signature")), now + args.lifetime


def load_certificate():
    global pubkey_file, thumbprints
    der = subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    thumbprints = (b64url(hashlib.sha1(der).digest()), b64url(hashlib.sha256(der).digest()))
    pem = subprocess.run(["openssl", "x509", "-in", args.cert, "-pubkey", "-noout"], check=True,
                         capture_output=True).stdout
    pubkey_file = os.path.join(args.dir, "client-cert-pubkey.pem")
    with open(pubkey_file, "wb") as f:
        f.write(pem)


def check_assertion(assertion, audience):
    """None when the client assertion is valid, else why not."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return "not a JWT"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        return "undecodable JWT"
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        return "header alg/typ %r" % header
    if thumbprints is None or header.get("x5t") != thumbprints[0] or header.get("x5t#S256") != thumbprints[1]:
        return "unknown certificate thumbprint"
    now = time.time()
    if claims.get("aud") != audience:
        return "aud %r is not %r" % (claims.get("aud"), audience)
    if claims.get("iss") != args.client_id or claims.get("sub") != args.client_id:
        return "iss/sub are not the client id"
    if not claims.get("jti"):
        return "no jti"
    if not isinstance(claims.get("exp"), int) or claims["exp"] < now or claims["exp"] > now + 3600:
        return "exp out of range"
    if not isinstance(claims.get("nbf"), int) or claims["nbf"] > now + 60:
        return "nbf in the future"
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        data, sig = os.path.join(tmp, "data"), os.path.join(tmp, "sig")
        with open(data, "wb") as f:
            f.write((parts[0] + "." + parts[1]).encode())
        with open(sig, "wb") as f:
            f.write(signature)
        verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pubkey_file, "-signature", sig, data],
                                  capture_output=True)
    return None if verified.returncode == 0 else "bad signature"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        sys.stderr.write("entra_standin: " + (fmt % a) + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reject(self, status, error, description):
        with lock:
            stats["rejected"].append(description)
        self.answer(status, {"error": error, "error_description": description})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        if url.path != "/%s/oauth2/v2.0/token" % args.tenant:
            return self.reject(400, "invalid_request", "AADSTS90002: Tenant not found")
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            return self.reject(400, "unsupported_grant_type", "AADSTS70003: grant_type %r" % form.get("grant_type"))
        if form.get("scope") != STORAGE_SCOPE:
            return self.reject(400, "invalid_scope", "AADSTS70011: scope %r" % form.get("scope"))
        if form.get("client_id") != args.client_id:
            return self.reject(400, "unauthorized_client", "AADSTS700016: application not found")
        if "client_secret" in form:
            if form["client_secret"] != args.client_secret:
                return self.reject(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
            method = "client_secret"
        elif form.get("client_assertion_type") == JWT_BEARER:
            assertion = form.get("client_assertion", "")
            federated = None
            if args.federated_file and os.path.exists(args.federated_file):
                with open(args.federated_file) as f:
                    federated = f.read().strip()
            if federated is not None and assertion == federated:
                method = "workload_identity"
                with lock:
                    stats["federated_tokens"].append(assertion)
            else:
                audience = "http://%s%s" % (self.headers.get("Host"), url.path)
                why = check_assertion(assertion, audience)
                if why is not None:
                    return self.reject(401, "invalid_client", "AADSTS700027: client assertion: " + why)
                method = "client_certificate"
        else:
            return self.reject(400, "invalid_request", "AADSTS7000218: no client_secret or client_assertion")
        token, _ = issue(method, args.client_id)
        self.answer(200, {"token_type": "Bearer", "expires_in": args.lifetime, "ext_expires_in": args.lifetime,
                          "access_token": token})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/stats":
            with lock:
                return self.answer(200, stats)
        if url.path == "/metadata/identity/oauth2/token":
            if self.headers.get("Metadata") != "true":
                return self.reject(400, "invalid_request", "Required metadata header not specified")
            if query.get("api-version") != "2018-02-01" or query.get("resource") != STORAGE_RESOURCE:
                return self.reject(400, "invalid_request", "bad api-version or resource %r" % query)
            if query.get("client_id", args.managed_client_id) != args.managed_client_id:
                return self.reject(400, "invalid_request", "Identity not found")
            token, expires_on = issue("imds", query.get("client_id", "system"))
            return self.answer(200, {"access_token": token, "expires_in": str(args.lifetime),
                                     "expires_on": str(expires_on), "resource": STORAGE_RESOURCE,
                                     "token_type": "Bearer"})
        if url.path == "/msi/token":
            if self.headers.get("X-IDENTITY-HEADER") != args.identity_header:
                with lock:
                    stats["rejected"].append("bad X-IDENTITY-HEADER")
                return self.answer(401, {"statusCode": 401, "message": "Unauthorized: bad X-IDENTITY-HEADER"})
            if query.get("api-version") != "2019-08-01" or query.get("resource") != STORAGE_RESOURCE:
                return self.reject(400, "invalid_request", "bad api-version or resource %r" % query)
            token, expires_on = issue("app_service", query.get("client_id", "system"))
            return self.answer(200, {"access_token": token, "expires_on": str(expires_on),
                                     "resource": STORAGE_RESOURCE, "token_type": "Bearer"})
        self.answer(404, {"error": "not_found"})


def main():
    global args
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("dir")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--cert", default=None)
    parser.add_argument("--federated-file", default=None)
    parser.add_argument("--identity-header", default=None)
    parser.add_argument("--managed-client-id", default=None)
    parser.add_argument("--lifetime", type=int, default=3600)
    args = parser.parse_args()
    if args.cert:
        load_certificate()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    with open(os.path.join(args.dir, "entra_standin.pid"), "w") as f:
        f.write(str(os.getpid()))
    parent = os.getppid()

    def watch_parent():  # the test process went away: so do we
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
