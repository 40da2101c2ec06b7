"""The page and its JSON API, authenticated like every Jupyter handler (token or login cookie).

    GET  /cloudsync               the page (static HTML that reads the API)
    GET  /cloudsync/api/status    the project, its integrations, the session, the last exports, the queue
    POST /cloudsync/api/import    {"integration": "...", "selectors": ["data/", "*.csv"], "dry_run": false}
    POST /cloudsync/api/check     {"integration": "..."} or {} for all of the project's integrations
    POST /cloudsync/api/flush     {"timeout_s": 30} (optional)

Failures answer {"error": {"type", "code_name", "message", "http_status", "provider_code",
"missing_action"}} with the HTTP status the error's class maps to.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any, Awaitable

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

import cloudsync

from .project import ProjectSync, error_dict

PAGE = pathlib.Path(__file__).with_name("page.html")

#: The HTTP status of each error class (the most specific first); anything else is a 500.
HTTP_STATUS_OF_ERROR: tuple[tuple[type[BaseException], int], ...] = (
    (cloudsync.InvalidArgumentError, 400),
    (cloudsync.NotFoundError, 404),
    (cloudsync.PermissionDeniedError, 403),
    (cloudsync.AuthenticationError, 401),
    (cloudsync.AlreadyExistsError, 409),
    (cloudsync.ConflictError, 409),
    (cloudsync.PreconditionFailedError, 412),
    (cloudsync.LimitExceededError, 413),
    (cloudsync.ThrottledError, 429),
    (cloudsync.CancelledError, 499),
    (cloudsync.NetworkError, 502),
    (cloudsync.BadResponseError, 502),
    (cloudsync.UnsupportedError, 501),
    (cloudsync.DeadlineError, 504),
)


def http_status_of(error: BaseException) -> int:
    """The HTTP status a client gets for a library error."""
    for error_class, status in HTTP_STATUS_OF_ERROR:
        if isinstance(error, error_class):
            return status
    return 500


class CloudsyncHandler(ExtensionHandlerMixin, APIHandler):
    """Base of the JSON API: the project, the request's JSON, errors as JSON."""

    @property
    def project(self) -> ProjectSync:
        """The server's project (made by CloudsyncExtension.initialize_settings)."""
        return self.settings["cloudsync_project"]

    def request_json(self) -> dict[str, Any]:
        """The request's JSON object ({} for an empty body); a 400 for anything else."""
        if not self.request.body:
            return {}
        try:
            value = json.loads(self.request.body)
        except ValueError as error:
            raise web.HTTPError(400, f"the request body is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise web.HTTPError(400, "the request body must be a JSON object")
        return value

    async def answer(self, work: Awaitable[Any]) -> None:
        """Sends what `work` returns, or the library's error with its mapped HTTP status."""
        try:
            value = await work
        except cloudsync.CloudsyncError as error:
            self.set_status(http_status_of(error))
            value = {"error": error_dict(error)}
        self.finish(json.dumps(value))


class StatusHandler(CloudsyncHandler):
    """GET /cloudsync/api/status."""

    @web.authenticated
    async def get(self) -> None:
        """The page's data (see ProjectSync.status)."""
        await self.answer(self.project.status())


class ImportHandler(CloudsyncHandler):
    """POST /cloudsync/api/import."""

    @web.authenticated
    async def post(self) -> None:
        """Imports the selected files of one integration into its folder."""
        body = self.request_json()
        integration, selectors, dry_run = body.get("integration"), body.get("selectors"), body.get("dry_run", False)
        unknown = sorted(set(body) - {"integration", "selectors", "dry_run"})
        if unknown:
            raise web.HTTPError(400, f"unknown field(s) {unknown}: expected integration, selectors, dry_run")
        if not isinstance(integration, str) or not integration:
            raise web.HTTPError(400, "'integration' must be an integration's name")
        if not isinstance(selectors, list) or not selectors or not all(isinstance(s, str) for s in selectors):
            raise web.HTTPError(400, "'selectors' must be a non-empty list of keys, folders or globs")
        if not isinstance(dry_run, bool):
            raise web.HTTPError(400, "'dry_run' must be true or false")
        await self.answer(self.project.import_files(integration, selectors, dry_run))


class CheckHandler(CloudsyncHandler):
    """POST /cloudsync/api/check."""

    @web.authenticated
    async def post(self) -> None:
        """Checks one integration ({"integration": name}) or all of the project's; answers {"checks": [...]}."""
        integration = self.request_json().get("integration")
        if integration is not None and not isinstance(integration, str):
            raise web.HTTPError(400, "'integration' must be an integration's name")

        async def checks() -> dict[str, Any]:
            return {"checks": await self.project.check(integration)}

        await self.answer(checks())


class FlushHandler(CloudsyncHandler):
    """POST /cloudsync/api/flush."""

    @web.authenticated
    async def post(self) -> None:
        """Exports what was written so far, waiting up to timeout_s; answers what is left."""
        timeout_s = self.request_json().get("timeout_s")
        if timeout_s is not None and (not isinstance(timeout_s, (int, float)) or timeout_s < 0):
            raise web.HTTPError(400, "'timeout_s' must be a number of seconds")
        await self.answer(self.project.flush(timeout_s))


class PageHandler(ExtensionHandlerMixin, JupyterHandler):
    """GET /cloudsync: the page."""

    @web.authenticated
    def get(self) -> None:
        """The page: static HTML; its script reads the JSON API with the page's own token."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(PAGE.read_bytes())


def handlers() -> list[tuple[str, type[web.RequestHandler]]]:
    """The extension's URL patterns (below the server's base_url)."""
    return [
        (r"/cloudsync/?", PageHandler),
        (r"/cloudsync/api/status", StatusHandler),
        (r"/cloudsync/api/import", ImportHandler),
        (r"/cloudsync/api/check", CheckHandler),
        (r"/cloudsync/api/flush", FlushHandler),
    ]
