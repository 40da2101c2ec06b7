#!/usr/bin/env python3
"""End-to-end tests of `cloudsync export-records`: real PostgreSQL and SQLite
sources, moto as the destination, the fault proxy, kill -9, and two scheduler
processes sharing one catalog on PostgreSQL.

Every test checks the bucket object by object: each manifest's files are read
back (bytes and SHA-256 as the manifest says), every line is one record
version (id, updated_at), and the versions found must be exactly those the
test wrote: none missing, none twice, no data object outside a manifest.

  test_export_records.py --cli PATH [unittest arguments]
The servers (PostgreSQL, moto, the fault proxy) are started here, once.
"""

import datetime
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import test_cli  # noqa: E402
from peers import Peer  # noqa: E402

UTC = datetime.timezone.utc
BUCKET = "records"
SERVERS = {}
LAG_S = 60
RUN_TIMEOUT = 120


def start_servers():
    if SERVERS:
        return SERVERS
    state = tempfile.mkdtemp(prefix="cloudsync-records-peers-")
    SERVERS["state"] = state
    SERVERS["postgres"] = Peer.postgres(os.path.join(state, "postgres"))
    SERVERS["moto"] = moto = Peer.moto(os.path.join(state, "moto"))
    SERVERS["proxy"] = Peer.fault_proxy(os.path.join(state, "proxy"), upstream_port=moto.port)
    SERVERS["s3"] = moto.s3_client()
    SERVERS["s3"].create_bucket(Bucket=BUCKET)
    return SERVERS


def stop_servers():
    for name in ("proxy", "moto", "postgres"):
        if name in SERVERS:
            SERVERS[name].stop()


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text):
    """A timestamp as PostgreSQL's JSON or SQLite's text writes it, as an aware datetime."""
    text = text.replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = datetime.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class Versions:
    """The record versions a test wrote: (id, updated_at) with the last one of each id."""

    def __init__(self):
        self.all = set()
        self.current = {}

    def wrote(self, rid, t):
        self.all.add((rid, t))
        self.current[rid] = t

    def exported_before(self, bound):
        """Ids whose current version is at or before `bound` (already exported by a run whose upper bound it is)."""
        return [rid for rid, t in self.current.items() if t <= bound]


