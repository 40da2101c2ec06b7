"""The C ABI through Python ctypes, as a notebook server would use it.

Run: CLOUDSYNC_LIBRARY=/path/to/libcloudsync.so python3 test_ctypes.py
"""
import ctypes
import json
import os
import pathlib
import sys
import tempfile
import threading
import unittest

# The prototypes are the Python package's (python/cloudsync/_native.py): one
# declaration of the ABI for ctypes. This test stays at the raw ABI below it.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python"))
from cloudsync import _native  # noqa: E402
from cloudsync._native import LOG_FN, PROGRESS_FN, READ_FN, RECORD_READ_FN, WRITE_FN  # noqa: E402

LIB = _native.lib()
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


def encode(value):
    """A C string argument: JSON for dicts, UTF-8 for text, NULL for None."""
    if value is None:
        return None
    return (json.dumps(value) if isinstance(value, dict) else value).encode()


class Catalog:
    def __init__(self, state_dir, options=None):
        self.handle = ctypes.c_void_p()
        rc = LIB.cloudsync_catalog_open(str(state_dir).encode(), encode(options), ctypes.byref(self.handle))
        if rc != 0:
            raise CloudsyncError(rc)

    def close(self):
        LIB.cloudsync_catalog_close(self.handle)

    def __getattr__(self, name):
        """cat.integration_list(...) calls cloudsync_catalog_integration_list(handle, ...)."""
        fn = getattr(LIB, "cloudsync_catalog_" + name)

        def bound(*args, out=True):
            return call(fn, self.handle, *[encode(a) if isinstance(a, (str, dict)) or a is None else a
                                           for a in args], out=out)
        return bound

    def count(self, kind, filter=None):
        n = ctypes.c_uint64()
        rc = getattr(LIB, f"cloudsync_catalog_{kind}_count")(self.handle, encode(filter), ctypes.byref(n))
        if rc != 0:
            raise CloudsyncError(rc)
        return n.value

    def diff(self, connection, request=None):
        plan = ctypes.c_void_p()
        rc = LIB.cloudsync_connection_diff(self.handle, connection.encode(), encode(request), None, ctypes.byref(plan))
        if rc != 0:
            raise CloudsyncError(rc)
        return plan

    def sync(self, connection, request=None, plan=None, progress=NO_PROGRESS):
        return call(LIB.cloudsync_connection_sync, self.handle, connection.encode(), encode(request), plan, progress,
                    None, None)


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


