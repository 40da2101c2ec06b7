"""A reverse proxy that delays every request, handling requests in parallel, and counts them.

    delay_proxy.py PORT UPSTREAM_PORT DELAY_S

GET /__proxy__ answers {"requests": n, "lists": m} (m: bucket listings).
Bucket "synthetic" is answered here, not by moto: a ListObjectsV2 of
SYNTHETIC_KEYS ($SYNTHETIC_KEYS, default 12,345) keys "k/00000000"... in pages of max-keys, so that a listing
of many keys costs no upload (moto takes minutes for 10,000 PUTs). The
fault proxy of tests/peers delays one request at a time; this one lets
delayed requests overlap, so that a test can see two client threads wait at once.
"""
import html
import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

port, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
counts = {"requests": 0, "lists": 0}
lock = threading.Lock()
SYNTHETIC_KEYS = int(os.environ.get("SYNTHETIC_KEYS", "12345"))
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        if self.path.startswith("/__proxy__"):
            body = json.dumps(counts).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with lock:
            counts["requests"] += 1
            counts["lists"] += "list-type=" in self.path
        time.sleep(delay)
        if self.path.startswith("/synthetic?") or self.path.startswith("/synthetic/?"):
            return self.synthetic_listing()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        connection.request(self.command, self.path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for k, v in answer.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", (answer.getheader("Content-Length") or "0") if self.command == "HEAD"
                         else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    def synthetic_listing(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        start = int(query.get("continuation-token") or 0)
        count = min(int(query.get("max-keys") or 1000), SYNTHETIC_KEYS - start)
        end = start + count
        contents = "".join(f"<Contents><Key>k/{i:08d}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                           f"<ETag>&quot;{i:032x}&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass>"
                           f"</Contents>" for i in range(start, end))
        more = end < SYNTHETIC_KEYS
        body = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>synthetic</Name>'
                f'<Prefix>{html.escape(query.get("prefix", ""))}</Prefix><KeyCount>{count}</KeyCount>'
                f'<MaxKeys>{count}</MaxKeys><IsTruncated>{"true" if more else "false"}</IsTruncated>'
                + (f"<NextContinuationToken>{end}</NextContinuationToken>" if more else "")
                + contents + "</ListBucketResult>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
server.serve_forever()
