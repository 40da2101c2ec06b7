"""Loading libcloudsync and declaring the C ABI (capi/include/cloudsync.h) for ctypes.

Every function of the header has its argtypes and restype here, so that a call
with a wrong argument raises ctypes.ArgumentError (a TypeError-like error)
instead of passing garbage to C. Handles are opaque ``c_void_p`` values;
strings the library returns through ``char **`` parameters are ``c_void_p``
too, so that they can be handed back to cloudsync_free (a ``c_char_p`` would
copy and lose the pointer).

The library is looked for in this order: the file named by $CLOUDSYNC_LIBRARY;
``libcloudsync.so.1`` beside this package; the install prefix the package sits
in (``<prefix>/lib/python3/dist-packages/cloudsync`` ->
``<prefix>/lib/<multiarch>/`` and ``<prefix>/lib/``); the system loader.
"""

from __future__ import annotations

import ctypes
import os
import pathlib
import sys
import sysconfig
import threading

SONAME = "libcloudsync.so.1"
ABI_VERSION = 1

VP = ctypes.c_void_p
STR = ctypes.c_char_p
INT = ctypes.c_int
U32 = ctypes.c_uint32
U64 = ctypes.c_uint64
I64 = ctypes.c_int64
SIZE = ctypes.c_size_t
OUT = ctypes.POINTER(ctypes.c_void_p)
OUT_U64 = ctypes.POINTER(ctypes.c_uint64)


class Error(ctypes.Structure):
    """struct cloudsync_error."""

    _fields_ = [("code", INT), ("code_name", STR), ("message", STR), ("http_status", INT),
                ("provider_code", STR), ("request_id", STR)]


class Progress(ctypes.Structure):
    """struct cloudsync_progress (version 1 fields; struct_size says which the library filled)."""

    _fields_ = [("struct_size", SIZE), ("phase", INT), ("path", STR), ("bytes_done", U64),
                ("bytes_total", U64), ("files_done", U64), ("files_total", U64)]


LOG_FN = ctypes.CFUNCTYPE(None, INT, STR, VP)
PROGRESS_FN = ctypes.CFUNCTYPE(INT, ctypes.POINTER(Progress), VP)
WRITE_FN = ctypes.CFUNCTYPE(INT, VP, SIZE, VP)
READ_FN = ctypes.CFUNCTYPE(INT, VP, SIZE, ctypes.POINTER(SIZE), VP)
WATCH_EVENT_FN = ctypes.CFUNCTYPE(None, STR, VP)
RECORD_READ_FN = ctypes.CFUNCTYPE(INT, STR, VP, VP)
EXPORT_RUN_FN = ctypes.CFUNCTYPE(None, STR, VP)

