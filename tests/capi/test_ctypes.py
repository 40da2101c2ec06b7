"""The C ABI through Python ctypes, as a notebook server would use it.

Run: CLOUDSYNC_LIBRARY=/path/to/libcloudsync.so python3 test_ctypes.py
"""
import ctypes
import json
import os
import pathlib
import tempfile
import threading
import unittest

LIB = ctypes.CDLL(os.environ["CLOUDSYNC_LIBRARY"])


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("code_name", ctypes.c_char_p), ("message", ctypes.c_char_p),
                ("http_status", ctypes.c_int), ("provider_code", ctypes.c_char_p), ("request_id", ctypes.c_char_p)]


class Progress(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("phase", ctypes.c_int), ("path", ctypes.c_char_p),
                ("bytes_done", ctypes.c_uint64), ("bytes_total", ctypes.c_uint64),
                ("files_done", ctypes.c_uint64), ("files_total", ctypes.c_uint64)]


PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(Progress), ctypes.c_void_p)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
VP = ctypes.c_void_p
OUT = ctypes.POINTER(ctypes.c_void_p)

LIB.cloudsync_version.restype = ctypes.c_char_p
LIB.cloudsync_last_error.restype = ctypes.POINTER(Error)
LIB.cloudsync_free.argtypes = [VP]
LIB.cloudsync_workspace_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, OUT]
LIB.cloudsync_workspace_close.argtypes = [VP]
LIB.cloudsync_workspace_set_credentials.argtypes = [VP, ctypes.c_char_p, ctypes.c_char_p]
LIB.cloudsync_integration_add.argtypes = [VP, ctypes.c_char_p, OUT]
LIB.cloudsync_integration_list.argtypes = [VP, OUT]
LIB.cloudsync_tracked_files.argtypes = [VP, ctypes.c_char_p, OUT]
for op in ("import", "export", "restore", "sync"):
    getattr(LIB, "cloudsync_" + op).argtypes = [VP, ctypes.c_char_p, ctypes.c_char_p, PROGRESS_FN, VP, VP, OUT]
LIB.cloudsync_list.argtypes = [ctypes.c_char_p, ctypes.c_char_p, OUT]
LIB.cloudsync_plan_sync.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, OUT]
LIB.cloudsync_plan_json.argtypes = [VP, OUT]
LIB.cloudsync_plan_apply.argtypes = [VP, ctypes.c_char_p, PROGRESS_FN, VP, VP, OUT]
LIB.cloudsync_plan_free.argtypes = [VP]
LIB.cloudsync_cancel_new.argtypes = [OUT]
LIB.cloudsync_cancel_trigger.argtypes = [VP]
LIB.cloudsync_cancel_free.argtypes = [VP]
LIB.cloudsync_set_log_handler.argtypes = [ctypes.c_int, LOG_FN, VP]

NO_PROGRESS = PROGRESS_FN()


class CloudsyncError(Exception):
    def __init__(self, rc):
        e = LIB.cloudsync_last_error().contents
        self.rc = rc
        self.code_name = e.code_name.decode()
        self.message = e.message.decode()
        super().__init__(f"{self.code_name}: {self.message}")


