"""Record export from Python: ExportJob, ExportRun, ExportScheduler, Python record sources and the
history, exporting a SQLite table and a Python source to S3 on moto (one server for the module).

Run: CLOUDSYNC_LIBRARY=... python3 -m unittest -v test_records   (the python3 with moto and boto3)
"""

from __future__ import annotations

import datetime
import gc
import json
import logging
import sqlite3
import time

import catalog_support
from catalog_support import SECRET, CatalogCase
from support import cloudsync

UTC = datetime.timezone.utc


def setUpModule() -> None:
    catalog_support.MotoModule.start()


def tearDownModule() -> None:
    catalog_support.MotoModule.stop()


def sqlite_time(t: datetime.datetime) -> str:
    """SQLite's datetime text, UTC."""
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def minute(t: datetime.datetime) -> str:
    """The folder of a window opened at t."""
    return t.strftime("%Y%m%d%H%M")


class ExportCase(CatalogCase):
    def setUp(self) -> None:
        super().setUp()
        self.bucket_name = self.bucket()
        self.s3_integration("Lake", self.bucket_name, writeback=True)
        # A window in the future of the catalog's clock, so that jobs created now are due then.
        self.base = datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(days=1)

    def exported_lines(self, prefix: str) -> list[dict]:
        """Every JSON line of the data files below prefix."""
        lines = []
        for key in self.moto.keys(self.bucket_name, prefix):
            if not key.rsplit("/", 1)[-1].startswith("_"):
                body = self.moto.s3.get_object(Bucket=self.bucket_name, Key=key)["Body"].read().decode()
                lines += [json.loads(line) for line in body.splitlines()]
        return lines