class ExportRecordsTestCase(test_cli.CliTestCase):
    """Helpers: the CLI with the destination's credentials, the bucket read back and checked."""

    def setUp(self):
        super().setUp()
        self.servers = start_servers()
        moto = self.servers["moto"]
        pg = self.servers["postgres"]
        self.s3 = self.servers["s3"]
        self.catalog = self.path("catalog")
        e, p = moto.env, pg.env
        self.env = {"AWS_ACCESS_KEY_ID": e["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": e["AWS_SECRET_ACCESS_KEY"],
                    "PGPASSWORD": p["PGPASSWORD"]}
        self.prefix = "t-" + os.path.basename(self.tmp)
        self.database = "db_" + os.path.basename(self.tmp).replace("-", "_").lower()
        pg.psql(f"CREATE DATABASE {self.database}")
        self.conninfo = f"host=127.0.0.1 port={p['PGPORT']} user={p['PGUSER']} dbname={self.database}"

    def sql(self, statements):
        return self.servers["postgres"].psql(statements, database=self.database)

    def destination(self, prefix, via_proxy=False):
        server = self.servers["proxy"] if via_proxy else self.servers["moto"]
        return ["--to", f"s3://{BUCKET}/{prefix}", "-o", f"endpoint={server.url}", "-o", "region=us-east-1"]

    def cli(self, *args, expect=0, env=None, timeout=RUN_TIMEOUT):
        full_env = test_cli_env({**self.env, **(env or {})})
        r = subprocess.run([test_cli.CLI, "export-records", *args, "--catalog", self.catalog], capture_output=True,
                           text=True, env=full_env, timeout=timeout)
        if expect is not None and r.returncode != expect:
            self.fail(f"export-records {' '.join(args)}: exit {r.returncode}, expected {expect}\n"
                      f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def cli_json(self, *args, expect=0, env=None):
        r = self.cli(*args, "--json", expect=expect, env=env)
        return json.loads(r.stdout)

    def start_cli(self, *args, env=None):
        return subprocess.Popen([test_cli.CLI, "export-records", *args, "--catalog", self.catalog],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=test_cli_env({**self.env, **(env or {})}))

    # --- the bucket ---

    def objects(self, prefix):
        """{key relative to prefix: bytes} of every object under prefix/."""
        out = {}
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix + "/"):
            for item in page.get("Contents", []):
                key = item["Key"]
                out[key[len(prefix) + 1:]] = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return out

    def exported_versions(self, prefix):
        """Every (id, updated_at) line of every file the manifests under prefix/ name, checked against them;
        fails on a data object no manifest names."""
        objects = self.objects(prefix)
        manifests = {k: json.loads(v) for k, v in objects.items() if k.endswith("/_manifest.json")}
        named = set()
        versions = []
        for key, manifest in sorted(manifests.items()):
            folder = key.rsplit("/", 1)[0]
            for entry in manifest_files(manifest):
                rel = entry["key"]
                self.assertTrue(rel.startswith(folder + "/"), f"{key} names {rel}, outside its folder")
                self.assertIn(rel, objects, f"{key} names {rel}, which is not in the bucket")
                data = objects[rel]
                named.add(rel)
                self.assertEqual(len(data), entry["bytes"], rel)
                self.assertEqual(hashlib.sha256(data).hexdigest(), entry["sha256"], rel)
                lines = decompress(rel, data).decode().splitlines()
                self.assertEqual(len(lines), entry["rows"], rel)
                for line in lines:
                    record = json.loads(line)
                    versions.append((int(record["id"]), parse_time(record.get("updated_at") or record["_updated_at"])))
        extra = [k for k in objects if not k.endswith(("_manifest.json", "_run.json")) and k not in named]
        self.assertEqual(extra, [], "data objects no manifest names (left by a failed attempt?)")
        return versions

    def assert_exactly_once(self, prefix, expected):
        found = self.exported_versions(prefix)
        duplicates = {v for v in found if found.count(v) > 1} if len(found) != len(set(found)) else set()
        self.assertEqual(duplicates, set(), "record versions exported twice")
        missing = expected - set(found)
        extra = set(found) - expected
        self.assertEqual(sorted(missing)[:10], [], f"{len(missing)} record versions missing")
        self.assertEqual(sorted(extra)[:10], [], f"{len(extra)} record versions nobody wrote")
        return found

    def assert_same_bucket(self, prefix, reference_prefix):
        """The two prefixes hold the same data objects, byte for byte, and manifests naming the same files."""
        got, want = self.objects(prefix), self.objects(reference_prefix)
        data = lambda objs: {k: v for k, v in objs.items() if not k.endswith(("_manifest.json", "_run.json"))}
        self.assertEqual(sorted(data(got)), sorted(data(want)))
        for key, value in data(want).items():
            self.assertEqual(got[key], value, f"{key} differs from the uninterrupted run's")
        for key in [k for k in want if k.endswith("_manifest.json")]:
            self.assertIn(key, got)
            self.assertEqual(manifest_digest(json.loads(got[key])), manifest_digest(json.loads(want[key])), key)


def manifest_files(manifest):
    """The file entries of a manifest: {"models": [{"model", ..., "objects": [{"key", "kind", "rows", "bytes",
    "sha256"}]}]}, keys relative to the job's prefix."""
    return [entry for model in manifest["models"] for entry in model["objects"]]


def manifest_digest(manifest):
    """What must not change between two runs of one window: files, rows, bytes, hashes, watermarks."""
    entries = sorted((e["key"], e["kind"], e["rows"], e["bytes"], e["sha256"]) for e in manifest_files(manifest))
    return entries, manifest["watermarks"], manifest["upper_bound"]


def decompress(key, data):
    if key.endswith(".gz"):
        import gzip
        return gzip.decompress(data)
    return data


def test_cli_env(extra):
    env = dict(os.environ)
    for key, value in {**test_cli.CLEAN_ENV, **extra}.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class PostgresScheduledRunsTest(ExportRecordsTestCase):
    """Five scheduled runs from PostgreSQL to moto with writes between and during runs."""

    def test_every_record_version_is_exported_exactly_once(self):
        self.sql("CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, customer text, "
                 "amount numeric(12,2), note jsonb); CREATE INDEX ON orders (updated_at, id);")
        base = datetime.datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
        v = Versions()
        rng = random.Random(14)
        next_id = [1]

        def insert(times, conn_sql=None):
            rows = []
            for t in times:
                rid = next_id[0]
                next_id[0] += 1
                rows.append(f"({rid}, '{iso(t)}', 'customer {rid}', {rid % 997}.25, '{{\"n\": {rid}}}')")
                v.wrote(rid, t)
            return "INSERT INTO orders VALUES " + ",".join(rows) + ";"

        def update(ids, t):
            for rid in ids:
                v.wrote(rid, t)
            return f"UPDATE orders SET updated_at = '{iso(t)}', amount = amount + 1 WHERE id IN ({','.join(map(str, ids))});"

        # Before the first run: 300 rows over 50 minutes and a burst of 3,000 with one updated_at.
        self.sql(insert([base + datetime.timedelta(seconds=rng.randint(0, 3000)) for _ in range(300)]))
        self.sql(insert([base + datetime.timedelta(minutes=30)] * 3000))
        self.cli("add", "orders", "--postgres", self.conninfo, "--table", "orders", *self.destination(self.prefix),
                 "--every", "1", "--first-run-in", "0", "--lag", str(LAG_S), "--max-rows", "700")
        folders = []
        for k in range(1, 7):
            now = base + datetime.timedelta(hours=k)
            upper_before = base + datetime.timedelta(hours=k - 1) - datetime.timedelta(seconds=LAG_S)
            # A transaction that inserts a row stamped 30 s before the run, committed only after it:
            # within the lag, so the next run still finds it.
            late = subprocess.Popen(["psql", "-qtAX", "-v", "ON_ERROR_STOP=1", "-d", self.database],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=test_cli_env({**self.env, **{key: self.servers["postgres"].env[key] for key in
                                                                     ("PGHOST", "PGPORT", "PGUSER")}}))
            late.stdin.write("BEGIN;\n" + insert([now - datetime.timedelta(seconds=30)]) + "\nSELECT 1;\n")
            late.stdin.flush()
            # Committed rows inside the lag: without it they would carry the watermark past the late row.
            self.sql(insert([now - datetime.timedelta(seconds=10)] * 5))
            run = self.start_cli("due", "--now", iso(now), "--json")
            # During the run: new rows and updates of exported rows, all stamped after the run started.
            during = [insert([now + datetime.timedelta(seconds=5 + i) for i in range(50)])]
            done_ids = v.exported_before(upper_before)
            if done_ids:
                during.append(update(rng.sample(done_ids, min(40, len(done_ids))), now + datetime.timedelta(seconds=2)))
            self.sql("\n".join(during))
            out, err = run.communicate(timeout=RUN_TIMEOUT)
            self.assertEqual(run.returncode, 0, f"run {k}: {out}\n{err}")
            runs = json.loads(out)["runs"]
            self.assertEqual(len(runs), 1, f"run {k}: one job due, one run: {out}")
            self.assertEqual(runs[0]["state"], "succeeded")
            folders.append(runs[0]["folder"])
            late.communicate("COMMIT;\n", timeout=30)
            # Between runs: inserts and updates inside the next window.
            nxt = now + datetime.timedelta(minutes=10)
            self.sql(insert([nxt + datetime.timedelta(seconds=i) for i in range(100)]) +
                     update(rng.sample(v.exported_before(now - datetime.timedelta(seconds=LAG_S)), 50),
                            nxt + datetime.timedelta(minutes=5)))
            # Not due again at the same time.
            self.assertEqual(self.cli_json("due", "--now", iso(now))["runs"], [])
        # The writes after the sixth run are not exported yet: leave them out of the expectation.
        last_upper = base + datetime.timedelta(hours=6) - datetime.timedelta(seconds=LAG_S)
        expected = {(rid, t) for rid, t in v.all if t <= last_upper}
        self.assertEqual(len(set(folders)), 6, folders)
        self.assertEqual(folders[0], (base + datetime.timedelta(hours=1)).strftime("%Y%m%d%H%M"))
        found = self.assert_exactly_once(self.prefix, expected)
        self.assertGreater(len(found), 3500)
        history = self.cli_json("history", "orders")
        self.assertEqual(history["total"], 6)
        self.assertTrue(all(r["state"] == "succeeded" for r in history["runs"]))


class PostgresInterruptedRunsTest(ExportRecordsTestCase):
    """kill -9 at random points and PUTs failing at the store: the same bucket as an uninterrupted run."""

    ROWS = 20000

    def setUp(self):
        super().setUp()
        self.sql("CREATE TABLE events (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, kind text, "
                 "payload jsonb); CREATE INDEX ON events (updated_at, id);"
                 f"INSERT INTO events SELECT g, timestamptz '2026-03-01 00:00:00+00' + (g / 7) * interval '1 second', "
                 f"'kind ' || (g % 13), json_build_object('g', g, 'text', repeat('x', g % 40)) "
                 f"FROM generate_series(1, {self.ROWS}) g;")
        self.now = "2026-03-02T00:00:00Z"
        self.reference = self.prefix + "-reference"
        self.run_job("reference", self.reference)

    def run_job(self, job, prefix, via_proxy=False, expect=0):
        return self.cli("run", job, "--postgres", self.conninfo, "--table", "events", *self.destination(
            prefix, via_proxy), "--max-rows", "500", "--now", self.now, "--lease", "2", "--owner", "test",
            expect=expect)

    def finish(self, job, prefix, via_proxy=False):
        """Runs the job until a run succeeds (a killed run's lease must expire first)."""
        deadline = time.monotonic() + 60
        while True:
            r = self.run_job(job, prefix, via_proxy, expect=None)
            if r.returncode == 0:
                return r
            self.assertLess(time.monotonic(), deadline, f"no successful rerun: {r.stdout}\n{r.stderr}")
            time.sleep(0.5)

    def test_kill_9_at_random_points_then_rerun(self):
        rng = random.Random(9)
        for _ in range(6):
            proc = self.start_cli("run", "victim", "--postgres", self.conninfo, "--table", "events",
                                  *self.destination(self.prefix), "--max-rows", "500", "--now", self.now,
                                  "--lease", "2", "--owner", "test")
            time.sleep(rng.uniform(0.05, 1.2))
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
        self.finish("victim", self.prefix)
        self.assert_same_bucket(self.prefix, self.reference)
        expected = {(g, datetime.datetime(2026, 3, 1, tzinfo=UTC) + datetime.timedelta(seconds=g // 7))
                    for g in range(1, self.ROWS + 1)}
        self.assert_exactly_once(self.prefix, expected)
        runs = self.cli_json("history", "victim")["runs"]
        self.assertEqual(max(runs, key=lambda r: r["attempt"])["state"], "succeeded")
        self.assertEqual([r["state"] for r in runs].count("succeeded"), 1)
        self.assertEqual(len({r["folder"] for r in runs}), 1, "every attempt wrote the same window's folder")

    def test_failing_puts_give_the_same_bucket(self):
        proxy = self.servers["proxy"]
        # Every third PUT refused for a while; every fourth PUT done but its answer lost.
        for i, rule in enumerate(({"status": 503, "count": 12, "match": "PUT", "every": 3},
                                  {"kill_after": True, "count": 6, "match": "PUT", "every": 4})):
            prefix = f"{self.prefix}-{i}"
            proxy.set_fault(rule)
            try:
                self.finish(f"faulty{i}", prefix, via_proxy=True)
                self.assertGreater(proxy.fault_hits(), 0, f"the rule {rule} never hit")
            finally:
                proxy.set_fault(None)
            self.assert_same_bucket(prefix, self.reference)


class SqliteScheduledRunsTest(ExportRecordsTestCase):
    """A SQLite table (updated_at as SQLite's datetime text) to moto, with a delete feed."""

    def test_runs_with_updates_and_deletions(self):
        db = self.path("app.db")
        con = sqlite3.connect(db)
        con.executescript("CREATE TABLE items (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL, name TEXT);"
                          "CREATE INDEX items_cursor ON items (updated_at, id);"
                          "CREATE TABLE items_deleted (id INTEGER, deleted_at TEXT);")
        base = datetime.datetime(2027, 1, 1, tzinfo=UTC)
        fmt = lambda t: t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        v = Versions()
        for i in range(1, 501):
            t = base + datetime.timedelta(seconds=i % 50)
            con.execute("INSERT INTO items VALUES (?, ?, ?)", (i, fmt(t), f"item {i}"))
            v.wrote(i, t.replace(microsecond=0))
        con.commit()
        self.cli("add", "items", "--sqlite", db, "--table", "items", "--deletes-table", "items_deleted",
                 *self.destination(self.prefix), "--every", "24", "--first-run-in", "0", "--max-rows", "120",
                 "--gzip")
        deleted = set()
        for k in range(1, 4):
            now = base + datetime.timedelta(days=k)
            runs = self.cli_json("due", "--now", iso(now))["runs"]
            self.assertEqual([r["state"] for r in runs], ["succeeded"])
            t = now + datetime.timedelta(hours=1)
            for i in range(k * 10, k * 10 + 10):
                con.execute("UPDATE items SET updated_at = ?, name = name || '!' WHERE id = ?", (fmt(t), i))
                v.wrote(i, t)
            gone = 400 + k
            con.execute("DELETE FROM items WHERE id = ?", (gone,))
            con.execute("INSERT INTO items_deleted VALUES (?, ?)", (gone, fmt(t)))
            deleted.add((gone, t))
            con.commit()
        self.cli_json("due", "--now", iso(base + datetime.timedelta(days=4)))
        found = self.exported_versions(self.prefix)
        self.assertEqual(len(found), len(set(found)), "a record version exported twice")
        self.assertEqual(set(found), v.all | deleted)
        con.close()


class SharedCatalogSchedulersTest(ExportRecordsTestCase):
    """Two `export-records scheduler` processes on one catalog in PostgreSQL."""

    def setUp(self):
        super().setUp()
        pg = self.servers["postgres"]
        pg.psql(f"CREATE DATABASE {self.database}_catalog")
        p = pg.env
        self.catalog_db = f"host=127.0.0.1 port={p['PGPORT']} user={p['PGUSER']} dbname={self.database}_catalog"
        self.sql("CREATE TABLE events (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, body text);"
                 "CREATE INDEX ON events (updated_at, id);"
                 "INSERT INTO events SELECT g, now() - interval '1 hour' + g * interval '1 millisecond', "
                 "repeat('y', 30) FROM generate_series(1, 30000) g;")
        self.schedulers = []

    def tearDown(self):
        for proc in self.schedulers:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        super().tearDown()

    def catalog_args(self):
        return ["--catalog-database", self.catalog_db]

    def scheduler(self, owner, lease=3):
        proc = self.start_cli("scheduler", "--poll", "1", "--lease", str(lease), "--owner", owner, "--json",
                              *self.catalog_args())
        self.schedulers.append(proc)
        return proc

    def history(self):
        return self.cli_json("history", *self.catalog_args())["runs"]

    def wait_for(self, condition, what, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.history()
            if condition(runs):
                return runs
            time.sleep(0.3)
        self.fail(f"{what} within {timeout} s; history: {json.dumps(self.history(), indent=1)[:3000]}")

    def add_job(self, name, max_rows):
        self.cli("add", name, "--postgres", self.conninfo, "--table", "events", *self.destination(
            f"{self.prefix}/{name}"), "--every", "24", "--first-run-in", "0", "--max-rows", str(max_rows),
            *self.catalog_args())

    def test_each_due_job_runs_once(self):
        names = [f"job{i}" for i in range(5)]
        for name in names:
            self.add_job(name, 10000)
        # Both take the due list at once; the jobs one runs after its first
        # start later than the lease is long unless each is leased when it
        # starts (a renewal comes at a third of the lease, between files).
        self.scheduler("a", lease=6)
        self.scheduler("b", lease=6)
        self.wait_for(lambda runs: sum(r["state"] == "succeeded" for r in runs) == len(names), "every job run")
        time.sleep(3)  # more polls of both: nothing runs again
        runs = self.history()
        self.assertEqual(sorted(r["job_id"] for r in runs), sorted({r["job_id"] for r in runs}),
                         f"a job ran twice: {[(r['job_id'], r['state'], r.get('error')) for r in runs]}")
        self.assertEqual(len(runs), len(names))
        for name in names:
            folders = {k.split("/")[0] for k in self.objects(f"{self.prefix}/{name}")}
            self.assertEqual(len(folders), 1, f"{name}: {folders}")

    def test_a_killed_scheduler_is_taken_over_after_its_lease(self):
        self.add_job("big", 100)  # 300 files: seconds of work
        first = self.scheduler("a")
        self.wait_for(lambda runs: any(r["state"] == "running" for r in runs), "a run started")
        first.send_signal(signal.SIGKILL)
        first.communicate()
        self.scheduler("b")
        runs = self.wait_for(lambda runs: any(r["state"] == "succeeded" for r in runs), "the run taken over")
        done = [r for r in runs if r["state"] == "succeeded"][0]
        self.assertGreaterEqual(done["attempt"], 2)
        self.assertEqual({r["folder"] for r in runs}, {done["folder"]})
        rows = self.sql("SELECT id, updated_at FROM events").splitlines()
        expected = {(int(line.split("|")[0]), parse_time(line.split("|")[1])) for line in rows}
        self.assert_exactly_once(f"{self.prefix}/big", expected)


if __name__ == "__main__":
    try:
        test_cli.run_tests()
    finally:
        stop_servers()