def take_string(ptr):
    """Copies a library-owned string and frees it with cloudsync_free."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode()
    finally:
        LIB.cloudsync_free(ptr)


def call(fn, *args, out=True):
    ptr = ctypes.c_void_p()
    rc = fn(*args, ctypes.byref(ptr)) if out else fn(*args)
    text = take_string(ptr) if out else None
    if rc != 0:
        raise CloudsyncError(rc)
    return json.loads(text) if text and text.startswith("{") else text


class Workspace:
    def __init__(self, root, options=None):
        self.handle = ctypes.c_void_p()
        rc = LIB.cloudsync_workspace_open(str(root).encode(), json.dumps(options or {}).encode(),
                                          ctypes.byref(self.handle))
        if rc != 0:
            raise CloudsyncError(rc)

    def close(self):
        LIB.cloudsync_workspace_close(self.handle)

    def op(self, name, integration, request=None, progress=NO_PROGRESS, cancel=None):
        fn = getattr(LIB, "cloudsync_" + name)
        return call(fn, self.handle, integration.encode() if integration else None,
                    json.dumps(request or {}).encode(), progress, None, cancel)


class CApiTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        self.bucket = self.root / "bucket"
        (self.bucket / "data").mkdir(parents=True)
        (self.bucket / "data" / "a.csv").write_text("a,b\n1,2\n")
        (self.bucket / "data" / "b.json").write_text("{}")
        (self.bucket / "other.txt").write_text("o")
        self.ws = Workspace(self.root / "project", {"max_files": 50})
        call(LIB.cloudsync_integration_add, self.ws.handle, json.dumps({
            "name": "Hex's Testing Bucket", "url": self.bucket.as_uri(), "writeback": True}).encode())
        self.folder = self.root / "project" / "external-files" / "local" / "hexs_testing_bucket"

    def tearDown(self):
        self.ws.close()
        self.tmp.cleanup()

    def test_version(self):
        self.assertTrue(LIB.cloudsync_version().decode().startswith("1."))
        self.assertEqual(LIB.cloudsync_abi_version(), 1)

    def test_import_export_restore_sync(self):
        events = []

        @PROGRESS_FN
        def on_progress(p, user):
            events.append((p.contents.phase, p.contents.files_done, p.contents.files_total))
            return 0

        result = self.ws.op("import", "Hex's Testing Bucket", {"selectors": ["data/", "*.txt"]}, on_progress)
        self.assertEqual(result["report"]["summary"]["done"], 3)
        self.assertTrue(events)
        self.assertEqual(events[-1][0], 4)  # CLOUDSYNC_PHASE_FINISHED
        self.assertEqual((self.folder / "data" / "a.csv").read_text(), "a,b\n1,2\n")

        (self.folder / "data" / "a.csv").write_text("a,b\n1,2\n3,4\n")
        dry = self.ws.op("export", "Hex's Testing Bucket", {"dry_run": True})
        self.assertEqual(dry["plan"]["summary"]["update"], 1)
        self.assertEqual((self.bucket / "data" / "a.csv").read_text(), "a,b\n1,2\n")
        self.ws.op("export", "Hex's Testing Bucket")
        self.assertEqual((self.bucket / "data" / "a.csv").read_text(), "a,b\n1,2\n3,4\n")

        (self.folder / "other.txt").unlink()
        restored = self.ws.op("restore", None)
        self.assertEqual(restored["results"][0]["report"]["summary"]["done"], 1)
        self.assertEqual((self.folder / "other.txt").read_text(), "o")

        tracked = call(LIB.cloudsync_tracked_files, self.ws.handle, b"Hex's Testing Bucket")
        self.assertEqual(sorted(f["path"] for f in tracked["files"]), ["data/a.csv", "data/b.json", "other.txt"])

        (self.bucket / "data" / "b.json").unlink()
        plan = self.ws.op("sync", "Hex's Testing Bucket", {"dry_run": True, "delete_extraneous": True,
                                                           "folders": ["data"]})
        self.assertEqual([a["kind"] for a in plan["plan"]["actions"]], ["delete"])
        self.assertTrue((self.folder / "data" / "b.json").exists())
        self.ws.op("sync", "Hex's Testing Bucket", {"delete_extraneous": True, "folders": ["data"]})
        self.assertFalse((self.folder / "data" / "b.json").exists())

    def test_errors_have_codes_and_messages(self):
        with self.assertRaises(CloudsyncError) as ctx:
            self.ws.op("import", "Hex's Testing Bucket", {"selectors": ["../../etc/passwd"]})
        self.assertEqual(ctx.exception.rc, -6)
        self.assertEqual(ctx.exception.code_name, "invalid_argument")
        with self.assertRaises(CloudsyncError) as ctx:
            self.ws.op("import", "missing", {"selectors": ["x"]})
        self.assertEqual(ctx.exception.code_name, "not_found")
        with self.assertRaises(CloudsyncError) as ctx:
            self.ws.op("import", "Hex's Testing Bucket", {"selectorz": ["x"]})
        self.assertIn("selectorz", ctx.exception.message)
        call(LIB.cloudsync_integration_add, self.ws.handle, json.dumps({
            "name": "Read Only", "url": self.bucket.as_uri()}).encode())
        with self.assertRaises(CloudsyncError) as ctx:
            self.ws.op("export", "Read Only")
        self.assertEqual(ctx.exception.code_name, "permission_denied")
        with self.assertRaises(CloudsyncError) as ctx:
            call(LIB.cloudsync_integration_add, self.ws.handle, json.dumps({
                "name": "Leaky", "url": "s3://bucket", "options": {"secret_access_key": "SuperSecret123"}}).encode())
        self.assertNotIn("SuperSecret123", ctx.exception.message)

    def test_limits_are_checked_before_transfer(self):
        small = Workspace(self.root / "small", {"max_files": 1})
        try:
            call(LIB.cloudsync_integration_add, small.handle, json.dumps({
                "name": "B", "url": self.bucket.as_uri()}).encode())
            with self.assertRaises(CloudsyncError) as ctx:
                small.op("import", "B", {"selectors": ["data/"]})
            self.assertEqual(ctx.exception.code_name, "limit_exceeded")
            self.assertFalse((self.root / "small" / "external-files").exists())
        finally:
            small.close()

    def test_cancel_from_another_thread(self):
        for i in range(40):
            (self.bucket / "many" / f"f{i}").parent.mkdir(exist_ok=True)
            (self.bucket / "many" / f"f{i}").write_bytes(os.urandom(20000))
        cancel = ctypes.c_void_p()
        self.assertEqual(LIB.cloudsync_cancel_new(ctypes.byref(cancel)), 0)
        started = threading.Event()

        @PROGRESS_FN
        def on_progress(p, user):
            started.set()
            return 0

        trigger = threading.Thread(target=lambda: (started.wait(5), LIB.cloudsync_cancel_trigger(cancel)))
        trigger.start()
        try:
            self.ws.op("import", "Hex's Testing Bucket", {"selectors": ["many/"]}, on_progress, cancel)
            cancelled = False
        except CloudsyncError as e:
            cancelled = e.code_name == "cancelled"
        trigger.join()
        LIB.cloudsync_cancel_free(cancel)
        done = len(list((self.folder / "many").glob("*"))) if (self.folder / "many").exists() else 0
        self.assertTrue(cancelled or done == 40)
        # Whatever happened, nothing partial is visible.
        for f in (self.folder / "many").glob("*") if (self.folder / "many").exists() else []:
            self.assertFalse(f.name.endswith(".partial"))

    def test_tree_sync_plan_and_listing(self):
        listing = call(LIB.cloudsync_list, self.bucket.as_uri().encode(), b'{"recursive": false}')
        self.assertEqual(listing["folders"], ["data/"])
        self.assertEqual([o["key"] for o in listing["objects"]], ["other.txt"])
        plan = ctypes.c_void_p()
        dest = self.root / "mirror"
        self.assertEqual(LIB.cloudsync_plan_sync(self.bucket.as_uri().encode(), str(dest).encode(), None,
                                                 ctypes.byref(plan)), 0)
        try:
            self.assertEqual(call(LIB.cloudsync_plan_json, plan)["summary"]["add"], 3)
            report = call(LIB.cloudsync_plan_apply, plan, b'{"dry_run": true}', NO_PROGRESS, None, None)
            self.assertEqual(report["summary"]["dry_run"], 3)
            self.assertFalse(dest.exists())
            report = call(LIB.cloudsync_plan_apply, plan, None, NO_PROGRESS, None, None)
            self.assertEqual(report["summary"]["done"], 3)
            self.assertEqual((dest / "data" / "a.csv").read_text(), "a,b\n1,2\n")
        finally:
            LIB.cloudsync_plan_free(plan)

    def test_log_handler_receives_lines(self):
        lines = []

        @LOG_FN
        def on_log(level, message, user):
            lines.append((level, message.decode()))

        # A failing import logs a warning: plant a symlink where a folder must go.
        elsewhere = self.root / "elsewhere"
        elsewhere.mkdir()
        self.folder.mkdir(parents=True)
        (self.folder / "data").symlink_to(elsewhere)
        self.assertEqual(LIB.cloudsync_set_log_handler(5, on_log, None), 0)
        try:
            with self.assertRaises(CloudsyncError) as ctx:
                self.ws.op("import", "Hex's Testing Bucket", {"selectors": ["data/a.csv"]})
            self.assertEqual(ctx.exception.code_name, "permission_denied")
        finally:
            LIB.cloudsync_set_log_handler(1, LOG_FN(), None)
        self.assertFalse(list(elsewhere.iterdir()))
        self.assertTrue(any(level == 2 and "data/a.csv" in text for level, text in lines), lines)
        self.assertEqual(LIB.cloudsync_set_log_handler(9, on_log, None), -6)

if __name__ == "__main__":
    unittest.main()
