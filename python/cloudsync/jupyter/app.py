"""The jupyter_server extension: configuration, start-up and shut-down."""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Dict, Float, Unicode

from .handlers import handlers
from .kernels import hook_kernel_managers
from .project import ProjectSync


class CloudsyncExtension(ExtensionApp):
    """Hex's external files for a Jupyter server: restore on every kernel start, export while
    kernels run, flush when the last one stops; a page and a JSON API at /cloudsync.

    Configure it as ``c.CloudsyncExtension.<trait>`` in jupyter_server_config.py or as
    ``--CloudsyncExtension.<trait>=...`` on the command line.
    """

    name = "cloudsync"
    extension_url = "/cloudsync"
    load_other_extensions = True

    catalog_dir = Unicode(
        "", config=True,
        help="The shared catalog an administrator filled (cloudsync integrations add --catalog DIR); "
             "empty: the project's own catalog below the root folder.")
    state_dir = Unicode("", config=True, help="The project's own catalog folder when catalog_dir is empty; "
                                              "empty: <root>/.cloudsync.")
    project = Unicode("", config=True, help="The project's name in the catalog; empty: the root folder's name.")
    credentials = Dict(
        {}, config=True,
        help="Secrets per integration name, kept in memory only: {'Sales': {'secret_access_key': '...'}}. "
             "Values may be 'env:NAME' references.")
    session_options = Dict({}, config=True, help="Options of the watching session (cloudsync_session_start), "
                                                 "e.g. {'quiet_window_ms': 300, 'force_polling': False}.")
    flush_timeout_s = Float(30.0, config=True, help="How long the last kernel's shutdown and the server's stop "
                                                    "wait for exports before leaving them queued.")

    def initialize_settings(self) -> None:
        """Opens nothing yet (the first kernel or request does); hooks the kernel managers."""
        root = os.path.abspath(os.path.expanduser(self.serverapp.root_dir))
        self.cloudsync_project = ProjectSync(
            root, project=self.project or os.path.basename(root.rstrip(os.sep)) or "default",
            catalog_dir=self.catalog_dir or None, state_dir=self.state_dir or None,
            credentials=dict(self.credentials), session_options=dict(self.session_options),
            flush_timeout_s=self.flush_timeout_s, log=self.log)
        self.settings["cloudsync_project"] = self.cloudsync_project
        hook_kernel_managers(self.serverapp.kernel_manager, self.cloudsync_project.kernel_starting,
                             self.cloudsync_project.kernel_stopped)
        self.log.info("cloudsync: project %r at %s, catalog %s", self.cloudsync_project.project, root,
                      self.catalog_dir or "of its own")

    def initialize_handlers(self) -> None:
        """The page and the JSON API (see handlers.py)."""
        self.handlers.extend(handlers())

    async def stop_extension(self) -> None:
        """The server stops (before it shuts its kernels down): flush within flush_timeout_s, then stop."""
        await self.cloudsync_project.close()

    def __repr__(self) -> str:  # traitlets' default would not show secrets, but say so explicitly
        return f"<CloudsyncExtension project={self.project!r} catalog_dir={self.catalog_dir!r}>"


def extension_points() -> list[dict[str, Any]]:
    """What _jupyter_server_extension_points returns."""
    return [{"module": "cloudsync.jupyter", "app": CloudsyncExtension}]
