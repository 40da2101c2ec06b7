"""Workspaces (one project and its integrations) and kernel sessions (writeback while a project is open)."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import _native
from ._call import Operation, call, call_json, encode, make_callback, open_handle
from ._handle import NativeHandle
from ._snapshot import given
from .plan import OperationResult, results_of
from .progress import CancelToken, ProgressArg

logger = logging.getLogger("cloudsync")
PathLike = str | os.PathLike[str]
EventHandler = Callable[[dict[str, Any]], None]


class Workspace(NativeHandle):
    """One project folder and the storage integrations it may use (a context manager).

    ``catalog_dir`` makes it a project (``project``) of the shared catalog in
    that folder; without it the project keeps a catalog of its own in
    ``state_dir`` (default ``<root>/.cloudsync``). ``credentials`` maps
    integration names to secrets, kept in memory only.
    """

    def __init__(self, root: PathLike, *, catalog_dir: PathLike | None = None, project: str | None = None,
                 state_dir: PathLike | None = None, max_files: int | None = None, max_file_size: int | None = None,
                 transfers: int | None = None, credentials: dict[str, dict[str, str]] | None = None) -> None:
        self.root = os.fspath(root)
        self.project = project
        options = given(catalog_dir=os.fspath(catalog_dir) if catalog_dir is not None else None,
                           project=project, state_dir=os.fspath(state_dir) if state_dir is not None else None,
                           max_files=max_files, max_file_size=max_file_size, transfers=transfers,
                           credentials=credentials)
        self._sessions: weakref.WeakSet[Session] = weakref.WeakSet()
        self._handle: ctypes.c_void_p | None = open_handle(_native.lib().cloudsync_workspace_open,
                                                           encode(self.root), encode(options))

    _what = "the workspace"

    def set_credentials(self, integration: str, secrets: dict[str, str]) -> None:
        """Sets (replaces) the in-memory secrets of one integration, e.g. {"secret_access_key": ...}."""
        call(_native.lib().cloudsync_workspace_set_credentials, self.handle, encode(integration), encode(secrets))

    def add_integration(self, name: str, url: str, *, writeback: bool = False, type: str | None = None,
                        selected_folders: list[str] | None = None,
                        options: dict[str, str] | None = None) -> dict[str, Any]:
        """Registers an integration; its files live in external-files/{type}/{sanitized name}/."""
        spec = given(name=name, url=url, writeback=writeback, type=type, selected_folders=selected_folders,
                        options=options)
        return call_json(_native.lib().cloudsync_integration_add, self.handle, encode(spec))

    def remove_integration(self, name: str, delete_files: bool = False) -> None:
        """Forgets an integration (delete_files: also deletes its folder)."""
        call(_native.lib().cloudsync_integration_remove, self.handle, encode(name), int(delete_files))

    def integrations(self) -> list[dict[str, Any]]:
        """The integrations this project may use."""
        return list(call_json(_native.lib().cloudsync_integration_list, self.handle).get("integrations", []))

    def tracked_files(self, integration: str) -> list[dict[str, Any]]:
        """Files tracked for an integration: path, origin ("import"/"export"), size, remote_etag, sha256."""
        return list(call_json(_native.lib().cloudsync_tracked_files, self.handle,
                              encode(integration)).get("files", []))

    def _operation(self, name: str, integration: str | None, request: dict[str, Any], progress: ProgressArg,
                   cancel: CancelToken | None) -> Any:
        op = Operation(progress, cancel)
        return op.call_json(getattr(_native.lib(), "cloudsync_" + name), self.handle, encode(integration),
                            encode(request), op.progress_fn, None, op.cancel_handle)

    def import_files(self, integration: str, selectors: Iterable[str] | str, dry_run: bool = False,
                     progress: ProgressArg = None, cancel: CancelToken | None = None) -> OperationResult:
        """Imports selected files (keys, folders, globs); limits are checked before any transfer."""
        selectors = [selectors] if isinstance(selectors, str) else list(selectors)
        return OperationResult.from_dict(self._operation("import", integration,
                                                         {"selectors": selectors, "dry_run": dry_run},
                                                         progress, cancel))

    def export_files(self, integration: str, paths: Iterable[str] | None = None, dry_run: bool = False,
                     progress: ProgressArg = None, cancel: CancelToken | None = None) -> OperationResult:
        """Exports new and changed files of the integration's folder (never over a remote change)."""
        request = given(paths=list(paths) if paths is not None else None, dry_run=dry_run)
        return OperationResult.from_dict(self._operation("export", integration, request, progress, cancel))

    def restore(self, integration: str | None = None, dry_run: bool = False, progress: ProgressArg = None,
                cancel: CancelToken | None = None) -> list[OperationResult]:
        """Brings back the tracked files (of one integration, or all), downloading only what changed."""
        data = self._operation("restore", integration, {"dry_run": dry_run}, progress, cancel)
        return results_of(data.get("results"))

    def sync(self, integration: str, direction: str = "pull", folders: list[str] | None = None,
             delete_extraneous: bool = False, dry_run: bool = False, max_delete: int | None = None,
             progress: ProgressArg = None, cancel: CancelToken | None = None) -> OperationResult:
        """Synchronises selected remote folders with the project ("pull" or "push")."""
        request = given(direction=direction, folders=folders, delete_extraneous=delete_extraneous,
                           dry_run=dry_run, max_delete=max_delete)
        return OperationResult.from_dict(self._operation("sync", integration, request, progress, cancel))

    def start_session(self, on_event: EventHandler | None = None, *, restore: bool = True,
                      cancel: CancelToken | None = None, **session_options: Any) -> Session:
        """Starts the project's kernel session: restores, then watches and exports (see Session).

        session_options are cloudsync_session_start's: quiet_window_ms,
        open_file_quiet_ms, ignore, extra_ignore, conflict_policy, host_name,
        force_polling, poll_interval_ms, retry_initial_ms, retry_max_ms, batch_size.
        """
        session = Session(self, on_event, dict(session_options, restore=restore), cancel)
        self._sessions.add(session)
        return session

    def close(self) -> None:
        """Stops this workspace's sessions and closes it."""
        for session in list(self._sessions):
            session.stop()
        super().close()

    def _release(self, handle: ctypes.c_void_p) -> None:
        _native.lib().cloudsync_workspace_close(handle)

    def __repr__(self) -> str:
        return f"Workspace({self.root!r}{f', project={self.project!r}' if self.project else ''})"


