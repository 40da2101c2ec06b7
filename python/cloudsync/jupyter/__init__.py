"""A jupyter_server extension doing Hex's job with cloudsync: the project's external files are
restored before every kernel start (restarts included), what the notebook writes under
external-files/{type}/{name}/ is exported while kernels run, and the last kernel's shutdown and
the server's stop flush. A page at /cloudsync and a JSON API at /cloudsync/api/ show the
integrations, their status and the last exports.

Enable it with ``--ServerApp.jpserver_extensions='{"cloudsync.jupyter": true}'`` or in
jupyter_server_config.py (``c.ServerApp.jpserver_extensions = {"cloudsync.jupyter": True}``),
and configure ``c.CloudsyncExtension.catalog_dir``, ``project``, ``credentials``,
``session_options`` and ``flush_timeout_s``.
"""

from __future__ import annotations

from typing import Any

from .app import CloudsyncExtension, extension_points

__all__ = ["CloudsyncExtension"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return extension_points()


def _load_jupyter_server_extension(serverapp: Any) -> CloudsyncExtension:
    """For servers that load the module directly instead of through the extension point."""
    return CloudsyncExtension._load_jupyter_server_extension(serverapp)
