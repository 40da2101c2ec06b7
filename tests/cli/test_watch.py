#!/usr/bin/env python3
"""End-to-end tests of `cloudsync watch`: the kernel session on the command line.

Each test runs `cloudsync watch` as a subprocess, reads its lines as they come
(one JSON event per line with --json, flushed at once), writes files into the
project, waits (with a timeout) for the events, and stops it with SIGINT the way
a terminal or a host would. The local-folder groups need no server;
MotoWatchTest runs under tests/capi/run_on_moto.py, which starts moto and passes
the bucket's URL and options:
  test_watch.py --cli PATH LocalWatchTest
  run_on_moto.py SCRATCH test_watch.py --cli PATH --s3-url {url} --s3-options {options} MotoWatchTest
"""

import glob
import json
import os
import queue
import signal
import subprocess
import threading
import time

import test_cli
from test_cli import CLEAN_ENV, EXIT, CliTestCase, write_tree

EXIT_TIMEOUT = 13  # files still pending when the flush ended (the library's table: timeout)
EVENT_TIMEOUT = 15  # seconds to wait for one expected line
S3 = {}  # --s3-url, --s3-options (MotoWatchTest)


def cli_env(extra=None):
    env = dict(os.environ)
    for key, value in {**CLEAN_ENV, **(extra or {})}.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Watch:
    """A running `cloudsync watch`: its stdout lines as they arrive, and a stop by signal."""

    def __init__(self, *args, env=None, json_lines=True):
        self.json_lines = json_lines
        command = [test_cli.CLI, "watch", *args] + (["--json"] if json_lines else [])
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     text=True, env=cli_env(env))
        self.lines = queue.Queue()
        self.seen = []
        self.stderr = []
        self.readers = [threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True),
                        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True)]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _pump(stream, put):
        for line in stream:
            put(line.rstrip("\n"))

    def _parse(self, line):
        if not self.json_lines:
            return line
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            raise AssertionError(f"not one JSON object per line: {line!r}")

    def wait_for(self, matches, what, timeout=EVENT_TIMEOUT):
        """The first line (parsed) for which matches(line) holds, read within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                if left <= 0 or self.proc.poll() is not None:
                    self.kill()
                    raise AssertionError(f"no {what} within {timeout} s; lines: {self.seen}\nstderr: {self.stderr}")
                continue
            item = self._parse(line)
            self.seen.append(item)
            if matches(item):
                return item

    def event(self, kind, path=None, timeout=EVENT_TIMEOUT):
        return self.wait_for(lambda e: e.get("event") == kind and (path is None or e.get("path") == path),
                             f"'{kind}' event for {path}", timeout)

    def started(self):
        """Waits for the first line, which says what is watched."""
        if self.json_lines:
            return self.wait_for(lambda e: e.get("event") == "status" and "watching" in e.get("message", ""),
                                 "start status")
        return self.wait_for(lambda line: line.startswith("watching "), "start line")

    def stop(self, signo=signal.SIGINT, timeout=60):
        """Sends the signal; returns (exit status, the lines after those already read)."""
        self.proc.send_signal(signo)
        status = self.proc.wait(timeout=timeout)
        self._close()
        rest = []
        while not self.lines.empty():
            rest.append(self._parse(self.lines.get()))
        self.seen += rest
        return status, rest

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()

    def _close(self):
        for reader in self.readers:
            reader.join(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if not stream.closed:
                stream.close()


def write_file(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)


def read_file(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class WatchTestCase(CliTestCase):
    def setUp(self):
        super().setUp()
        self.project = self.path("project")
        self.store = self.path("store")
        self.watches = []

    def tearDown(self):
        for w in self.watches:
            w.kill()
        super().tearDown()

    def cli(self, *args, env=None):
        r = subprocess.run([test_cli.CLI, *args], env=cli_env(env), capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        self.assertExit(r, 0)
        return r

    def add_local(self, name="Notes", writeback=True, files=None):
        write_tree(self.store, files or {".keep": ""})
        self.cli("integration", "add", name, "--url", self.store, "--project", self.project,
                 *(["--writeback"] if writeback else []))
        return os.path.join(self.project, "external-files", "local", name.lower())

    def watch(self, *args, env=None, json_lines=True):
        w = Watch("--project", self.project, "--quiet-ms", "100", *args, env=env, json_lines=json_lines)
        self.watches.append(w)
        w.first = w.started()
        return w

    def stopped(self, w, status, signo=signal.SIGINT):
        code, rest = w.stop(signo)
        self.assertEqual(code, status, f"lines: {w.seen}\nstderr: {w.stderr}")
        return rest


class LocalWatchTest(WatchTestCase):
    def test_written_files_are_exported_and_ctrl_c_flushes(self):
        folder = self.add_local()
        w = self.watch()
        write_file(os.path.join(folder, "a.csv"), "x,y\n1,2\n")
        write_file(os.path.join(folder, "deep", "er", "b.txt"), "made with mkdir -p\n")
        write_file(os.path.join(folder, ".a.csv.swp"), "editor swap\n")
        exported = w.event("exported", "a.csv")
        self.assertEqual(exported["integration"], "Notes")
        self.assertEqual(exported["bytes"], 8)
        w.event("exported", "deep/er/b.txt")
        self.assertEqual(read_file(os.path.join(self.store, "a.csv")), "x,y\n1,2\n")
        self.assertEqual(read_file(os.path.join(self.store, "deep", "er", "b.txt")), "made with mkdir -p\n")
        # Written just before the stop: the flush sends it.
        write_file(os.path.join(folder, "last.txt"), "written at the end\n")
        rest = self.stopped(w, EXIT["ok"])
        self.assertEqual(rest[-1], {"complete": True, "pending": []})
        self.assertEqual(read_file(os.path.join(self.store, "last.txt")), "written at the end\n")
        # Editor temporaries never went anywhere, and no line named them.
        self.assertFalse(os.path.exists(os.path.join(self.store, ".a.csv.swp")))
        self.assertFalse(any(".a.csv.swp" in json.dumps(e) for e in w.seen))

    def test_sigterm_stops_like_ctrl_c(self):
        folder = self.add_local()
        w = self.watch()
        write_file(os.path.join(folder, "t.txt"), "t\n")
        write_file(os.path.join(folder, ".t.txt.swp"), "editor swap\n")
        self.stopped(w, EXIT["ok"], signal.SIGTERM)
        self.assertEqual(read_file(os.path.join(self.store, "t.txt")), "t\n")
        self.assertFalse(os.path.exists(os.path.join(self.store, ".t.txt.swp")))

    def test_write_under_a_read_only_integration_is_refused(self):
        # The project uses an integration once it imported from it.
        folder = self.add_local("Archive", writeback=False, files={"in.csv": "imported\n"})
        self.cli("import", "Archive", "in.csv", "--project", self.project)
        w = self.watch()
        write_file(os.path.join(folder, "new.csv"), "not allowed\n")
        refused = w.event("refused", "new.csv")
        self.assertEqual(refused["integration"], "Archive")
        self.assertIn("code", refused["error"])
        rest = self.stopped(w, EXIT["permission_denied"])
        self.assertEqual([p["path"] for p in rest[-1]["pending"]], ["new.csv"])
        self.assertEqual(rest[-1]["pending"][0]["state"], "refused")
        self.assertFalse(os.path.exists(os.path.join(self.store, "new.csv")))

    def start_with_tracked_file(self, *args):
        """An integration with data.csv imported, watched; the remote then changes."""
        folder = self.add_local(files={"data.csv": "original\n"})
        self.cli("import", "Notes", "data.csv", "--project", self.project)
        w = self.watch(*args)
        write_file(os.path.join(self.store, "data.csv"), "changed remotely\n")
        return folder, w

    def test_remote_change_is_a_conflict_and_left_alone(self):
        folder, w = self.start_with_tracked_file()
        write_file(os.path.join(folder, "data.csv"), "changed locally\n")
        conflict = w.event("conflict", "data.csv")
        self.assertNotIn("conflict_copy", conflict)
        self.assertEqual(read_file(os.path.join(self.store, "data.csv")), "changed remotely\n")
        rest = self.stopped(w, EXIT["conflict"])
        self.assertEqual(rest[-1]["pending"][0]["state"], "conflict")
        self.assertEqual(os.listdir(self.store), ["data.csv"])

    def test_keep_both_uploads_a_conflict_copy(self):
        folder, w = self.start_with_tracked_file("--conflict", "keep-both")
        write_file(os.path.join(folder, "data.csv"), "changed locally\n")
        conflict = w.event("conflict", "data.csv")
        copy = conflict["conflict_copy"]
        self.assertRegex(copy, r"^data\.conflict-.+-.+\.csv$")
        self.assertEqual(read_file(os.path.join(self.store, copy)), "changed locally\n")
        self.assertEqual(read_file(os.path.join(self.store, "data.csv")), "changed remotely\n")
        self.assertEqual(len(glob.glob(os.path.join(self.store, "data.conflict-*.csv"))), 1)
        w.stop()

    def test_human_lines(self):
        folder = self.add_local()
        w = self.watch(json_lines=False)
        self.assertRegex(w.first, r"^watching \d+ .*(inotify|polling)")
        write_file(os.path.join(folder, "hello.txt"), "hello, world\n")
        line = w.wait_for(lambda l: l.startswith("exported"), "exported line")
        self.assertEqual(line, "exported  local/notes/hello.txt  13 B")
        rest = self.stopped(w, EXIT["ok"])
        self.assertEqual(rest[-1], "everything exported")
        self.assertTrue(any(l.startswith("stopping: sending what is left") for l in rest), rest)

    def test_integration_filter(self):
        notes = self.add_local("Notes")
        os.makedirs(self.path("other"))
        self.cli("integration", "add", "Other", "--url", self.path("other"), "--project", self.project,
                 "--writeback")
        w = self.watch("--integration", "Other")
        write_file(os.path.join(notes, "hidden.txt"), "exported, not shown\n")
        other = os.path.join(self.project, "external-files", "local", "other")
        write_file(os.path.join(other, "shown.txt"), "shown\n")
        w.event("exported", "shown.txt")
        self.stopped(w, EXIT["ok"])
        self.assertEqual(read_file(os.path.join(self.store, "hidden.txt")), "exported, not shown\n")
        self.assertFalse(any(e.get("path") == "hidden.txt" for e in w.seen))
        r = subprocess.run([test_cli.CLI, "watch", "--project", self.project, "--integration", "Nope"],
                           env=cli_env(), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertFailsWith(r, EXIT["not_found"])
        self.assertIn("Nope", r.stderr)

    def test_project_of_a_shared_catalog(self):
        catalog = self.path("catalog")
        os.makedirs(self.project)
        self.cli("integrations", "add", "Shared", self.store, "--writeback", "--catalog", catalog)
        r = subprocess.run([test_cli.CLI, "watch", "--project", self.project, "--catalog", catalog], env=cli_env(),
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertFailsWith(r, EXIT["not_found"])
        self.assertIn("not registered in the catalog", r.stderr)
        self.cli("projects", "add", "team", self.project, "--catalog", catalog)
        w = self.watch("--catalog", catalog)
        self.assertEqual(w.first.get("event"), "status")
        self.stopped(w, EXIT["ok"])


class MotoWatchTest(WatchTestCase):
    """An S3 integration on moto: exports, and a remote change reported, not overwritten."""

    def setUp(self):
        super().setUp()
        if not S3:
            self.fail("MotoWatchTest runs under tests/capi/run_on_moto.py (--s3-url, --s3-options)")
        options = json.loads(S3["options"])
        self.env = {"AWS_ACCESS_KEY_ID": options["access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": options["secret_access_key"]}
        self.url = S3["url"] + "/" + os.path.basename(self.tmp)  # a prefix of its own per test
        import boto3  # installed with moto (the peers' requirement)
        self.s3 = boto3.client("s3", endpoint_url=options["endpoint"], region_name=options["region"],
                               aws_access_key_id=options["access_key_id"],
                               aws_secret_access_key=options["secret_access_key"])
        self.bucket, _, self.prefix = self.url[len("s3://"):].partition("/")
        stored = [f"{key}={options[key]}" for key in ("endpoint", "region", "provider")]
        self.cli("integration", "add", "Bucket", "--url", self.url, "--project", self.project, "--writeback",
                 *[word for option in stored for word in ("-o", option)])
        self.folder = os.path.join(self.project, "external-files", "s3", "bucket")

    def remote(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=self.prefix + "/" + key)["Body"].read().decode()

    def test_exports_reach_the_bucket(self):
        w = self.watch(env=self.env)
        write_file(os.path.join(self.folder, "reports", "q1.csv"), "q,1\n")
        event = w.event("exported", "reports/q1.csv")
        self.assertEqual(event["remote_key"], "reports/q1.csv")  # relative to the integration's URL
        self.assertEqual(self.remote("reports/q1.csv"), "q,1\n")
        write_file(os.path.join(self.folder, "reports", "q1.csv"), "q,1\nq,2\n")
        w.wait_for(lambda e: e.get("event") == "exported" and e.get("bytes") == 8, "second export")
        self.assertEqual(self.remote("reports/q1.csv"), "q,1\nq,2\n")
        rest = self.stopped(w, EXIT["ok"])
        self.assertTrue(rest[-1]["complete"])

    def test_remote_change_is_reported_not_overwritten(self):
        w = self.watch(env=self.env)
        path = os.path.join(self.folder, "shared.txt")
        write_file(path, "first\n")
        w.event("exported", "shared.txt")
        self.s3.put_object(Bucket=self.bucket, Key=self.prefix + "/shared.txt", Body=b"someone else\n")
        write_file(path, "mine\n")
        w.event("conflict", "shared.txt")
        self.assertEqual(self.remote("shared.txt"), "someone else\n")
        self.stopped(w, EXIT["conflict"])


def use_moto(args):
    if args.s3_url:
        S3.update(url=args.s3_url, options=args.s3_options)


if __name__ == "__main__":
    test_cli.run_tests([("--s3-url", "a bucket URL on moto (from run_on_moto.py)"),
                        ("--s3-options", "its backend options as JSON (from run_on_moto.py)")], use_moto)