@dataclass(frozen=True)
class FlushResult:
    """What a flush left: ``complete`` (nothing left that could still go out) and the ``pending`` entries."""

    complete: bool
    pending: list[dict[str, Any]] = field(default_factory=list)


class Session(NativeHandle):
    """A project's writeback session ("kernel session"; alias Watcher). Made by Workspace.start_session.

    Events (dicts: "event" is "exported", "conflict", "refused", "failed" or
    "status") reach on_event on the session's threads; an exception raised
    there is logged to logging.getLogger("cloudsync") and kept in
    ``callback_errors``. Leaving a ``with`` block flushes (30 s) and stops.
    """

    def __init__(self, workspace: Workspace, on_event: EventHandler | None, options: dict[str, Any],
                 cancel: CancelToken | None = None) -> None:
        self.workspace = workspace  # the workspace must outlive the session
        self.callback_errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        self._on_event = on_event
        self._event_fn = make_callback(_native.WATCH_EVENT_FN, self._deliver, self._callback_failed)
        self._handle: ctypes.c_void_p | None = None
        op = Operation(None, cancel)
        self._handle = op.open_handle(_native.lib().cloudsync_session_start, workspace.handle, encode(options),
                                      self._event_fn, None, op.cancel_handle)

    def _deliver(self, event_json: bytes | None, _user: Any) -> None:
        if self._on_event is not None and event_json:
            self._on_event(json.loads(event_json))

    def _callback_failed(self, error: BaseException) -> None:
        logger.error("cloudsync session event handler raised %r", error, exc_info=error)
        with self._errors_lock:
            self.callback_errors.append(error)

    _what = "the session"
    _ended = "stopped"

    @property
    def restored(self) -> list[OperationResult]:
        """What the start restored, one result per integration."""
        return results_of(call_json(_native.lib().cloudsync_session_restored, self.handle))

    def flush(self, timeout: float = 30.0) -> FlushResult:
        """Exports everything written so far, waiting up to `timeout` seconds; returns what is left."""
        op = Operation()
        data = op.call_json(_native.lib().cloudsync_session_flush, self.handle, max(0, int(timeout * 1000)))
        return FlushResult(bool(data.get("complete")), list(data.get("pending", [])))

    def status(self) -> dict[str, Any]:
        """The watcher's state: mode, mode_reason, watched_folders, files_settling, pending, integrations."""
        return call_json(_native.lib().cloudsync_session_status, self.handle)

    def queue(self) -> list[dict[str, Any]]:
        """The export queue, in the order files go out."""
        return list(call_json(_native.lib().cloudsync_session_queue, self.handle))

    def stop(self) -> None:
        """Stops watching and exporting (an export in flight stays queued for the next session)."""
        self.close()

    def _release(self, handle: ctypes.c_void_p) -> None:
        lib = _native.lib()
        lib.cloudsync_session_stop(handle)
        lib.cloudsync_session_free(handle)

    @property
    def running(self) -> bool:
        """Whether the session still runs."""
        return self._handle is not None

    def __exit__(self, *exc: object) -> None:
        try:
            if self._handle is not None:
                self.flush(30.0)
        finally:
            self.stop()

    def __repr__(self) -> str:
        return f"Session({self.workspace.root!r}, {'running' if self._handle is not None else 'stopped'})"


Watcher = Session
