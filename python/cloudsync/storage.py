"""Storage handles: one backend opened once; objects read, written, listed, deleted."""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass, fields
from typing import IO, Any

from . import _native
from ._call import Operation, call_json, check, encode, open_handle, parse, take_string
from ._handle import NativeHandle
from .progress import CancelToken, ProgressArg

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class Entry:
    """One listing entry (the C ABI's listing JSON); members the store does not know are None."""

    key: str
    kind: str = "file"
    size: int | None = None
    mtime: str | None = None
    last_modified: str | None = None
    etag: str | None = None
    version: str | None = None
    id: str | None = None
    md5: str | None = None
    sha256: str | None = None
    crc32c: str | None = None
    content_type: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        """An Entry from a listing entry dict (members added by later library versions are ignored)."""
        return cls(**{name: data.get(name) for name in _ENTRY_FIELDS if name in data})

    def to_dict(self) -> dict[str, Any]:
        """The entry's known members as a dict."""
        return {name: getattr(self, name) for name in _ENTRY_FIELDS if getattr(self, name) is not None}


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def _entry(data: Any) -> Entry | None:
    return Entry.from_dict(data) if isinstance(data, dict) else None


class ListIterator(NativeHandle):
    """A listing in progress (iterator of Entry), fetched one page at a time.

    Memory stays bounded by one page. The C iterator is released when the
    listing is exhausted, on close(), on leaving a ``with`` block, and on
    garbage collection. An error (also one reported after the readable
    entries) is raised by the ``next()`` that meets it.
    """

    def __init__(self, storage: Storage, prefix: str, options: dict[str, Any], cancel: CancelToken | None) -> None:
        self._storage = storage  # the C iterator needs the handle open
        self._cancel = cancel    # and its cancel token alive
        self._handle: ctypes.c_void_p | None = open_handle(
            _native.lib().cloudsync_storage_list_begin, storage.handle, encode(prefix), encode(options),
            cancel.handle if cancel else None)

    def __iter__(self) -> ListIterator:
        return self

    def __next__(self) -> Entry:
        if self._handle is None:
            raise StopIteration
        out = ctypes.c_void_p()
        rc = _native.lib().cloudsync_list_next(self._handle, ctypes.byref(out))
        text = take_string(out)
        if rc < 0:
            try:
                check(rc)
            finally:
                self.close()
        if text is None:
            self.close()
            raise StopIteration
        return Entry.from_dict(parse(text))

    def close(self) -> None:
        """Ends the listing (entries not yet fetched are never fetched)."""
        super().close()

    def _release(self, handle: ctypes.c_void_p) -> None:
        _native.lib().cloudsync_list_end(handle)
        self._storage._iterator_ended()


