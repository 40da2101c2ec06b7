"""Plans, their actions, and the results and reports of operations."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any, Iterable

from . import _native
from ._call import Operation, call_json, encode
from ._handle import NativeHandle
from .progress import CancelToken, ProgressArg


@dataclass(frozen=True)
class Action:
    """One planned action: kind ("add", "update", "delete", "conflict", "skip"), path, reason, size,
    and the source and destination entries (dicts, or None)."""

    kind: str
    path: str
    reason: str = ""
    size: int | None = None
    source: dict[str, Any] | None = None
    destination: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        """An Action from the plan JSON's action object."""
        return cls(data.get("kind", ""), data.get("path", ""), data.get("reason", ""), data.get("size"),
                   data.get("source"), data.get("destination"))


def actions_of(plan: dict[str, Any] | None) -> list[Action]:
    """The Action objects of a plan dict."""
    return [Action.from_dict(a) for a in (plan or {}).get("actions", [])]


@dataclass(frozen=True)
class Report:
    """What applying a plan did: ``summary`` counts, ``outcomes`` (dicts), bytes and seconds."""

    data: dict[str, Any] = field(repr=False)

    @property
    def dry_run(self) -> bool:
        """Whether nothing was changed."""
        return bool(self.data.get("dry_run", False))

    @property
    def summary(self) -> dict[str, int]:
        """{"done", "dry_run", "failed", "conflict", "skipped", "unchanged"}."""
        return dict(self.data.get("summary", {}))

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        """One dict per action: action, path, outcome, message, error, bytes."""
        return list(self.data.get("outcomes", []))

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The outcomes that failed."""
        return [o for o in self.outcomes if o.get("outcome") == "failed"]

    @property
    def ok(self) -> bool:
        """True when no action failed (conflicts and skips are outcomes, not failures)."""
        return not self.failed

    @property
    def bytes_transferred(self) -> int:
        """Bytes moved."""
        return int(self.data.get("bytes_transferred", 0))

    @property
    def seconds(self) -> float:
        """Wall time of the apply."""
        return float(self.data.get("seconds", 0.0))

    def to_dict(self) -> dict[str, Any]:
        """The report as the C ABI returned it."""
        return self.data

    def __repr__(self) -> str:
        return f"Report(summary={self.summary}, dry_run={self.dry_run})"


@dataclass(frozen=True)
class OperationResult:
    """The result of an import, export, restore or sync: integration, operation, plan and report dicts."""

    integration: str
    operation: str
    plan: dict[str, Any] = field(repr=False)
    report: dict[str, Any] = field(repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperationResult:
        """An OperationResult from the C ABI's result JSON."""
        return cls(data.get("integration", ""), data.get("operation", ""), data.get("plan") or {},
                   data.get("report") or {})

    @property
    def summary(self) -> dict[str, int]:
        """The report's summary counts."""
        return Report(self.report).summary

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        """One dict per action (see Report.outcomes)."""
        return Report(self.report).outcomes

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The failed outcomes."""
        return Report(self.report).failed

    @property
    def ok(self) -> bool:
        """True when no action failed."""
        return not self.failed

    @property
    def actions(self) -> list[Action]:
        """The plan's actions."""
        return actions_of(self.plan)

    def to_dict(self) -> dict[str, Any]:
        """The result as the C ABI returned it."""
        return {"integration": self.integration, "operation": self.operation, "plan": self.plan,
                "report": self.report}

    def __repr__(self) -> str:
        return f"OperationResult({self.operation} {self.integration!r}, summary={self.summary})"


def results_of(items: Iterable[dict[str, Any]] | None) -> list[OperationResult]:
    """OperationResults of a list of result dicts."""
    return [OperationResult.from_dict(r) for r in items or []]


