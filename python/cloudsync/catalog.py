"""The catalog: an organisation's integrations, projects and connections (cloudsync_catalog_*).

    with Catalog("/srv/catalog") as cat:
        sales = cat.create_integration("Sales", "s3://acme-sales/exports", options={"region": "eu-west-1"},
                                       secrets={"secret_access_key": "env:SALES_SECRET"})
        print(sales.check().status)               # CONNECTED, or DISCONNECTED with .reason, .missing_action
        cat.add_project("analysis", "/srv/projects/analysis")
        conn = cat.connect("analysis", "Sales", selected_folders=["reports"])
        with conn.diff() as plan:                 # what a synchronisation would do now
            result = conn.sync(plan=plan)         # exactly that plan, or ConflictError if the remote moved

Records (Integration, Project, Connection, CheckResult) are snapshots of the
catalog's JSON; ``refresh()`` reads them again. Secrets are never part of
them: they live in the catalog's 0600 secrets file, as ``env:`` references,
or in memory (``credentials=``, ``set_credentials``).
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import _native
from ._call import Operation, call, call_count, call_json, encode, open_handle
from ._handle import NativeHandle
from ._snapshot import DEFAULT_PAGE_SIZE, Record, given, paged
from .kili import KiliMethods
from .plan import OperationResult, Plan
from .progress import CancelToken, ProgressArg
from .records import ExportMethods

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a status check: ``status`` ("CONNECTED", "DISCONNECTED", ...), ``reason``
    ("NONE", "MISSING_PERMISSION", ...), ``missing_action`` ("list", "read", "write", "delete" or
    None), the provider's ``provider_code`` and ``http_status``, ``message``, ``checked_at``,
    ``duration_ms`` and the steps that ``passed``; ``integration_id`` for check_all's items."""

    status: str
    reason: str = "NONE"
    missing_action: str | None = None
    provider_code: str | None = None
    http_status: int | None = None
    message: str = ""
    checked_at: str | None = None
    duration_ms: int | None = None
    passed: list[str] = field(default_factory=list)
    integration_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        """A CheckResult from the check's JSON."""
        return cls(status=data.get("status", ""), reason=data.get("reason") or "NONE",
                   missing_action=data.get("missing_action") or None,
                   provider_code=data.get("provider_code") or None, http_status=data.get("http_status") or None,
                   message=data.get("message", ""), checked_at=data.get("checked_at"),
                   duration_ms=data.get("duration_ms"), passed=list(data.get("passed") or []),
                   integration_id=data.get("integration_id"))

    @property
    def connected(self) -> bool:
        """Whether the check found the integration usable."""
        return self.status == "CONNECTED"


class Integration(Record):
    """A storage integration of the catalog (see cloudsync_catalog_integration_create for the members)."""

    id: str
    name: str
    platform: str | None
    type: str | None
    url: str | None
    folder: str | None
    writeback: bool | None
    selected_folders: list[str] | None
    allowed_projects: list[str] | None
    allowed_paths: list[str] | None
    options: dict[str, str] | None
    status: str | None
    status_reason: str | None
    missing_action: str | None
    status_message: str | None
    created_at: str | None
    updated_at: str | None
    last_checked: str | None

    FIELDS = ("id", "name", "platform", "type", "url", "folder", "writeback", "selected_folders",
              "allowed_projects", "allowed_paths", "options", "status", "status_reason", "missing_action",
              "status_message", "created_at", "updated_at", "last_checked")

    def refresh(self) -> Integration:
        """Reads the integration again from the catalog."""
        self._load(self.catalog._integration_json(self._data["id"]))
        return self

    def check(self, cancel: CancelToken | None = None) -> CheckResult:
        """Probes the store (list, read, and with writeback write and delete); the outcome becomes
        the integration's status, which this object then shows too."""
        result = self.catalog._check(self._data["id"], cancel)
        self.refresh()
        return result

    def update(self, **changes: Any) -> Integration:
        """Changes the given members: name, url, writeback, options (replaces them), secrets
        (replaces the stored ones; {} forgets them), selected_folders, allowed_projects,
        allowed_paths. A change of URL, writeback, options, allowed paths or secrets resets the
        status to UNCHECKED. Returns this object, updated."""
        self._load(call_json(_native.lib().cloudsync_catalog_integration_update, self.catalog.handle,
                             encode(self._data["id"]), encode(changes)))
        return self

    def delete(self, force: bool = False) -> None:
        """Deletes the integration, its secrets and its connections' manifests (no file is deleted).
        ConflictError while it has connections or export jobs, unless force."""
        call(_native.lib().cloudsync_catalog_integration_delete, self.catalog.handle, encode(self._data["id"]),
             int(force))

    def secret_names(self) -> list[str]:
        """The names of the secrets stored for it, never their values."""
        return list(call_json(_native.lib().cloudsync_catalog_integration_secret_names, self.catalog.handle,
                              encode(self._data["id"])).get("secret_names", []))

    def connections(self) -> list[Connection]:
        """The projects' connections to this integration."""
        return list(self.catalog.connections(integration=self._data["id"]))

    def __repr__(self) -> str:
        return f"Integration(id={self.id!r}, name={self.name!r}, platform={self.platform!r}, status={self.status!r})"


