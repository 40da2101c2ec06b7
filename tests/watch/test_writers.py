#!/usr/bin/env python3
"""Issue 13's "Done means", end to end through `cloudsync watch --json`.

Real writers write under a watched integration folder and the store (moto,
started here; Azurite and the Drive stand-in for one case each) must end up
with exactly what they wrote, exported exactly once per final content:

  WritersTest     one moto and ONE watcher for every writer: pandas to_csv of a
                  large frame, vim's and gedit's write-then-rename, Jupyter's
                  save (jupyter_server's own atomic_writing), cp, shutil.move,
                  100 appends, mkdir -p then an immediate write; editor and tool
                  temporaries exported 0 times.
  LimitsTest      (root; changes /proc/sys/fs/inotify and restores it) 10,000
                  files in a burst (into a local folder) under max_queued_events=64; a tiny
                  max_user_watches falls back to polling and still exports.
  DurabilityTest  kill -9 mid-upload then restart: once in total; a remote
                  change is a conflict, never overwritten; a store that is
                  down gets the queued files in the order they were written.
  OtherStoresTest one file through Azurite and one through the Drive stand-in.

Writers that need pandas or jupyter_server run under /usr/bin/python3 (the
Debian packages); boto3 comes with moto in the interpreter running this file.

Run one group with: test_writers.py --cli PATH WritersTest
"""

import fnmatch
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
from peers import Peer  # noqa: E402
import test_cli  # noqa: E402
from test_cli import CLEAN_ENV, EXIT  # noqa: E402
from watch_process import WatchProcess, add_integration, sha256_of, sha256_of_file  # noqa: E402

CLI = None  # set from --cli
DEBIAN_PYTHON = "/usr/bin/python3"  # has python3-pandas and python3-jupyter-server
# The temporaries these writers make, which must never reach the store.
TEMPORARY_PATTERNS = (".~*", "4913", "*.swp", ".goutputstream-*", "*~")
INOTIFY = "/proc/sys/fs/inotify"
# After the last expected export, how long a second (duplicate) export has to show up.
DUPLICATE_WINDOW_S = 2.0


