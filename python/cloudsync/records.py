"""Record export (Hydra's scheduled "Data Export"): jobs, runs, history, schedulers and host record sources.

    with Catalog(state) as cat:
        cat.register_record_source("orders", read_orders)      # or a SQLite / PostgreSQL table
        job = cat.create_export_job("nightly", "Lake", [registered_model("orders", "orders")],
                                    prefix="exports", frequency_hours=24)
        run = job.run()                                        # now, whatever the schedule
        with cat.start_export_scheduler(on_run=print):         # or run_due_exports() from cron
            ...

A record source is a Python callable ``read_records(request) -> iterable of
(updated_at, id, record)``: ``request`` is {"after": {"updated_at", "id"} or
None, "upper": RFC 3339, "max_records": N, "ids_as_strings": bool}; it yields
the records after "after" (exclusive) with updated_at up to "upper"
(inclusive), in (updated_at, id) order; at most max_records are taken, and
fewer end the window. An exception it raises fails the run (the run's error
names the exception), and the run is attempted again later.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Tuple, Union

from . import _native
from ._call import Operation, call, call_count, call_json, encode, make_callback
from ._handle import NativeHandle
from ._snapshot import Record, Snapshot, catalog_of, given, paged
from .errors import CloudsyncError
from .progress import CancelToken

if TYPE_CHECKING:
    from .catalog import Catalog

logger = logging.getLogger("cloudsync")

RecordId = Union[int, str]
SourceRecord = Tuple[Any, RecordId, dict]
ReadRecords = Callable[[dict], Iterable[SourceRecord]]
Moment = Union[datetime.datetime, str, None]
EINTERNAL = -15


def rfc3339(moment: Moment) -> str | None:
    """A timezone-aware datetime (or an RFC 3339 string, passed as is) as RFC 3339 UTC text."""
    if moment is None or isinstance(moment, str):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: give a timezone-aware one (e.g. tzinfo=timezone.utc)")
    return moment.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def sqlite_model(name: str, database: str, table: str, *, id_column: str = "id",
                 updated_column: str = "updated_at", updated_format: str | None = None,
                 deletes_table: str | None = None, deletes_id_column: str | None = None,
                 deletes_updated_column: str | None = None) -> dict[str, Any]:
    """A model read from a SQLite table (``updated_format``: "text", "unix_seconds" or "unix_millis")."""
    return {"name": name, "source": given(kind="sqlite", database=database, table=table, id_column=id_column,
                                           updated_column=updated_column, updated_format=updated_format,
                                           deletes_table=deletes_table, deletes_id_column=deletes_id_column,
                                           deletes_updated_column=deletes_updated_column)}


def postgresql_model(name: str, conninfo: str, table: str, *, id_column: str = "id",
                     updated_column: str = "updated_at", deletes_table: str | None = None,
                     deletes_id_column: str | None = None,
                     deletes_updated_column: str | None = None) -> dict[str, Any]:
    """A model read from a PostgreSQL table; a password in ``conninfo`` is kept as a secret."""
    return {"name": name, "source": given(kind="postgresql", database=conninfo, table=table, id_column=id_column,
                                           updated_column=updated_column, deletes_table=deletes_table,
                                           deletes_id_column=deletes_id_column,
                                           deletes_updated_column=deletes_updated_column)}


def registered_model(name: str, source: str) -> dict[str, Any]:
    """A model read from a source registered with Catalog.register_record_source."""
    return {"name": name, "source": {"kind": "registered", "database": source}}


class ExportRun(Snapshot):
    """One run of an export job: ``state`` ("running", "succeeded", "failed"), its window
    (``folder``, ``window_opened``, ``upper_bound``), ``attempt``, counts (``rows``,
    ``tombstones``, ``files``, ``bytes``, per model in ``models``), times, ``error`` (a dict
    for failed runs) and ``manifest_key``."""

    id: str | None
    job_id: str | None
    attempt: int | None
    folder: str | None
    window_opened: str | None
    upper_bound: str | None
    state: str | None
    started_at: str | None
    finished_at: str | None
    duration_ms: int | None
    rows: int | None
    tombstones: int | None
    files: int | None
    bytes: int | None
    models: list[dict[str, Any]] | None
    error: dict[str, Any] | None
    manifest_key: str | None

    FIELDS = ("id", "job_id", "attempt", "folder", "window_opened", "upper_bound", "state", "started_at",
              "finished_at", "duration_ms", "rows", "tombstones", "files", "bytes", "models", "error",
              "manifest_key")

    @property
    def succeeded(self) -> bool:
        """Whether the run finished and wrote its manifest."""
        return self.state == "succeeded"

    def __repr__(self) -> str:
        return (f"ExportRun(job_id={self.job_id!r}, folder={self.folder!r}, "
                f"state={self.state!r}, rows={self.rows!r})")


class ExportJob(Record):
    """An export job of the catalog (see cloudsync_catalog_export_job_create for the members):
    id, name, integration, integration_id, prefix, frequency_hours, models, options, created_at,
    first_run_at, next_run_at, status ("ACTIVE", "RUNNING", "FAILED", "DISABLED")."""

    id: str
    name: str
    integration: str | None
    integration_id: str | None
    prefix: str | None
    frequency_hours: int | None
    models: list[dict[str, Any]] | None
    options: dict[str, Any] | None
    created_at: str | None
    first_run_at: str | None
    next_run_at: str | None
    status: str | None

    FIELDS = ("id", "name", "integration", "integration_id", "prefix", "frequency_hours", "models", "options",
              "created_at", "first_run_at", "next_run_at", "status")

    def refresh(self) -> ExportJob:
        """Reads the job again from the catalog."""
        self._load(call_json(_native.lib().cloudsync_catalog_export_job_get, self.catalog.handle,
                             encode(self._data["id"])))
        return self

    def run(self, now: Moment = None, *, owner: str | None = None, lease_s: int | None = None,
            cancel: CancelToken | None = None) -> ExportRun:
        """Runs the job now, whatever its schedule (its unfinished window if it has one).

        A failed run raises its mapped error with ``.run`` (an ExportRun) and ``.result``
        (its dict) set; when a Python record source raised, that exception is its cause.
        ConflictError while another process holds the job's lease.
        """
        options = given(now=rfc3339(now), owner=owner, lease_s=lease_s)
        errors_before = self.catalog._source_error_count()
        op = Operation(None, cancel)
        try:
            data = op.call_json(_native.lib().cloudsync_catalog_export_job_run, self.catalog.handle,
                                encode(self._data["id"]), encode(options or None), op.cancel_handle)
        except CloudsyncError as error:
            error.run = ExportRun(error.result) if error.result else None
            cause = self.catalog._source_error_since(errors_before)
            if cause is not None:
                raise error from cause
            raise
        return ExportRun(data)

    def update(self, *, name: str | None = None, frequency_hours: int | None = None,
               models: list[dict[str, Any]] | None = None, options: dict[str, Any] | None = None,
               enabled: bool | None = None) -> ExportJob:
        """Changes the given members (``models`` replaces them: a new model starts with everything;
        ``options`` changes the fields given; ``enabled=False`` disables the job). Returns this object."""
        changes = given(name=name, frequency_hours=frequency_hours, models=models, options=options,
                         enabled=enabled)
        self._load(call_json(_native.lib().cloudsync_catalog_export_job_update, self.catalog.handle,
                             encode(self._data["id"]), encode(changes)))
        return self

    def delete(self) -> None:
        """Forgets the job, its watermarks and its history; no object is deleted."""
        call(_native.lib().cloudsync_catalog_export_job_delete, self.catalog.handle, encode(self._data["id"]))

    def history(self, state: str | None = None, since: Moment = None, until: Moment = None,
                page_size: int = 100) -> Iterator[ExportRun]:
        """This job's runs, newest first (see Catalog.export_history)."""
        return self.catalog.export_history(self._data["id"], state, since, until, page_size)

    def __repr__(self) -> str:
        return (f"ExportJob(id={self.id!r}, name={self.name!r}, "
                f"frequency_hours={self.frequency_hours!r}, status={self.status!r})")