class StorageTest(unittest.TestCase):
    """A storage handle driven from Python: callbacks that produce and consume
    the bytes, progress, and the listing iterator."""

    def setUp(self):
        self.storage = ctypes.c_void_p()
        url = f"mem://ctypes-storage-{os.getpid()}-{id(self)}".encode()
        self.assertEqual(LIB.cloudsync_storage_open(url, None, ctypes.byref(self.storage)), 0)

    def tearDown(self):
        LIB.cloudsync_storage_close(self.storage)

    def put(self, key, data, size=None, progress=NO_PROGRESS):
        view = memoryview(data)
        pos = [0]

        @READ_FN
        def read(buffer, capacity, size_read, _user):
            n = min(capacity, len(view) - pos[0])
            ctypes.memmove(buffer, bytes(view[pos[0]:pos[0] + n]), n)
            pos[0] += n
            size_read[0] = n
            return 0

        return call(LIB.cloudsync_storage_put, self.storage, key, None, read, None,
                    len(data) if size is None else size, progress, None, None)

    def get(self, key, options=None):
        chunks = []

        @WRITE_FN
        def write(data, size, _user):
            chunks.append(ctypes.string_at(data, size))
            return 0

        entry = call(LIB.cloudsync_storage_get, self.storage, key, options, write, None, NO_PROGRESS, None, None)
        return b"".join(chunks), entry

    def test_put_get_head_delete_through_callbacks(self):
        data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks of the read callback
        events = []

        @PROGRESS_FN
        def progress(p, _user):
            events.append((p.contents.phase, p.contents.bytes_done, p.contents.bytes_total))
            return 0

        written = self.put(b"blobs/big.bin", data, progress=progress)
        self.assertEqual((written["key"], written["size"], written["kind"]), ("blobs/big.bin", len(data), "file"))
        self.assertIn((2, len(data), len(data)), events)  # CLOUDSYNC_PHASE_FILE_DONE with every byte
        got, entry = self.get(b"blobs/big.bin")
        self.assertEqual(got, data)
        self.assertEqual(entry["size"], len(data))
        part, _ = self.get(b"blobs/big.bin", b'{"offset": 1000, "length": 10}')
        self.assertEqual(part, data[1000:1010])
        self.assertEqual(call(LIB.cloudsync_storage_head, self.storage, b"blobs/big.bin", None)["size"], len(data))
        self.assertEqual(LIB.cloudsync_storage_delete(self.storage, b"blobs/big.bin", None), 0)
        with self.assertRaises(CloudsyncError) as caught:
            call(LIB.cloudsync_storage_head, self.storage, b"blobs/big.bin", None)
        self.assertEqual(caught.exception.code_name, "not_found")
        with self.assertRaises(CloudsyncError) as caught:
            self.put(b"blobs/short.bin", b"abc", size=4)
        self.assertEqual(caught.exception.code_name, "integrity")

    def test_listing_iterator_streams_page_by_page(self):
        for i in range(25):
            self.put(f"many/{i:02}.txt".encode(), b"x" * i)
        it = ctypes.c_void_p()
        self.assertEqual(LIB.cloudsync_storage_list_begin(self.storage, b"many/", b'{"page_size": 4}', None,
                                                          ctypes.byref(it)), 0)
        keys = []
        try:
            while (entry := call(LIB.cloudsync_list_next, it)) is not None:
                keys.append(entry["key"])
                self.assertEqual(entry["size"], int(entry["key"][5:7]))
        finally:
            LIB.cloudsync_list_end(it)
        self.assertEqual(sorted(keys), [f"many/{i:02}.txt" for i in range(25)])


