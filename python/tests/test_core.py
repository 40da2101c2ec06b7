"""The package without a server: library loading, prototypes, errors, progress, cancellation,
callbacks, the garbage collector, Ctrl-C, logging, plans and storage on local and memory stores.

Runs under /usr/bin/python3 (Debian's tqdm): CLOUDSYNC_LIBRARY=... /usr/bin/python3 -m unittest -v test_core
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import os
import pathlib
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import unittest

import support
from support import cloudsync

from cloudsync import _native, errors, progress as progress_module
from cloudsync.progress import PlainBar, Progress, TqdmBar


def make_files(folder: pathlib.Path, count: int, size: int = 16, prefix: str = "f") -> list[str]:
    """count small files below folder; their relative paths."""
    names = []
    for i in range(count):
        name = f"{prefix}{i // 100:03d}/{prefix}{i:05d}.txt"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(str(i).encode().ljust(size, b"."))
        names.append(name)
    return names


def files_below(folder: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


class NativeTest(unittest.TestCase):
    def test_every_header_function_is_declared(self) -> None:
        header = (support.REPO / "capi" / "include" / "cloudsync.h").read_text()
        declared = set(re.findall(r"CLOUDSYNC_EXTERN\([^)]*\)\s*(cloudsync_\w+)\s*\(", header))
        known = set(_native.PROTOTYPES) | set(_native.LATER_PROTOTYPES)
        self.assertEqual(sorted(declared - known), [], "functions of cloudsync.h without a prototype")
        # LATER_PROTOTYPES are optional: a library (and header) from before them has none.
        self.assertEqual(sorted(set(_native.PROTOTYPES) - declared), [],
                         "prototypes of functions cloudsync.h does not declare")
        lib = _native.lib()
        for name, (restype, argtypes) in _native.PROTOTYPES.items():
            self.assertEqual(getattr(lib, name).argtypes, argtypes, name)

    def test_a_wrong_argument_is_a_type_error_not_a_crash(self) -> None:
        with self.assertRaises(ctypes.ArgumentError):
            _native.lib().cloudsync_storage_open(42, None, None)
        with self.assertRaises(ctypes.ArgumentError):
            _native.lib().cloudsync_session_flush(None, "soon", None)

    def test_abi_and_versions(self) -> None:
        self.assertEqual(_native.lib().cloudsync_abi_version(), 1)
        self.assertRegex(cloudsync.library_version(), r"^\d+\.\d+\.\d+")
        self.assertEqual(cloudsync.__version__.split(".")[0], cloudsync.library_version().split(".")[0])
        self.assertIs(_native.lib(), _native.lib())

    def test_candidates_start_with_the_environment_and_end_with_the_loader(self) -> None:
        places = _native.candidates()
        self.assertEqual(places[0], os.environ["CLOUDSYNC_LIBRARY"])
        self.assertEqual(places[1], str(support.PYTHON_DIR / "cloudsync" / "libcloudsync.so.1"))
        self.assertEqual(places[-1], "libcloudsync.so.1")

    def test_a_missing_library_is_an_import_error_naming_every_place(self) -> None:
        env = dict(os.environ, CLOUDSYNC_LIBRARY="/nonexistent/libcloudsync.so.1", PYTHONPATH=str(support.PYTHON_DIR))
        r = subprocess.run([sys.executable, "-c", "import cloudsync"], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        self.assertIn("/nonexistent/libcloudsync.so.1 (no such file)", r.stderr)
        self.assertIn(str(support.PYTHON_DIR / "cloudsync" / "libcloudsync.so.1"), r.stderr)


class ErrorsTest(unittest.TestCase):
    def test_each_code_maps_to_its_class(self) -> None:
        expected = {-1: "NotFoundError", -2: "AlreadyExistsError", -3: "PreconditionFailedError",
                    -4: "PermissionDeniedError", -5: "AuthenticationError", -6: "InvalidArgumentError",
                    -7: "LimitExceededError", -8: "ConflictError", -9: "IntegrityError", -10: "ThrottledError",
                    -11: "DeadlineError", -12: "CancelledError", -13: "NetworkError", -14: "UnsupportedError",
                    -15: "InternalError", -16: "BadResponseError"}
        for code, name in expected.items():
            cls = errors.error_class(code)
            self.assertEqual(cls.__name__, name)
            self.assertIs(getattr(cloudsync, name), cls)
            self.assertTrue(issubclass(cls, cloudsync.CloudsyncError))
            self.assertEqual(cls("x").code, code)
        self.assertIs(errors.error_class(-99), cloudsync.CloudsyncError)

    def test_builtin_bases(self) -> None:
        self.assertTrue(issubclass(cloudsync.NotFoundError, LookupError))
        self.assertTrue(issubclass(cloudsync.InvalidArgumentError, ValueError))
        self.assertTrue(issubclass(cloudsync.PermissionDeniedError, PermissionError))
        self.assertTrue(issubclass(cloudsync.DeadlineError, TimeoutError))
        self.assertFalse(hasattr(cloudsync, "TimeoutError"), "the builtin TimeoutError must not be shadowed")

    def test_construction_and_pickling_keep_every_attribute(self) -> None:
        for cls in errors.CLASSES.values():
            e = cls("it failed", http_status=403, provider_code="AccessDenied", request_id="R1",
                    missing_action="write", result={"report": {}})
            copy = pickle.loads(pickle.dumps(e))
            self.assertIs(type(copy), cls)
            for attr in ("code", "code_name", "message", "http_status", "provider_code", "request_id",
                         "missing_action", "result"):
                self.assertEqual(getattr(copy, attr), getattr(e, attr), (cls, attr))
            self.assertIn("it failed", str(copy))
            self.assertIn("HTTP 403", str(copy))

    def test_error_from_a_real_failure(self) -> None:
        with self.assertRaises(cloudsync.InvalidArgumentError) as caught:
            cloudsync.Storage("bogus://nowhere")
        e = caught.exception
        self.assertEqual((e.code, e.code_name), (-6, "invalid_argument"))
        self.assertIn("bogus", e.message)
        self.assertIsNone(e.http_status)
        self.assertIsNone(e.provider_code)
        self.assertIsNone(e.missing_action)
        self.assertIsNone(e.result)

    def test_error_details_are_read_on_the_failing_thread(self) -> None:
        with support.scratch() as tmp, cloudsync.Storage(pathlib.Path(tmp).as_uri()) as store:
            seen: dict[str, BaseException] = {}

            def fail_here() -> None:
                try:
                    store.head("missing-on-a-thread")
                except cloudsync.CloudsyncError as e:
                    seen["error"] = e
            worker = threading.Thread(target=fail_here)
            worker.start()
            worker.join()
            self.assertIsInstance(seen["error"], cloudsync.NotFoundError)
            self.assertIn("missing-on-a-thread", seen["error"].message)

    def test_error_from_last_ignores_a_stale_last_error(self) -> None:
        _native.lib().cloudsync_clear_error()
        e = errors.error_from_last(-8)
        self.assertIsInstance(e, cloudsync.ConflictError)
        self.assertEqual(e.message, "")


class ProgressTest(unittest.TestCase):
    def snapshot(self, phase: int = 1, done: int = 5) -> _native.Progress:
        return _native.Progress(ctypes.sizeof(_native.Progress), phase, b"a/b.txt", done, 10, 0, 1)

    def test_progress_from_the_c_struct(self) -> None:
        p = Progress.from_c(self.snapshot(phase=2))
        self.assertEqual(p, Progress("file_done", "a/b.txt", 5, 10, 0, 1))
        with self.assertRaises(Exception):
            p.phase = "x"  # type: ignore[misc]

    def test_plain_bar_writes_at_most_once_a_second(self) -> None:
        out = io.StringIO()
        bar = PlainBar(out)
        for i in range(200):
            bar(Progress.from_c(self.snapshot(done=i)))
        bar.close()
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertIn("199/10 bytes", lines[-1])

    def test_progress_true_uses_tqdm(self) -> None:
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            bar = progress_module.default_bar()
            self.assertIsInstance(bar, TqdmBar)
            bar.close()
        with support.scratch() as tmp, cloudsync.Storage(pathlib.Path(tmp).as_uri()) as store, \
                contextlib.redirect_stderr(err):
            store.put("bar.bin", b"x" * 100_000, progress=True)
        self.assertIn("cloudsync", err.getvalue())
        self.assertIn("97.7k", err.getvalue())  # tqdm's unit_scale with 1024

    def test_without_tqdm_the_plain_line(self) -> None:
        saved = {k: sys.modules.get(k) for k in ("tqdm", "tqdm.auto")}
        sys.modules["tqdm"] = None  # type: ignore[assignment]  # makes "import tqdm" fail
        sys.modules["tqdm.auto"] = None  # type: ignore[assignment]
        try:
            self.assertIsInstance(progress_module.default_bar(), PlainBar)
            err = io.StringIO()
            with support.scratch() as tmp, cloudsync.Storage(pathlib.Path(tmp).as_uri()) as store, \
                    contextlib.redirect_stderr(err):
                store.put("bar.bin", b"x" * 1000, progress=True)
            self.assertIn("cloudsync: finished 1/1 files, 1000/1000 bytes", err.getvalue())
        finally:
            for k, v in saved.items():
                if v is None:
                    sys.modules.pop(k, None)
                else:
                    sys.modules[k] = v

    def test_progress_must_be_callable(self) -> None:
        with self.assertRaises(TypeError):
            progress_module.resolve(42)  # type: ignore[arg-type]


class CancelAndCallbackTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = support.scratch()
        self.src = pathlib.Path(self.tmp.name) / "src"
        self.dst = pathlib.Path(self.tmp.name) / "dst"
        self.dst.mkdir()

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_cancel_token(self) -> None:
        make_files(self.src, 20)
        token = cloudsync.CancelToken()
        self.assertFalse(token.cancelled)
        token.cancel()
        token.cancel()
        self.assertTrue(token.cancelled)
        self.assertIn("cancelled=True", repr(token))
        with cloudsync.plan_sync(self.src.as_uri(), self.dst.as_uri()) as plan:
            with self.assertRaises(cloudsync.CancelledError):
                plan.apply(cancel=token)
        self.assertEqual(files_below(self.dst), [])

    def test_cancel_from_another_thread(self) -> None:
        token = cloudsync.CancelToken()
        started = threading.Event()

        class Slow(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def read(self, n: int = -1) -> bytes:
                started.set()
                time.sleep(0.01)
                return b"y" * min(n, 4096)
        threading.Timer(0.3, token.cancel).start()
        with cloudsync.Storage(self.dst.as_uri()) as store:
            t0 = time.monotonic()
            with self.assertRaises(cloudsync.CancelledError):
                store.put("endless.bin", Slow(), cancel=token)
            self.assertLess(time.monotonic() - t0, 5)
            self.assertTrue(started.is_set())
            with self.assertRaises(cloudsync.NotFoundError):
                store.head("endless.bin")

    def test_returning_false_from_progress_cancels(self) -> None:
        make_files(self.src, 30)
        with cloudsync.plan_sync(self.src.as_uri(), self.dst.as_uri()) as plan:
            with self.assertRaises(cloudsync.CancelledError) as caught:
                plan.apply(transfers=1, progress=lambda p: p.phase != "file_done")
        self.assertLess(len(files_below(self.dst)), 30)
        self.assertIsNotNone(caught.exception.result)  # the report of what ran

    def test_an_exception_in_progress_cancels_and_is_raised(self) -> None:
        make_files(self.src, 60)
        done: list[str] = []

        class Stop(Exception):
            pass
        stop = Stop("enough")

        def on_progress(p: Progress) -> None:
            if p.phase == "file_done":
                done.append(p.path)
                if len(done) == 5:
                    raise stop
        with cloudsync.plan_sync(self.src.as_uri(), self.dst.as_uri()) as plan:
            with self.assertRaises(Stop) as caught:
                plan.apply(transfers=1, progress=on_progress)
        self.assertIs(caught.exception, stop)
        self.assertIsInstance(caught.exception.__cause__, cloudsync.CancelledError)
        self.assertEqual(len(done), 5, "the callback was called again after it raised")
        # Nothing after the cancel point: the five reported files, and at most the one in flight.
        transferred = files_below(self.dst)
        self.assertTrue(set(done) <= set(transferred), (done, transferred))
        self.assertLessEqual(len(transferred), 6, transferred)

    def test_an_exception_in_a_write_callback_is_raised(self) -> None:
        (self.dst / "obj.bin").write_bytes(b"z" * 300_000)

        class Full(io.RawIOBase):
            def writable(self) -> bool:
                return True

            def write(self, data: object) -> int:
                raise OSError(28, "No space left on device")
        with cloudsync.Storage(self.dst.as_uri()) as store:
            with self.assertRaises(OSError) as caught:
                store.get_to("obj.bin", Full())
        self.assertEqual(caught.exception.errno, 28)
        self.assertNotIsInstance(caught.exception, cloudsync.CloudsyncError)

    def test_gc_while_thousands_of_progress_callbacks_arrive(self) -> None:
        count = 5000
        make_files(self.src, count, size=8)
        calls = {"n": 0, "file_done": 0, "finished": 0}
        threads: set[int] = set()
        stop = threading.Event()

        def collector() -> None:
            while not stop.is_set():
                gc.collect()
                time.sleep(0.005)

        def on_progress(p: Progress) -> None:
            calls["n"] += 1
            threads.add(threading.get_ident())
            if p.phase in calls:
                calls[p.phase] += 1
            if calls["n"] % 250 == 0:
                gc.collect()
        background = threading.Thread(target=collector)
        background.start()
        try:
            with cloudsync.plan_sync(self.src.as_uri(), "mem://gc-test") as plan:
                report = plan.apply(transfers=8, progress=on_progress)
        finally:
            stop.set()
            background.join()
        self.assertEqual(report.summary["done"], count)
        self.assertEqual(calls["file_done"], count)
        self.assertEqual(calls["finished"], 1)
        self.assertGreaterEqual(calls["n"], count)
        self.assertNotIn(threading.main_thread().ident, threads, "progress came from the library's workers")

    def test_ctrl_c_cancels_promptly_and_leaves_no_partial_file(self) -> None:
        script = textwrap.dedent("""
            import io, sys, time
            sys.path.insert(0, sys.argv[2])
            import cloudsync
            class Slow(io.RawIOBase):
                reading = False
                def readable(self): return True
                def read(self, n=-1):
                    if not Slow.reading:
                        print("reading", flush=True); Slow.reading = True
                    time.sleep(0.002)
                    return b"x" * min(n, 65536)
            def told(p):
                if not told.done:
                    print("transferring", flush=True); told.done = True
            told.done = False
            store = cloudsync.Storage(sys.argv[1])
            try:
                store.put("big.bin", Slow(), progress=told)
            except KeyboardInterrupt:
                print("KeyboardInterrupt at", time.monotonic(), flush=True)
                raise
            print("finished", flush=True)
        """)
        child = subprocess.Popen([sys.executable, "-c", script, self.dst.as_uri(), str(support.PYTHON_DIR)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # put spools what read() gives before it sends: the first read is the start.
            self.assertEqual(child.stdout.readline().strip(), "reading", child.stderr)
            time.sleep(0.3)
            sent = time.monotonic()
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=30)
            out = "reading\n" + out
        finally:
            child.kill()
        elapsed = time.monotonic() - sent
        print(f"\nCtrl-C: the child ended {elapsed:.3f} s after SIGINT", file=sys.stderr)
        self.assertIn("KeyboardInterrupt at", out, err)
        self.assertIn("KeyboardInterrupt", err)
        self.assertNotEqual(child.returncode, 0)
        self.assertNotIn("finished", out)
        interrupted_at = float(out.split("KeyboardInterrupt at")[1].split()[0])
        self.assertLess(interrupted_at - sent, 0.5, "KeyboardInterrupt raised too late")
        self.assertLess(elapsed, 2.0)
        self.assertEqual(os.listdir(self.dst), [], "a partial or temporary file was left")


def import_that_logs_a_warning() -> None:
    """An import refused because a symlink stands where a folder must go: the library logs a warning."""
    with support.scratch() as tmp:
        root = pathlib.Path(tmp)
        make_files(root / "bucket", 1, prefix="data")
        (root / "elsewhere").mkdir()
        with cloudsync.Workspace(root / "project") as ws:
            folder = root / "project" / ws.add_integration("Logged", (root / "bucket").as_uri())["folder"]
            folder.mkdir(parents=True)
            (folder / "data000").symlink_to(root / "elsewhere")
            try:
                ws.import_files("Logged", ["data000/"])
            except cloudsync.PermissionDeniedError:
                return
            raise AssertionError("the import through a symlink was not refused")


class LoggingTest(unittest.TestCase):
    def tearDown(self) -> None:
        cloudsync.set_log_handler(None)

    def test_log_handler_and_default_logging(self) -> None:
        lines: list[tuple[int, str]] = []
        cloudsync.set_log_handler(lambda level, message: lines.append((level, message)), level=cloudsync.LOG_TRACE)
        import_that_logs_a_warning()
        self.assertTrue(any(level == cloudsync.LOG_WARN and "data000" in text for level, text in lines), lines)
        cloudsync.set_log_handler(level=cloudsync.LOG_TRACE)
        with self.assertLogs("cloudsync", level="WARNING") as logged:
            import_that_logs_a_warning()
        self.assertTrue(any("data000" in line for line in logged.output), logged.output)
        cloudsync.set_log_handler(None)
        with self.assertNoLogs("cloudsync"):
            import_that_logs_a_warning()

    def test_a_failing_log_handler_is_reported_not_lost(self) -> None:
        def broken(level: int, message: str) -> None:
            raise RuntimeError("handler bug")
        cloudsync.set_log_handler(broken, level=cloudsync.LOG_TRACE)
        with self.assertLogs("cloudsync", level="ERROR") as logged:
            import_that_logs_a_warning()
        self.assertIn("handler bug", "\n".join(logged.output))

    def test_user_agent_product(self) -> None:
        cloudsync.set_user_agent_product("notebook-server/2.3")
        cloudsync.set_user_agent_product(None)
        with self.assertRaises(cloudsync.InvalidArgumentError):
            cloudsync.set_user_agent_product("caf\u00e9/1")


class PlanTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = support.scratch()
        root = pathlib.Path(self.tmp.name)
        self.src, self.dst = root / "src", root / "dst"
        make_files(self.src, 3, prefix="a")
        make_files(self.src, 2, prefix="b")
        self.dst.mkdir()
        (self.dst / "extra.txt").write_text("extraneous")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_plan_dry_run_then_apply(self) -> None:
        with cloudsync.plan_sync(self.src.as_uri(), self.dst.as_uri(), delete_extraneous=True) as plan:
            self.assertEqual(plan.summary["add"], 5)
            self.assertEqual(plan.summary["delete"], 1)
            kinds = sorted(a.kind for a in plan.actions)
            self.assertEqual(kinds, ["add"] * 5 + ["delete"])
            self.assertEqual(plan.to_dict()["delete_extraneous"], True)
            self.assertIn("summary=", repr(plan))
            dry = plan.apply(dry_run=True)
            self.assertTrue(dry.dry_run)
            self.assertEqual(dry.summary["dry_run"], 6)
            self.assertEqual(files_below(self.dst), ["extra.txt"])
            report = plan.apply(transfers=2, max_delete=10)
        self.assertIsInstance(report, cloudsync.Report)
        self.assertTrue(report.ok)
        self.assertEqual(report.failed, [])
        self.assertEqual(report.summary["done"], 6)
        self.assertEqual(len(report.outcomes), 6)
        self.assertGreater(report.bytes_transferred, 0)
        self.assertGreaterEqual(report.seconds, 0)
        self.assertIs(report.to_dict(), report.data)
        self.assertEqual(files_below(self.dst), files_below(self.src))

    def test_folders_checksum_and_options(self) -> None:
        with cloudsync.plan_sync(self.src.as_uri(), self.dst.as_uri(), folders=["b000"], checksum=True,
                                 source_options={}, destination_options={}) as plan:
            self.assertEqual(sorted(a.path for a in plan.actions if a.kind == "add"),
                             ["b000/b00000.txt", "b000/b00001.txt"])
            action = plan.actions[0]
            self.assertIsInstance(action, cloudsync.Action)
            self.assertEqual(action.source["size"], 16)

    def test_max_delete_guard_and_closed_plan(self) -> None:
        plan = cloudsync.plan_sync(self.src.as_uri(), self.dst.as_uri(), delete_extraneous=True)
        with self.assertRaises(cloudsync.LimitExceededError):
            plan.apply(max_delete=0)
        self.assertEqual(files_below(self.dst), ["extra.txt"])
        plan.close()
        plan.close()
        self.assertEqual(repr(plan), "Plan(closed)")
        with self.assertRaises(ValueError):
            plan.apply()
        with self.assertRaises(TypeError):
            cloudsync.Plan(ctypes.c_void_p(), applicable=False).apply()

    def test_sync_urls_in_one_pass(self) -> None:
        src, dst = self.src.as_uri(), self.dst.as_uri()
        dry = cloudsync.sync_urls(src, dst, delete_extraneous=True, dry_run=True)
        self.assertTrue(dry.dry_run)
        self.assertEqual(dry.summary["dry_run"], 6)
        self.assertEqual(dry.outcomes, [])  # only failures and conflicts are listed
        self.assertEqual(dry.to_dict()["bytes_planned"], 5 * 16)
        self.assertEqual(dry.to_dict()["outcomes_omitted"], 0)
        self.assertEqual(files_below(self.dst), ["extra.txt"])
        # The deletion limit is checked once the deletions are known: the copies ran, the deletion did not.
        with self.assertRaises(cloudsync.LimitExceededError):
            cloudsync.sync_urls(src, dst, delete_extraneous=True, max_delete=0)
        self.assertEqual(len(files_below(self.dst)), 6)
        self.assertIn("extra.txt", files_below(self.dst))
        report = cloudsync.sync_urls(src, dst, delete_extraneous=True, transfers=2, small_file_transfers=3,
                                     download_streams=1, folders=[], source_options={}, destination_options={})
        self.assertTrue(report.ok)
        self.assertEqual(report.summary["done"], 1)
        self.assertEqual(report.summary["unchanged"], 5)
        self.assertEqual(files_below(self.dst), files_below(self.src))

    def test_operation_result(self) -> None:
        data = {"integration": "S", "operation": "import",
                "plan": {"actions": [{"kind": "add", "path": "a", "size": 1}]},
                "report": {"summary": {"done": 0, "failed": 1},
                           "outcomes": [{"action": "add", "path": "a", "outcome": "failed", "error": "x"}]}}
        result = cloudsync.OperationResult.from_dict(data)
        self.assertEqual((result.integration, result.operation), ("S", "import"))
        self.assertEqual(result.summary, {"done": 0, "failed": 1})
        self.assertFalse(result.ok)
        self.assertEqual([o["path"] for o in result.failed], ["a"])
        self.assertEqual(result.outcomes, data["report"]["outcomes"])
        self.assertEqual(result.actions, [cloudsync.Action("add", "a", "", 1)])
        self.assertEqual(result.to_dict(), data)


class WorkspaceInACatalogTest(unittest.TestCase):
    """A Workspace that is a project of a shared catalog (on S3 with moto in test_s3)."""

    def test_two_projects_share_a_catalog(self) -> None:
        with support.scratch() as tmp:
            root = pathlib.Path(tmp)
            make_files(root / "bucket", 2, prefix="d")
            with cloudsync.Workspace(root / "p1", catalog_dir=root / "catalog", project="p1", max_files=10,
                                     max_file_size=1000, transfers=2) as ws:
                self.assertEqual(repr(ws), f"Workspace({str(root / 'p1')!r}, project='p1')")
                ws.add_integration("Shared", (root / "bucket").as_uri(), type="team", selected_folders=["d000"])
                result = ws.import_files("Shared", ["d000/"])
                self.assertEqual(result.summary["done"], 2)
                self.assertTrue((root / "p1" / "external-files" / "team" / "shared" / "d000" / "d00001.txt").exists())
            with cloudsync.Workspace(root / "p2", catalog_dir=root / "catalog", project="p2") as other:
                self.assertEqual([i["name"] for i in other.integrations()], ["Shared"])
                self.assertEqual(other.tracked_files("Shared"), [])
            with self.assertRaises(cloudsync.InvalidArgumentError):
                cloudsync.Workspace(root / "p3", catalog_dir=root / "catalog", state_dir=root / "state")


class StorageTest(unittest.TestCase):
    """Every Storage method on the memory and local stores (on S3 in test_s3)."""

    def test_memory_store(self) -> None:
        with support.scratch() as tmp:
            support.check_store(self, "mem://storage-test", pathlib.Path(tmp))

    def test_local_store(self) -> None:
        with support.scratch() as tmp:
            (pathlib.Path(tmp) / "store").mkdir()
            support.check_store(self, (pathlib.Path(tmp) / "store").as_uri(), pathlib.Path(tmp))
            self.assertEqual([e.key for e in cloudsync.list_url((pathlib.Path(tmp) / "store").as_uri(), prefix="up/")],
                             ["up/load.txt"])

    def test_list_iterator_closes(self) -> None:
        with support.scratch() as tmp:
            folder = pathlib.Path(tmp)
            make_files(folder, 50)
            store = cloudsync.Storage(folder.as_uri())
            listing = store.list(page_size=10)
            first = next(listing)
            self.assertEqual(first.key, "f000/f00000.txt")
            store.close()  # deferred while the listing is open
            self.assertEqual(len([first] + list(listing)), 50)
            self.assertEqual(list(listing), [])
            with self.assertRaises(ValueError):
                store.list()
            with cloudsync.Storage(folder.as_uri()) as store2:
                with store2.list() as listing2:
                    next(listing2)
                self.assertEqual(list(listing2), [])
                listing3 = store2.list()
                next(listing3)
                del listing3
                gc.collect()
                self.assertEqual(store2._iterators, 0)
                token = cloudsync.CancelToken()
                listing4 = store2.list(page_size=5, cancel=token)
                token.cancel()
                with self.assertRaises(cloudsync.CancelledError):
                    list(listing4)


if __name__ == "__main__":
    unittest.main()
