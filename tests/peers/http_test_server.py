#!/usr/bin/env python3
"""Scripted HTTP/1.1 server for the HTTP layer's tests (stdlib only, loopback only).

usage: http_test_server.py PORT [STATE_DIR] [--tls CERT.pem KEY.pem]
Runs in the foreground until killed, or until the process that started it exits.
With STATE_DIR it writes http_test_server.pid there. With --tls it speaks HTTPS.

An "Expect: 100-continue" request first gets a 100 answer with X-Interim: 1.
Every response carries X-Connection-Id (one number per TCP connection, so a test
can prove keep-alive reuse) and, when the request came in absolute form
("GET http://host:port/path HTTP/1.1", as sent to a forward proxy), X-Proxied: 1.

Endpoints (query parameters optional):
  GET  /bytes/N?seed=S             N pseudo-random bytes; X-Content-Sha256 has their digest
  ANY  /echo                       JSON: method, path, query, headers, body_length,
                                   body_sha256, chunked, proxied, connection_id
  ANY  /status/CODE?retry_after=X&size=N&body=TEXT
                                   answer CODE with TEXT (or N filler bytes) and Retry-After X
  ANY  /flaky/NAME?fail=N&status=503&retry_after=X
                                   the first N requests for NAME get STATUS, later ones 200;
                                   X-Attempt counts the requests for NAME
  GET  /count/NAME                 JSON {"count": requests seen so far for NAME}
  GET  /stall?send=N&announce=M&sleep=S
                                   announce M bytes, send N, then go silent for S seconds
  GET  /truncate?announce=M&send=N announce M bytes, send N, close the connection
  GET  /drip?size=N&chunk=C&delay=D
                                   N bytes in chunks of C with D seconds between chunks
"""
import hashlib
import http.server
import itertools
import json
import os
import random
import sys
import threading
import time
import urllib.parse

_connection_ids = itertools.count(1)
_counts = {}
_counts_lock = threading.Lock()


def _bump(name):
    with _counts_lock:
        _counts[name] = _counts.get(name, 0) + 1
        return _counts[name]