class ExportScheduler(NativeHandle):
    """A thread running the due export jobs of a catalog (a context manager; leaving it stops it).

    Each finished run reaches ``on_run(ExportRun)`` on the scheduler's thread;
    an exception raised there is logged to logging.getLogger("cloudsync") and
    kept in ``callback_errors``.
    """

    def __init__(self, catalog: Catalog, options: dict[str, Any],
                 on_run: Callable[[ExportRun], None] | None) -> None:
        self.catalog = catalog  # the catalog must outlive the scheduler
        self.callback_errors: list[BaseException] = []
        self._on_run = on_run
        self._lock = threading.Lock()
        self._run_fn = make_callback(_native.EXPORT_RUN_FN, self._deliver, self._callback_failed)
        self._handle: Any = None
        op = Operation()
        self._handle = op.open_handle(_native.lib().cloudsync_export_scheduler_start, catalog.handle,
                                      encode(options), self._run_fn, None)

    def _deliver(self, run_json: bytes | None, _user: Any) -> None:
        if self._on_run is not None and run_json:
            self._on_run(ExportRun(json.loads(run_json)))

    def _callback_failed(self, error: BaseException) -> None:
        logger.error("cloudsync export scheduler's on_run raised %r", error, exc_info=error)
        with self._lock:
            self.callback_errors.append(error)

    @property
    def running(self) -> bool:
        """Whether the scheduler still runs."""
        return self._handle is not None

    _what = "the export scheduler"
    _ended = "stopped"

    def stop(self) -> None:
        """Stops it: a running export is cancelled and its window left for the next run. Idempotent."""
        self.close()
        self.catalog._schedulers.discard(self)

    def _release(self, handle: Any) -> None:
        lib = _native.lib()
        lib.cloudsync_export_scheduler_stop(handle)
        lib.cloudsync_export_scheduler_free(handle)

    def __repr__(self) -> str:
        return f"ExportScheduler({'running' if self._handle is not None else 'stopped'})"


