"""mitmproxy addon: send what a Google Drive client addresses to www.googleapis.com (HTTPS, through
this proxy) to the local Drive stand-in instead, for clients that have no endpoint option (rclone's
drive backend has a token_url but no API URL). Load with:
  DRIVE_STAND_IN=http://127.0.0.1:PORT mitmdump --listen-host 127.0.0.1 -p PORT2 \
      --set connection_strategy=lazy --set confdir=DIR -s drive_intercept.py
The client trusts DIR/mitmproxy-ca-cert.pem (rclone: --ca-cert). Every other host is refused (502):
nothing leaves the machine."""
import os
from urllib.parse import urlsplit

from mitmproxy import http

STAND_IN = urlsplit(os.environ["DRIVE_STAND_IN"])


def request(flow: http.HTTPFlow):
    if flow.request.pretty_host != "www.googleapis.com":
        flow.response = http.Response.make(502, f"drive_intercept: {flow.request.pretty_host} is not served here\n")
        return
    flow.request.scheme = "http"
    flow.request.host = STAND_IN.hostname
    flow.request.port = STAND_IN.port