class SqliteExportTest(ExportCase):
    def setUp(self) -> None:
        super().setUp()
        self.db = str(self.root / "app.db")
        self.con = sqlite3.connect(self.db)
        self.con.executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL, customer TEXT);"
                               "CREATE INDEX orders_cursor ON orders (updated_at, id);")
        for i in range(1, 251):
            t = self.base - datetime.timedelta(hours=1) + datetime.timedelta(seconds=i % 40)
            self.con.execute("INSERT INTO orders VALUES (?, ?, ?)", (i, sqlite_time(t), f"customer {i}"))
        self.con.commit()

    def tearDown(self) -> None:
        self.con.close()
        super().tearDown()

    def test_full_then_incremental_runs_and_their_history(self) -> None:
        job = self.cat.create_export_job("orders", "Lake", [cloudsync.sqlite_model("orders", self.db, "orders")],
                                         prefix="exports", frequency_hours=1, options={"max_file_rows": 100})
        self.assertIsInstance(job, cloudsync.ExportJob)
        self.assertEqual((job.name, job.prefix, job.frequency_hours, job.status), ("orders", "exports", 1, "ACTIVE"))
        self.assertEqual(job.models[0]["source"]["table"], "orders")
        first = job.run(now=self.base)
        self.assertIsInstance(first, cloudsync.ExportRun)
        self.assertTrue(first.succeeded)
        self.assertEqual((first.rows, first.files, first.folder, first.attempt), (250, 3, minute(self.base), 1))
        self.assertEqual(first.models[0]["rows"], 250)
        keys = self.moto.keys(self.bucket_name, "exports/")
        self.assertIn(f"exports/{minute(self.base)}/_manifest.json", keys)
        self.assertEqual(first.manifest_key, f"exports/{minute(self.base)}/_manifest.json")
        self.assertEqual(sorted(r["id"] for r in self.exported_lines("exports/")), list(range(1, 251)))

        changed = self.base + datetime.timedelta(minutes=10)
        self.con.execute("UPDATE orders SET updated_at = ?, customer = 'changed' WHERE id <= 10",
                         (sqlite_time(changed),))
        self.con.executemany("INSERT INTO orders VALUES (?, ?, 'new')", [(i, sqlite_time(changed))
                                                                         for i in range(251, 256)])
        self.con.commit()
        later = self.base + datetime.timedelta(hours=1)
        second = job.run(now=later.isoformat())  # an RFC 3339 string works as well as a datetime
        self.assertEqual((second.state, second.rows, second.folder), ("succeeded", 15, minute(later)))
        incremental = self.exported_lines(f"exports/{minute(later)}/")
        self.assertEqual(sorted(r["id"] for r in incremental), list(range(1, 11)) + list(range(251, 256)))

        self.assertEqual([r.folder for r in job.history()], [minute(later), minute(self.base)])  # newest first
        self.assertEqual(self.cat.count_export_runs(job="orders"), 2)
        self.assertEqual(self.cat.count_export_runs(job=job, state="failed"), 0)
        self.assertEqual(list(self.cat.export_history(state="failed")), [])
        self.assertEqual(len(list(self.cat.export_history(page_size=1))), 2)
        real_now = datetime.datetime.now(UTC)
        self.assertEqual(self.cat.count_export_runs(since=real_now - datetime.timedelta(hours=1)), 2)
        self.assertEqual(self.cat.count_export_runs(since=self.base + datetime.timedelta(days=2)), 0)
        with self.assertRaises(ValueError):
            self.cat.count_export_runs(since=datetime.datetime(2026, 1, 1))  # naive: ambiguous

        self.assertEqual(self.cat.export_job("orders").id, job.id)
        self.assertEqual([j.name for j in self.cat.export_jobs()], ["orders"])
        self.assertEqual(job.update(frequency_hours=2).frequency_hours, 2)
        self.assertEqual(job.update(enabled=False).status, "DISABLED")
        self.assertEqual(self.cat.run_due_exports(now=self.base + datetime.timedelta(hours=5)), [])
        self.assertEqual(job.refresh().status, "DISABLED")
        job.delete()
        with self.assertRaises(cloudsync.NotFoundError):
            self.cat.export_job("orders")
        self.assertEqual(self.cat.count_export_runs(), 0)

    def test_run_due_and_refusals(self) -> None:
        with self.assertRaises(cloudsync.InvalidArgumentError):
            self.cat.create_export_job("weekly+", "Lake", [cloudsync.sqlite_model("o", self.db, "orders")],
                                       frequency_hours=169)
        with self.assertRaises(cloudsync.NotFoundError):
            self.cat.create_export_job("x", "Nope", [cloudsync.sqlite_model("o", self.db, "orders")])
        self.cat.create_integration("Read only", (self.root / "ro").as_uri())
        with self.assertRaises(cloudsync.PermissionDeniedError):
            self.cat.create_export_job("x", "Read only", [cloudsync.sqlite_model("o", self.db, "orders")])
        self.cat.create_export_job("orders", "Lake", [cloudsync.sqlite_model("orders", self.db, "orders")],
                                   first_run_delay_s=0)
        with self.assertRaises(cloudsync.AlreadyExistsError):
            self.cat.create_export_job("orders", "Lake", [cloudsync.sqlite_model("o", self.db, "orders")])
        runs = self.cat.run_due_exports(now=self.base, owner="test-host", lease_s=60)
        self.assertEqual([(r.state, r.rows) for r in runs], [("succeeded", 250)])
        self.assertEqual(self.cat.run_due_exports(now=self.base + datetime.timedelta(minutes=1)), [])  # not due

        self.con.execute("DROP TABLE orders")
        self.con.commit()
        tomorrow = self.base + datetime.timedelta(days=1)
        [failed] = self.cat.run_due_exports(now=tomorrow)  # failed runs are results, not exceptions
        self.assertEqual(failed.state, "failed")
        self.assertTrue(failed.error["message"])
        with self.assertRaises(cloudsync.CloudsyncError) as caught:
            self.cat.export_job("orders").run(now=tomorrow)
        self.assertEqual(caught.exception.run.state, "failed")  # type: ignore[attr-defined]
        self.assertEqual(caught.exception.run.folder, minute(tomorrow))  # type: ignore[attr-defined]
        self.assertEqual(caught.exception.run.attempt, 2)  # type: ignore[attr-defined]
        self.assertEqual([r.state for r in self.cat.export_history(job="orders")], ["failed", "failed", "succeeded"])