class CatalogTest(unittest.TestCase):
    SECRET = "wJalrXUtnFEMI-ctypes-secret-0123456789"
    # An endpoint on a port nothing listens on: no network, and a check fails fast.
    S3_OPTIONS = {"endpoint": "http://127.0.0.1:9", "max_attempts": "1", "region": "us-east-1"}

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        self.bucket = self.root / "bucket"
        (self.bucket / "data").mkdir(parents=True)
        (self.bucket / "data" / "a.csv").write_text("a")
        (self.bucket / "data" / "b.csv").write_text("bb")
        (self.bucket / "other.txt").write_text("o")
        self.state = self.root / "catalog"
        self.cat = Catalog(self.state, {"busy_timeout_ms": 2000, "transfers": 2})
        self.project_root = self.root / "team"
        self.project = self.cat.project_add("team", str(self.project_root))
        self.folder = self.project_root / "external-files" / "local" / "bucket"

    def tearDown(self):
        self.cat.close()
        self.tmp.cleanup()

    def create(self, spec, secrets=None):
        return self.cat.integration_create(spec, secrets)

    def s3(self, name, **spec):
        return self.create(dict({"name": name, "url": "s3://bucket/prefix", "options": self.S3_OPTIONS}, **spec),
                           {"secret_access_key": self.SECRET, "access_key_id": "AKIDEXAMPLE"})

    def assertFails(self, code_name, fn, *args, **kwargs):
        with self.assertRaises(CloudsyncError) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(ctx.exception.code_name, code_name, ctx.exception.message)
        return ctx.exception

    def test_create_list_filter_page_count(self):
        local = self.create({"name": "Bucket", "url": self.bucket.as_uri(), "writeback": True,
                             "selected_folders": ["data"]})
        self.assertEqual((local["platform"], local["status"], local["folder"]),
                         ("Local", "UNCHECKED", "external-files/local/bucket"))
        self.s3("Sales", allowed_projects=["team"], allowed_paths=["exports"])
        self.s3("Private", allowed_projects=["someone-else"])
        self.assertFails("already_exists", self.create, {"name": "sales", "url": self.bucket.as_uri()})
        self.assertFails("invalid_argument", self.create, {"name": "X", "url": self.bucket.as_uri(), "nmae": "typo"})

        def names(filter=None, first=0, skip=0):
            return [i["name"] for i in self.cat.integration_list(filter, first, skip)["integrations"]]

        self.assertEqual(names(), ["Bucket", "Sales", "Private"])
        self.assertEqual(names({"platform": "AWS"}), ["Sales", "Private"])
        self.assertEqual(names({"platform": "local"}), ["Bucket"])
        self.assertEqual(names({"writeback": True}), ["Bucket"])
        self.assertEqual(names({"name": "SALES"}), ["Sales"])
        self.assertEqual(names({"id": local["id"]}), ["Bucket"])
        self.assertEqual(names({"project": "team"}), ["Bucket", "Sales"])
        self.assertEqual(names({"project": self.project["id"]}), ["Bucket", "Sales"])
        self.assertEqual(names({"status": "UNCHECKED"}), ["Bucket", "Sales", "Private"])
        self.assertEqual(names(first=2), ["Bucket", "Sales"])
        self.assertEqual(names(first=2, skip=2), ["Private"])
        self.assertEqual(names(skip=5), [])
        self.assertEqual(self.cat.count("integration"), 3)
        self.assertEqual(self.cat.count("integration", {"platform": "AWS", "project": "team"}), 1)
        self.assertFails("invalid_argument", self.cat.count, "integration", {"status": "HAPPY"})
        self.assertFails("invalid_argument", self.cat.count, "integration", {"colour": "red"})
        self.assertEqual(self.cat.integration_get("sales")["allowed_paths"], ["exports"])
        self.assertFails("not_found", self.cat.integration_get, "Nope")

    def test_secrets_never_leave_the_secrets_file(self):
        os.environ["CTYPES_TEST_SECRET"] = self.SECRET + "-from-env"
        outputs = [json.dumps(self.s3("Sales"))]
        outputs.append(json.dumps(self.create({"name": "Env", "url": "s3://other", "options": self.S3_OPTIONS},
                                              {"secret_access_key": "env:CTYPES_TEST_SECRET",
                                               "access_key_id": "AKIDEXAMPLE"})))
        self.assertEqual(self.cat.integration_secret_names("Sales")["secret_names"],
                         ["access_key_id", "secret_access_key"])
        outputs.append(json.dumps(self.cat.integration_list(None, 0, 0)))
        outputs.append(json.dumps(self.cat.integration_get("Sales")))
        updated = self.cat.integration_update("Sales", {"secrets": {"secret_access_key": "env:CTYPES_TEST_SECRET"},
                                                        "allowed_projects": ["team"]})
        outputs.append(json.dumps(updated))
        self.assertEqual(updated["allowed_projects"], ["team"])
        self.assertEqual(updated["options"], self.S3_OPTIONS)
        # A check resolves the reference and fails to connect: the message names no secret.
        check = self.cat.check("Env", None)
        outputs.append(json.dumps(check))
        self.assertEqual(check["status"], "DISCONNECTED")
        outputs.append(json.dumps(self.cat.check_all({"platform": "AWS"}, 2, None)))
        # A secret among the stored options is refused, and not echoed.
        e = self.assertFails("invalid_argument", self.create,
                             {"name": "Leaky", "url": "s3://b", "options": {"secret_access_key": self.SECRET}})
        outputs.append(e.message)
        for text in outputs:
            self.assertNotIn(self.SECRET, text)
        for name in os.listdir(self.state):
            if name.startswith("catalog.db"):
                self.assertNotIn(self.SECRET.encode(), (self.state / name).read_bytes(), name)
        secrets_file = self.state / "secrets.json"
        self.assertEqual(secrets_file.stat().st_mode & 0o777, 0o600)
        self.assertNotIn((self.SECRET + "-from-env").encode(), secrets_file.read_bytes())
        self.assertIn(b"env:CTYPES_TEST_SECRET", secrets_file.read_bytes())

    def test_update_changes_only_what_is_given(self):
        before = self.create({"name": "Bucket", "url": self.bucket.as_uri(), "selected_folders": ["data"]})
        self.assertEqual(self.cat.check("Bucket", None)["status"], "CONNECTED")
        after = self.cat.integration_update("Bucket", {"name": "Renamed", "allowed_paths": ["data"]})
        self.assertEqual((after["id"], after["name"], after["selected_folders"], after["url"]),
                         (before["id"], "Renamed", ["data"], before["url"]))
        self.assertEqual(after["status"], "UNCHECKED")  # the allowed paths changed
        self.assertFails("invalid_argument", self.cat.integration_update, "Renamed", {"type": "s3"})
        self.assertFails("not_found", self.cat.integration_update, "Bucket", {"writeback": True})

    def test_status_checks(self):
        self.create({"name": "Bucket", "url": self.bucket.as_uri(), "writeback": True})
        self.create({"name": "Gone", "url": (self.root / "missing").as_uri()})
        check = self.cat.check("Bucket", None)
        self.assertEqual((check["status"], check["reason"]), ("CONNECTED", "NONE"))
        self.assertEqual(check["passed"], ["list", "read", "write", "delete"])
        self.assertEqual(sorted(os.listdir(self.bucket)), ["data", "other.txt"])  # the probe object is gone
        check = self.cat.check("Gone", None)
        self.assertEqual((check["status"], check["reason"]), ("DISCONNECTED", "NOT_FOUND"))
        stored = self.cat.integration_get("Gone")
        self.assertEqual((stored["status"], stored["status_reason"]), ("DISCONNECTED", "NOT_FOUND"))
        self.assertIsNotNone(stored["last_checked"])
        checks = self.cat.check_all(None, 0, None)["checks"]
        by_id = {c["integration_id"]: c["status"] for c in checks}
        self.assertEqual(sorted(by_id.values()), ["CONNECTED", "DISCONNECTED"])
        self.assertEqual([i["name"] for i in self.cat.integration_list({"status": "CONNECTED"}, 0, 0)["integrations"]],
                         ["Bucket"])
        cancel = ctypes.c_void_p()
        LIB.cloudsync_cancel_new(ctypes.byref(cancel))
        LIB.cloudsync_cancel_trigger(cancel)
        try:
            self.assertFails("cancelled", self.cat.check_all, None, 1, cancel)
        finally:
            LIB.cloudsync_cancel_free(cancel)

    def test_connection_diff_and_sync(self):
        self.create({"name": "Bucket", "url": self.bucket.as_uri()})
        self.assertFails("not_found", self.cat.connection_add, {"project": "nobody", "integration": "Bucket"})
        conn = self.cat.connection_add({"project": "team", "integration": "Bucket", "selected_folders": ["data"],
                                        "exclude": ["**/b.csv"]})
        self.assertEqual((conn["project_id"], conn["folder"], conn["number_of_assets"]),
                         (self.project["id"], "external-files/local/bucket", 0))
        self.assertFails("already_exists", self.cat.connection_add, {"project": "team", "integration": "Bucket"})
        self.assertEqual(self.cat.count("connection", {"project": "team"}), 1)
        self.assertEqual(self.cat.count("connection", {"integration": "Bucket"}), 1)
        self.assertEqual(len(self.cat.connection_list(None, 0, 0)["connections"]), 1)

        plan = self.cat.diff(conn["id"])
        try:
            doc = call(LIB.cloudsync_plan_json, plan)
            self.assertEqual([(a["kind"], a["path"]) for a in doc["actions"]], [("add", "data/a.csv")])
            self.assertTrue(doc["actions"][0]["reason"])
            # A dry run through the plan changes nothing, not even last_checked.
            dry = self.cat.sync(conn["id"], {"dry_run": True}, plan)
            self.assertEqual(dry["report"]["summary"]["dry_run"], 1)
            self.assertFalse(self.folder.exists())
            self.assertIsNone(self.cat.connection_get(conn["id"])["last_checked"])
            # Plans of other kinds are refused for what they are.
            self.assertFails("invalid_argument", call, LIB.cloudsync_plan_apply, plan, None, NO_PROGRESS, None, None)
            # The remote changes: the plan is stale, and nothing is applied.
            (self.bucket / "data" / "c.csv").write_text("c")
            self.assertFails("conflict", self.cat.sync, conn["id"], None, plan)
            self.assertFalse(self.folder.exists())
        finally:
            LIB.cloudsync_plan_free(plan)

        plan = self.cat.diff(conn["id"], {"delete_extraneous_files": True})
        try:
            result = self.cat.sync(conn["id"], {"delete_extraneous_files": True}, plan)
            self.assertEqual(result["report"]["summary"]["done"], 2)
        finally:
            LIB.cloudsync_plan_free(plan)
        self.assertEqual(sorted(p.name for p in (self.folder / "data").iterdir()), ["a.csv", "c.csv"])
        files = self.cat.connection_files(conn["id"])["files"]
        self.assertEqual(sorted(f["path"] for f in files), ["data/a.csv", "data/c.csv"])
        got = self.cat.connection_get(conn["id"])
        self.assertEqual(got["number_of_assets"], 2)
        self.assertIsNotNone(got["last_checked"])

        (self.bucket / "data" / "a.csv").unlink()
        self.assertFails("limit_exceeded", self.cat.sync, conn["id"], {"delete_extraneous_files": True,
                                                                       "max_delete": 0})
        self.assertFails("invalid_argument", self.cat.sync, conn["id"], {"delete_extraneous": True})
        self.cat.sync(conn["id"], {"delete_extraneous_files": True})
        self.assertFalse((self.folder / "data" / "a.csv").exists())

        self.assertFails("conflict", self.cat.integration_delete, "Bucket", 0, out=False)
        self.cat.connection_remove(conn["id"], out=False)
        self.assertFails("not_found", self.cat.connection_files, conn["id"])
        self.cat.integration_delete("Bucket", 0, out=False)
        self.assertEqual(self.cat.count("integration"), 0)
        self.assertTrue((self.folder / "data" / "c.csv").exists())  # no file is deleted

    def test_projects_and_a_workspace_on_the_shared_catalog(self):
        self.create({"name": "Bucket", "url": self.bucket.as_uri()})
        self.s3("Theirs", allowed_projects=["other"])
        self.assertFails("already_exists", self.cat.project_add, "team", str(self.root / "elsewhere"))
        self.assertEqual([p["name"] for p in self.cat.project_list()["projects"]], ["team"])
        ws = Workspace(self.project_root, {"catalog_dir": str(self.state), "project": "team", "max_files": 10})
        try:
            listed = call(LIB.cloudsync_integration_list, ws.handle)["integrations"]
            self.assertEqual([i["name"] for i in listed], ["Bucket"])
            ws.op("import", "Bucket", {"selectors": ["other.txt"]})
            self.assertEqual((self.folder / "other.txt").read_text(), "o")
        finally:
            ws.close()
        # The workspace's import made the project's connection in the shared catalog.
        [conn] = self.cat.connection_list({"project": "team"}, 0, 0)["connections"]
        self.assertEqual(self.cat.connection_files(conn["id"])["files"][0]["path"], "other.txt")
        with self.assertRaises(CloudsyncError) as ctx:
            Workspace(self.project_root, {"catalog_dir": str(self.state), "state_dir": str(self.root / "s")})
        self.assertEqual(ctx.exception.code_name, "invalid_argument")