def _filler(size, seed=1):
    return random.Random(seed).randbytes(size)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudsync-http-test"

    def setup(self):
        super().setup()
        self.connection_id = next(_connection_ids)

    def log_message(self, fmt, *args):  # keep the log short: one line per request
        sys.stderr.write("%s conn=%d %s\n" % (self.log_date_time_string(), self.connection_id, fmt % args))

    def handle_expect_100(self):
        # The interim answer carries a header of its own, so a test can prove
        # the client kept only the final response's headers.
        self.send_response_only(100)
        self.send_header("X-Interim", "1")
        self.end_headers()
        return True

    # -- plumbing ---------------------------------------------------------
    def _split_target(self):
        target = self.path
        self.proxied = False
        if target.startswith("http://") or target.startswith("https://"):
            self.proxied = True
            parts = urllib.parse.urlsplit(target)
            target = parts.path or "/"
            if parts.query:
                target += "?" + parts.query
        parts = urllib.parse.urlsplit(target)
        self.route = parts.path
        self.query_text = parts.query
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}

    def _read_body(self):
        """Reads the whole request body (Content-Length or chunked) so the connection stays usable."""
        self.chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        digest = hashlib.sha256()
        length = 0
        if self.chunked:
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                remaining = size
                while remaining:
                    data = self.rfile.read(min(remaining, 1 << 16))
                    if not data:
                        raise ConnectionError("client closed mid-chunk")
                    digest.update(data)
                    remaining -= len(data)
                    length += len(data)
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("Content-Length", "0") or "0")
            while remaining:
                data = self.rfile.read(min(remaining, 1 << 16))
                if not data:
                    raise ConnectionError("client closed mid-body")
                digest.update(data)
                remaining -= len(data)
                length += len(data)
        return length, digest.hexdigest()

    def _start(self, code, length, content_type="application/octet-stream", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Connection-Id", str(self.connection_id))
        if self.proxied:
            self.send_header("X-Proxied", "1")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, code, body=b"", content_type="application/octet-stream", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self._start(code, len(body), content_type, extra)
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, code, obj, extra=None):
        self._send(code, json.dumps(obj, sort_keys=True), "application/json", extra)

    # -- dispatch ---------------------------------------------------------
    def _handle(self):
        self._split_target()
        body_length, body_sha256 = self._read_body()
        parts = [p for p in self.route.split("/") if p]
        head = parts[0] if parts else ""
        q = self.query
        if head == "bytes" and len(parts) == 2:
            size = int(parts[1])
            data = _filler(size, int(q.get("seed", "1")))
            self._start(200, size, extra={"X-Content-Sha256": hashlib.sha256(data).hexdigest()})
            if self.command != "HEAD":
                for i in range(0, size, 1 << 16):
                    self.wfile.write(data[i:i + (1 << 16)])
        elif head == "echo":
            self._json(200, {
                "method": self.command, "path": self.route, "query": self.query_text,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_length": body_length, "body_sha256": body_sha256, "chunked": self.chunked,
                "proxied": self.proxied, "connection_id": self.connection_id,
            })
        elif head == "status" and len(parts) == 2:
            extra = {"Retry-After": q["retry_after"]} if "retry_after" in q else {}
            body = q["body"].encode() if "body" in q else _filler(int(q.get("size", "0")))
            self._send(int(parts[1]), body, "text/plain", extra)
        elif head == "flaky" and len(parts) == 2:
            n = _bump("flaky/" + parts[1])
            extra = {"X-Attempt": str(n)}
            if n <= int(q.get("fail", "1")):
                if "retry_after" in q:
                    extra["Retry-After"] = q["retry_after"]
                self._send(int(q.get("status", "503")), "<Error><Code>SlowDown</Code></Error>", "application/xml", extra)
            else:
                self._send(200, "attempt %d" % n, "text/plain", extra)
        elif head == "count" and len(parts) == 2:
            with _counts_lock:
                count = _counts.get("flaky/" + parts[1], 0)
            self._json(200, {"count": count})
        elif head == "stall":
            send = int(q.get("send", "1024"))
            self._start(200, int(q.get("announce", str(send * 100))))
            self.wfile.write(_filler(send))
            self.wfile.flush()
            time.sleep(float(q.get("sleep", "30")))
            self.close_connection = True
        elif head == "truncate":
            send = int(q.get("send", "1000"))
            self._start(200, int(q.get("announce", str(send * 10))))
            self.wfile.write(_filler(send))
            self.wfile.flush()
            self.close_connection = True
        elif head == "drip":
            size, chunk, delay = int(q.get("size", "65536")), int(q.get("chunk", "1024")), float(q.get("delay", "0.05"))
            self._start(200, size)
            data = _filler(size)
            for i in range(0, size, chunk):
                self.wfile.write(data[i:i + chunk])
                self.wfile.flush()
                time.sleep(delay)
        else:
            self._send(404, "no such endpoint: %s" % self.route, "text/plain")

    def _safe_handle(self):
        try:
            self._handle()
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True

    def handle(self):
        try:
            super().handle()
        except OSError as e:  # a TLS client that rejected our certificate, a reset
            self.log_message("connection ended: %s", e)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _safe_handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def _exit_with_parent(parent):
    # The tests start this server as a child; if they die without stopping it,
    # it must not linger and keep the port.
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main():
    args = sys.argv[1:]
    tls = None
    if "--tls" in args:
        i = args.index("--tls")
        tls = args[i + 1:i + 3]
        del args[i:i + 3]
    port = int(args[0])
    state_dir = args[1] if len(args) > 1 else None
    server = Server(("127.0.0.1", port), Handler)
    if tls:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
        # Handshake in the connection's thread, not in the accept loop, so a
        # client that rejects the certificate cannot hold up the others.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    if state_dir:
        os.makedirs(state_dir, exist_ok=True)
        with open(os.path.join(state_dir, "http_test_server.pid"), "w") as f:
            f.write("%d\n" % os.getpid())
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.stderr.write("listening on 127.0.0.1:%d\n" % port)
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
