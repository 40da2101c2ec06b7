"""Progress snapshots, the default progress bars, and cancellation tokens."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from . import _native

PHASES = ("planning", "transferring", "file_done", "deleting", "finished")


@dataclass(frozen=True)
class Progress:
    """One progress snapshot of an operation (``phase`` is one of PHASES)."""

    phase: str
    path: str
    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int

    @classmethod
    def from_c(cls, snapshot: _native.Progress) -> Progress:
        """Copies a cloudsync_progress (valid only during the callback) into a Progress."""
        phase = PHASES[snapshot.phase] if 0 <= snapshot.phase < len(PHASES) else str(snapshot.phase)
        path = snapshot.path.decode("utf-8", "replace") if snapshot.path else ""
        return cls(phase, path, snapshot.bytes_done, snapshot.bytes_total, snapshot.files_done,
                   snapshot.files_total)


ProgressCallback = Callable[[Progress], Optional[bool]]
ProgressArg = Union[ProgressCallback, bool, None]


class CancelToken:
    """Cancels one operation from any thread: pass it as ``cancel=`` and call ``cancel()``.

    A token is for one operation (once triggered it stays triggered). Listing
    iterators keep their token for as long as they are open.
    """

    def __init__(self) -> None:
        handle = ctypes.c_void_p()
        from ._call import check  # _call imports this module
        check(_native.lib().cloudsync_cancel_new(ctypes.byref(handle)))
        self._handle: ctypes.c_void_p | None = handle
        self._cancelled = threading.Event()

    @property
    def handle(self) -> ctypes.c_void_p | None:
        """The cloudsync_cancel pointer to pass to C calls."""
        return self._handle

    def cancel(self) -> None:
        """Requests cancellation; thread-safe, and harmless more than once."""
        self._cancelled.set()
        if self._handle is not None:
            _native.lib().cloudsync_cancel_trigger(self._handle)

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._cancelled.is_set()

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None and _native._lib is not None:
            _native._lib.cloudsync_cancel_free(handle)

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"


class PlainBar:
    """The fallback bar: one line on stderr at most once a second, and one at the end."""

    def __init__(self, stream: Any = None, interval: float = 1.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._last = 0.0
        self._latest: Progress | None = None

    def __call__(self, progress: Progress) -> None:
        self._latest = progress
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._write(progress)
            self._latest = None

    def _write(self, progress: Progress) -> None:
        total = f"/{progress.files_total}" if progress.files_total else ""
        self.stream.write(f"cloudsync: {progress.phase} {progress.files_done}{total} files, "
                          f"{progress.bytes_done}/{progress.bytes_total} bytes\n")
        self.stream.flush()

    def close(self) -> None:
        """Writes the last snapshot if it was not written."""
        if self._latest is not None:
            self._write(self._latest)
            self._latest = None


class TqdmBar:
    """A tqdm bar in bytes."""

    def __init__(self, tqdm_class: Any) -> None:
        self.bar = tqdm_class(total=0, unit="B", unit_scale=True, unit_divisor=1024, desc="cloudsync")

    def __call__(self, progress: Progress) -> None:
        if progress.bytes_total and self.bar.total != progress.bytes_total:
            self.bar.total = progress.bytes_total
        if progress.bytes_done > self.bar.n:
            self.bar.update(progress.bytes_done - self.bar.n)
        if progress.files_total:
            self.bar.set_postfix_str(f"{progress.files_done}/{progress.files_total} files", refresh=False)

    def close(self) -> None:
        """Closes the bar."""
        self.bar.close()


def default_bar() -> TqdmBar | PlainBar:
    """tqdm's bar when tqdm can be imported, else PlainBar."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return PlainBar()
    return TqdmBar(tqdm)


def resolve(progress: ProgressArg) -> ProgressCallback | None:
    """What a ``progress=`` argument means: None/False nothing, True the default bar, else the callable."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return default_bar()
    if not callable(progress):
        raise TypeError(f"progress must be a callable, True or None, not {type(progress).__name__}")
    return progress
