#!/usr/bin/env python3
"""The writeback watcher's latency and idle cost (issue 13), through `cloudsync watch --json`.

    python3 bench/watch_bench.py --cli build/examples/cli/cloudsync --nulls3 build-bench/bench/nulls3
    python3 bench/watch_bench.py --cli ... --endpoint http://127.0.0.1:19002   # a running nulls3 (bench/run.sh)
    python3 bench/watch_bench.py --cli ... --moto                              # moto (tests/peers), no auth

1. Latency: FILES files written one by one, GAP_MS apart, each closed at a time
   recorded here; the delay is from that close to the moment its "exported"
   event is read from the watcher's stdout (so it includes the quiet window,
   300 ms by default, the upload and the catalog's queue). Median, p99, max.
2. Idle: the tree is filled up to IDLE_FILES watched files (all exported), then
   nothing is written for IDLE_S seconds: the watcher's CPU time (utime + stime
   from /proc/PID/stat) over that interval.

Prints a Markdown table (and appends it to --results when given). The issue
aims at p99 under 2 s and an idle CPU near zero.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "peers"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "watch"))
from peers import Peer, free_port  # noqa: E402
from watch_process import WatchProcess, add_integration  # noqa: E402


def percentile(values, q):
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class NullS3:
    """bench/nulls3 on a free port: it stores nothing and answers at once, so the watcher is measured."""

    def __init__(self, binary, log_path):
        self.port = free_port()
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([binary, str(self.port)], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{self.port}/"]).returncode != 0:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"nulls3 did not start on port {self.port}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self._log.close()


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return time.monotonic()  # closed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", required=True, help="the cloudsync binary")
    store = parser.add_mutually_exclusive_group(required=True)
    store.add_argument("--nulls3", metavar="PATH", help="start this nulls3 binary")
    store.add_argument("--endpoint", metavar="URL", help="an S3 endpoint that is already running (nulls3)")
    store.add_argument("--moto", action="store_true", help="start moto (tests/peers/start-moto.sh, no auth)")
    parser.add_argument("--files", type=int, default=1000, help="files of the latency run (1000)")
    parser.add_argument("--gap-ms", type=float, default=5, help="pause between two of them (5 ms)")
    parser.add_argument("--idle-files", type=int, default=10_000, help="files watched while idle (10000)")
    parser.add_argument("--idle-s", type=float, default=10, help="length of the idle interval (10 s)")
    parser.add_argument("--results", help="append the table to this file")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="cloudsync-watch-bench-")
    server, moto, watcher = None, None, None
    try:
        if args.nulls3:
            server = NullS3(args.nulls3, os.path.join(tmp, "nulls3.log"))
            endpoint, store_name = server.url, "nulls3"
        elif args.moto:
            moto = Peer.moto(os.path.join(tmp, "moto"), mode="noauth")
            moto.s3_client().create_bucket(Bucket="bench")
            endpoint, store_name = moto.url, "moto (no auth)"
        else:
            endpoint, store_name = args.endpoint, "S3 at " + args.endpoint
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "http_", "https_", "HTTP", "ALL_"))}
        env.update(AWS_ACCESS_KEY_ID="BENCH", AWS_SECRET_ACCESS_KEY="BENCH-SECRET")
        project = os.path.join(tmp, "project")
        folder = add_integration(args.cli, project, "bench", "s3://bench/watch",
                                 [f"endpoint={endpoint}", "region=us-east-1"], env=env)
        watcher = WatchProcess(args.cli, project, ["--no-restore"], env=env, log_path=os.path.join(tmp, "watch.log"))
        watcher.wait_for(lambda events: any(e.get("event") == "status" for e in events), 30, "that it is watching")

        # 1. Latency, one file at a time.
        closed = {}
        for i in range(args.files):
            path = f"latency/d{i // 100:02d}/f{i:05d}.txt"
            os.makedirs(os.path.dirname(os.path.join(folder, path)), exist_ok=True)
            closed[path] = write_file(os.path.join(folder, path), f"file {i}\n".encode() * 64)
            time.sleep(args.gap_ms / 1000)
        watcher.wait_exported(closed, 300)
        delays = []
        for path, at in closed.items():
            exported = watcher.matching("exported", path)
            delays.append(exported[0]["_read_at"] - at)

        # 2. Idle over IDLE_FILES watched files.
        extra = [f"idle/d{i // 100:03d}/f{i:05d}.txt" for i in range(max(0, args.idle_files - args.files))]
        for path in extra:
            os.makedirs(os.path.dirname(os.path.join(folder, path)), exist_ok=True)
            write_file(os.path.join(folder, path), b"idle\n")
        watcher.wait_exported(extra, 600)
        time.sleep(2)  # the last exports' bookkeeping
        hz = os.sysconf("SC_CLK_TCK")
        before = watcher.cpu_ticks()
        time.sleep(args.idle_s)
        idle_cpu = (watcher.cpu_ticks() - before) / hz
        with open(f"/proc/{watcher.pid}/status") as f:
            rss = next((line.split()[1] for line in f if line.startswith("VmRSS:")), "?")
        status = watcher.stop()
        duplicates = sum(len(watcher.matching("exported", p)) - 1 for p in [*closed, *extra])

        table = [
            f"watch: {args.files} files written {args.gap_ms:g} ms apart, then {len(closed) + len(extra)} watched "
            f"and idle for {args.idle_s:g} s; store: {store_name}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            "",
            "| measure | value |",
            "|---|---|",
            f"| close -> exported, median | {statistics.median(delays):.3f} s |",
            f"| close -> exported, p99 | {percentile(delays, 99):.3f} s |",
            f"| close -> exported, max | {max(delays):.3f} s |",
            f"| duplicate exports | {duplicates} |",
            f"| idle CPU over {args.idle_s:g} s, {len(closed) + len(extra)} files watched | {idle_cpu:.2f} s "
            f"({100 * idle_cpu / args.idle_s:.1f} % of a core) |",
            f"| watcher RSS after the run | {int(rss) / 1024:.1f} MiB |" if rss.isdigit() else None,
            f"| watcher exit status after SIGTERM | {status} |",
        ]
        text = "\n".join(line for line in table if line is not None) + "\n"
        print(text)
        if args.results:
            with open(args.results, "a") as f:
                f.write("\n" + text)
        return 0 if status == 0 and duplicates == 0 else 1
    finally:
        if watcher is not None and watcher.proc.poll() is None:
            watcher.kill9()
        if server is not None:
            server.stop()
        if moto is not None:
            moto.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