class Plan(NativeHandle):
    """A computed plan (owns a cloudsync_plan handle; a context manager).

    Made by plan_sync() between two URLs, or by Connection.diff() for a
    catalog connection (applied by Connection.sync(plan=...)).
    """

    def __init__(self, handle: ctypes.c_void_p, *, applicable: bool = True) -> None:
        self._handle: ctypes.c_void_p | None = handle
        self._applicable = applicable
        self._data: dict[str, Any] | None = None

    _what = "the plan"

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON: source, destination, summary, actions, warnings, unreadable."""
        if self._data is None:
            self._data = call_json(_native.lib().cloudsync_plan_json, self.handle)
        return self._data

    @property
    def summary(self) -> dict[str, int]:
        """{"add", "update", "delete", "conflict", "skip", "unchanged", "bytes_to_transfer"}."""
        return dict(self.to_dict().get("summary", {}))

    @property
    def actions(self) -> list[Action]:
        """The planned actions."""
        return actions_of(self.to_dict())

    def apply(self, dry_run: bool = False, transfers: int | None = None, max_delete: int | None = None,
              progress: ProgressArg = None, cancel: CancelToken | None = None, *,
              small_file_transfers: int | None = None, download_streams: int | None = None) -> Report:
        """Applies a plan made by plan_sync(); a failed action raises its error with ``.result`` the report.

        small_file_transfers: files under 1 MiB in flight at most (default four times `transfers`);
        download_streams: ranged reads of one object of 64 MiB and up into a local folder (default 8)."""
        if not self._applicable:
            raise TypeError("a connection's plan is applied by Connection.sync(plan=...)")
        options: dict[str, Any] = {"dry_run": dry_run}
        if transfers is not None:
            options["transfers"] = transfers
        if max_delete is not None:
            options["max_delete"] = max_delete
        if small_file_transfers is not None:
            options["small_file_transfers"] = small_file_transfers
        if download_streams is not None:
            options["download_streams"] = download_streams
        op = Operation(progress, cancel)
        return Report(op.call_json(_native.lib().cloudsync_plan_apply, self.handle, encode(options),
                                   op.progress_fn, None, op.cancel_handle))

    def _release(self, handle: ctypes.c_void_p) -> None:
        _native.lib().cloudsync_plan_free(handle)

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else f"summary={self.summary}"
        return f"Plan({state})"


def plan_sync(source_url: str, destination_url: str, delete_extraneous: bool = False,
              folders: list[str] | None = None, checksum: bool = False,
              source_options: dict[str, str] | None = None,
              destination_options: dict[str, str] | None = None) -> Plan:
    """Plans making `destination_url` look like `source_url` (apply it with Plan.apply)."""
    options: dict[str, Any] = {"delete_extraneous": delete_extraneous, "folders": list(folders or []),
                               "checksum": checksum}
    if source_options:
        options["source_options"] = source_options
    if destination_options:
        options["destination_options"] = destination_options
    op = Operation()
    return Plan(op.open_handle(_native.lib().cloudsync_plan_sync, encode(source_url), encode(destination_url),
                               encode(options)))


def sync_urls(source_url: str, destination_url: str, delete_extraneous: bool = False,
              folders: list[str] | None = None, checksum: bool = False, dry_run: bool = False,
              transfers: int | None = None, max_delete: int | None = None,
              source_options: dict[str, str] | None = None, destination_options: dict[str, str] | None = None,
              progress: ProgressArg = None, cancel: CancelToken | None = None, *,
              small_file_transfers: int | None = None, download_streams: int | None = None) -> Report:
    """Makes `destination_url` look like `source_url` in one pass, for trees of any size.

    Transfers start as they are planned and nothing is held per object, so a million files cost
    the two listings (about a hundred bytes an object), not a plan and a report. The Report's
    ``outcomes`` are only the failures and conflicts (``outcomes_omitted`` in ``to_dict()`` counts
    those past the first 1000). Deletions run last, after a clean run; more than `max_delete` of
    them delete nothing and raise LimitExceededError after the transfers ran (plan_sync() and
    Plan.apply() refuse before anything changes). A failed action raises its error with
    ``.result`` the Report."""
    options: dict[str, Any] = {"delete_extraneous": delete_extraneous, "folders": list(folders or []),
                               "checksum": checksum, "dry_run": dry_run}
    for key, value in (("transfers", transfers), ("max_delete", max_delete), ("source_options", source_options),
                       ("destination_options", destination_options), ("small_file_transfers", small_file_transfers),
                       ("download_streams", download_streams)):
        if value is not None:
            options[key] = value
    op = Operation(progress, cancel)
    return Report(op.call_json(_native.lib().cloudsync_sync_urls, encode(source_url), encode(destination_url),
                               encode(options), op.progress_fn, None, op.cancel_handle))
