"""The Python half of run.sh, under Debian's python3 (pandas, jupyter_server, nbclient).

    example.py setup CATALOG_DIR        a sample CSV in the bucket; the integration in the catalog
    example.py run URL RUNTIME_DIR      through the server ($JUPYTER_TOKEN): import, run example.ipynb,
                                        shut the kernel down, compare out.csv with the bucket's

Both read the bucket's endpoint and credentials from S3_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (moto's, from tests/peers).
"""

from __future__ import annotations

import hashlib
import os
import sys

import nbformat

import cloudsync
from cloudsync.jupyter.client import ServerClient

HERE = os.path.dirname(os.path.abspath(__file__))
BUCKET_URL = f"s3://{os.environ.get('EXAMPLE_BUCKET', 'example-bucket')}/sales"
INTEGRATION = "Sales Bucket"
SAMPLE_CSV = b"item,price,quantity\napple,0.5,10\npear,0.75,4\nplum,0.2,25\n"
OPTIONS = {"endpoint": os.environ["S3_ENDPOINT"], "region": "us-east-1"}
# Stored as references: the secrets file holds the names, the server's environment the values.
SECRETS = {"access_key_id": "env:AWS_ACCESS_KEY_ID", "secret_access_key": "env:AWS_SECRET_ACCESS_KEY"}


def bucket() -> cloudsync.Storage:
    return cloudsync.Storage(BUCKET_URL, dict(OPTIONS, access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                                              secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"]))


def setup(catalog_dir: str) -> None:
    with bucket() as storage:
        storage.put("data.csv", SAMPLE_CSV)
    print(f"put {BUCKET_URL}/data.csv ({len(SAMPLE_CSV)} bytes)")
    with cloudsync.Catalog(catalog_dir) as catalog:
        integration = catalog.create_integration(INTEGRATION, BUCKET_URL, writeback=True, options=OPTIONS,
                                                 secrets=SECRETS)
        check = integration.check()
        print(f"registered {integration.name!r} ({integration.url}, files in {integration.folder}): {check.status}")


def run(url: str, runtime_dir: str) -> None:
    server = ServerClient(url, os.environ["JUPYTER_TOKEN"], runtime_dir)
    server.wait_until_ready()
    imported = server.import_files(INTEGRATION, ["data.csv"])
    print("imported through POST /cloudsync/api/import:", imported["report"]["summary"])
    kernel = server.start_kernel()
    notebook = server.execute(kernel, nbformat.read(os.path.join(HERE, "example.ipynb"), as_version=4))
    print("example.ipynb ran:", "".join(o.get("text", "") for o in notebook.cells[-1].outputs).strip())
    server.shutdown_kernel(kernel)  # the project's last kernel: the extension flushes before this returns
    status = server.status()
    (folder,) = [i["folder"] for i in status["integrations"] if i["name"] == INTEGRATION]
    with open(os.path.join(status["root"], folder, "out.csv"), "rb") as f:
        written = f.read()
    with bucket() as storage:
        exported = storage.get("out.csv")
    same = exported == written
    print(f"{BUCKET_URL}/out.csv: {len(exported)} bytes, sha256 {hashlib.sha256(exported).hexdigest()}, "
          f"{'identical to' if same else 'DIFFERENT from'} the notebook's out.csv")
    for event in status["last_exports"]:
        print(f"  exported {event['path']} at {event['at']}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"setup": setup, "run": run}[command](*arguments)
