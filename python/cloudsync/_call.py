"""The one place C calls are made.

How the other modules call the library (``lib = _native.lib()``)::

    from ._call import Operation, call, call_json, call_count, open_handle, encode, make_callback

    handle = open_handle(lib.cloudsync_catalog_open, encode(path), encode(options))  # out handle appended
    call(lib.cloudsync_catalog_project_remove, handle, encode(name))             # rc checked
    data = call_json(lib.cloudsync_catalog_integration_get, handle, encode(name)) # char** appended, freed, parsed
    n = call_count(lib.cloudsync_catalog_integration_count, handle, encode(filter)) # uint64_t* appended

    op = Operation(progress=progress, cancel=cancel)   # one blocking operation
    result = op.call_json(lib.cloudsync_import, handle, encode(name), encode(request),
                          op.progress_fn, None, op.cancel_handle)

- A NULL callback is ``CFUNCTYPE_TYPE()`` (e.g. ``_native.PROGRESS_FN()``): ctypes
  refuses None where argtypes name a function pointer type.
- ``encode``: dict/list -> JSON bytes, str/PathLike -> UTF-8, None -> NULL.
- A negative return code raises the mapped ``errors.CloudsyncError`` subclass,
  built on the thread that made the call; when the call also filled in its
  out JSON (an operation result, a failed export run), it is parsed and set
  as the exception's ``.result``.
- ``Operation`` (for calls that may block: transfers, checks, export runs):
  on the main thread the C call runs on a helper thread while the main
  thread waits in 50 ms slices, so that Ctrl-C triggers the cancel token and
  KeyboardInterrupt is raised once the C call has returned. Its callbacks
  (``op.progress_fn``, or ``op.callback(CFUNCTYPE, fn, failure_return)`` for
  write/read/record callbacks) are referenced by the Operation until the call
  returns; an exception raised in one is kept, the call is cancelled, and
  that very exception is raised by ``op.call*`` (chained to the
  CancelledError of the C call).
- Long-lived callbacks (sessions, schedulers, record sources, log handlers):
  ``make_callback(CFUNCTYPE, fn, on_error, failure_return)``; store the
  returned object on the Python object that owns the C handle, for as long as
  C can call it.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import Any, Callable, TypeVar

from . import _native
from .errors import CancelledError, CloudsyncError, error_from_last
from .progress import CancelToken, Progress, ProgressArg, resolve

T = TypeVar("T")
WAIT_SLICE_S = 0.05


def encode(value: Any) -> bytes | None:
    """A C string argument: JSON for dicts and lists, UTF-8 for text and paths, NULL for None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value).encode()
    if isinstance(value, os.PathLike):
        return os.fsencode(value)
    return str(value).encode()


