"""SigV4 signatures per second through botocore's S3SigV4Auth, on the request
bench_sigv4.cpp signs (ranged GET, query string, encoded key, UNSIGNED-PAYLOAD).

    python3 sigv4_botocore.py [SECONDS=2]   prints "<signatures/s> signatures/s (N in T s)"

Run it with the Python that runs the aws CLI (botocore comes with it).
"""
import sys
import time

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

URL = "https://127.0.0.1:19002/bench/data/2026/report%20final.csv?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY"


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    signer = S3SigV4Auth(credentials, "s3", "us-east-1")

    def sign_once():
        # A fresh request per signature, as botocore builds one per attempt.
        request = AWSRequest(method="GET", url=URL,
                             headers={"Range": "bytes=0-8388607", "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
        signer.add_auth(request)
        return request

    for _ in range(1000):
        sign_once()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    now = start
    while now < deadline:
        for _ in range(256):
            sign_once()
        count += 256
        now = time.perf_counter()
    elapsed = now - start
    print(f"{count / elapsed:.0f} signatures/s ({count} in {elapsed:.2f} s)")


if __name__ == "__main__":
    main()
