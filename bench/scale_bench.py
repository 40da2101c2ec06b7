#!/usr/bin/env python3
"""Planning at scale (issue 16): a sync's plan next to its listing alone, and next to rclone.

    python3 bench/scale_bench.py --plan build/bench/cloudsync_bench_plan --cli build/examples/cli/cloudsync
    python3 bench/scale_bench.py ... --objects 1000000 --compare-objects 100000 --rounds 3 \\
        --endpoint http://127.0.0.1:19002 --results out.md

Makes OBJECTS files of 16 bytes in folders of 1000 (`d0000/f000000.txt`, on
/dev/shm when it exists) and, once, times in interleaved rounds:

  list-local     cloudsync_bench_plan list: both ends listed page by page into
                 a counter (the folder, and an empty folder as the destination)
  plan-local     cloudsync_bench_plan plan: the first sync's plan, each action
                 handed over as it is decided (SyncOptions::on_action)
  list-s3 / plan-s3  the same from the null S3 server's synthetic listing of
                 OBJECTS keys (`s3://bench/many/`, bench/nulls3 --many-keys)
                 into an empty folder, when --endpoint is given
  sync-to-s3     `cloudsync sync -q` of the OBJECTS files into the null S3
                 server (`s3://bench/up/`, which lists empty): a real first
                 sync, every file uploaded, transfers started as the plan is
                 decided (run_sync), when --endpoint is given

and then, at COMPARE_OBJECTS files, cloudsync's CLI next to rclone (local
folder to a `file://` folder, as the issue measured them):

  first-sync-dry-run   `cloudsync sync --dry-run -q` / `rclone sync --dry-run`
                       into an empty folder
  noop-resync          `cloudsync sync -q` / `rclone sync` of a folder already
                       in sync (the copy made once by cloudsync, mtimes kept)
  first-sync           `cloudsync sync -q` / `rclone sync` into an empty
                       folder: every file copied (the copy removed after each)
  workspace-noop-import / workspace-noop-restore
                       a project tracking the COMPARE_OBJECTS files (imported
                       once from a `file://` integration): `cloudsync import
                       -q` of all of them again, and `cloudsync restore -q`,
                       with nothing changed. The same work as rclone's
                       noop-resync (both sides listed or stat'ed, nothing
                       read) plus the project's manifest: read from the
                       catalog, planned against, and held while it runs

Each run's wall time and the process's CPU (user+sys) and peak RSS come from
wait4(). Prints a Markdown table of medians and ratios (and appends it to
--results when given). Targets: plan <= 1.1 x list, < 100 MiB at 1,000,000
objects (a real sync's too); ahead of rclone on wall time and RSS at 100,000.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def make_tree(root, count, per_folder=1000):
    os.makedirs(root, exist_ok=True)
    data = b"0123456789abcdef"
    mtime = 1_700_000_000
    for folder in range((count + per_folder - 1) // per_folder):
        d = os.path.join(root, f"d{folder:04d}")
        os.mkdir(d)
        for i in range(folder * per_folder, min(count, (folder + 1) * per_folder)):
            path = os.path.join(d, f"f{i:07d}.txt")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, data)
            os.close(fd)
            os.utime(path, (mtime, mtime))


def raise_if(code, argv, err):
    if code != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"failed ({code}): {' '.join(argv)}")


def run(argv, env):
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    err = proc.stderr.read()
    proc.stderr.close()
    raise_if(os.waitstatus_to_exitcode(status), argv, err)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024.0}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", required=True, help="cloudsync_bench_plan")
    ap.add_argument("--cli", required=True, help="the cloudsync CLI")
    ap.add_argument("--rclone", default=shutil.which("rclone") or "rclone")
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--compare-objects", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--endpoint", help="the null S3 server (bench/nulls3) for the s3 rows")
    ap.add_argument("--results")
    args = ap.parse_args()

    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="cloudsync-scale-", dir=base)
    env = {"PATH": "/usr/bin:/bin", "HOME": work, "RCLONE_CONFIG": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"}
    try:
        big = os.path.join(work, "big")
        small = os.path.join(work, "small")
        empty = os.path.join(work, "empty")
        os.mkdir(empty)
        t = time.monotonic()
        make_tree(big, args.objects)
        make_tree(small, args.compare_objects)
        print(f"made {args.objects} + {args.compare_objects} files in {time.monotonic() - t:.0f} s", file=sys.stderr)
        copy = os.path.join(work, "copy")
        run([args.cli, "sync", "-q", small, copy], env)  # the re-sync's destination, mtimes kept
        project = os.path.join(work, "project")
        os.mkdir(project)
        in_project = ["--project", project]
        import_all = [args.cli, "import", "Bucket", "**", "--max-files", str(2 * args.compare_objects), "-q"] + in_project
        run([args.cli, "integration", "add", "Bucket", "--url", "file://" + small, "--writeback"] + in_project, env)
        run(import_all, env)  # the project now tracks every file

        rows = {}  # row -> tool -> [measurements]
        def add(row, tool, argv):
            rows.setdefault(row, {}).setdefault(tool, []).append(run(argv, env))

        s3 = (["endpoint=" + args.endpoint, "region=us-east-1", "access_key_id=bench", "secret_access_key=bench-secret",
               "addressing_style=path", "use_environment=false"] if args.endpoint else [])
        for r in range(args.rounds):
            print(f"round {r + 1} of {args.rounds}", file=sys.stderr)
            add("list-local", "cloudsync", [args.plan, "list", big, empty])
            add("plan-local", "cloudsync", [args.plan, "plan", big, empty])
            if args.endpoint:
                add("list-s3", "cloudsync", [args.plan, "list", "s3://bench/many/", empty] + s3)
                add("plan-s3", "cloudsync", [args.plan, "plan", "s3://bench/many/", empty] + s3)
                add("sync-to-s3", "cloudsync", [args.cli, "sync", "-q", big, "s3://bench/up/"] +
                    [flag for option in s3 for flag in ("--dst-option", option)])
            add("first-sync-dry-run", "cloudsync", [args.cli, "sync", "--dry-run", "-q", small, empty])
            add("first-sync-dry-run", "rclone", [args.rclone, "sync", "--dry-run", "-q", small, empty])
            add("noop-resync", "cloudsync", [args.cli, "sync", "-q", small, copy])
            add("noop-resync", "rclone", [args.rclone, "sync", "-q", small, copy])
            add("workspace-noop-import", "cloudsync", import_all)
            add("workspace-noop-restore", "cloudsync", [args.cli, "restore", "Bucket", "-q"] + in_project)
            fresh = os.path.join(work, "fresh")
            for tool, argv in (("cloudsync", [args.cli, "sync", "-q", small, fresh]),
                               ("rclone", [args.rclone, "sync", "-q", small, fresh])):
                add("first-sync", tool, argv)
                shutil.rmtree(fresh)

        med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
        lines = [f"### scale (issue 16): {args.objects:,} objects planned, {args.compare_objects:,} next to rclone",
                 "", f"{args.rounds} rounds, medians.", "",
                 "| row | tool | wall s | CPU s | peak RSS MiB |", "|---|---|---|---|---|"]
        for row, tools in rows.items():
            for tool, ms in tools.items():
                lines.append(f"| {row} | {tool} | {med(ms, 'wall'):.2f} | {med(ms, 'cpu'):.2f} | {med(ms, 'rss'):.1f} |")
        lines += ["", "| ratio (median of per-round ratios) | wall | peak RSS |", "|---|---|---|"]
        def ratio(a, b, what):
            xs = rows[a[0]][a[1]]
            ys = rows[b[0]][b[1]]
            wall = statistics.median(x["wall"] / y["wall"] for x, y in zip(xs, ys))
            rss = statistics.median(x["rss"] / y["rss"] for x, y in zip(xs, ys))
            lines.append(f"| {what} | {wall:.2f} | {rss:.2f} |")
        ratio(("plan-local", "cloudsync"), ("list-local", "cloudsync"), "plan-local / list-local (target <= 1.1)")
        if args.endpoint:
            ratio(("plan-s3", "cloudsync"), ("list-s3", "cloudsync"), "plan-s3 / list-s3 (target <= 1.1)")
        ratio(("first-sync-dry-run", "cloudsync"), ("first-sync-dry-run", "rclone"),
              "first-sync-dry-run cloudsync / rclone (target < 1)")
        ratio(("noop-resync", "cloudsync"), ("noop-resync", "rclone"), "noop-resync cloudsync / rclone (target < 1)")
        ratio(("first-sync", "cloudsync"), ("first-sync", "rclone"), "first-sync cloudsync / rclone")
        ratio(("workspace-noop-import", "cloudsync"), ("noop-resync", "rclone"),
              "workspace-noop-import cloudsync / noop-resync rclone")
        ratio(("workspace-noop-restore", "cloudsync"), ("noop-resync", "rclone"),
              "workspace-noop-restore cloudsync / noop-resync rclone")
        text = "\n".join(lines) + "\n"
        print(text)
        if args.results:
            with open(args.results, "a") as f:
                f.write(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
