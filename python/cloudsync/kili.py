"""Kili SDK-shaped methods of Catalog: the same names, parameters, defaults and return shapes as
``kili.cloud_storage_integrations(...)`` and friends, so code written for Kili's cloud storage
module runs against a local catalog.

- Results are lists of dicts (or, with ``as_generator=True``, generators that fetch one page at a
  time as they are consumed), with the keys ``fields`` asks for. Field names are Kili's camelCase
  GraphQL names ("id", "name", "platform", "status", "allowedPaths", "lastChecked",
  "numberOfAssets", "selectedFolders", "projectId", ...; dotted ones such as
  "dataIntegration.name" give nested dicts); the snake_case names of the catalog's JSON work
  too. A field the catalog does not have -- in particular every secret Kili can return, such as
  "azureSASToken" -- is an InvalidArgumentError naming the fields there are.
- ``first`` / ``skip`` page as in Kili (``first=None``: all); ``disable_tqdm`` is accepted and
  has no effect (a local catalog answers at once; no bar is drawn).
- Platforms are Kili's ("AWS", "Azure", "GCP"; "CustomS3" is an S3-compatible store, listed as
  "AWS") plus "GoogleDrive", "Local" and "Memory"; statuses Kili's ("CONNECTED",
  "DISCONNECTED", "CHECKING") plus "UNCHECKED" (never checked, or changed since).
- Kili arguments this catalog cannot honour raise UnsupportedError naming the argument instead of
  being ignored: ``organization_id`` (a catalog is one organisation: ignoring the filter would
  return rows the caller did not ask for), AWS role and access-point arguments, Azure service
  credentials, ``include_root_files``, ``internal_processing_authorized``, and setting
  ``status`` or ``platform`` by hand (the status is what a check finds; the platform follows
  the URL).
- Errors are this package's exceptions (mapped from codes), e.g. NotFoundError for an unknown
  integration where Kili raises ValueError.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from typing import Any, Iterable, Iterator, Sequence

from ._snapshot import catalog_of
from .errors import InvalidArgumentError, UnsupportedError

logger = logging.getLogger("cloudsync")

INTEGRATION_FIELDS = ("name", "id", "platform", "status")
CREATED_INTEGRATION_FIELDS = ("id", "name", "status", "platform", "allowedPaths")
CONNECTION_FIELDS = ("id", "lastChecked", "numberOfAssets", "selectedFolders", "projectId")
# Kili's names whose snake_case form is not the catalog's member.
FIELD_ALIASES = {"dataIntegrationId": "integration_id", "dataIntegration": "integration",
                 "allowedProject": "allowed_projects"}
GCS_ENDPOINT = "https://storage.googleapis.com"


def _snake(name: str) -> str:
    return FIELD_ALIASES.get(name) or re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def select_fields(record: dict[str, Any], fields: Sequence[str], what: str) -> dict[str, Any]:
    """The members of `record` that `fields` names, keyed by the names as given; dotted names
    ("dataIntegration.name") select inside nested records and give nested dicts."""
    out: dict[str, Any] = {}
    for requested in fields:
        head, _, rest = requested.partition(".")
        key = _snake(head)
        if key not in record:
            known = ", ".join(sorted(record))
            raise InvalidArgumentError(f"{what} has no field {requested!r}; it has: {known}")
        value = record[key]
        if rest:
            if not isinstance(value, dict):
                raise InvalidArgumentError(f"{what} field {head!r} has no members ({requested!r})")
            out.setdefault(head, {}).update(select_fields(value, [rest], f"{what}.{head}"))
        else:
            out[head] = value
    return out


def _unsupported(**arguments: Any) -> None:
    """Raises UnsupportedError for the first Kili argument given that has no meaning here."""
    for name, value in arguments.items():
        if value is not None and value is not False:
            raise UnsupportedError(f"{name}: not supported by a cloudsync catalog (see cloudsync.kili)")


def _azure_location(connection_url: str) -> tuple[str, dict[str, str]]:
    """Kili's Azure connection URL (https://ACCOUNT.blob.core.windows.net/CONTAINER[/prefix]) as an
    az:// URL and its options; another host is taken as a path-style endpoint (Azurite)."""
    parts = urllib.parse.urlsplit(connection_url)
    segments = [s for s in parts.path.split("/") if s]
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidArgumentError(f"azure_connection_url is not an http(s) URL: {connection_url!r}")
    if host.endswith(".blob.core.windows.net"):
        account, path = host.split(".", 1)[0], segments
        options = {"account": account}
    else:  # path-style: http://host:port/ACCOUNT/CONTAINER
        if len(segments) < 2:
            raise InvalidArgumentError("azure_connection_url needs /ACCOUNT/CONTAINER on a path-style endpoint")
        account, path = segments[0], segments[1:]
        options = {"account": account, "endpoint": f"{parts.scheme}://{parts.netloc}/{account}"}
    if not path:
        raise InvalidArgumentError("azure_connection_url names no container")
    return "az://" + "/".join(path), options


