"""The life of one C handle, shared by every class that owns one."""

from __future__ import annotations

import ctypes
from typing import Any, Self

from . import _native


class NativeHandle:
    """Owns one C handle (a cloudsync_catalog, _workspace, _plan, ...).

    It is released by close(), at the end of a ``with`` block, or when the
    object is garbage-collected -- but not while the interpreter shuts down,
    when the library may already be gone. Subclasses set ``_what`` (for the
    error raised on use after close) and implement ``_release``.
    """

    _handle: ctypes.c_void_p | Any = None
    _what = "the handle"
    _ended = "closed"

    @property
    def handle(self) -> ctypes.c_void_p:
        """The C pointer; ValueError once closed."""
        if self._handle is None:
            raise ValueError(f"{self._what} is {self._ended}")
        return self._handle

    def close(self) -> None:
        """Releases the C handle (idempotent)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            self._release(handle)

    def _release(self, handle: Any) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None and _native._lib is not None:
            self.close()