class Project(Record):
    """A project of the catalog: ``id``, ``name``, ``root`` (where its external-files/ live), ``created_at``."""

    id: str
    name: str
    root: str | None
    created_at: str | None

    FIELDS = ("id", "name", "root", "created_at")

    def connections(self) -> list[Connection]:
        """The project's connections."""
        return list(self.catalog.connections(project=self._data["id"]))

    def remove(self) -> None:
        """Forgets the project; no file is deleted."""
        self.catalog.remove_project(self._data["id"])

    def __repr__(self) -> str:
        return f"Project(id={self.id!r}, name={self.name!r}, root={self.root!r})"


class Connection(Record):
    """A project's connection to an integration (see cloudsync_catalog_connection_add for the members)."""

    id: str
    project_id: str | None
    integration_id: str | None
    folder: str | None
    selected_folders: list[str] | None
    include: list[str] | None
    exclude: list[str] | None
    created_at: str | None
    last_checked: str | None
    number_of_assets: int | None
    is_checking: bool | None

    FIELDS = ("id", "project_id", "integration_id", "folder", "selected_folders", "include", "exclude",
              "created_at", "last_checked", "number_of_assets", "is_checking")

    def refresh(self) -> Connection:
        """Reads the connection again from the catalog."""
        self._load(call_json(_native.lib().cloudsync_catalog_connection_get, self.catalog.handle,
                             encode(self._data["id"])))
        return self

    def files(self) -> list[dict[str, Any]]:
        """The files the connection tracks: path, origin, size, remote_etag, sha256."""
        return list(call_json(_native.lib().cloudsync_catalog_connection_files, self.catalog.handle,
                              encode(self._data["id"])).get("files", []))

    def diff(self, delete_extraneous_files: bool = False, cancel: CancelToken | None = None) -> Plan:
        """What synchronising (remote -> project) would do now, as a Plan; changes nothing.
        Apply exactly it with sync(plan=...)."""
        op = Operation(None, cancel)
        handle = op.open_handle(_native.lib().cloudsync_connection_diff, self.catalog.handle,
                                encode(self._data["id"]), encode({"delete_extraneous_files": delete_extraneous_files}),
                                op.cancel_handle)
        return Plan(handle, applicable=False)

    def sync(self, *, delete_extraneous_files: bool = False, dry_run: bool = False, max_delete: int | None = None,
             plan: Plan | None = None, progress: ProgressArg = None,
             cancel: CancelToken | None = None) -> OperationResult:
        """Synchronises the connection (remote -> project): adds and updates, then (with
        delete_extraneous_files) deletions under max_delete, never after a failure.

        With ``plan`` (from diff()), exactly that plan is applied, or ConflictError is raised
        (nothing changed) when the remote or the project changed since. A dry run reports
        through the same path and changes nothing. A failed action raises its error with
        ``.result`` the operation result.
        """
        request = given(delete_extraneous_files=delete_extraneous_files, dry_run=dry_run, max_delete=max_delete)
        op = Operation(progress, cancel)
        data = op.call_json(_native.lib().cloudsync_connection_sync, self.catalog.handle, encode(self._data["id"]),
                            encode(request), plan.handle if plan is not None else None, op.progress_fn, None,
                            op.cancel_handle)
        return OperationResult.from_dict(data)

    def remove(self) -> None:
        """Forgets the connection and its manifest; no file is deleted."""
        call(_native.lib().cloudsync_catalog_connection_remove, self.catalog.handle, encode(self._data["id"]))

    def __repr__(self) -> str:
        return (f"Connection(id={self.id!r}, project_id={self.project_id!r}, "
                f"integration_id={self.integration_id!r}, folder={self.folder!r})")