def kili_location(platform: str | None, *, s3_bucket_name: str | None = None, s3_endpoint: str | None = None,
                  s3_region: str | None = None, s3_access_key: str | None = None,
                  s3_secret_key: str | None = None, s3_session_token: str | None = None,
                  gcp_bucket_name: str | None = None, azure_connection_url: str | None = None,
                  azure_sas_token: str | None = None,
                  azure_tenant_id: str | None = None) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """Kili's per-platform arguments as (url or None, non-secret options, secrets)."""
    url: str | None = None
    options: dict[str, str] = {}
    secrets: dict[str, str] = {}
    kind = (platform or "").lower()
    if s3_bucket_name is not None:
        url = f"s3://{s3_bucket_name}"
    if gcp_bucket_name is not None:
        url = f"s3://{gcp_bucket_name}"
        options.update(endpoint=GCS_ENDPOINT, provider="gcs")
    if azure_connection_url is not None:
        url, azure_options = _azure_location(azure_connection_url)
        options.update(azure_options)
    if s3_endpoint is not None:
        options["endpoint"] = s3_endpoint
    if s3_region is not None:
        options["region"] = s3_region
    if azure_tenant_id is not None:
        options["tenant_id"] = azure_tenant_id
    for secret, value in (("access_key_id", s3_access_key), ("secret_access_key", s3_secret_key),
                          ("session_token", s3_session_token), ("sas", azure_sas_token)):
        if value is not None:
            secrets[secret] = value
    if kind == "azure" and url is not None and not url.startswith("az://"):
        raise InvalidArgumentError("platform Azure takes azure_connection_url")
    if kind in ("aws", "customs3", "gcp") and url is not None and not url.startswith("s3://"):
        raise InvalidArgumentError(f"platform {platform} takes a bucket name, not azure_connection_url")
    return url, options, secrets