def cli_env(extra=None):
    """The environment without the developer's credentials or proxies, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV and k != "AWS_CA_BUNDLE"}
    env.update(extra or {})
    return env


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def is_temporary(path):
    return any(fnmatch.fnmatchcase(os.path.basename(path), p) for p in TEMPORARY_PATTERNS)


def start_watcher(project, args=(), env=None, timeout=30):
    """A watcher that has reported it is watching (its first "status" event)."""
    watcher = WatchProcess(CLI, project, args, env=env, log_path=project + ".watch.log")
    watcher.wait_for(lambda events: any(e.get("event") == "status" and e.get("mode") in ("inotify", "polling")
                                        for e in events), timeout, "that it is watching")
    return watcher


class S3Project:
    """A project with one writeback integration on a fresh bucket of a moto peer."""

    def __init__(self, root, moto, name, bucket, prefix="proj", extra_options=(), endpoint=None):
        self.root, self.moto, self.bucket, self.prefix = root, moto, bucket, prefix
        self.project = os.path.join(root, name)
        os.makedirs(self.project)
        self.s3 = moto.s3_client()
        self.s3.create_bucket(Bucket=bucket)
        self.env = cli_env({k: v for k, v in moto.env.items() if k.startswith("AWS_")})
        self.folder = add_integration(CLI, self.project, name, f"s3://{bucket}/{prefix}",
                                      [f"endpoint={endpoint or moto.url}", "region=us-east-1", *extra_options],
                                      env=self.env)

    def key(self, path):
        return f"{self.prefix}/{path}"

    def path(self, relative):
        return os.path.join(self.folder, relative)

    def remote_bytes(self, path):
        return self.s3.get_object(Bucket=self.bucket, Key=self.key(path))["Body"].read()

    def remote_keys(self):
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys


class LocalProject:
    """A project with one writeback integration on a local folder: for the cases
    that measure the watcher, not the store (moto takes ~100 PUTs a second)."""

    def __init__(self, root, name):
        self.project = os.path.join(root, name)
        self.store = os.path.join(root, name + "-store")
        os.makedirs(self.project)
        os.makedirs(self.store)
        self.env = cli_env()
        self.folder = add_integration(CLI, self.project, name, self.store, env=self.env)

    def key(self, path):
        return path

    def path(self, relative):
        return os.path.join(self.folder, relative)

    def remote_bytes(self, path):
        with open(os.path.join(self.store, path), "rb") as f:
            return f.read()

    def remote_keys(self):
        return [os.path.relpath(os.path.join(d, f), self.store).replace(os.sep, "/")
                for d, _, files in os.walk(self.store) for f in files]


class WatchTestCase(unittest.TestCase):
    maxDiff = None

    def assertExportedOnce(self, watcher, project, path, earlier=()):
        """Exactly one "exported" event for the file's final content, none for any
        content but those in `earlier` (each at most once), and the store holds
        the final bytes."""
        final = sha256_of_file(project.path(path))
        exported = [e.get("sha256") for e in watcher.matching("exported", path)]
        context = f"{path}: exported contents {exported}, final {final}\n{watcher.describe()}"
        self.assertEqual(exported.count(final), 1, context)
        for sha in exported:
            self.assertIn(sha, (final, *earlier), "a content nobody wrote in full was exported: " + context)
            self.assertEqual(exported.count(sha), 1, "a content was exported twice: " + context)
        event = watcher.matching("exported", path, sha256=final)[0]
        self.assertEqual(event.get("bytes"), os.path.getsize(project.path(path)), context)
        self.assertEqual(sha256_of(project.remote_bytes(path)), final, "the store's object differs: " + context)
        self.assertEqual(watcher.matching("failed", path) + watcher.matching("conflict", path), [], context)


class WritersTest(WatchTestCase):
    """Every writer in one watched folder, checked one by one afterwards."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cloudsync-writers-")
        cls.moto = Peer.moto(os.path.join(cls.tmp, "moto"))
        cls.project = S3Project(cls.tmp, cls.moto, "writers", "writers")
        cls.outside = os.path.join(cls.tmp, "outside")  # the same filesystem, not watched
        os.makedirs(cls.outside)
        cls.watcher = start_watcher(cls.project.project, ["--no-restore"], env=cls.project.env)
        cls.earlier = {}  # path -> sha256 of the content it had before its writer ran
        try:
            cls.write_first_versions()
            cls.run_writers()
            # Each path has its final content exported...
            finals = {p: sha256_of_file(cls.project.path(p)) for p in cls.final_paths}
            cls.watcher.wait_for(
                lambda events: all(any(e.get("event") == "exported" and e.get("path") == p and e.get("sha256") == s
                                       for e in events) for p, s in finals.items()),
                120, f"the final contents of {sorted(finals)}")
            time.sleep(DUPLICATE_WINDOW_S)  # ...and a duplicate would have had time to follow
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if hasattr(cls, "watcher"):
                status = cls.watcher.stop()
                if status != 0 or cls.watcher.flush_result != {"complete": True, "pending": []}:
                    raise AssertionError(f"the watcher exited with {status} after SIGTERM, its flush left "
                                         f"{cls.watcher.flush_result}\n{cls.watcher.describe()}")
        finally:
            if hasattr(cls, "moto"):
                cls.moto.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ----- the writers -----

    @classmethod
    def write_first_versions(cls):
        """The files that editors and Jupyter open and save again, exported before they do."""
        p = cls.project.path
        os.makedirs(p("notes"))
        first = {"notes/vim.txt": b"vim: first version\n" * 1000, "notes/gedit.txt": b"gedit: first version\n" * 1000,
                 "analysis.ipynb": b'{"cells": [], "nbformat": 4}\n', "cp-target.bin": b"to be replaced by cp\n"}
        for path, data in first.items():
            write_bytes(p(path), data)
            cls.earlier[path] = sha256_of(data)
        cls.watcher.wait_exported(first, 30)

    @classmethod
    def run_writers(cls):
        p = cls.project.path
        cls.final_paths = ["frame.csv", "notes/vim.txt", "notes/gedit.txt", "analysis.ipynb", "copied.bin",
                           "cp-target.bin", "moved.bin", "moved-from-shm.bin", "appends.log", "a/b/c/deep.txt"]
        # pandas writes for a second or two (in chunks): it runs while the others write.
        pandas = subprocess.Popen([DEBIAN_PYTHON, "-c", (
            "import sys, numpy as np, pandas as pd\n"
            "n = 300_000\n"
            "rng = np.random.default_rng(13)\n"
            "frame = pd.DataFrame({'id': np.arange(n), 'value': rng.random(n),\n"
            "                      'label': [f'row-{i}' for i in range(n)]})\n"
            "frame.to_csv(sys.argv[1], index=False)\n"), p("frame.csv")])

        # vim (backupcopy=no): swap file while editing, the "4913" probe, the original renamed
        # to its backup "name~", the new content written under the name, the backup removed.
        swap = p("notes/.vim.txt.swp")
        write_bytes(swap, b"b0VIM 9.0" + bytes(4087))
        probe = p("notes/4913")
        write_bytes(probe, b"")
        os.remove(probe)
        os.rename(p("notes/vim.txt"), p("notes/vim.txt~"))
        write_bytes(p("notes/vim.txt"), b"vim: second version, saved with :w\n" * 2000)
        os.remove(p("notes/vim.txt~"))
        os.remove(swap)

        # gedit: a .goutputstream-XXXXXX beside the file, fsynced, renamed over it.
        stream = p("notes/.goutputstream-" + "".join(random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(6)))
        with open(stream, "wb") as f:
            f.write(b"gedit: second version\n" * 3000)
            f.flush()
            os.fsync(f.fileno())
        os.rename(stream, p("notes/gedit.txt"))

        # Jupyter's save: jupyter_server's own atomic_writing (backup to .~name, truncate the
        # real file, write, fsync, remove the backup), as its FileContentsManager saves notebooks.
        subprocess.run([DEBIAN_PYTHON, "-c", (
            "import json, sys\n"
            "from jupyter_server.services.contents.fileio import atomic_writing\n"
            "cells = [{'cell_type': 'code', 'source': f'print({i})', 'metadata': {}, 'outputs': [],"
            " 'execution_count': i} for i in range(20000)]\n"
            "with atomic_writing(sys.argv[1]) as f:\n"
            "    for i in range(0, len(cells), 500):\n"
            "        f.write(json.dumps(cells[i:i + 500]))\n"
            "        f.flush()\n"), p("analysis.ipynb")], check=True, timeout=60)

        # cp, to a new name and over an exported file.
        source = os.path.join(cls.outside, "source.bin")
        write_bytes(source, os.urandom(3 << 20))
        subprocess.run(["cp", source, p("copied.bin")], check=True)
        subprocess.run(["cp", source, p("cp-target.bin")], check=True)

        # shutil.move from a folder outside the tree (a rename), and from /dev/shm (another
        # filesystem: a copy written in place, then the source removed).
        write_bytes(os.path.join(cls.outside, "moved.bin"), os.urandom(1 << 20))
        shutil.move(os.path.join(cls.outside, "moved.bin"), p("moved.bin"))
        shm = tempfile.mkdtemp(prefix="cloudsync-writers-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        try:
            write_bytes(os.path.join(shm, "moved.bin"), os.urandom(1 << 20))
            shutil.move(os.path.join(shm, "moved.bin"), p("moved-from-shm.bin"))
        finally:
            shutil.rmtree(shm, ignore_errors=True)

        # 100 appends in a tight loop, and mkdir -p followed at once by a write.
        subprocess.run(["bash", "-c", 'for i in $(seq 1 100); do echo "line $i" >> appends.log; done'],
                       cwd=cls.project.folder, check=True)
        subprocess.run(["bash", "-c", "mkdir -p a/b/c && printf 'written at once\\n' > a/b/c/deep.txt"],
                       cwd=cls.project.folder, check=True)

        # Temporaries that stay behind (an editor still open, a crashed save).
        for path in ("notes/.kept.txt.swp", "notes/4913", "notes/kept.txt~", ".~kept.ipynb",
                     "a/b/.goutputstream-KEPT01"):
            write_bytes(p(path), b"temporary\n")

        if pandas.wait(timeout=120) != 0:
            raise AssertionError("the pandas writer failed")

    # ----- the checks -----

    def test_pandas_to_csv_of_a_large_frame(self):
        self.assertGreater(os.path.getsize(self.project.path("frame.csv")), 5 << 20)
        self.assertExportedOnce(self.watcher, self.project, "frame.csv")

    def test_vim_write_then_rename(self):
        self.assertExportedOnce(self.watcher, self.project, "notes/vim.txt", [self.earlier["notes/vim.txt"]])

    def test_gedit_output_stream_renamed_over_the_file(self):
        self.assertExportedOnce(self.watcher, self.project, "notes/gedit.txt", [self.earlier["notes/gedit.txt"]])

    def test_jupyter_atomic_writing(self):
        self.assertExportedOnce(self.watcher, self.project, "analysis.ipynb", [self.earlier["analysis.ipynb"]])

    def test_cp(self):
        self.assertExportedOnce(self.watcher, self.project, "copied.bin")
        self.assertExportedOnce(self.watcher, self.project, "cp-target.bin", [self.earlier["cp-target.bin"]])

    def test_shutil_move_from_outside(self):
        self.assertExportedOnce(self.watcher, self.project, "moved.bin")
        self.assertExportedOnce(self.watcher, self.project, "moved-from-shm.bin")

    def test_one_hundred_appends(self):
        with open(self.project.path("appends.log")) as f:
            self.assertEqual(f.read().splitlines(), [f"line {i}" for i in range(1, 101)])
        self.assertExportedOnce(self.watcher, self.project, "appends.log")

    def test_mkdir_p_then_immediate_write(self):
        self.assertExportedOnce(self.watcher, self.project, "a/b/c/deep.txt")

    def test_temporaries_are_never_exported(self):
        reported = [e for e in self.watcher.events if e.get("path") and is_temporary(e["path"])]
        self.assertEqual(reported, [], self.watcher.describe())
        stored = [k for k in self.project.remote_keys() if is_temporary(k)]
        self.assertEqual(stored, [])
        # And nothing else reached the store than what the writers wrote in full.
        expected = {self.project.key(p) for p in self.final_paths}
        self.assertEqual(set(self.project.remote_keys()), expected)

    def test_only_events_on_stdout(self):
        self.assertEqual(self.watcher.garbage, [])
        for event in self.watcher.events:
            self.assertIn(event.get("event"), ("exported", "conflict", "refused", "failed", "status"), event)
            self.assertIn("at", event)


class InotifyLimit:
    """/proc/sys/fs/inotify/NAME set to `value` until restore() (idempotent) puts the old one back."""

    def __init__(self, name, value):
        self.path = os.path.join(INOTIFY, name)
        with open(self.path) as f:
            self.old = f.read().strip()
        self._write(str(value))

    def _write(self, value):
        with open(self.path, "w") as f:
            f.write(value)

    def restore(self):
        if self.old is not None:
            self._write(self.old)
            self.old = None


class LimitsTest(WatchTestCase):
    """The kernel's limits, set for the test (root) and restored as soon as the watcher has started
    (the queue length is fixed when an inotify instance is made) or the case is over (the watch limit)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cloudsync-limits-")
        cls.moto = Peer.moto(os.path.join(cls.tmp, "moto"), mode="noauth")  # the fastest moto for 10,000 PUTs

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if os.geteuid() != 0:
            self.fail(f"this test sets {INOTIFY}/* and needs root (CI runs as root); run it as root")

    def test_burst_of_10000_files_with_a_small_event_queue(self):
        # Into a local folder: what is measured is that no file escapes the
        # watcher when its event queue overflows; moto would make it minutes.
        project = LocalProject(self.tmp, "burst")
        limit = InotifyLimit("max_queued_events", 64)
        try:
            watcher = start_watcher(project.project, ["--no-restore"], env=project.env)
        finally:
            limit.restore()
        try:
            paths = [f"d{i % 10}/f{i:05d}.txt" for i in range(10_000)]
            for d in range(10):
                os.makedirs(project.path(f"d{d}"))
            for i, path in enumerate(paths):
                write_bytes(project.path(path), f"file {i} of the burst\n".encode())
            watcher.wait_for(lambda events: len({e.get("path") for e in events if e.get("event") == "exported"}) >=
                             len(paths), 600, "10,000 exports")
            keys = project.remote_keys()
            self.assertEqual(len(keys), len(paths))
            self.assertEqual(set(keys), {project.key(p) for p in paths})
            for i in random.sample(range(len(paths)), 50):
                self.assertEqual(project.remote_bytes(paths[i]), f"file {i} of the burst\n".encode())
        finally:
            self.assertEqual(watcher.stop(), 0, watcher.describe())

    def test_tiny_watch_limit_falls_back_to_polling(self):
        project = S3Project(self.tmp, self.moto, "polling", "polling")
        for d in range(10):
            os.makedirs(project.path(f"d{d}/sub"))
        limit = InotifyLimit("max_user_watches", 4)
        watcher = None
        try:
            watcher = start_watcher(project.project, ["--no-restore", "--poll-ms", "200"], env=project.env)
            watcher.wait_for(lambda events: any(e.get("event") == "status" and e.get("mode") == "polling"
                                                for e in events), 10, 'a "status" event with mode "polling"')
            write_bytes(project.path("d7/sub/after.txt"), b"written while polling\n")
            watcher.wait_exported(["d7/sub/after.txt"], 20)
            time.sleep(DUPLICATE_WINDOW_S)
        finally:
            limit.restore()
            status = watcher.stop() if watcher else 0
        self.assertEqual(status, 0, watcher.describe())
        self.assertExportedOnce(watcher, project, "d7/sub/after.txt")


class DurabilityTest(WatchTestCase):
    """Through the fault proxy in front of moto: kill -9, remote changes, a store that is down."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cloudsync-durability-")
        cls.moto = Peer.moto(os.path.join(cls.tmp, "moto"))
        try:
            cls.proxy = Peer.fault_proxy(os.path.join(cls.tmp, "proxy"), cls.moto.port)
        except BaseException:
            cls.moto.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.moto.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.proxy.set_fault(None)
        self.addCleanup(self.proxy.set_fault, None)

    def project(self, name):
        # One attempt per request: the proxy's faults reach the queue at once instead of after retries.
        return S3Project(self.tmp, self.moto, name, name, endpoint=self.proxy.url, extra_options=["max_attempts=1"])

    def test_kill_9_mid_upload_then_restart_exports_once(self):
        project = self.project("killed")
        project.s3.put_bucket_versioning(Bucket="killed", VersioningConfiguration={"Status": "Enabled"})
        first = start_watcher(project.project, ["--no-restore"], env=project.env)
        # The upload's request reaches the proxy, which holds it for 3 s before passing it on:
        # the watcher is killed while it waits for the answer, and the store then gets the object.
        self.proxy.set_fault({"delay": 3, "count": 1, "match": "PUT /killed/"})
        data = os.urandom(4 << 20)
        write_bytes(project.path("big.bin"), data)
        deadline = time.monotonic() + 20
        while self.proxy.fault_hits() == 0:
            self.assertLess(time.monotonic(), deadline, "the upload never started\n" + first.describe())
            time.sleep(0.05)
        first.kill9()
        time.sleep(3.5)  # the held request reaches the store
        self.proxy.set_fault(None)

        second = start_watcher(project.project, [], env=project.env)  # a kernel restart: restore, then watch
        try:
            second.wait_exported(["big.bin"], 30)
            time.sleep(DUPLICATE_WINDOW_S)
        finally:
            self.assertEqual(second.stop(), 0, second.describe())
        exported = first.matching("exported", "big.bin") + second.matching("exported", "big.bin")
        self.assertEqual(len(exported), 1, first.describe() + second.describe())
        self.assertEqual(exported[0].get("sha256"), sha256_of(data))
        self.assertEqual(project.remote_bytes("big.bin"), data)
        versions = project.s3.list_object_versions(Bucket="killed", Prefix=project.key("big.bin")).get("Versions", [])
        self.assertEqual(len(versions), 1, f"the object was written {len(versions)} times")
        self.assertEqual(second.matching("conflict") + second.matching("failed"), [], second.describe())

    def test_remote_change_is_reported_not_overwritten(self):
        project = self.project("changed")
        watcher = start_watcher(project.project, ["--no-restore"], env=project.env)
        try:
            write_bytes(project.path("report.csv"), b"a,b\n1,2\n")
            watcher.wait_exported(["report.csv"], 20)
            project.s3.put_object(Bucket="changed", Key=project.key("report.csv"), Body=b"someone else's edit\n")
            local = b"a,b\n1,2\n3,4\n"
            write_bytes(project.path("report.csv"), local)
            watcher.wait_for(lambda events: any(e.get("event") == "conflict" and e.get("path") == "report.csv"
                                                for e in events), 20, 'a "conflict" event for report.csv')
            time.sleep(DUPLICATE_WINDOW_S)
        finally:
            # The conflict stays in the queue (parked): the watcher says so in its exit status.
            self.assertEqual(watcher.stop(), EXIT["conflict"], watcher.describe())
        left = [(p["path"], p["state"]) for p in watcher.flush_result["pending"]]
        self.assertEqual(left, [("report.csv", "conflict")])
        self.assertEqual(project.remote_bytes("report.csv"), b"someone else's edit\n")
        self.assertEqual(watcher.matching("exported", "report.csv", sha256=sha256_of(local)), [], watcher.describe())
        with open(project.path("report.csv"), "rb") as f:
            self.assertEqual(f.read(), local, "the local file must be left as written")

    def test_store_down_then_queued_files_go_out_in_order(self):
        project = self.project("offline")
        watcher = start_watcher(project.project, ["--no-restore"], env=project.env)
        try:
            self.proxy.set_fault({"kill": True, "count": 1_000_000})  # every connection dropped: the store is down
            written = [f"{i}-of-5.txt" for i in range(1, 6)]
            for i, path in enumerate(written):
                write_bytes(project.path(path), f"written {i + 1}th\n".encode())
                time.sleep(0.5)  # longer than the quiet window: each is complete before the next is written
            watcher.wait_for(lambda events: any(e.get("event") == "failed" for e in events), 20,
                             'a "failed" event while the store is down')
            self.assertEqual(watcher.matching("exported"), [], watcher.describe())
            self.proxy.set_fault(None)
            watcher.wait_exported(written, 60)
            time.sleep(DUPLICATE_WINDOW_S)
        finally:
            self.assertEqual(watcher.stop(), 0, watcher.describe())
        order = [e["path"] for e in watcher.matching("exported")]
        self.assertEqual(order, written, watcher.describe())
        for i, path in enumerate(written):
            self.assertEqual(project.remote_bytes(path), f"written {i + 1}th\n".encode())


