"""cloudsync: connect application projects to cloud storage (Python bindings of libcloudsync).

A thin layer over the C ABI through ctypes. The library is found through
$CLOUDSYNC_LIBRARY, beside this package, in the install prefix, or by the
system loader (see cloudsync._native).
"""

from __future__ import annotations

import logging
from typing import Callable, Optional

from . import _native
from ._call import call, encode, make_callback
from .errors import (AlreadyExistsError, AuthenticationError, BadResponseError, CancelledError, CloudsyncError,
                     ConflictError, DeadlineError, IntegrityError, InternalError, InvalidArgumentError,
                     LimitExceededError, NetworkError, NotFoundError, PermissionDeniedError,
                     PreconditionFailedError, ThrottledError, UnsupportedError, error_from_last)
from .plan import Action, OperationResult, Plan, Report, plan_sync, sync_urls
from .progress import CancelToken, Progress
from .storage import Entry, ListIterator, Storage, list_url
from .workspace import FlushResult, Session, Watcher, Workspace
from .catalog import Catalog, CheckResult, Connection, Integration, Project
from .records import ExportJob, ExportRun, ExportScheduler, postgresql_model, registered_model, sqlite_model

__version__ = "1.0.0"

_native.lib()  # fail at import, with every place tried, when the library cannot be loaded

LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE = 1, 2, 3, 4, 5
_LOGGING_LEVELS = {LOG_ERROR: logging.ERROR, LOG_WARN: logging.WARNING, LOG_INFO: logging.INFO,
                   LOG_DEBUG: logging.DEBUG, LOG_TRACE: logging.DEBUG - 5}
logger = logging.getLogger("cloudsync")


def library_version() -> str:
    """The loaded library's version, e.g. "1.0.0"."""
    return _native.lib().cloudsync_version().decode()


def set_user_agent_product(product: str | None) -> None:
    """Appends the host's product tokens (e.g. "notebook-server/2.3") to every request's User-Agent."""
    call(_native.lib().cloudsync_set_user_agent_product, encode(product or ""))


LogHandler = Callable[[int, str], None]
_log_callback: Optional[object] = None


def _to_logging(level: int, message: str) -> None:
    logger.log(_LOGGING_LEVELS.get(level, logging.DEBUG), "%s", message)


def _report_handler_error(error: BaseException) -> None:
    logger.error("cloudsync log handler raised %r", error)


def set_log_handler(fn: LogHandler | None = _to_logging, level: int = LOG_INFO) -> None:
    """Routes the library's log lines up to `level` (LOG_ERROR .. LOG_TRACE) to fn(level, message).

    The default routes them to logging.getLogger("cloudsync"); None turns logging off.
    Lines come from library threads; they never carry secrets.
    """
    global _log_callback
    lib = _native.lib()
    if fn is None:
        call(lib.cloudsync_set_log_handler, 0, _native.LOG_FN(), None)
        _log_callback = None
        return
    handler = fn

    def deliver(lvl: int, message: bytes | None, _user: object) -> None:
        handler(lvl, message.decode("utf-8", "replace") if message else "")
    callback = make_callback(_native.LOG_FN, deliver, _report_handler_error)
    call(lib.cloudsync_set_log_handler, level, callback, None)
    _log_callback = callback  # referenced for as long as the library may call it


__all__ = [
    "Entry", "FlushResult", "ListIterator", "Session", "Storage", "Watcher", "Workspace", "list_url",
    "Action", "AlreadyExistsError", "AuthenticationError", "BadResponseError", "CancelToken", "CancelledError",
    "CloudsyncError", "ConflictError", "DeadlineError", "IntegrityError", "InternalError", "InvalidArgumentError",
    "LimitExceededError", "NetworkError", "NotFoundError", "OperationResult", "PermissionDeniedError", "Plan",
    "PreconditionFailedError", "Progress", "Report", "ThrottledError", "UnsupportedError", "error_from_last",
    "library_version", "plan_sync", "set_log_handler", "sync_urls", "set_user_agent_product", "__version__",
    "LOG_ERROR", "LOG_WARN", "LOG_INFO", "LOG_DEBUG", "LOG_TRACE",
    "Catalog", "CheckResult", "Connection", "Integration", "Project",
    "ExportJob", "ExportRun", "ExportScheduler", "postgresql_model", "registered_model", "sqlite_model",
]
