"""A real Jupyter server with the cloudsync extension against S3 (moto): Hex's flow end to end.

An administrator registers a writeback S3 integration in a shared catalog; the page's API
imports a CSV; a kernel started through the server runs a notebook (nbclient, through the
kernel's connection file) that reads it with pandas and writes out.csv, which the watcher
exports on its own; a kernel shutdown and the server's stop flush; a restart restores only what
changed. Runs under /usr/bin/python3; moto under $CLOUDSYNC_MOTO_PYTHON.
"""

from __future__ import annotations

import os
import time
import unittest

import harness
from harness import JupyterServer, cloudsync, sha256

DATA_CSV = b"item,price,quantity\napple,0.5,10\npear,0.75,4\nplum,0.2,25\n"
OTHER_CSV = b"region,target\nnorth,100\nsouth,80\n"
INTEGRATION = "Sales Bucket"
PREFIX = "team"
# Long enough that a file written just before a shutdown is still settling: only the flush sends it.
QUIET_WINDOW_MS = 2500
EXPORT_WAIT_S = 20

moto = server = None
root = folder = ""


def setUpModule() -> None:
    global moto, server, root, folder
    scratch = harness.scratch_dir("server")
    moto = harness.start_moto(os.path.join(scratch, "moto"))
    try:
        with harness.bucket_storage(moto, PREFIX) as bucket:
            bucket.put("data.csv", DATA_CSV)
            bucket.put("other.csv", OTHER_CSV)
        catalog_dir = os.path.join(scratch, "catalog")
        with cloudsync.Catalog(catalog_dir) as catalog:
            integration = catalog.create_integration(INTEGRATION, f"s3://{harness.BUCKET}/{PREFIX}", writeback=True,
                                                     options=harness.s3_options(moto),
                                                     secrets=harness.s3_secrets(moto))
            folder = integration.folder
        root = os.path.join(scratch, "analysis")
        os.makedirs(root)
        server = JupyterServer(root, scratch, catalog_dir=catalog_dir, flush_timeout_s=20,
                               config={"CloudsyncExtension": {"session_options": {"quiet_window_ms": QUIET_WINDOW_MS}}})
    except BaseException:
        moto.stop()
        raise


def tearDownModule() -> None:
    if server is not None:
        server.stop()
    if moto is not None:
        moto.stop()


def remote(key: str) -> bytes | None:
    """The object's bytes in the bucket (through the package), None when absent."""
    with harness.bucket_storage(moto, PREFIX) as bucket:
        try:
            return bucket.get(key)
        except cloudsync.NotFoundError:
            return None


def local(path: str) -> str:
    return os.path.join(root, folder, path)


def read_local(path: str) -> bytes:
    with open(local(path), "rb") as f:
        return f.read()


def notebook_writing_out_csv(extra: str = "") -> list[str]:
    """Cells that read data.csv with pandas and write out.csv (with `extra` appended to each item)."""
    base = os.path.join(root, folder)
    return [
        "import pandas as pd\n"
        f"base = {base!r}\n"
        "frame = pd.read_csv(base + '/data.csv')\n"
        "frame['total'] = frame['price'] * frame['quantity']\n"
        f"frame['item'] = frame['item'] + {extra!r}\n"
        "assert len(frame) == 3, frame",
        "frame.to_csv(base + '/out.csv', index=False)\n"
        "print(frame['total'].sum())",
    ]