class OtherStoresTest(WatchTestCase):
    """One file through each of the other stores' peers: it arrives, byte for byte."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cloudsync-stores-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def watch_one_file(self, url, options, run_options, env):
        """Adds the integration, watches, writes one file; the file's bytes and the exported event."""
        project = os.path.join(self.tmp, "project")
        folder = add_integration(CLI, project, "Other", url, options, env=env)
        args = ["--no-restore"]
        for option in run_options:
            args += ["-o", option]
        watcher = start_watcher(project, args, env=env)
        data = os.urandom(300_000)
        try:
            os.makedirs(os.path.join(folder, "sub"))
            write_bytes(os.path.join(folder, "sub", "arrived.bin"), data)
            watcher.wait_exported(["sub/arrived.bin"], 30)
            time.sleep(DUPLICATE_WINDOW_S)
        finally:
            self.assertEqual(watcher.stop(), 0, watcher.describe())
        exported = watcher.matching("exported", "sub/arrived.bin")
        self.assertEqual([e.get("sha256") for e in exported], [sha256_of(data)], watcher.describe())
        return data, exported[0]

    def fetched(self, url, run_options, env):
        """The object at `url`, fetched with `cloudsync copy`."""
        out = os.path.join(self.tmp, "fetched")
        args = [CLI, "copy", url, out]
        for option in run_options:
            args += ["-o", option]
        r = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(out, os.path.basename(url)), "rb") as f:
            return f.read()

    def test_azurite(self):
        npm = os.environ.get("CLOUDSYNC_PEERS_NPM_DIR") or os.path.join(self.tmp, "npm")
        with Peer.azurite(os.path.join(self.tmp, "azurite"), npm) as azurite:
            e = azurite.env
            env = cli_env({"AZURE_STORAGE_ACCOUNT": e["AZURE_STORAGE_ACCOUNT"],
                           "AZURE_STORAGE_KEY": e["AZURE_STORAGE_KEY"]})
            options = [f"endpoint={e['AZURE_BLOB_ENDPOINT']}", "create_container=true"]
            data, _ = self.watch_one_file("az://watched/proj", options, [], env)
            self.assertEqual(self.fetched("az://watched/proj/sub/arrived.bin", [f"endpoint={e['AZURE_BLOB_ENDPOINT']}"],
                                          env), data)

    def test_drive_stand_in(self):
        npm = os.environ.get("CLOUDSYNC_DRIVE_NPM_DIR") or os.path.join(self.tmp, "npm")
        with Peer.drive(os.path.join(self.tmp, "drive"), npm) as drive:
            folder = drive.drive_call("POST", "/drive/v3/files?supportsAllDrives=true&fields=id", json.dumps(
                {"name": "watched", "mimeType": "application/vnd.google-apps.folder", "parents": ["root"]}).encode())
            env = cli_env({"DRIVE_TOKEN": drive.env["DRIVE_ACCESS_TOKEN"]})
            options = [f"endpoint={drive.url}", "pacer_min_sleep_ms=0"]
            token = ["access_token=env:DRIVE_TOKEN"]  # a secret: given to each run, never stored
            data, _ = self.watch_one_file(f"gdrive://{folder['id']}", options, token, env)
            self.assertEqual(self.fetched(f"gdrive://{folder['id']}/sub/arrived.bin", [f"endpoint={drive.url}", *token],
                                          env), data)


def use_cli(args):
    global CLI
    CLI = os.path.abspath(args.cli)


if __name__ == "__main__":
    test_cli.run_tests(configure=use_cli)