class Storage(NativeHandle):
    """An open backend for one URL (file:///abs, a path, mem://name, s3://bucket/prefix, az://, gdrive://).

    Keys are relative to the URL. ``options`` are the backend's options
    (string values; secrets such as "secret_access_key" stay in memory and
    never appear in reprs). A context manager; usable from several threads.
    """

    def __init__(self, url: str, options: dict[str, str] | None = None) -> None:
        self.url = url
        self._iterators = 0
        self._close_when_iterators_end = False
        self._handle: ctypes.c_void_p | None = open_handle(_native.lib().cloudsync_storage_open, encode(url),
                                                           encode(options))

    @property
    def handle(self) -> ctypes.c_void_p:
        """The cloudsync_storage pointer."""
        if self._handle is None or self._close_when_iterators_end:
            raise ValueError("the storage handle is closed")
        return self._handle

    def head(self, key: str, cancel: CancelToken | None = None) -> Entry:
        """Metadata of one object (NotFoundError when there is none)."""
        op = Operation(None, cancel)
        return Entry.from_dict(op.call_json(_native.lib().cloudsync_storage_head, self.handle, encode(key),
                                            op.cancel_handle))

    def list(self, prefix: str = "", recursive: bool = True, page_size: int = 0,
             cancel: CancelToken | None = None) -> ListIterator:
        """Streams the entries whose keys begin with `prefix` ("data/": inside folder data)."""
        iterator = ListIterator(self, prefix, {"recursive": recursive, "page_size": page_size}, cancel)
        self._iterators += 1
        return iterator

    def get_file(self, key: str, path: PathLike, overwrite: bool = True, progress: ProgressArg = None,
                 cancel: CancelToken | None = None) -> Entry:
        """Downloads `key` to the file `path` (verified, renamed into place: never a partial file)."""
        op = Operation(progress, cancel)
        return Entry.from_dict(op.call_json(_native.lib().cloudsync_storage_get_file, self.handle, encode(key),
                                            encode(path), encode({"overwrite": overwrite}), op.progress_fn, None,
                                            op.cancel_handle))

    def get_to(self, key: str, fileobj: IO[bytes], offset: int = 0, length: int | None = None,
               progress: ProgressArg = None, cancel: CancelToken | None = None) -> Entry:
        """Streams `key` (or `length` bytes from `offset`) into a binary file object; returns the entry."""
        def write(data: int, size: int, _user: Any) -> int:
            if size:
                fileobj.write(ctypes.string_at(data, size))
            return 0
        return self._get(key, offset, length, write, progress, cancel)

    def get(self, key: str, offset: int = 0, length: int | None = None, progress: ProgressArg = None,
            cancel: CancelToken | None = None) -> bytes:
        """The bytes of `key` (or of `length` bytes from `offset`)."""
        chunks: list[bytes] = []

        def write(data: int, size: int, _user: Any) -> int:
            if size:
                chunks.append(ctypes.string_at(data, size))
            return 0
        self._get(key, offset, length, write, progress, cancel)
        return b"".join(chunks)

    def _get(self, key: str, offset: int, length: int | None, write: Any, progress: ProgressArg,
             cancel: CancelToken | None) -> Entry:
        options: dict[str, Any] = {"offset": offset}
        if length is not None:
            options["length"] = length
        op = Operation(progress, cancel)
        write_fn = op.callback(_native.WRITE_FN, write, 1)
        return Entry.from_dict(op.call_json(_native.lib().cloudsync_storage_get, self.handle, encode(key),
                                            encode(options), write_fn, None, op.progress_fn, None,
                                            op.cancel_handle))

    def put_file(self, key: str, path: PathLike, create_only: bool = False, progress: ProgressArg = None,
                 cancel: CancelToken | None = None) -> Entry:
        """Uploads the file `path` to `key`, atomically (create_only: ConflictError when `key` exists)."""
        op = Operation(progress, cancel)
        return Entry.from_dict(op.call_json(_native.lib().cloudsync_storage_put_file, self.handle, encode(key),
                                            encode(path), encode({"create_only": create_only}), op.progress_fn,
                                            None, op.cancel_handle))

    def put(self, key: str, data: bytes | bytearray | memoryview | IO[bytes], size: int | None = None,
            create_only: bool = False, progress: ProgressArg = None, cancel: CancelToken | None = None) -> Entry:
        """Uploads bytes or what a binary file object reads to `key` (size: how many, when known)."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            view = memoryview(data).cast("B")
            size = len(view) if size is None else size
            position = 0

            def read(buffer: int, capacity: int, size_read: Any, _user: Any) -> int:
                nonlocal position
                chunk = bytes(view[position:position + capacity])
                ctypes.memmove(buffer, chunk, len(chunk))
                position += len(chunk)
                size_read[0] = len(chunk)
                return 0
        else:
            stream = data

            def read(buffer: int, capacity: int, size_read: Any, _user: Any) -> int:
                chunk = stream.read(capacity) or b""
                ctypes.memmove(buffer, chunk, len(chunk))
                size_read[0] = len(chunk)
                return 0
        op = Operation(progress, cancel)
        read_fn = op.callback(_native.READ_FN, read, 1)
        return Entry.from_dict(op.call_json(_native.lib().cloudsync_storage_put, self.handle, encode(key),
                                            encode({"create_only": create_only}), read_fn, None,
                                            -1 if size is None else size, op.progress_fn, None, op.cancel_handle))

    def delete(self, key: str, cancel: CancelToken | None = None) -> None:
        """Deletes `key` (an absent key counts as deleted)."""
        op = Operation(None, cancel)
        op.call(_native.lib().cloudsync_storage_delete, self.handle, encode(key), op.cancel_handle)

    def close(self) -> None:
        """Closes the handle; with listings still open, once the last of them ends."""
        if self._iterators:
            self._close_when_iterators_end = True
            return
        super().close()

    def _release(self, handle: ctypes.c_void_p) -> None:
        _native.lib().cloudsync_storage_close(handle)

    def _iterator_ended(self) -> None:
        self._iterators -= 1
        if self._close_when_iterators_end and not self._iterators:
            self.close()

    def __repr__(self) -> str:
        return f"Storage({self.url!r}{'' if self._handle is not None else ', closed'})"


def list_url(url: str, options: dict[str, str] | None = None, prefix: str = "", recursive: bool = True) -> list[Entry]:
    """Lists a URL in one call (opening and closing a backend); for large stores use Storage.list."""
    document = call_json(_native.lib().cloudsync_list, encode(url),
                         encode({"recursive": recursive, "prefix": prefix, "options": options or {}}))
    return [Entry.from_dict(e) for e in document.get("entries", [])]