class Catalog(NativeHandle, KiliMethods, ExportMethods):
    """An organisation's catalog of integrations, projects and connections (a context manager).

    ``state_dir`` holds the SQLite database (or, with ``database`` -- a libpq
    conninfo or postgresql:// URI -- only the secrets file while PostgreSQL
    keeps the rest). ``credentials`` maps integration names or ids to secrets
    kept in memory only. Neither the conninfo nor any secret appears in the
    repr, in results or in exception messages.
    """

    def __init__(self, state_dir: PathLike, *, database: str | None = None, transfers: int | None = None,
                 max_files: int | None = None, max_file_size: int | None = None,
                 busy_timeout_ms: int | None = None, credentials: dict[str, dict[str, str]] | None = None) -> None:
        self.state_dir = os.fspath(state_dir)
        self._shared = bool(database)
        self.page_size = DEFAULT_PAGE_SIZE
        self._init_exports()
        options = given(database=database, transfers=transfers, max_files=max_files, max_file_size=max_file_size,
                        busy_timeout_ms=busy_timeout_ms, credentials=credentials)
        self._handle: ctypes.c_void_p | None = open_handle(_native.lib().cloudsync_catalog_open,
                                                           encode(self.state_dir), encode(options))

    # ----- integrations -----

    def set_credentials(self, integration: str, secrets: dict[str, str] | None) -> None:
        """Sets (replaces) the in-memory secrets of one integration (name or id); None or {} forgets them."""
        call(_native.lib().cloudsync_catalog_set_credentials, self.handle, encode(integration), encode(secrets or {}))

    def create_integration(self, name: str, url: str, *, writeback: bool = False, type: str | None = None,
                           selected_folders: list[str] | None = None, allowed_projects: list[str] | None = None,
                           allowed_paths: list[str] | None = None, options: dict[str, str] | None = None,
                           secrets: dict[str, str] | None = None) -> Integration:
        """Registers an integration. ``options`` are non-secret backend options; ``secrets``
        (values or "env:NAME" references) go to the 0600 secrets file, never the database.
        AlreadyExistsError for a taken name; InvalidArgumentError for a secret among the
        options, an option the URL's provider does not take, or a bad URL."""
        spec = given(name=name, url=url, writeback=writeback, type=type, selected_folders=selected_folders,
                     allowed_projects=allowed_projects, allowed_paths=allowed_paths, options=options)
        return Integration(self, call_json(_native.lib().cloudsync_catalog_integration_create, self.handle,
                                           encode(spec), encode(secrets)))

    def _integration_json(self, id_or_name: str) -> dict[str, Any]:
        return call_json(_native.lib().cloudsync_catalog_integration_get, self.handle, encode(id_or_name))

    def integration(self, id_or_name: str) -> Integration:
        """One integration by id or name (NotFoundError when neither matches)."""
        return Integration(self, self._integration_json(id_or_name))

    @staticmethod
    def _integration_filter(id: str | None = None, name: str | None = None, platform: str | None = None,
                            status: str | None = None, writeback: bool | None = None,
                            project: str | None = None) -> dict[str, Any]:
        return given(id=id, name=name, platform=platform, status=status, writeback=writeback, project=project)

    def _list_pages(self, function: str, member: str, filter: dict[str, Any], first: int | None, skip: int,
                    page_size: int) -> Iterator[dict[str, Any]]:
        """The `member` array of a cloudsync_catalog_*_list function's pages, fetched as consumed."""
        fn, text = getattr(_native.lib(), function), encode(filter)

        def fetch(count: int, offset: int) -> list[dict[str, Any]]:
            return list(call_json(fn, self.handle, text, count, offset).get(member, []))
        return paged(fetch, first, skip, page_size)

    def _integration_pages(self, filter: dict[str, Any], first: int | None, skip: int,
                           page_size: int) -> Iterator[dict[str, Any]]:
        return self._list_pages("cloudsync_catalog_integration_list", "integrations", filter, first, skip, page_size)

    def integrations(self, *, id: str | None = None, name: str | None = None, platform: str | None = None,
                     status: str | None = None, writeback: bool | None = None, project: str | None = None,
                     page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Integration]:
        """The integrations the filters match, in creation order, fetched page by page as consumed.

        ``name`` is exact and case-insensitive; ``platform`` "AWS", "Azure", "GCP", "GoogleDrive",
        "Local" or "Memory"; ``status`` "UNCHECKED", "CHECKING", "CONNECTED" or "DISCONNECTED";
        ``project`` a project (id or name) that may use them.
        """
        filter = self._integration_filter(id, name, platform, status, writeback, project)
        return (Integration(self, data) for data in self._integration_pages(filter, None, 0, page_size))

    def count_integrations(self, *, id: str | None = None, name: str | None = None, platform: str | None = None,
                           status: str | None = None, writeback: bool | None = None,
                           project: str | None = None) -> int:
        """How many integrations the filters (as for integrations()) match."""
        return call_count(_native.lib().cloudsync_catalog_integration_count, self.handle,
                          encode(self._integration_filter(id, name, platform, status, writeback, project)))

    def _check(self, id_or_name: str, cancel: CancelToken | None) -> CheckResult:
        op = Operation(None, cancel)
        return CheckResult.from_dict(op.call_json(_native.lib().cloudsync_catalog_check, self.handle,
                                                  encode(id_or_name), op.cancel_handle))

    def check_all(self, *, id: str | None = None, name: str | None = None, platform: str | None = None,
                  status: str | None = None, writeback: bool | None = None, project: str | None = None,
                  concurrency: int = 8, cancel: CancelToken | None = None) -> list[CheckResult]:
        """Checks every integration the filters match, `concurrency` at a time; each result names
        its ``integration_id`` (status "CHECKING" with reason "ERROR": another process checks it)."""
        op = Operation(None, cancel)
        data = op.call_json(_native.lib().cloudsync_catalog_check_all, self.handle,
                            encode(self._integration_filter(id, name, platform, status, writeback, project)),
                            concurrency, op.cancel_handle)
        return [CheckResult.from_dict(c) for c in data.get("checks", [])]

    # ----- projects -----

    def add_project(self, name: str, root: PathLike) -> Project:
        """Registers a project (or returns it when one with this name has this root;
        AlreadyExistsError when it has another)."""
        return Project(self, call_json(_native.lib().cloudsync_catalog_project_add, self.handle, encode(name),
                                       encode(os.fspath(root))))

    def projects(self) -> list[Project]:
        """Every project of the catalog."""
        return [Project(self, p) for p in
                call_json(_native.lib().cloudsync_catalog_project_list, self.handle).get("projects", [])]

    def remove_project(self, id_or_name: str) -> None:
        """Forgets a project; no file is deleted."""
        call(_native.lib().cloudsync_catalog_project_remove, self.handle, encode(id_or_name))

    # ----- connections -----

    def connect(self, project: str | Project, integration: str | Integration, *,
                selected_folders: list[str] | None = None, include: list[str] | None = None,
                exclude: list[str] | None = None) -> Connection:
        """Connects a project to an integration (ids, names or records). ``selected_folders`` are
        remote folders on path boundaries (default: the integration's); ``include``/``exclude``
        are globs on the remote key. PermissionDeniedError when the integration does not allow
        the project or a folder lies outside its allowed paths; AlreadyExistsError when connected."""
        spec = given(project=_id_of(project), integration=_id_of(integration), selected_folders=selected_folders,
                     include=include, exclude=exclude)
        return Connection(self, call_json(_native.lib().cloudsync_catalog_connection_add, self.handle, encode(spec)))

    def connection(self, id: str) -> Connection:
        """One connection by id (NotFoundError when there is none)."""
        return Connection(self, call_json(_native.lib().cloudsync_catalog_connection_get, self.handle, encode(id)))

    def _connection_pages(self, filter: dict[str, Any], first: int | None, skip: int,
                          page_size: int) -> Iterator[dict[str, Any]]:
        return self._list_pages("cloudsync_catalog_connection_list", "connections", filter, first, skip, page_size)

    def connections(self, project: str | Project | None = None, integration: str | Integration | None = None,
                    page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Connection]:
        """The connections of a project and/or an integration (all without filters), fetched
        page by page as consumed."""
        filter = given(project=_id_of(project), integration=_id_of(integration))
        return (Connection(self, data) for data in self._connection_pages(filter, None, 0, page_size))

    def count_connections(self, project: str | Project | None = None,
                          integration: str | Integration | None = None) -> int:
        """How many connections the filters (as for connections()) match."""
        return call_count(_native.lib().cloudsync_catalog_connection_count, self.handle,
                          encode(given(project=_id_of(project), integration=_id_of(integration))))

    # ----- life cycle -----

    _what = "the catalog"

    def close(self) -> None:
        """Stops this catalog's export schedulers and closes it (registered record sources end with it)."""
        self._stop_schedulers()
        super().close()

    def _release(self, handle: ctypes.c_void_p) -> None:
        _native.lib().cloudsync_catalog_close(handle)

    def __repr__(self) -> str:
        where = "PostgreSQL" if self._shared else "SQLite"
        return f"Catalog({self.state_dir!r}, {where}{', closed' if self._handle is None else ''})"


def _id_of(value: str | Record | None) -> str | None:
    """An id or name as given, or a record's id."""
    if isinstance(value, Record):
        return value.id
    return value