class RecordExportTest(unittest.TestCase):
    """A host's record source as a callback, exported into a local folder through the catalog."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        self.dest = self.root / "dest"
        self.dest.mkdir()
        self.cat = Catalog(self.root / "catalog")
        self.cat.integration_create({"name": "Lake", "url": self.dest.as_uri(), "writeback": True}, None)
        # (updated_at, id, record), ordered: 2,500 records, 500 of them with one updated_at.
        self.records = sorted((f"2026-01-01T00:00:{i % 40:02d}.000000Z", i, {"id": i, "v": "x" * (i % 7)})
                              for i in range(1, 2501))
        self.calls = 0
        self.fail_with = None
        self.read = RECORD_READ_FN(self._read)  # kept alive as long as the catalog may call it
        rc = LIB.cloudsync_catalog_record_source_register(self.cat.handle, b"memory", self.read,
                                                          RECORD_READ_FN(), None)
        self.assertEqual(rc, 0)

    def tearDown(self):
        self.cat.close()
        self.tmp.cleanup()

    def _read(self, request_json, page, _user):
        import gc
        request = json.loads(request_json)
        self.calls += 1
        gc.collect()  # callbacks must survive a collection in the middle of a run
        if self.fail_with:
            LIB.cloudsync_record_page_fail(page, -13, self.fail_with.encode())
            return -13
        after = request["after"]
        upper = request["upper"]
        added = 0
        for updated_at, rid, record in self.records:
            key = (updated_at, rid)
            if after and key <= (after["updated_at"], after["id"]):
                continue
            if updated_at[:19] > upper[:19]:
                break
            if added == request["max_records"]:
                break
            rc = LIB.cloudsync_record_page_add(page, updated_at.encode(), str(rid).encode(),
                                               json.dumps(record).encode())
            if rc != 0:
                return rc
            added += 1
        return 0

    def test_a_callback_source_is_exported_and_its_history_kept(self):
        job = self.cat.export_job_create({"name": "things", "integration": "Lake", "frequency_hours": 1,
                                          "first_run_delay_s": 0, "models": [{"name": "things", "source": {
                                              "kind": "registered", "database": "memory"}}],
                                          "options": {"max_file_rows": 1000, "page_records": 300}})
        self.assertEqual(job["status"], "ACTIVE")
        out = ctypes.c_void_p()
        rc = LIB.cloudsync_catalog_export_job_run(self.cat.handle, b"things", b'{"now": "2026-01-02T00:00:00Z"}',
                                                  None, ctypes.byref(out))
        run = json.loads(take_string(out))
        self.assertEqual(rc, 0, run)
        self.assertEqual((run["state"], run["rows"], run["files"], run["folder"]),
                         ("succeeded", 2500, 3, "202601020000"))
        self.assertGreaterEqual(self.calls, 9)  # 300 records a page
        files = sorted(p.relative_to(self.dest).as_posix() for p in self.dest.rglob("*") if p.is_file())
        data = [f for f in files if f.startswith("202601020000/things/")]
        self.assertEqual(len(data), 3, files)
        self.assertIn("202601020000/_manifest.json", files)
        lines = [json.loads(line) for f in data for line in (self.dest / f).read_text().splitlines()]
        self.assertEqual(sorted(r["id"] for r in lines), list(range(1, 2501)))
        # A failing source: the run fails with its message, recorded in the history.
        self.fail_with = "the host's database is down"
        out = ctypes.c_void_p()
        rc = LIB.cloudsync_catalog_export_job_run(self.cat.handle, b"things", b'{"now": "2026-01-02T01:00:00Z"}',
                                                  None, ctypes.byref(out))
        failed = json.loads(take_string(out))
        self.assertEqual(rc, -13)
        self.assertEqual(failed["state"], "failed")
        self.assertIn("the host's database is down", json.dumps(failed))
        count = ctypes.c_uint64()
        self.assertEqual(LIB.cloudsync_catalog_export_history_count(self.cat.handle, b'{"state": "failed"}',
                                                                    ctypes.byref(count)), 0)
        self.assertEqual(count.value, 1)
        out = ctypes.c_void_p()
        self.assertEqual(LIB.cloudsync_catalog_export_history(self.cat.handle, b'{"job": "things"}', 0, 0,
                                                              ctypes.byref(out)), 0)
        history = json.loads(take_string(out))
        self.assertEqual([r["state"] for r in history], ["failed", "succeeded"])

    def test_a_malformed_record_is_refused(self):
        self.records = [("2026-01-01T00:00:00.000000Z", 1, None)]

        def bad(request_json, page, _user):
            return LIB.cloudsync_record_page_add(page, b"2026-01-01T00:00:00Z", b"1", b"not json")
        reader = RECORD_READ_FN(bad)
        self.assertEqual(LIB.cloudsync_catalog_record_source_register(self.cat.handle, b"bad", reader,
                                                                      RECORD_READ_FN(), None), 0)
        self.cat.export_job_create({"name": "bad", "integration": "Lake", "models": [
            {"name": "bad", "source": {"kind": "registered", "database": "bad"}}]})
        out = ctypes.c_void_p()
        rc = LIB.cloudsync_catalog_export_job_run(self.cat.handle, b"bad", None, None, ctypes.byref(out))
        run = json.loads(take_string(out))
        self.assertEqual(rc, -6, run)  # CLOUDSYNC_EINVAL
        self.assertEqual(run["state"], "failed")
        self.assertEqual([p for p in self.dest.rglob("*.json") if "_manifest" in p.name], [])


if __name__ == "__main__":
    unittest.main()