class NotebookServerTest(unittest.TestCase):
    """In order: each test starts from what the previous one left (one server, one bucket)."""

    def last_restore(self) -> dict:
        restored = server.api("GET", "/cloudsync/api/status")["last_restore"]
        self.assertIsNotNone(restored, "no restore ran")
        (result,) = [r for r in restored["results"] if r["integration"] == INTEGRATION]
        return result

    def test_1_import_then_notebook_output_is_exported_and_flushed(self) -> None:
        imported = server.api("POST", "/cloudsync/api/import",
                              {"integration": INTEGRATION, "selectors": ["data.csv", "other.csv"]})
        self.assertEqual(imported["report"]["summary"]["done"], 2, imported)
        self.assertEqual(read_local("data.csv"), DATA_CSV)

        kernel = server.start_kernel()
        executed = harness.execute_notebook(server, kernel, notebook_writing_out_csv())
        self.assertIn("13.0", executed.cells[1].outputs[0]["text"])  # 5 + 3 + 5: pandas ran on the CSV
        written = read_local("out.csv")
        self.assertTrue(written.startswith(b"item,price,quantity,total\napple,"), written)

        # No flush: the watcher exports the file once it has settled.
        exported = harness.wait_for(lambda: remote("out.csv"), EXPORT_WAIT_S, "out.csv in the bucket")
        self.assertEqual(exported, written)
        self.assertEqual(sha256(exported), sha256(written))
        status = server.api("GET", "/cloudsync/api/status")
        (event,) = [e for e in status["last_exports"] if e["path"] == "out.csv"]
        self.assertEqual(event["sha256"], sha256(written))
        self.assertEqual(event["remote_key"], "out.csv")  # relative to the integration's URL
        self.assertEqual(status["session"]["mode"], "inotify")

        # Written again and the kernel shut down at once, well inside the quiet window: the shutdown's
        # flush sends it before the DELETE answers.
        harness.execute_notebook(server, kernel, notebook_writing_out_csv(extra=" (v2)"))
        rewritten = read_local("out.csv")
        self.assertNotEqual(rewritten, written)
        started = time.monotonic()
        server.shutdown_kernel(kernel)
        self.assertLess(time.monotonic() - started, QUIET_WINDOW_MS / 1000 + 15)
        self.assertEqual(remote("out.csv"), rewritten)
        self.assertEqual(sha256(remote("out.csv")), sha256(rewritten))
        status = server.api("GET", "/cloudsync/api/status")
        self.assertIsNone(status["session"], "the session outlived the project's last kernel")
        self.assertEqual(status["kernels"], 0)

    def test_2_restart_restores_only_what_changed(self) -> None:
        kernel = server.start_kernel()
        server.wait_for_kernel(kernel)
        start = self.last_restore()
        self.assertEqual(start["report"]["bytes_transferred"], 0, start)

        # Nothing changed: a restart downloads nothing and every tracked file is unchanged.
        server.restart_kernel(kernel)
        server.wait_for_kernel(kernel)
        unchanged = self.last_restore()
        summary = unchanged["plan"]["summary"]
        self.assertEqual(unchanged["report"]["bytes_transferred"], 0, unchanged)
        self.assertEqual((summary["add"], summary["update"], summary["delete"], summary["conflict"]), (0, 0, 0, 0))
        self.assertGreaterEqual(summary["unchanged"], 2, unchanged)
        self.assertTrue(all(a["kind"] == "unchanged" or a.get("reason") == "unchanged"
                            for a in unchanged["plan"]["actions"]), unchanged["plan"]["actions"])

        # data.csv changed in the bucket and the local other.csv deleted: exactly those come back.
        changed = DATA_CSV + b"fig,1.5,2\n"
        with harness.bucket_storage(moto, PREFIX) as bucket:
            bucket.put("data.csv", changed)
        os.remove(local("other.csv"))
        server.restart_kernel(kernel)
        restored = self.last_restore()
        self.assertEqual(restored["report"]["bytes_transferred"], len(changed) + len(OTHER_CSV), restored)
        done = sorted(o["path"] for o in restored["report"]["outcomes"] if o["outcome"] == "done")
        self.assertEqual(done, ["data.csv", "other.csv"])
        self.assertEqual(read_local("data.csv"), changed)
        self.assertEqual(read_local("other.csv"), OTHER_CSV)
        # The restarted kernel sees the restored file.
        executed = harness.execute_notebook(server, kernel, ["import pandas as pd\n"
                                                             f"print(len(pd.read_csv({local('data.csv')!r})))"])
        self.assertEqual(executed.cells[0].outputs[0]["text"].strip(), "4")
        # Restored files are not exports: nothing waits to go out.
        self.assertEqual(server.flush(5), {"session": True, "complete": True, "pending": []})
        server.shutdown_kernel(kernel)

    def test_3_api_needs_the_token(self) -> None:
        for method, path in (("GET", "/cloudsync/api/status"), ("POST", "/cloudsync/api/import"),
                             ("POST", "/cloudsync/api/check"), ("POST", "/cloudsync/api/flush")):
            status, _ = server.request(method, path, {} if method == "POST" else None, token=False)
            self.assertEqual(status, 403, f"{method} {path} without the token")
        status, page = server.request("GET", "/cloudsync", token=False)
        self.assertNotIn("External files of", str(page))  # the login page, not ours
        status, page = server.request("GET", "/cloudsync")
        self.assertEqual(status, 200)
        self.assertIn("External files of", page)

    def test_4_import_refuses_a_selector_escaping_the_folder(self) -> None:
        for selector in ("../other-team/secret.csv", "/etc/passwd", "a/../../b.csv"):
            status, answer = server.request("POST", "/cloudsync/api/import",
                                            {"integration": INTEGRATION, "selectors": [selector]})
            self.assertEqual(status, 400, answer)
            self.assertIn(selector, answer["error"]["message"])
            self.assertEqual(answer["error"]["type"], "InvalidArgumentError", answer)
        self.assertFalse(os.path.exists(os.path.join(root, folder, "..", "other-team")))
        status, answer = server.request("POST", "/cloudsync/api/import", {"integration": "No Such", "selectors": ["x"]})
        self.assertEqual(status, 404, answer)
        self.assertEqual(answer["error"]["type"], "NotFoundError")
        status, answer = server.request("POST", "/cloudsync/api/import", {"integration": INTEGRATION})
        self.assertEqual(status, 400, answer)
        self.assertIn("selectors", answer["message"])

    def test_5_check_and_flush_without_a_kernel(self) -> None:
        self.assertEqual(server.status()["project"], "analysis")  # the root folder's name by default
        (check,) = server.check()
        self.assertEqual((check["integration"], check["status"]), (INTEGRATION, "CONNECTED"), check)
        self.assertEqual(set(check["passed"]), {"list", "read", "write", "delete"})
        (listed,) = server.api("GET", "/cloudsync/api/status")["integrations"]
        self.assertEqual((listed["status"], listed["folder"], listed["writeback"]), ("CONNECTED", folder, True))
        self.assertNotIn("options", listed)
        self.assertEqual(server.flush(), {"session": False, "complete": True, "pending": []})

    def test_9_server_stop_flushes(self) -> None:
        kernel = server.start_kernel()
        harness.execute_notebook(server, kernel, [f"open({local('late.txt')!r}, 'w').write('written last')"])
        self.assertEqual(server.stop(), 0, server.logs())
        self.assertEqual(remote("late.txt"), b"written last", server.logs())
        self.assertEqual([line for line in server.logs().splitlines() if "cloudsync:" in line and line.startswith("[E")],
                         [])


if __name__ == "__main__":
    unittest.main()