class RecordSource:
    """A host's record source registered with a catalog; the ctypes callbacks live as long as it."""

    def __init__(self, name: str, read_records: ReadRecords, read_deletions: ReadRecords | None,
                 on_error: Callable[[BaseException], None]) -> None:
        self.name = name
        self.read_fn = make_callback(_native.RECORD_READ_FN, self._reader(read_records), on_error, EINTERNAL)
        self.deletions_fn = (make_callback(_native.RECORD_READ_FN, self._reader(read_deletions), on_error, EINTERNAL)
                             if read_deletions is not None else _native.RECORD_READ_FN())

    def _reader(self, read: ReadRecords) -> Callable[[bytes, Any, Any], int]:
        def fill(request_json: bytes, page: Any, _user: Any) -> int:
            lib = _native.lib()
            try:
                request = json.loads(request_json)
                limit = int(request.get("max_records", 0))
                added = 0
                for updated_at, record_id, record in read(request):
                    if limit and added >= limit:
                        break
                    rc = lib.cloudsync_record_page_add(page, _text(updated_at).encode(),
                                                       json.dumps(record_id).encode(), json.dumps(record).encode())
                    if rc != 0:
                        return rc
                    added += 1
                return 0
            except BaseException as e:  # noqa: B902 -- the run fails with the exception named
                code = e.code if isinstance(e, CloudsyncError) else EINTERNAL
                message = f"record source {self.name!r}: {type(e).__name__}: {e}"
                lib.cloudsync_record_page_fail(page, code, message.encode("utf-8", "replace"))
                raise  # make_callback hands it to on_error and returns the failure code
        return fill


def _text(updated_at: Any) -> str:
    """An updated_at as the source gives it: text as is, a datetime as RFC 3339."""
    if isinstance(updated_at, datetime.datetime):
        return updated_at.isoformat() if updated_at.tzinfo is None else str(rfc3339(updated_at))
    return str(updated_at)