class KiliMethods:
    """Kili SDK-shaped methods (a mixin of Catalog; see this module's docstring for the mapping)."""

    page_size: int

    def cloud_storage_integrations(self, cloud_storage_integration_id: str | None = None, name: str | None = None,
                                   platform: str | None = None, status: str | None = None,
                                   organization_id: str | None = None,
                                   fields: Sequence[str] = INTEGRATION_FIELDS, first: int | None = None,
                                   skip: int = 0, disable_tqdm: bool | None = None, *,
                                   as_generator: bool = False) -> Iterable[dict[str, Any]]:
        """Get a generator or a list of cloud storage integrations that match a set of criteria
        (Kili's ``cloud_storage_integrations``): dicts with the keys ``fields`` names."""
        _unsupported(organization_id=organization_id)
        catalog = catalog_of(self)
        filter = catalog._integration_filter(cloud_storage_integration_id, name, platform, status)
        rows = (select_fields(r, fields, "integration")
                for r in catalog._integration_pages(filter, first, skip, self.page_size))
        return rows if as_generator else list(rows)

    def count_cloud_storage_integrations(self, cloud_storage_integration_id: str | None = None,
                                         name: str | None = None, platform: str | None = None,
                                         status: str | None = None, organization_id: str | None = None) -> int:
        """Count and return the number of cloud storage integrations that match a set of criteria."""
        _unsupported(organization_id=organization_id)
        catalog = catalog_of(self)
        return catalog.count_integrations(id=cloud_storage_integration_id, name=name, platform=platform,
                                          status=status)

    def create_cloud_storage_integration(
            self, platform: str, name: str, fields: Sequence[str] = CREATED_INTEGRATION_FIELDS,
            allowed_paths: list[str] | None = None, allowed_project: list[str] | None = None,
            aws_access_point_arn: str | None = None, aws_role_arn: str | None = None,
            aws_role_external_id: str | None = None, azure_connection_url: str | None = None,
            azure_is_using_service_credentials: bool | None = None, azure_sas_token: str | None = None,
            azure_tenant_id: str | None = None, gcp_bucket_name: str | None = None,
            include_root_files: str | None = None, internal_processing_authorized: str | None = None,
            s3_access_key: str | None = None, s3_bucket_name: str | None = None, s3_endpoint: str | None = None,
            s3_region: str | None = None, s3_secret_key: str | None = None, s3_session_token: str | None = None,
            *, writeback: bool = False, selected_folders: list[str] | None = None) -> dict[str, Any]:
        """Create a cloud storage integration (Kili's ``create_cloud_storage_integration``).

        AWS / CustomS3: ``s3_bucket_name`` (with ``s3_endpoint`` and ``s3_region``); GCP:
        ``gcp_bucket_name`` (GCS's S3 interoperability, HMAC keys as ``s3_access_key`` /
        ``s3_secret_key``); Azure: ``azure_connection_url`` and ``azure_sas_token``. The keys
        and tokens are stored as secrets, never in the database or the result. Beyond Kili:
        ``writeback`` and ``selected_folders`` (keyword-only). Returns the ``fields`` of the new
        integration (status UNCHECKED until checked).
        """
        _unsupported(aws_access_point_arn=aws_access_point_arn, aws_role_arn=aws_role_arn,
                     aws_role_external_id=aws_role_external_id,
                     azure_is_using_service_credentials=azure_is_using_service_credentials,
                     include_root_files=include_root_files,
                     internal_processing_authorized=internal_processing_authorized)
        url, options, secrets = kili_location(
            platform, s3_bucket_name=s3_bucket_name, s3_endpoint=s3_endpoint, s3_region=s3_region,
            s3_access_key=s3_access_key, s3_secret_key=s3_secret_key, s3_session_token=s3_session_token,
            gcp_bucket_name=gcp_bucket_name, azure_connection_url=azure_connection_url,
            azure_sas_token=azure_sas_token, azure_tenant_id=azure_tenant_id)
        if url is None:
            raise InvalidArgumentError(f"platform {platform}: give s3_bucket_name, gcp_bucket_name or "
                                       "azure_connection_url")
        catalog = catalog_of(self)
        created = catalog.create_integration(name, url, writeback=writeback, selected_folders=selected_folders,
                                             allowed_projects=allowed_project, allowed_paths=allowed_paths,
                                             options=options or None, secrets=secrets or None)
        return select_fields(created.to_dict(), fields, "integration")

    def update_cloud_storage_integration(
            self, cloud_storage_integration_id: str, organization_id: str | None = None,
            allowed_paths: list[str] | None = None, allowed_project: list[str] | None = None,
            aws_access_point_arn: str | None = None, aws_role_arn: str | None = None,
            aws_role_external_id: str | None = None, azure_connection_url: str | None = None,
            azure_is_using_service_credentials: bool | None = None, azure_sas_token: str | None = None,
            azure_tenant_id: str | None = None, gcp_bucket_name: str | None = None,
            include_root_files: str | None = None, internal_processing_authorized: str | None = None,
            name: str | None = None, platform: str | None = None, status: str | None = None,
            s3_access_key: str | None = None, s3_bucket_name: str | None = None, s3_endpoint: str | None = None,
            s3_region: str | None = None, s3_secret_key: str | None = None, s3_session_token: str | None = None,
            fields: Sequence[str] = CREATED_INTEGRATION_FIELDS) -> dict[str, Any]:
        """Update a cloud storage integration (Kili's ``update_data_integration`` arguments); only the
        arguments given change. New options are merged over the stored ones; new keys or tokens
        replace the stored secrets. A change of location, options, allowed paths or secrets resets
        the status to UNCHECKED. Returns the ``fields`` of the integration after the change."""
        _unsupported(organization_id=organization_id, aws_access_point_arn=aws_access_point_arn,
                     aws_role_arn=aws_role_arn, aws_role_external_id=aws_role_external_id,
                     azure_is_using_service_credentials=azure_is_using_service_credentials,
                     include_root_files=include_root_files,
                     internal_processing_authorized=internal_processing_authorized, status=status,
                     platform=platform)
        catalog = catalog_of(self)
        integration = catalog.integration(cloud_storage_integration_id)
        url, options, secrets = kili_location(
            integration.platform, s3_bucket_name=s3_bucket_name, s3_endpoint=s3_endpoint, s3_region=s3_region,
            s3_access_key=s3_access_key, s3_secret_key=s3_secret_key, s3_session_token=s3_session_token,
            gcp_bucket_name=gcp_bucket_name, azure_connection_url=azure_connection_url,
            azure_sas_token=azure_sas_token, azure_tenant_id=azure_tenant_id)
        changes: dict[str, Any] = {k: v for k, v in (("name", name), ("url", url), ("allowed_paths", allowed_paths),
                                                     ("allowed_projects", allowed_project)) if v is not None}
        if options:
            changes["options"] = dict(integration.options or {}, **options)
        if secrets:
            changes["secrets"] = secrets
        if changes:
            integration.update(**changes)
        return select_fields(integration.to_dict(), fields, "integration")

    def delete_cloud_storage_integration(self, cloud_storage_integration_id: str, *, force: bool = False) -> str:
        """Delete a cloud storage integration (Kili's ``delete_cloud_storage_integration``); returns its id.
        ConflictError while projects are connected to it, unless ``force`` (beyond Kili)."""
        catalog = catalog_of(self)
        integration = catalog.integration(cloud_storage_integration_id)
        integration.delete(force=force)
        return str(integration.id)

    def cloud_storage_connections(self, cloud_storage_connection_id: str | None = None,
                                  cloud_storage_integration_id: str | None = None, project_id: str | None = None,
                                  fields: Sequence[str] = CONNECTION_FIELDS, first: int | None = None,
                                  skip: int = 0, disable_tqdm: bool | None = None, *,
                                  as_generator: bool = False) -> Iterable[dict[str, Any]]:
        """Get a generator or a list of cloud storage connections that match a set of criteria
        (Kili's ``cloud_storage_connections``; one of the three ids is required, as in Kili)."""
        if cloud_storage_connection_id is None and cloud_storage_integration_id is None and project_id is None:
            raise InvalidArgumentError("At least one of cloud_storage_connection_id, cloud_storage_integration_id "
                                       "or project_id must be specified")
        catalog = catalog_of(self)
        if cloud_storage_connection_id is not None:
            records: Iterator[dict[str, Any]] = (catalog.connection(cloud_storage_connection_id).to_dict()
                                                 for _ in range(1))
        else:
            filter = {k: v for k, v in (("project", project_id), ("integration", cloud_storage_integration_id))
                      if v is not None}
            records = catalog._connection_pages(filter, first, skip, self.page_size)
        rows = (select_fields(self._with_integration(r, fields), fields, "connection") for r in records)
        return rows if as_generator else list(rows)

    def _with_integration(self, record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        """The connection record, with its integration's record under "integration" when a field asks."""
        if not any(f.split(".", 1)[0] in ("dataIntegration", "integration") for f in fields):
            return record
        catalog = catalog_of(self)
        return dict(record, integration=catalog._integration_json(record["integration_id"]))

    def count_cloud_storage_connections(self, cloud_storage_integration_id: str | None = None,
                                        project_id: str | None = None) -> int:
        """The number of cloud storage connections that match the criteria."""
        catalog = catalog_of(self)
        return catalog.count_connections(project=project_id, integration=cloud_storage_integration_id)

    def add_cloud_storage_connection(self, project_id: str, cloud_storage_integration_id: str,
                                     selected_folders: list[str] | None = None, *, include: list[str] | None = None,
                                     exclude: list[str] | None = None) -> dict[str, Any]:
        """Connect a cloud storage to a project (Kili's ``add_cloud_storage_connection``): returns
        ``{"id": <connection id>}``. ``selected_folders`` default to all the integration allows;
        ``include`` / ``exclude`` globs are beyond Kili's arguments."""
        catalog = catalog_of(self)
        connection = catalog.connect(project_id, cloud_storage_integration_id, selected_folders=selected_folders,
                                     include=include, exclude=exclude)
        return {"id": connection.id}

    def synchronize_cloud_storage_connection(self, cloud_storage_connection_id: str,
                                             delete_extraneous_files: bool = False,
                                             dry_run: bool = False) -> dict[str, Any]:
        """Synchronize a cloud storage connection (Kili's ``synchronize_cloud_storage_connection``).

        Computes the differences (logged to logging.getLogger("cloudsync") as Kili logs them),
        then applies exactly them: additions and updates, and removals only with
        ``delete_extraneous_files``. ``dry_run`` computes and logs them and changes nothing.
        Returns Kili's shape, ``{"numberOfAssets", "projectId"}``, plus the connection's ``id``.
        A failed action raises its error (``.result`` holds the operation result).
        """
        catalog = catalog_of(self)
        connection = catalog.connection(cloud_storage_connection_id)
        logger.info("Currently %d asset(s) imported.", connection.number_of_assets or 0)
        with connection.diff(delete_extraneous_files=True) as complete:
            # The plan with deletions tells how many files are extraneous; without
            # delete_extraneous_files a second plan (without them) is the one applied.
            summary = complete.summary
            added, removed = summary.get("add", 0) + summary.get("update", 0), summary.get("delete", 0)
            logger.info("Found %d difference(s): %d asset(s) to add, %d asset(s) to remove.", added + removed,
                        added, removed)
            if removed and not delete_extraneous_files:
                logger.info("Use delete_extraneous_files=True to remove %d extraneous file(s).", removed)
            if dry_run:
                logger.info("Dry run: no data will be added or removed.")
            if delete_extraneous_files:
                connection.sync(delete_extraneous_files=True, dry_run=dry_run, plan=complete)
            else:
                with connection.diff() as additions:
                    connection.sync(dry_run=dry_run, plan=additions)
        connection.refresh()
        return {"numberOfAssets": connection.number_of_assets, "projectId": connection.project_id,
                "id": connection.id}