class PythonSourceTest(ExportCase):
    def setUp(self) -> None:
        super().setUp()
        start = self.base - datetime.timedelta(hours=2)
        # (updated_at, id, record) in (updated_at, id) order: 2,500 records, 500 of them at one time.
        self.records = sorted(((start + datetime.timedelta(seconds=i % 40)).isoformat().replace("+00:00", "Z"), i,
                               {"id": i, "v": "x" * (i % 7)}) for i in range(1, 2501))
        self.requests: list[dict] = []
        self.fail_with: Exception | None = None

    def read(self, request: dict) -> list[tuple[str, int, dict]]:
        self.requests.append(request)
        gc.collect()  # the callbacks must survive a collection in the middle of a run
        if self.fail_with is not None:
            raise self.fail_with
        after = (request["after"]["updated_at"], request["after"]["id"]) if request["after"] else None
        # More than max_records may be offered: the package takes what the page holds.
        return [r for r in self.records if (after is None or (r[0], r[1]) > after) and r[0] <= request["upper"]]

    def deletions(self, request: dict) -> list[tuple[str, str, dict]]:
        if request["after"] is not None:
            return []
        return [(self.records[0][0], "gone-1", {}), (self.records[0][0], "gone-2", {})]

    def test_a_python_source_its_failure_and_its_history(self) -> None:
        self.cat.register_record_source("memory", self.read, self.deletions)
        job = self.cat.create_export_job("things", "Lake", [cloudsync.registered_model("things", "memory")],
                                         prefix="things", frequency_hours=1,
                                         options={"max_file_rows": 1000, "page_records": 300})
        run = job.run(now=self.base)
        self.assertEqual((run.state, run.rows, run.tombstones, run.files), ("succeeded", 2500, 2, 4))
        self.assertGreaterEqual(len(self.requests), 9)  # 300 records a page
        self.assertEqual(self.requests[0]["max_records"], 300)
        lines = self.exported_lines("things/")
        self.assertEqual(sorted(r["id"] for r in lines if "_deleted" not in r), list(range(1, 2501)))
        self.assertEqual(sorted(r["id"] for r in lines if r.get("_deleted")), ["gone-1", "gone-2"])

        self.fail_with = ValueError("the host's database is down")
        later = self.base + datetime.timedelta(hours=1)
        with self.assertLogs("cloudsync", logging.ERROR):
            with self.assertRaises(cloudsync.CloudsyncError) as caught:
                job.run(now=later)
        error = caught.exception
        self.assertIs(error.__cause__, self.fail_with)
        self.assertIn("ValueError: the host's database is down", str(error))
        self.assertEqual(error.run.state, "failed")  # type: ignore[attr-defined]
        self.assertEqual(error.result["state"], "failed")
        [failed] = list(self.cat.export_history(state="failed"))
        self.assertIn("the host's database is down", failed.error["message"])
        self.assertEqual([r.state for r in job.history()], ["failed", "succeeded"])
        self.assertIn("failed", repr(failed))

        token = cloudsync.CancelToken()
        token.cancel()
        with self.assertRaises(cloudsync.CancelledError) as cancelled:
            job.run(now=later, cancel=token)
        self.assertEqual(cancelled.exception.run.state, "failed")  # type: ignore[attr-defined]
        self.fail_with = None  # the failed window is attempted again, into the same folder
        again = job.run(now=later + datetime.timedelta(minutes=5))
        self.assertEqual((again.state, again.folder, again.attempt), ("succeeded", minute(later), 3))


class SchedulerTest(ExportCase):
    def test_the_scheduler_runs_due_jobs_and_reports_them(self) -> None:
        recent = datetime.datetime.now(UTC) - datetime.timedelta(hours=1)
        rows = [(recent.isoformat().replace("+00:00", "Z"), i, {"id": i}) for i in range(1, 51)]

        def read(request: dict) -> list[tuple[str, int, dict]]:
            after = (request["after"]["updated_at"], request["after"]["id"]) if request["after"] else None
            return [r for r in rows if after is None or (r[0], r[1]) > after]
        self.cat.register_record_source("recent", read)
        self.cat.create_export_job("recent", "Lake", [cloudsync.registered_model("recent", "recent")],
                                   prefix="sched", first_run_delay_s=0)
        seen: list[cloudsync.ExportRun] = []

        def on_run(run: cloudsync.ExportRun) -> None:
            seen.append(run)
            raise RuntimeError("a bug in the host's handler")
        with self.assertLogs("cloudsync", logging.ERROR) as logs:
            with self.cat.start_export_scheduler(poll_s=1, owner="py-test", on_run=on_run) as scheduler:
                self.assertTrue(scheduler.running)
                deadline = time.monotonic() + 30
                while not seen and time.monotonic() < deadline:
                    time.sleep(0.1)
        self.assertFalse(scheduler.running)
        self.assertEqual([(r.state, r.rows) for r in seen], [("succeeded", 50)])
        self.assertEqual([type(e) for e in scheduler.callback_errors], [RuntimeError])
        self.assertIn("a bug in the host's handler", "\n".join(logs.output))
        self.assertEqual(len(self.moto.keys(self.bucket_name, "sched/")), 3)  # _run.json, one file, _manifest.json
        running = self.cat.start_export_scheduler(poll_s=1)
        self.cat.close()  # closing the catalog stops its schedulers first
        self.assertFalse(running.running)
        self.assertIn("stopped", repr(running))


class SecretTest(ExportCase):
    def test_a_conninfo_password_is_never_shown(self) -> None:
        conninfo = f"host=127.0.0.1 port=1 dbname=app user=exporter password={SECRET} connect_timeout=2"
        job = self.cat.create_export_job("pg", "Lake", [cloudsync.postgresql_model("orders", conninfo, "orders")])
        shown = [repr(job), str(job.to_dict()), str(job.refresh().to_dict()),
                 str([j.to_dict() for j in self.cat.export_jobs()])]
        with self.assertRaises(cloudsync.CloudsyncError) as caught:
            job.run(now=self.base)
        shown += [str(caught.exception), repr(caught.exception), str(caught.exception.result),
                  str([r.to_dict() for r in job.history()])]
        self.assertEqual(len(shown), 8)
        for text in shown:
            self.assertNotIn(SECRET, text)
        self.assertIn("exporter", shown[1])  # the rest of the conninfo is kept


if __name__ == "__main__":
    import unittest
    unittest.main()
