"""The Python layer's overhead on a 100,000-entry S3 listing: the raw C ABI through ctypes, the
package's Storage.list, and boto3's list_objects_v2 paginator, each in a process of its own
(wall time and peak RSS), against the same bucket: tests/delay_proxy.py's synthetic one, which
answers ListObjectsV2 pages itself (moto would need 100,000 uploads first).

    CLOUDSYNC_LIBRARY=build/libcloudsync.so.1 python3 bench/python_listing_bench.py [--keys 100000]
        [--results FILE.md]

boto3 must be importable by this interpreter (the pyenv python3 has it). bench/run.sh runs it as
the "python" scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import socket
import subprocess
import sys
import time

PYTHON_DIR = pathlib.Path(__file__).resolve().parent.parent / "python"
PAGE = 1000
OPTIONS = {"region": "us-east-1", "access_key_id": "bench", "secret_access_key": "bench-secret"}


def run_raw(endpoint: str) -> int:
    """cloudsync_storage_list_begin / cloudsync_list_next through ctypes, each entry's JSON taken and freed."""
    import ctypes
    sys.path.insert(0, str(PYTHON_DIR))
    from cloudsync import _native
    lib = _native.lib()
    store, it, out = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    options = json.dumps(dict(OPTIONS, endpoint=endpoint)).encode()
    assert lib.cloudsync_storage_open(b"s3://synthetic", options, ctypes.byref(store)) == 0
    assert lib.cloudsync_storage_list_begin(store, b"k/", json.dumps({"page_size": PAGE}).encode(), None,
                                            ctypes.byref(it)) == 0
    count = 0
    while True:
        assert lib.cloudsync_list_next(it, ctypes.byref(out)) == 0
        if not out.value:
            break
        ctypes.string_at(out.value)
        lib.cloudsync_free(out)
        count += 1
    lib.cloudsync_list_end(it)
    lib.cloudsync_storage_close(store)
    return count


def run_package(endpoint: str) -> int:
    """cloudsync.Storage.list: Entry objects."""
    sys.path.insert(0, str(PYTHON_DIR))
    import cloudsync
    with cloudsync.Storage("s3://synthetic", dict(OPTIONS, endpoint=endpoint)) as store:
        return sum(1 for _ in store.list("k/", page_size=PAGE))


def run_boto3(endpoint: str) -> int:
    """boto3's list_objects_v2 paginator."""
    import boto3
    import botocore.config
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                      aws_secret_access_key="bench-secret",
                      config=botocore.config.Config(s3={"addressing_style": "path"}, proxies={}))
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="synthetic", Prefix="k/",
                                                         PaginationConfig={"PageSize": PAGE})
    return sum(len(page.get("Contents", [])) for page in pages)


RUNNERS = {"C ABI (ctypes)": run_raw, "cloudsync package": run_package, "boto3 paginator": run_boto3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--results", help="also write the table as Markdown to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        t0 = time.perf_counter()
        count = RUNNERS[args.child](args.endpoint)
        seconds = time.perf_counter() - t0
        rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"count": count, "seconds": seconds, "peak_rss_mib": rss_kib / 1024}))
        return
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        os.environ.pop(name, None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = subprocess.Popen([sys.executable, str(PYTHON_DIR / "tests" / "delay_proxy.py"), str(port), "1", "0"],
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ, SYNTHETIC_KEYS=str(args.keys)))
    try:
        assert proxy.stdout is not None and proxy.stdout.readline().strip() == "listening"
        endpoint = f"http://127.0.0.1:{port}"
        rows = []
        for name in RUNNERS:
            r = subprocess.run([sys.executable, __file__, "--child", name, "--endpoint", endpoint],
                               capture_output=True, text=True, check=True)
            result = json.loads(r.stdout)
            if result["count"] != args.keys:
                raise SystemExit(f"{name} listed {result['count']} keys, not {args.keys}")
            rows.append((name, result["seconds"], result["peak_rss_mib"]))
        raw_seconds = rows[0][1]
        lines = [f"### Python: a {args.keys:,}-key S3 listing (pages of {PAGE}, one process each)", "",
                 "| | seconds | x the C ABI | peak RSS MiB |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {seconds:.2f} | {seconds / raw_seconds:.2f} | {rss:.1f} |" for name, seconds, rss in rows]
        print("\n".join(lines))
        if args.results:
            pathlib.Path(args.results).write_text("\n".join(lines) + "\n\n")
    finally:
        proxy.terminate()
        proxy.wait(10)


if __name__ == "__main__":
    main()