class ExportMethods:
    """The record export methods of Catalog (a mixin: Catalog provides ``handle``)."""

    handle: Any

    def _init_exports(self) -> None:
        # Strong references: a scheduler runs until stopped or until the catalog closes, even when
        # the host keeps no reference to it.
        self._schedulers: set[ExportScheduler] = set()
        self._record_sources: dict[str, RecordSource] = {}
        self._source_errors: list[BaseException] = []
        self._source_errors_lock = threading.Lock()

    def _stop_schedulers(self) -> None:
        for scheduler in list(self._schedulers):
            scheduler.stop()

    def _source_failed(self, error: BaseException) -> None:
        logger.error("cloudsync record source raised %r", error, exc_info=error)
        with self._source_errors_lock:
            self._source_errors.append(error)

    def _source_error_count(self) -> int:
        with self._source_errors_lock:
            return len(self._source_errors)

    def _source_error_since(self, count: int) -> BaseException | None:
        with self._source_errors_lock:
            return self._source_errors[count] if len(self._source_errors) > count else None

    def create_export_job(self, name: str, integration: str, models: list[dict[str, Any]], *, prefix: str = "",
                          frequency_hours: int = 24, first_run_delay_s: int | None = None,
                          options: dict[str, Any] | None = None) -> ExportJob:
        """Registers a job writing `models` (see sqlite_model, postgresql_model, registered_model)
        to `integration` (name or id; it needs writeback) under `prefix`, every 1 to 168 hours.
        ``options``: visibility_lag_s, max_file_rows, max_file_bytes, gzip, ids_as_strings,
        page_records. InvalidArgumentError, NotFoundError (integration), PermissionDeniedError
        (no writeback), AlreadyExistsError (name)."""
        spec = given(name=name, integration=integration, prefix=prefix, frequency_hours=frequency_hours,
                      first_run_delay_s=first_run_delay_s, models=models, options=options)
        return ExportJob(catalog_of(self), call_json(_native.lib().cloudsync_catalog_export_job_create, self.handle,
                                                     encode(spec)))

    def export_job(self, id_or_name: str) -> ExportJob:
        """One job by id or name."""
        return ExportJob(catalog_of(self), call_json(_native.lib().cloudsync_catalog_export_job_get, self.handle,
                                                     encode(id_or_name)))

    def export_jobs(self) -> list[ExportJob]:
        """Every job, in creation order."""
        return [ExportJob(catalog_of(self), j) for j in
                call_json(_native.lib().cloudsync_catalog_export_job_list, self.handle, 0, 0)]

    def run_due_exports(self, now: Moment = None, *, owner: str | None = None, lease_s: int | None = None,
                        cancel: CancelToken | None = None) -> list[ExportRun]:
        """Runs every job due at `now` (default: the clock), skipping those another process holds;
        failed runs are among the results (nothing is raised for them)."""
        op = Operation(None, cancel)
        data = op.call_json(_native.lib().cloudsync_catalog_export_run_due, self.handle,
                            encode(given(now=rfc3339(now), owner=owner, lease_s=lease_s) or None), op.cancel_handle)
        return [ExportRun(r) for r in data or []]

    @staticmethod
    def _history_filter(job: str | ExportJob | None, state: str | None, since: Moment,
                        until: Moment) -> dict[str, Any]:
        job_id = job._data["id"] if isinstance(job, ExportJob) else job
        return given(job=job_id, state=state, since=rfc3339(since), until=rfc3339(until))

    def export_history(self, job: str | ExportJob | None = None, state: str | None = None, since: Moment = None,
                       until: Moment = None, page_size: int = 100) -> Iterator[ExportRun]:
        """Runs newest first, fetched page by page as consumed; filters: a job (id, name or
        ExportJob), a state ("running", "succeeded", "failed"), a time range."""
        text = encode(self._history_filter(job, state, since, until))
        lib = _native.lib()

        def fetch(count: int, offset: int) -> list[dict[str, Any]]:
            return call_json(lib.cloudsync_catalog_export_history, self.handle, text, count, offset) or []
        return (ExportRun(r) for r in paged(fetch, None, 0, page_size))

    def count_export_runs(self, job: str | ExportJob | None = None, state: str | None = None, since: Moment = None,
                          until: Moment = None) -> int:
        """How many runs the filters (as for export_history) match."""
        return call_count(_native.lib().cloudsync_catalog_export_history_count, self.handle,
                          encode(self._history_filter(job, state, since, until)))

    def register_record_source(self, name: str, read_records: ReadRecords,
                               read_deletions: ReadRecords | None = None) -> None:
        """Makes a Python record source available to jobs as registered_model(model, name) for as
        long as the catalog is open. ``read_deletions`` (optional) is its delete feed: its records'
        dicts are unused, each id is written as a tombstone."""
        source = RecordSource(name, read_records, read_deletions, self._source_failed)
        call(_native.lib().cloudsync_catalog_record_source_register, self.handle, encode(name), source.read_fn,
             source.deletions_fn, None)
        self._record_sources[name] = source  # the C side calls its callbacks until the catalog closes

    def start_export_scheduler(self, *, poll_s: int = 30, owner: str = "", lease_s: int = 300,
                               on_run: Callable[[ExportRun], None] | None = None) -> ExportScheduler:
        """Starts a scheduler thread: each job's first run shortly after its creation, then every
        frequency_hours; runs never overlap. Closing the catalog stops it."""
        scheduler = ExportScheduler(catalog_of(self), {"poll_s": poll_s, "owner": owner, "lease_s": lease_s},
                                    on_run)
        self._schedulers.add(scheduler)
        return scheduler
