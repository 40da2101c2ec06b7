"""One notebook server's project: its workspace, its kernel session and what the page shows.

Hex's flow: every kernel start (restarts included) restores the project's
external files before the kernel runs code; the first kernel of the project
starts the watching session; the last kernel's shutdown and the server's stop
flush (bounded) and stop it. Every blocking cloudsync call runs on an executor
so the server's event loop keeps answering, and every failure is logged and
kept for the page instead of reaching the server.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import datetime
import logging
import threading
from typing import Any, Callable

import cloudsync

#: Watch events kept for the page (the newest last).
EVENTS_KEPT = 100
#: Failures kept for the page.
ERRORS_KEPT = 20


def utc_now() -> str:
    """The current UTC time as RFC 3339 with milliseconds, as the library writes times."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_dict(error: BaseException) -> dict[str, Any]:
    """What a client needs to know about a failure; a CloudsyncError's fields are free of secrets."""
    if isinstance(error, cloudsync.CloudsyncError):
        return error.to_dict()
    return {"type": type(error).__name__, "message": str(error)}


def result_dict(result: Any) -> dict[str, Any]:
    """An OperationResult as the JSON the C ABI documents."""
    return {"integration": result.integration, "operation": result.operation, "plan": result.plan,
            "report": result.report, "ok": result.ok}


