"""The package against S3 (moto, SigV4 enforced; one server for the module): Storage, listings
of 10,000+ keys consumed lazily, errors with HTTP status, provider code and the missing permission,
plans, Workspace, Session, two threads waiting at once, and secrets kept out of reprs and errors.

Runs under the python3 that has moto and boto3:
    CLOUDSYNC_LIBRARY=... python3 -m unittest -v test_s3
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
import unittest
from typing import Any

import support
from support import cloudsync

MOTO: support.Moto


def setUpModule() -> None:
    global MOTO
    MOTO = support.Moto()


def tearDownModule() -> None:
    MOTO.stop()


def wait_until(condition: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


class StorageOnS3Test(unittest.TestCase):
    def test_every_storage_method(self) -> None:
        bucket = MOTO.bucket()
        with support.scratch() as tmp:
            support.check_store(self, f"s3://{bucket}/store", pathlib.Path(tmp), MOTO.options())
        self.assertEqual(MOTO.keys(bucket), ["store/dir/a.bin", "store/dir/b.bin", "store/up/load.txt"])
        entries = cloudsync.list_url(f"s3://{bucket}/store", MOTO.options(), prefix="dir/")
        self.assertEqual([e.key for e in entries], ["dir/a.bin", "dir/b.bin"])
        self.assertTrue(all(e.etag for e in entries))

    def test_a_listing_is_consumed_lazily(self) -> None:
        bucket = MOTO.bucket()
        count = 550
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: MOTO.s3.put_object(Bucket=bucket, Key=f"k/{i:05d}", Body=b"x"), range(count)))
        with DelayProxy(MOTO.port, 0.0) as proxy:
            options = MOTO.options(endpoint=proxy.endpoint)
            with cloudsync.Storage(f"s3://{bucket}", options) as store:
                listing = store.list("k/", page_size=50)
                self.assertEqual(proxy.counts()["lists"], 0, "nothing is fetched before the first next()")
                self.assertEqual(next(listing).key, "k/00000")
                self.assertEqual(proxy.counts()["lists"], 1)
                for _ in range(49):
                    next(listing)
                self.assertEqual(proxy.counts()["lists"], 1, "the first page serves the first 50 entries")
                self.assertEqual(next(listing).key, "k/00050")
                self.assertEqual(proxy.counts()["lists"], 2)
                listing.close()
                self.assertEqual(list(listing), [])
                self.assertEqual(proxy.counts()["lists"], 2, "a closed listing fetches nothing more")
                keys = [e.key for e in store.list("k/", page_size=50)]
                self.assertEqual(keys, [f"k/{i:05d}" for i in range(count)])
                self.assertEqual(proxy.counts()["lists"], 2 + 11)
                token = cloudsync.CancelToken()
                cancelled = store.list("k/", page_size=50, cancel=token)
                next(cancelled)
                token.cancel()
                with self.assertRaises(cloudsync.CancelledError):
                    for _ in cancelled:
                        pass
                self.assertEqual(proxy.counts()["lists"], 2 + 11 + 1)

    def test_a_listing_of_twelve_thousand_keys_streams(self) -> None:
        """Bucket "synthetic" of delay_proxy.py: 12,345 keys through the S3 backend, page by page."""
        with DelayProxy(MOTO.port, 0.0) as proxy:
            with cloudsync.Storage("s3://synthetic", MOTO.options(endpoint=proxy.endpoint)) as store:
                listing = store.list("k/", page_size=1000)
                self.assertEqual(next(listing).key, "k/00000000")
                self.assertEqual(proxy.counts()["lists"], 1)
                seen = 1
                for entry in listing:
                    seen += 1
                    if seen % 1000 == 1:  # the first entry of each page: its page was just fetched
                        self.assertEqual(proxy.counts()["lists"], (seen + 999) // 1000)
                self.assertEqual(entry.key, "k/00012344")
                self.assertEqual(seen, 12_345)
                self.assertEqual(proxy.counts()["lists"], 13)

    def test_two_threads_wait_at_once(self) -> None:
        """Each request waits 0.4 s in the proxy: with the GIL released, two threads wait together."""
        bucket = MOTO.bucket()
        MOTO.s3.put_object(Bucket=bucket, Key="slow.txt", Body=b"slow")
        with DelayProxy(MOTO.port, 0.4) as proxy:
            options = MOTO.options(endpoint=proxy.endpoint)
            with cloudsync.Storage(f"s3://{bucket}", options) as store:
                def work() -> None:
                    for _ in range(3):
                        self.assertEqual(store.get("slow.txt"), b"slow")

                def timed(threads: int) -> float:
                    workers = [threading.Thread(target=work) for _ in range(threads)]
                    t0 = time.monotonic()
                    for w in workers:
                        w.start()
                    for w in workers:
                        w.join()
                    return time.monotonic() - t0
                work()  # connections opened
                first, second = timed(1), timed(1)
                together = timed(2)
        print(f"\ntwo threads: {together:.2f} s together, {first:.2f} + {second:.2f} s one after the other",
              file=sys.stderr)
        self.assertLess(together, 0.8 * (first + second))


class ErrorsOnS3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.bucket = MOTO.bucket()
        MOTO.s3.put_object(Bucket=cls.bucket, Key="readable.txt", Body=b"data")

    def test_a_wrong_secret_is_an_authentication_error_with_the_provider_code(self) -> None:
        wrong = "WRONG-secret-key-0123456789abcdefWRONG"
        with cloudsync.Storage(f"s3://{self.bucket}", MOTO.options(secret_access_key=wrong)) as store:
            with self.assertRaises(cloudsync.AuthenticationError) as caught:
                list(store.list())
        e = caught.exception
        self.assertEqual(e.http_status, 403)
        self.assertEqual(e.provider_code, "SignatureDoesNotMatch")
        self.assertEqual(e.code_name, "unauthenticated")
        for text in (str(e), repr(e), e.message, json.dumps(e.result or {})):
            self.assertNotIn(wrong, text)
        self.assertNotIn(wrong, repr(store))

    def test_a_missing_key_is_not_found(self) -> None:
        with cloudsync.Storage(f"s3://{self.bucket}", MOTO.options()) as store:
            with self.assertRaises(cloudsync.NotFoundError) as caught:
                store.get("missing.txt")
            self.assertEqual(caught.exception.http_status, 404)
            with self.assertRaises(LookupError):
                store.head("missing.txt")

    def test_a_denied_write_names_the_missing_permission(self) -> None:
        with support.scratch() as tmp:
            spec, out = pathlib.Path(tmp) / "spec.json", pathlib.Path(tmp) / "out.json"
            spec.write_text(json.dumps({"users": {"no-put": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}}))
            env = dict(os.environ, EP=MOTO.endpoint, AK=MOTO.access_key_id, SK=MOTO.secret_access_key)
            subprocess.run([sys.executable, str(support.PEERS_DIR / "moto_iam.py"), str(spec), str(out)], env=env,
                           check=True, timeout=120)
            user = json.loads(out.read_text())["no-put"]
        options = MOTO.options(access_key_id=user["access_key_id"], secret_access_key=user["secret_access_key"])
        with cloudsync.Storage(f"s3://{self.bucket}", options) as store:
            self.assertEqual(store.get("readable.txt"), b"data")
            with self.assertRaises(cloudsync.PermissionDeniedError) as caught:
                store.put("denied.txt", b"no")
        e = caught.exception
        self.assertIsInstance(e, PermissionError)
        self.assertEqual(e.http_status, 403)
        self.assertEqual(e.provider_code, "AccessDenied")
        self.assertEqual(e.missing_action, "write")
        self.assertNotIn(user["secret_access_key"], str(e) + repr(e))


class PlanOnS3Test(unittest.TestCase):
    def test_plan_sync_between_a_folder_and_a_bucket(self) -> None:
        bucket = MOTO.bucket()
        with support.scratch() as tmp:
            src, back = pathlib.Path(tmp) / "src", pathlib.Path(tmp) / "back"
            (src / "d").mkdir(parents=True)
            for i in range(5):
                (src / "d" / f"{i}.txt").write_text(f"file {i}")
            with cloudsync.plan_sync(src.as_uri(), f"s3://{bucket}/p", destination_options=MOTO.options()) as plan:
                self.assertEqual(plan.summary["add"], 5)
                self.assertEqual(plan.apply(dry_run=True).summary["dry_run"], 5)
                self.assertEqual(MOTO.keys(bucket), [])
                seen: list[cloudsync.Progress] = []
                report = plan.apply(progress=seen.append)
            self.assertEqual(report.summary["done"], 5)
            self.assertEqual(seen[-1].phase, "finished")
            self.assertEqual(MOTO.keys(bucket), [f"p/d/{i}.txt" for i in range(5)])
            with cloudsync.plan_sync(f"s3://{bucket}/p", back.as_uri(), checksum=True,
                                     source_options=MOTO.options()) as plan:
                plan.apply()
            self.assertEqual((back / "d" / "3.txt").read_text(), "file 3")


class WorkspaceOnS3Test(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = support.scratch()
        self.root = pathlib.Path(self.tmp.name) / "project"
        self.bucket = MOTO.bucket()
        for name, body in (("data/a.csv", b"a,b\n1,2\n"), ("data/b.csv", b"c\n3\n"), ("other/c.txt", b"c")):
            MOTO.s3.put_object(Bucket=self.bucket, Key=f"hex/{name}", Body=body)
        self.secrets = {"access_key_id": MOTO.access_key_id, "secret_access_key": MOTO.secret_access_key}
        self.options = {"endpoint": MOTO.endpoint, "region": "us-east-1"}

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def open(self) -> cloudsync.Workspace:
        return cloudsync.Workspace(self.root, credentials={"Hex": self.secrets}, transfers=4)

    def test_import_export_restore_sync(self) -> None:
        with self.open() as ws:
            self.assertNotIn(MOTO.secret_access_key, repr(ws))
            integration = ws.add_integration("Hex", f"s3://{self.bucket}/hex", writeback=True, options=self.options)
            self.assertEqual(integration["platform"], "AWS")
            self.assertNotIn(MOTO.secret_access_key, json.dumps(integration))
            self.assertEqual([i["name"] for i in ws.integrations()], ["Hex"])
            folder = self.root / integration["folder"]
            dry = ws.import_files("Hex", ["data/"], dry_run=True)
            self.assertEqual(dry.summary["dry_run"], 2)
            self.assertFalse(folder.exists() and any(folder.rglob("*.csv")))
            result = ws.import_files("Hex", "data/", progress=lambda p: None)
            self.assertTrue(result.ok)
            self.assertEqual(result.summary["done"], 2)
            self.assertEqual((folder / "data" / "a.csv").read_bytes(), b"a,b\n1,2\n")
            tracked = ws.tracked_files("Hex")
            self.assertEqual(sorted(f["path"] for f in tracked), ["data/a.csv", "data/b.csv"])
            (folder / "data" / "new.csv").write_text("new\n")
            self.assertEqual(ws.export_files("Hex", dry_run=True).summary["dry_run"], 1)
            exported = ws.export_files("Hex", paths=["data/new.csv"])
            self.assertEqual(exported.summary["done"], 1)
            self.assertEqual(MOTO.s3.get_object(Bucket=self.bucket, Key="hex/data/new.csv")["Body"].read(), b"new\n")
            (folder / "data" / "a.csv").unlink()
            restored = ws.restore(dry_run=True)
            self.assertEqual([r.operation for r in restored], ["restore"])
            self.assertFalse((folder / "data" / "a.csv").exists())
            restored = ws.restore("Hex")
            self.assertEqual(restored[0].summary["done"], 1)
            self.assertEqual((folder / "data" / "a.csv").read_bytes(), b"a,b\n1,2\n")
            planned = ws.sync("Hex", folders=["other"], dry_run=True)
            self.assertEqual([a.path for a in planned.actions if a.kind == "add"], ["other/c.txt"])
            self.assertFalse((folder / "other").exists())
            synced = ws.sync("Hex", direction="pull", folders=["other"], max_delete=0)
            self.assertEqual(synced.operation, "sync")
            self.assertTrue((folder / "other" / "c.txt").exists())
            ws.remove_integration("Hex", delete_files=True)
            self.assertEqual(ws.integrations(), [])
            self.assertFalse(folder.exists())

    def test_a_failed_operation_carries_its_result(self) -> None:
        with self.open() as ws:
            ws.add_integration("Hex", f"s3://{self.bucket}/hex", writeback=False, options=self.options)
            with self.assertRaises(cloudsync.NotFoundError):
                ws.tracked_files("nobody")
            ws.set_credentials("Hex", {"access_key_id": MOTO.access_key_id, "secret_access_key": "WRONG-WRONG"})
            with self.assertRaises(cloudsync.AuthenticationError) as caught:
                ws.import_files("Hex", ["data/"])
            self.assertNotIn("WRONG-WRONG", str(caught.exception) + json.dumps(caught.exception.result or {}))

    def test_session_restores_exports_flushes(self) -> None:
        events: list[dict[str, Any]] = []
        with self.open() as ws:
            folder = self.root / ws.add_integration("Hex", f"s3://{self.bucket}/hex", writeback=True,
                                                    options=self.options)["folder"]
            ws.import_files("Hex", ["data/"])
            (folder / "data" / "b.csv").unlink()
            with ws.start_session(events.append, quiet_window_ms=100) as session:
                self.assertTrue(session.running)
                self.assertIn("running", repr(session))
                self.assertEqual(session.restored[0].summary["done"], 1)
                self.assertTrue((folder / "data" / "b.csv").exists())
                self.assertIn(session.status()["mode"], ("inotify", "polling"))
                (folder / "data" / "out.csv").write_text("x,y\n")
                self.assertTrue(wait_until(lambda: any(e.get("event") == "exported" for e in events)), events)
                flushed = session.flush(10)
                self.assertIsInstance(flushed, cloudsync.FlushResult)
                self.assertTrue(flushed.complete)
                self.assertEqual(flushed.pending, [])
                self.assertEqual(session.queue(), [])
                (folder / "data" / "last.csv").write_text("written just before the end\n")
            self.assertFalse(session.running)
            with self.assertRaises(ValueError):
                session.status()
        exported = next(e for e in events if e.get("event") == "exported")
        self.assertEqual((exported["integration"], exported["path"]), ("Hex", "data/out.csv"))
        self.assertEqual(MOTO.s3.get_object(Bucket=self.bucket, Key="hex/data/last.csv")["Body"].read(),
                         b"written just before the end\n", "leaving the with block flushes")
        self.assertTrue(all(MOTO.secret_access_key not in json.dumps(e) for e in events))

    def test_an_exception_in_on_event_is_logged_and_kept(self) -> None:
        def broken(event: dict[str, Any]) -> None:
            raise RuntimeError(f"handler failed on {event['event']}")
        with self.open() as ws:
            ws.add_integration("Hex", f"s3://{self.bucket}/hex", writeback=True, options=self.options)
            with self.assertLogs("cloudsync", level="ERROR") as logged:
                session = ws.start_session(broken, restore=False)
                self.assertIsInstance(session, cloudsync.Watcher)
                session.stop()
                session.stop()
        self.assertTrue(session.callback_errors)
        self.assertIsInstance(session.callback_errors[0], RuntimeError)
        self.assertIn("handler failed on status", "\n".join(logged.output))


class DelayProxy:
    """delay_proxy.py in front of moto, as a context manager."""

    def __init__(self, upstream_port: int, delay: float) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, str(pathlib.Path(__file__).with_name("delay_proxy.py")),
                                         str(self.port), str(upstream_port), str(delay)], stdout=subprocess.PIPE,
                                        text=True)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "listening":
            raise RuntimeError("delay_proxy.py did not start")
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def counts(self) -> dict[str, int]:
        import urllib.request
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.endpoint + "/__proxy__", timeout=10) as answer:
            return json.loads(answer.read())

    def __enter__(self) -> DelayProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":
    unittest.main()
