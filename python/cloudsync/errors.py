"""The exception hierarchy, mapped from the C ABI's return codes (never from message text)."""

from __future__ import annotations

import builtins
from typing import Any

from . import _native

CODE_NAMES = {
    -1: "not_found", -2: "already_exists", -3: "precondition_failed", -4: "permission_denied",
    -5: "unauthenticated", -6: "invalid_argument", -7: "limit_exceeded", -8: "conflict",
    -9: "integrity", -10: "throttled", -11: "timeout", -12: "cancelled", -13: "network",
    -14: "unsupported", -15: "internal", -16: "bad_response",
}


class CloudsyncError(Exception):
    """A failed cloudsync call.

    Attributes: ``code`` (the negative C code), ``code_name``, ``message``,
    ``http_status`` (int or None), ``provider_code`` (str or None),
    ``request_id`` (str or None), ``missing_action`` ("list", "read", "write",
    "delete" or None) and ``result`` (the operation result dict when the call
    produced one, else None). Never carries a secret.
    """

    code: int = -15

    def __init__(self, message: str = "", *, code: int | None = None, code_name: str | None = None,
                 http_status: int | None = None, provider_code: str | None = None,
                 request_id: str | None = None, missing_action: str | None = None,
                 result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.code_name = code_name or CODE_NAMES.get(self.code, "unknown")
        self.message = message
        self.http_status = http_status
        self.provider_code = provider_code
        self.request_id = request_id
        self.missing_action = missing_action
        self.result = result

    def __reduce__(self) -> tuple[Any, ...]:
        # The builtin bases' reduce would call cls(*args) and drop the keywords.
        return (_rebuild, (type(self), self.message, self._details()))

    def _details(self) -> dict[str, Any]:
        return {"code": self.code, "code_name": self.code_name, "http_status": self.http_status,
                "provider_code": self.provider_code, "request_id": self.request_id,
                "missing_action": self.missing_action, "result": self.result}

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data for a client (no operation result; never a secret)."""
        return {"type": type(self).__name__, "code": self.code, "code_name": self.code_name,
                "message": self.message, "http_status": self.http_status, "provider_code": self.provider_code,
                "request_id": self.request_id, "missing_action": self.missing_action}

    def __str__(self) -> str:
        parts = [f"{self.code_name}: {self.message}" if self.message else self.code_name]
        if self.http_status:
            parts.append(f"HTTP {self.http_status}")
        if self.provider_code:
            parts.append(self.provider_code)
        if self.missing_action:
            parts.append(f"missing permission: {self.missing_action}")
        return " | ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, {str(self)!r})"


def _rebuild(cls: type[CloudsyncError], message: str, details: dict[str, Any]) -> CloudsyncError:
    return cls(message, **details)


class NotFoundError(CloudsyncError, LookupError):
    """CLOUDSYNC_ENOTFOUND: the object, folder, integration or file does not exist."""
    code = -1


class AlreadyExistsError(CloudsyncError):
    """CLOUDSYNC_EEXISTS: a create-only write over an existing object, or a name taken."""
    code = -2


class PreconditionFailedError(CloudsyncError):
    """CLOUDSYNC_EPRECONDITION: an expected version (If-Match) did not hold."""
    code = -3


class PermissionDeniedError(CloudsyncError, PermissionError):
    """CLOUDSYNC_EPERM: not allowed (``missing_action`` names the permission when known)."""
    code = -4


class AuthenticationError(CloudsyncError):
    """CLOUDSYNC_EAUTH: credentials missing, wrong, expired or revoked."""
    code = -5


class InvalidArgumentError(CloudsyncError, ValueError):
    """CLOUDSYNC_EINVAL: bad input (malformed JSON, hostile path, bad URL, unknown option)."""
    code = -6


class LimitExceededError(CloudsyncError):
    """CLOUDSYNC_ELIMIT: a limit (file count, file size, quota, max_delete)."""
    code = -7


class ConflictError(CloudsyncError):
    """CLOUDSYNC_ECONFLICT: both sides changed, names collide, or the project is busy."""
    code = -8


class IntegrityError(CloudsyncError):
    """CLOUDSYNC_EINTEGRITY: a size or checksum mismatch after a transfer."""
    code = -9


class ThrottledError(CloudsyncError):
    """CLOUDSYNC_ETHROTTLED: rate limited by the provider."""
    code = -10


class DeadlineError(CloudsyncError, builtins.TimeoutError):
    """CLOUDSYNC_ETIMEOUT: a connect or stall timeout (also a builtin TimeoutError)."""
    code = -11


class CancelledError(CloudsyncError):
    """CLOUDSYNC_ECANCELLED: cancelled by a callback, a cancel token or Ctrl-C."""
    code = -12


class NetworkError(CloudsyncError):
    """CLOUDSYNC_ENETWORK: connection, DNS, TLS or a truncated transfer."""
    code = -13


class UnsupportedError(CloudsyncError):
    """CLOUDSYNC_EUNSUPPORTED: not supported by this backend or build."""
    code = -14


class InternalError(CloudsyncError):
    """CLOUDSYNC_EINTERNAL: a bug or an unexpected local failure."""
    code = -15


class BadResponseError(CloudsyncError):
    """CLOUDSYNC_EBADRESPONSE: the server's answer cannot be understood."""
    code = -16


CLASSES: dict[int, type[CloudsyncError]] = {cls.code: cls for cls in (
    NotFoundError, AlreadyExistsError, PreconditionFailedError, PermissionDeniedError, AuthenticationError,
    InvalidArgumentError, LimitExceededError, ConflictError, IntegrityError, ThrottledError, DeadlineError,
    CancelledError, NetworkError, UnsupportedError, InternalError, BadResponseError)}


def error_class(code: int) -> type[CloudsyncError]:
    """The exception class of a C return code (CloudsyncError for a code newer than this package)."""
    return CLASSES.get(code, CloudsyncError)


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value else ""


def error_from_last(code: int, result: dict[str, Any] | None = None) -> CloudsyncError:
    """The exception for `code` with the details of this thread's cloudsync_last_error.

    Call it on the thread that made the failed call, right after it: the
    details are thread-local and the next call overwrites them.
    """
    lib = _native.lib()
    last = lib.cloudsync_last_error().contents
    matches = last.code == code
    missing = ""
    if matches and _native.has("cloudsync_last_error_missing_action"):
        missing = _text(lib.cloudsync_last_error_missing_action())
    cls = error_class(code)
    return cls(_text(last.message) if matches else "", code=code,
               code_name=_text(last.code_name) if matches else None,
               http_status=(last.http_status or None) if matches else None,
               provider_code=(_text(last.provider_code) or None) if matches else None,
               request_id=(_text(last.request_id) or None) if matches else None,
               missing_action=missing or None, result=result)
