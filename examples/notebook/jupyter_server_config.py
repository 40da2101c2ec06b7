# A Jupyter server configuration with the cloudsync extension (jupyter server --config THIS_FILE).
# An administrator registered the organisation's integrations once in a shared catalog
# (cloudsync integrations add ... --catalog DIR, or cloudsync.Catalog(DIR).create_integration);
# this server serves one project, its root folder, and uses the integrations the project may use.
import os

c = get_config()  # noqa: F821 -- provided by Jupyter when it reads this file

c.ServerApp.jpserver_extensions = {"cloudsync.jupyter": True}
# The shared catalog (its secrets file holds the stored credentials, mode 0600).
c.CloudsyncExtension.catalog_dir = os.environ.get("CLOUDSYNC_CATALOG", os.path.expanduser("~/.local/share/cloudsync/catalog"))
# The project's name in the catalog; by default the root folder's name.
# c.CloudsyncExtension.project = "analysis"
# Secrets kept in memory only, per integration (values may be env:NAME references):
# c.CloudsyncExtension.credentials = {"Sales": {"secret_access_key": "env:SALES_SECRET"}}
# The watcher: how long a closed file stays quiet before it is exported.
c.CloudsyncExtension.session_options = {"quiet_window_ms": 300}
# How long the last kernel's shutdown and the server's stop wait for exports.
c.CloudsyncExtension.flush_timeout_s = 30