# name: (restype, argtypes), in the header's order.
PROTOTYPES: dict[str, tuple[object, list[object]]] = {
    "cloudsync_version": (STR, []),
    "cloudsync_version_number": (INT, []),
    "cloudsync_abi_version": (INT, []),
    "cloudsync_last_error": (ctypes.POINTER(Error), []),
    "cloudsync_clear_error": (None, []),
    "cloudsync_free": (None, [VP]),
    "cloudsync_set_log_handler": (INT, [INT, LOG_FN, VP]),
    "cloudsync_set_user_agent_product": (INT, [STR]),
    "cloudsync_cancel_new": (INT, [OUT]),
    "cloudsync_cancel_trigger": (None, [VP]),
    "cloudsync_cancel_free": (None, [VP]),
    "cloudsync_workspace_open": (INT, [STR, STR, OUT]),
    "cloudsync_workspace_close": (None, [VP]),
    "cloudsync_workspace_set_credentials": (INT, [VP, STR, STR]),
    "cloudsync_integration_add": (INT, [VP, STR, OUT]),
    "cloudsync_integration_remove": (INT, [VP, STR, INT]),
    "cloudsync_integration_list": (INT, [VP, OUT]),
    "cloudsync_tracked_files": (INT, [VP, STR, OUT]),
    "cloudsync_import": (INT, [VP, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_export": (INT, [VP, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_restore": (INT, [VP, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_sync": (INT, [VP, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_list": (INT, [STR, STR, OUT]),
    "cloudsync_plan_sync": (INT, [STR, STR, STR, OUT]),
    "cloudsync_plan_json": (INT, [VP, OUT]),
    "cloudsync_plan_apply": (INT, [VP, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_plan_free": (None, [VP]),
    "cloudsync_sync_urls": (INT, [STR, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_catalog_open": (INT, [STR, STR, OUT]),
    "cloudsync_catalog_close": (None, [VP]),
    "cloudsync_catalog_set_credentials": (INT, [VP, STR, STR]),
    "cloudsync_catalog_integration_create": (INT, [VP, STR, STR, OUT]),
    "cloudsync_catalog_integration_get": (INT, [VP, STR, OUT]),
    "cloudsync_catalog_integration_secret_names": (INT, [VP, STR, OUT]),
    "cloudsync_catalog_integration_update": (INT, [VP, STR, STR, OUT]),
    "cloudsync_catalog_integration_delete": (INT, [VP, STR, INT]),
    "cloudsync_catalog_integration_list": (INT, [VP, STR, U64, U64, OUT]),
    "cloudsync_catalog_integration_count": (INT, [VP, STR, OUT_U64]),
    "cloudsync_catalog_check": (INT, [VP, STR, VP, OUT]),
    "cloudsync_catalog_check_all": (INT, [VP, STR, U32, VP, OUT]),
    "cloudsync_catalog_project_add": (INT, [VP, STR, STR, OUT]),
    "cloudsync_catalog_project_list": (INT, [VP, OUT]),
    "cloudsync_catalog_project_remove": (INT, [VP, STR]),
    "cloudsync_catalog_connection_add": (INT, [VP, STR, OUT]),
    "cloudsync_catalog_connection_get": (INT, [VP, STR, OUT]),
    "cloudsync_catalog_connection_list": (INT, [VP, STR, U64, U64, OUT]),
    "cloudsync_catalog_connection_count": (INT, [VP, STR, OUT_U64]),
    "cloudsync_catalog_connection_remove": (INT, [VP, STR]),
    "cloudsync_catalog_connection_files": (INT, [VP, STR, OUT]),
    "cloudsync_connection_diff": (INT, [VP, STR, STR, VP, OUT]),
    "cloudsync_connection_sync": (INT, [VP, STR, STR, VP, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_storage_open": (INT, [STR, STR, OUT]),
    "cloudsync_storage_close": (None, [VP]),
    "cloudsync_storage_head": (INT, [VP, STR, VP, OUT]),
    "cloudsync_storage_list_begin": (INT, [VP, STR, STR, VP, OUT]),
    "cloudsync_list_next": (INT, [VP, OUT]),
    "cloudsync_list_end": (None, [VP]),
    "cloudsync_storage_get_file": (INT, [VP, STR, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_storage_get": (INT, [VP, STR, STR, WRITE_FN, VP, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_storage_put_file": (INT, [VP, STR, STR, STR, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_storage_put": (INT, [VP, STR, STR, READ_FN, VP, I64, PROGRESS_FN, VP, VP, OUT]),
    "cloudsync_storage_delete": (INT, [VP, STR, VP]),
    "cloudsync_session_start": (INT, [VP, STR, WATCH_EVENT_FN, VP, VP, OUT]),
    "cloudsync_session_restored": (INT, [VP, OUT]),
    "cloudsync_session_flush": (INT, [VP, U32, OUT]),
    "cloudsync_session_status": (INT, [VP, OUT]),
    "cloudsync_session_queue": (INT, [VP, OUT]),
    "cloudsync_session_stop": (None, [VP]),
    "cloudsync_session_free": (None, [VP]),
    "cloudsync_catalog_export_job_create": (INT, [VP, STR, OUT]),
    "cloudsync_catalog_export_job_get": (INT, [VP, STR, OUT]),
    "cloudsync_catalog_export_job_list": (INT, [VP, U64, U64, OUT]),
    "cloudsync_catalog_export_job_update": (INT, [VP, STR, STR, OUT]),
    "cloudsync_catalog_export_job_delete": (INT, [VP, STR]),
    "cloudsync_catalog_export_job_run": (INT, [VP, STR, STR, VP, OUT]),
    "cloudsync_catalog_export_run_due": (INT, [VP, STR, VP, OUT]),
    "cloudsync_catalog_export_history": (INT, [VP, STR, U64, U64, OUT]),
    "cloudsync_catalog_export_history_count": (INT, [VP, STR, OUT_U64]),
    "cloudsync_record_page_add": (INT, [VP, STR, STR, STR]),
    "cloudsync_record_page_fail": (INT, [VP, INT, STR]),
    "cloudsync_catalog_record_source_register": (INT, [VP, STR, RECORD_READ_FN, RECORD_READ_FN, VP]),
    "cloudsync_export_scheduler_start": (INT, [VP, STR, EXPORT_RUN_FN, VP, OUT]),
    "cloudsync_export_scheduler_stop": (None, [VP]),
    "cloudsync_export_scheduler_free": (None, [VP]),
}

# Added to ABI 1 after its first release: declared when the loaded library has them.
LATER_PROTOTYPES: dict[str, tuple[object, list[object]]] = {
    "cloudsync_last_error_missing_action": (STR, []),
}

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def candidates() -> list[str]:
    """The places the library is looked for, in order (the last one is a bare name for the loader)."""
    places: list[str] = []
    explicit = os.environ.get("CLOUDSYNC_LIBRARY")
    if explicit:
        places.append(explicit)
    package_dir = pathlib.Path(__file__).resolve().parent
    places.append(str(package_dir / SONAME))
    # <prefix>/lib/python3/dist-packages/cloudsync: three levels up is <prefix>/lib.
    if package_dir.parent.name in ("dist-packages", "site-packages") and len(package_dir.parents) >= 4:
        libdir = package_dir.parents[2]
        multiarch = sysconfig.get_config_var("MULTIARCH") or getattr(sys.implementation, "_multiarch", "")
        if multiarch:
            places.append(str(libdir / multiarch / SONAME))
        places.append(str(libdir / SONAME))
        if libdir.name == multiarch and multiarch:
            places.append(str(libdir.parent / SONAME))
    places.append(SONAME)
    return places


def _load() -> ctypes.CDLL:
    tried: list[str] = []
    for place in candidates():
        if os.sep in place and not os.path.exists(place):
            tried.append(f"{place} (no such file)")
            continue
        try:
            # CDLL (never PyDLL): every call releases the GIL.
            lib = ctypes.CDLL(place)
        except OSError as e:
            tried.append(f"{place} ({e})")
            continue
        _declare(lib)
        abi = lib.cloudsync_abi_version()
        if abi != ABI_VERSION:
            raise ImportError(f"{place} has C ABI version {abi}; this package needs {ABI_VERSION}")
        return lib
    raise ImportError("libcloudsync.so.1 not found; set CLOUDSYNC_LIBRARY to its path. Tried:\n  "
                      + "\n  ".join(tried))


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    for name, (restype, argtypes) in LATER_PROTOTYPES.items():
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = restype
            fn.argtypes = argtypes


def lib() -> ctypes.CDLL:
    """The loaded library, every prototype declared (loaded on first use; ImportError when not found)."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = _load()
    return _lib


def library_path() -> str:
    """The path the library was loaded from, as found (for diagnostics)."""
    return str(lib()._name)


def has(name: str) -> bool:
    """Whether the loaded library exports `name` (for functions added after ABI 1.0)."""
    return getattr(lib(), name, None) is not None
