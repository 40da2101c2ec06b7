"""`cloudsync watch --json` as a child process, and the project it watches.

Shared by tests/watch/test_writers.py and bench/watch_bench.py. A WatchProcess
collects the JSON events the watcher prints (one object a line, the schema of
watch_event_to_json in include/cloudsync/watch.hpp) on a thread of its own,
stamped with the monotonic time they were read, and lets a caller wait for
the ones it expects. Once stopped, the watcher prints what its final flush
left ({"complete", "pending"}): flush_result.
"""

import hashlib
import json
import os
import signal
import subprocess
import threading
import time


def sha256_of_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def add_integration(cli, project, name, url, options=(), env=None, writeback=True):
    """`cloudsync integration add NAME --project P --url URL [--writeback] -o k=v...`;
    the integration's folder (absolute), from its --json answer."""
    args = [cli, "integration", "add", name, "--project", project, "--url", url, "--json"]
    if writeback:
        args.append("--writeback")
    for option in options:
        args += ["-o", option]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    if r.returncode != 0:
        raise AssertionError(f"integration add failed ({r.returncode}): {r.stdout}{r.stderr}")
    folder = json.loads(r.stdout)["folder"]
    return os.path.join(project, folder)


class WatchProcess:
    """`cloudsync watch --project P --json ARGS...`; stderr goes to `log_path`."""

    def __init__(self, cli, project, args=(), env=None, log_path=None):
        self.log_path = log_path or os.path.join(project, "..", "watch.log")
        self._log = open(self.log_path, "ab")
        self.argv = [cli, "watch", "--project", project, "--json", *args]
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                     env=env)
        self.events = []  # the parsed events, each with "_read_at" (time.monotonic())
        self.garbage = []  # stdout lines that were neither events nor the flush result
        self.flush_result = None  # {"complete", "pending"}, printed once stopped
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self):
        return self.proc.pid

    def _read(self):
        for raw in self.proc.stdout:
            now = time.monotonic()
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                event = json.loads(line)
                if not isinstance(event, dict):
                    raise ValueError("not an object")
            except ValueError:
                with self._cond:
                    self.garbage.append(line)
                continue
            with self._cond:
                if "event" in event:
                    event["_read_at"] = now
                    self.events.append(event)
                elif "complete" in event and self.flush_result is None:
                    self.flush_result = event  # the last line: {"complete", "pending"} after the final flush
                else:
                    self.garbage.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def matching(self, kind=None, path=None, **fields):
        """The events so far of that kind (and path, and other field values)."""
        with self._cond:
            return [e for e in self.events if (kind is None or e.get("event") == kind) and
                    (path is None or e.get("path") == path) and all(e.get(k) == v for k, v in fields.items())]

    def wait_for(self, predicate, timeout, what="the expected events"):
        """Waits until predicate(events) is true; raises AssertionError with the log on timeout
        or when the watcher exits first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(self.events):
                    return
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    break
                self._cond.wait(min(left, 0.5))
        state = "exited with " + str(self.proc.returncode) if self.proc.poll() is not None else "still running"
        raise AssertionError(f"watcher ({state}) did not report {what} within {timeout} s\n{self.describe()}")

    def wait_exported(self, paths, timeout):
        """Waits until every path of `paths` has at least one "exported" event."""
        wanted = set(paths)
        self.wait_for(lambda events: wanted <= {e.get("path") for e in events if e.get("event") == "exported"},
                      timeout, f"exports of {len(wanted)} files")

    def describe(self, last=30):
        with self._cond:
            events = [json.dumps({k: v for k, v in e.items() if k != "_read_at"}) for e in self.events[-last:]]
            garbage = list(self.garbage[-5:])
        with open(self.log_path, "rb") as f:
            log = f.read()[-3000:].decode("utf-8", "replace")
        return ("--- last events ---\n" + "\n".join(events) + ("\n--- non-JSON stdout ---\n" + "\n".join(garbage)
                                                               if garbage else "") + "\n--- stderr ---\n" + log)

    def stop(self, timeout=60):
        """SIGTERM (the watcher flushes, then exits); its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"watcher did not exit within {timeout} s of SIGTERM\n{self.describe()}")
        finally:
            self._close()
        return self.proc.returncode

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close()

    def _close(self):
        self._reader.join(10)
        self.proc.stdout.close()
        self._log.close()

    def cpu_ticks(self):
        """utime + stime of the watcher, in clock ticks (/proc/PID/stat)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
