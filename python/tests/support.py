"""Shared by the package's tests: the package from this source tree, the peers, S3 on moto.

The library comes from $CLOUDSYNC_LIBRARY (CMake sets it to the build's
libcloudsync). A missing library, package or server is a failure, never a skip.
"""

from __future__ import annotations

import io
import os
import pathlib
import sys
import tempfile
import unittest
import uuid

PYTHON_DIR = pathlib.Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
PEERS_DIR = pathlib.Path(os.environ.get("CLOUDSYNC_PEERS_DIR") or REPO / "tests" / "peers")
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))
if str(PEERS_DIR) not in sys.path:
    sys.path.insert(0, str(PEERS_DIR))
# Loopback requests must not go through a proxy of the environment.
for _name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "AWS_CA_BUNDLE"):
    os.environ.pop(_name, None)

if not os.environ.get("CLOUDSYNC_LIBRARY"):
    raise RuntimeError("set CLOUDSYNC_LIBRARY to the built libcloudsync.so (ctest does)")

import cloudsync  # noqa: E402  (after the path set-up above)


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder below $CLOUDSYNC_TEST_TMP or the system's."""
    return tempfile.TemporaryDirectory(prefix="cloudsync-py-", dir=os.environ.get("CLOUDSYNC_TEST_TMP"))


class Moto:
    """One moto server (S3, SigV4 enforced) for a whole test module."""

    def __init__(self) -> None:
        from peers import Peer  # tests/peers/peers.py
        self._tmp = scratch()
        self.peer = Peer.moto(os.path.join(self._tmp.name, "moto"))
        env = self.peer.env
        self.endpoint = env["S3_ENDPOINT"]
        self.access_key_id = env["AWS_ACCESS_KEY_ID"]
        self.secret_access_key = env["AWS_SECRET_ACCESS_KEY"]
        self.s3 = self.peer.s3_client()

    @property
    def port(self) -> int:
        return self.peer.port

    def options(self, **overrides: str) -> dict[str, str]:
        """Backend options for a cloudsync S3 URL on this server."""
        options = {"endpoint": self.endpoint, "region": "us-east-1", "access_key_id": self.access_key_id,
                   "secret_access_key": self.secret_access_key}
        options.update(overrides)
        return options

    def bucket(self) -> str:
        """A new, empty bucket."""
        name = f"py-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key below prefix (boto3's paginator)."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def stop(self) -> None:
        self.peer.stop()
        self._tmp.cleanup()


def check_store(self: unittest.TestCase, url: str, local: pathlib.Path, options: dict[str, str] | None = None) -> None:
    """Every Storage method on the store at url (empty); local: a scratch folder."""
    with cloudsync.Storage(url, options) as store:
        self.assertEqual(repr(store), f"Storage({url!r})")
        entry = store.put("dir/a.bin", b"hello world")
        self.assertIsInstance(entry, cloudsync.Entry)
        self.assertEqual((entry.key, entry.kind, entry.size), ("dir/a.bin", "file", 11))
        self.assertEqual(store.put("dir/b.bin", io.BytesIO(b"from a file object")).size, 18)
        self.assertEqual(store.put("dir/c.bin", bytearray(b"abc"), size=3).size, 3)
        self.assertEqual(store.head("dir/a.bin").size, 11)
        self.assertEqual(store.get("dir/a.bin"), b"hello world")
        self.assertEqual(store.get("dir/a.bin", offset=6), b"world")
        self.assertEqual(store.get("dir/a.bin", offset=2, length=3), b"llo")
        sink = io.BytesIO()
        self.assertEqual(store.get_to("dir/b.bin", sink).size, 18)
        self.assertEqual(sink.getvalue(), b"from a file object")
        source = local / "upload.txt"
        source.write_bytes(b"u" * 1000)
        self.assertEqual(store.put_file("up/load.txt", source).size, 1000)
        with self.assertRaises(cloudsync.ConflictError):
            store.put_file("up/load.txt", source, create_only=True)
        target = local / "down" / "x.txt"
        self.assertEqual(store.get_file("up/load.txt", target).size, 1000)
        self.assertEqual(target.read_bytes(), b"u" * 1000)
        with self.assertRaises(cloudsync.ConflictError):
            store.get_file("up/load.txt", target, overwrite=False)
        self.assertEqual([e.key for e in store.list()], ["dir/a.bin", "dir/b.bin", "dir/c.bin", "up/load.txt"])
        self.assertEqual([e.key for e in store.list("dir/")], ["dir/a.bin", "dir/b.bin", "dir/c.bin"])
        top = list(store.list(recursive=False))
        self.assertEqual([(e.key, e.kind) for e in top], [("dir/", "directory"), ("up/", "directory")])
        store.delete("dir/c.bin")
        store.delete("dir/c.bin")  # absent counts as deleted
        with self.assertRaises(cloudsync.NotFoundError):
            store.head("dir/c.bin")
        self.assertEqual(entry.to_dict()["key"], "dir/a.bin")
        self.assertEqual(cloudsync.Entry.from_dict({"key": "k", "kind": "file", "future": 1}).key, "k")
    with self.assertRaises(ValueError):
        store.head("dir/a.bin")