class ProjectSync:
    """The project a notebook server serves (its root folder) and its kernel session.

    Methods named ``async`` are awaited on the server's event loop; the others
    are safe from any thread.
    """

    def __init__(self, root: str, *, project: str, catalog_dir: str | None, state_dir: str | None,
                 credentials: dict[str, dict[str, str]], session_options: dict[str, Any],
                 flush_timeout_s: float, log: logging.Logger) -> None:
        self.root = root
        self.project = project
        self.catalog_dir = catalog_dir
        self.state_dir = state_dir
        self.flush_timeout_s = flush_timeout_s
        self.log = log
        self._credentials = credentials
        self._session_options = dict(session_options)
        # Operations that change the project (restore, import, session start, flush, stop) run one at
        # a time on their own thread; queries (status, checks) on others so the page never waits
        # behind a transfer.
        self._operations = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="cloudsync-op")
        self._queries = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="cloudsync-query")
        self._lifecycle = asyncio.Lock()
        self._kernels: set[str] = set()
        self._events: collections.deque[dict[str, Any]] = collections.deque(maxlen=EVENTS_KEPT)
        self._errors: collections.deque[dict[str, Any]] = collections.deque(maxlen=ERRORS_KEPT)
        self._events_lock = threading.Lock()
        self._opening = threading.Lock()  # the executors' threads open the workspace and catalog lazily
        self._last_restore: dict[str, Any] | None = None
        self._workspace: cloudsync.Workspace | None = None
        self._catalog: cloudsync.Catalog | None = None
        self._session: cloudsync.Session | None = None
        self._closed = False

    # ----- the library's objects, opened on first use -----

    def _open_workspace(self) -> cloudsync.Workspace:
        with self._opening:
            return self._workspace_locked()

    def _workspace_locked(self) -> cloudsync.Workspace:
        if self._workspace is None:
            options: dict[str, Any] = {"project": self.project, "credentials": self._credentials or None}
            if self.catalog_dir:
                options["catalog_dir"] = self.catalog_dir
            elif self.state_dir:
                options["state_dir"] = self.state_dir
            self._workspace = cloudsync.Workspace(self.root, **options)
        return self._workspace

    def _open_catalog(self) -> cloudsync.Catalog:
        with self._opening:
            return self._catalog_locked()

    def _catalog_locked(self) -> cloudsync.Catalog:
        if self._catalog is None:
            self._workspace_locked()  # creates the project's own catalog when there is no shared one
            state = self.catalog_dir or self.state_dir or f"{self.root}/.cloudsync"
            self._catalog = cloudsync.Catalog(state, credentials=self._credentials or None)
        return self._catalog

    async def _run(self, pool: concurrent.futures.Executor, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    def _record_error(self, where: str, error: BaseException) -> None:
        self.log.error("cloudsync: %s failed: %s", where, error_dict(error).get("message"))
        self._errors.append({"at": utc_now(), "where": where, "error": error_dict(error)})

    def _on_event(self, event: dict[str, Any]) -> None:
        # Called on the session's threads: only record (the C ABI forbids calling back into it here).
        with self._events_lock:
            self._events.append(event)

    # ----- kernels -----

    async def kernel_starting(self, kernel_id: str) -> None:
        """Before a kernel (new or restarted) runs code: restore, and start the session if none runs.

        Never raises: a failure is logged and shown on the page, and the kernel starts anyway.
        """
        async with self._lifecycle:
            if self._closed:
                return
            self._kernels.add(kernel_id)
            try:
                if self._session is None:
                    self._session = await self._run(self._operations, self._start_session)
                    results = self._session.restored
                else:
                    results = await self._run(self._operations, lambda: self._open_workspace().restore())
                self._last_restore = {"at": utc_now(), "kernel_id": kernel_id,
                                      "results": [result_dict(r) for r in results]}
                for result in results:
                    for failure in result.failed:
                        self._record_error(f"restoring {failure.get('path')} of {result.integration}",
                                           RuntimeError(failure.get("message") or failure.get("error") or "failed"))
            except Exception as error:  # noqa: BLE001 -- a kernel must start even when storage fails
                self._record_error(f"restore before kernel {kernel_id} starts", error)

    def _start_session(self) -> cloudsync.Session:
        return self._open_workspace().start_session(self._on_event, restore=True, **self._session_options)

    async def kernel_stopped(self, kernel_id: str) -> None:
        """After a kernel's shutdown (not a restart): the project's last kernel flushes and stops."""
        async with self._lifecycle:
            self._kernels.discard(kernel_id)
            if not self._kernels:
                await self._flush_and_stop(f"the last kernel ({kernel_id}) stopped")

    async def _flush_and_stop(self, why: str) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            flushed = await self._run(self._operations, session.flush, self.flush_timeout_s)
            if not flushed.complete:
                self.log.warning("cloudsync: %s; %d file(s) not exported within %.0f s stay queued",
                                 why, len(flushed.pending), self.flush_timeout_s)
        except Exception as error:  # noqa: BLE001
            self._record_error("flush", error)
        finally:
            await self._run(self._operations, session.stop)
            for failure in getattr(session, "callback_errors", []):
                self._record_error("watch event handler", failure)

    async def close(self) -> None:
        """The server stops: flush (bounded) and stop the session, close everything."""
        async with self._lifecycle:
            self._closed = True
            await self._flush_and_stop("the server stops")
            for handle in (self._catalog, self._workspace):
                if handle is not None:
                    await self._run(self._operations, handle.close)
            self._catalog = self._workspace = None
        # Everything awaited above has finished; a query still running must not hold up the server's stop.
        self._operations.shutdown(wait=False, cancel_futures=True)
        self._queries.shutdown(wait=False, cancel_futures=True)

    # ----- what the JSON API does -----

    async def import_files(self, integration: str, selectors: list[str], dry_run: bool) -> dict[str, Any]:
        """Hex's "import selected files": raises the library's error (the handler maps it)."""
        result = await self._run(self._operations,
                                 lambda: self._open_workspace().import_files(integration, selectors, dry_run=dry_run))
        return result_dict(result)

    async def check(self, integration: str | None = None) -> list[dict[str, Any]]:
        """Status checks of one or every integration of the project; their outcomes become the statuses."""
        names = [integration] if integration else [i["name"] for i in await self._integrations()]

        def check_one(name: str) -> dict[str, Any]:
            found = self._open_catalog().integration(name).check()
            return {"integration": name, **{field: getattr(found, field) for field in CHECK_FIELDS}}

        return list(await asyncio.gather(*(self._run(self._queries, check_one, n) for n in names)))

    async def flush(self, timeout_s: float | None) -> dict[str, Any]:
        """Exports what is written so far; 'session': False when no kernel runs (nothing to flush)."""
        session = self._session
        if session is None:
            return {"session": False, "complete": True, "pending": []}
        flushed = await self._run(self._operations, session.flush,
                                  self.flush_timeout_s if timeout_s is None else timeout_s)
        return {"session": True, "complete": flushed.complete, "pending": flushed.pending}

    async def _integrations(self) -> list[dict[str, Any]]:
        return await self._run(self._queries, lambda: self._open_workspace().integrations())

    async def status(self) -> dict[str, Any]:
        """The page's data: the project, its integrations, the session, the last exports and the queue."""
        answer: dict[str, Any] = {"project": self.project, "root": self.root, "kernels": len(self._kernels),
                                  "integrations": [], "session": None, "queue": [], "at": utc_now()}
        try:
            answer["integrations"] = [{key: entry.get(key) for key in INTEGRATION_FIELDS}
                                      for entry in await self._integrations()]
        except Exception as error:  # noqa: BLE001 -- the page shows it
            self._record_error("listing the integrations", error)
        session = self._session
        if session is not None:
            try:
                answer["session"] = await self._run(self._queries, session.status)
                answer["queue"] = await self._run(self._queries, session.queue)
            except Exception as error:  # noqa: BLE001
                self._record_error("reading the session's status", error)
        with self._events_lock:
            events = list(self._events)
        answer["events"] = events
        answer["last_exports"] = [e for e in reversed(events) if e.get("event") == "exported"][:EXPORTS_SHOWN]
        answer["last_restore"] = self._last_restore
        answer["errors"] = list(self._errors)
        return answer


#: An integration's members the page shows (never options or secrets).
INTEGRATION_FIELDS = ("id", "name", "platform", "type", "url", "folder", "writeback", "status", "status_reason",
                      "missing_action", "status_message", "last_checked")
#: A CheckResult's attributes.
CHECK_FIELDS = ("status", "reason", "missing_action", "provider_code", "http_status", "message", "checked_at",
                "duration_ms", "passed")
#: Exports listed on the page, the newest first.
EXPORTS_SHOWN = 20