def take_string(ptr: ctypes.c_void_p) -> str | None:
    """Copies a string the library returned through a char** and frees it with cloudsync_free."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "replace")
    finally:
        _native.lib().cloudsync_free(ptr)
        ptr.value = None


def parse(text: str | None) -> Any:
    """The JSON of an out string (None when the library returned none)."""
    return json.loads(text) if text else None


def check(rc: int, result: Any = None) -> None:
    """Raises the mapped exception for a negative code (read on this thread, right after the call)."""
    if rc < 0:
        raise error_from_last(rc, result if isinstance(result, dict) else None)


OUT_TYPES = {"json": ctypes.c_void_p, "handle": ctypes.c_void_p, "count": ctypes.c_uint64}


def _invoke(fn: Any, args: tuple[Any, ...], out: str | None) -> tuple[Any, CloudsyncError | None]:
    """Calls fn, collects its out parameter ("json", "handle", "count" or None) and, on failure,
    the error -- all on the calling thread, where cloudsync_last_error is valid."""
    if out is None:
        rc = fn(*args)
        return None, (error_from_last(rc) if rc < 0 else None)
    slot = OUT_TYPES[out]()
    rc = fn(*args, ctypes.byref(slot))
    value: Any = parse(take_string(slot)) if out == "json" else slot
    if out == "count":
        value = int(slot.value)
    error = error_from_last(rc, value if isinstance(value, dict) else None) if rc < 0 else None
    return value, error


def call(fn: Any, *args: Any) -> None:
    """Calls a function without an out parameter; raises on a negative code."""
    _raise(_invoke(fn, args, None))


def call_json(fn: Any, *args: Any) -> Any:
    """Calls a function whose last parameter is a char** out; returns the parsed JSON (or None)."""
    return _raise(_invoke(fn, args, "json"))


def call_count(fn: Any, *args: Any) -> int:
    """Calls a function whose last parameter is a uint64_t* out; returns it."""
    return int(_raise(_invoke(fn, args, "count")))


def open_handle(fn: Any, *args: Any) -> ctypes.c_void_p:
    """Calls an *_open / *_new / *_begin / *_start function; returns the handle."""
    return _raise(_invoke(fn, args, "handle"))


def _raise(outcome: tuple[Any, CloudsyncError | None]) -> Any:
    value, error = outcome
    if error is not None:
        raise error
    return value


def make_callback(ctype: Any, fn: Callable[..., Any], on_error: Callable[[BaseException], None],
                  failure_return: Any = None) -> Any:
    """A ctypes callback of `ctype` calling fn; an exception goes to on_error and returns failure_return.

    Never lets an exception unwind into C (ctypes would only print it). Keep the
    returned object referenced for as long as C may call it.
    """
    def trampoline(*args: Any) -> Any:
        try:
            return fn(*args)
        except BaseException as e:  # noqa: B902 -- a KeyboardInterrupt in a callback cancels too
            on_error(e)
            return failure_return
    return ctype(trampoline)


class Operation:
    """One blocking C call with its progress callback, cancel token and callbacks.

    ``progress`` is as for every public ``progress=`` parameter: a callable
    taking a Progress (return False to cancel, raise to cancel and have the
    exception raised by the call), True for the default bar, or None.
    ``cancel`` is a CancelToken the caller may trigger from another thread.
    """

    def __init__(self, progress: ProgressArg = None, cancel: CancelToken | None = None) -> None:
        self.token = cancel if cancel is not None else CancelToken()
        self.error: BaseException | None = None
        self._callbacks: list[Any] = []
        self._reporter = resolve(progress)
        self.progress_fn: Any = _native.PROGRESS_FN()  # NULL: ctypes refuses None for a function pointer
        if self._reporter is not None:
            reporter = self._reporter

            def report(snapshot: Any, _user: Any) -> int:
                return 1 if reporter(Progress.from_c(snapshot.contents)) is False else 0
            self.progress_fn = self.callback(_native.PROGRESS_FN, report, 1)

    @property
    def cancel_handle(self) -> ctypes.c_void_p | None:
        """The cloudsync_cancel pointer to pass to the C call."""
        return self.token.handle

    def fail(self, error: BaseException) -> None:
        """Records the first exception raised in a callback and cancels the operation."""
        if self.error is None:
            self.error = error
        self.token.cancel()

    def callback(self, ctype: Any, fn: Callable[..., Any], failure_return: Any = None) -> Any:
        """A ctypes callback kept alive by this Operation; an exception in it cancels the call."""
        def once_failed_never_again(*args: Any) -> Any:
            # After a callback raised, the operation only winds down: no more user code runs.
            return failure_return if self.error is not None else fn(*args)
        cfn = make_callback(ctype, once_failed_never_again, self.fail, failure_return)
        self._callbacks.append(cfn)
        return cfn

    def call(self, fn: Any, *args: Any) -> None:
        """As _call.call, interruptible and with the callbacks' exceptions raised."""
        self._run(fn, args, None)

    def call_json(self, fn: Any, *args: Any) -> Any:
        """As _call.call_json, interruptible and with the callbacks' exceptions raised."""
        return self._run(fn, args, "json")

    def open_handle(self, fn: Any, *args: Any) -> ctypes.c_void_p:
        """As _call.open_handle, interruptible and with the callbacks' exceptions raised."""
        return self._run(fn, args, "handle")

    def _run(self, fn: Any, args: tuple[Any, ...], out: str | None) -> Any:
        try:
            value, error = run_interruptibly(lambda: _invoke(fn, args, out), self.token)
        finally:
            close = getattr(self._reporter, "close", None)
            if close is not None:
                close()
        if self.error is not None:
            original = self.error
            raise original from (error if isinstance(error, CancelledError) else None)
        if error is not None:
            raise error
        return value


def run_interruptibly(work: Callable[[], T], token: CancelToken) -> T:
    """Runs work(); on the main thread on a helper thread, so that Ctrl-C cancels it promptly.

    The helper thread is needed because a signal handler only runs between
    bytecodes of the main thread: while the main thread sits in a C call,
    KeyboardInterrupt would wait for the call's end.
    """
    if threading.current_thread() is not threading.main_thread():
        return work()
    done = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as e:  # noqa: B902 -- handed to the waiting thread
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=target, name="cloudsync-call", daemon=True).start()
    interrupt: KeyboardInterrupt | None = None
    while not done.is_set():
        try:
            done.wait(WAIT_SLICE_S)
        except KeyboardInterrupt as e:
            if interrupt is None:
                interrupt = e
            token.cancel()
    if interrupt is not None:
        raise interrupt
    if "error" in box:
        raise box["error"]
    return box["value"]
