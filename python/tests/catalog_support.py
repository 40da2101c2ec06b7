"""Shared by the catalog, Kili and record export tests: a moto server per module, buckets with
objects, IAM users with chosen permissions (tests/peers/moto_iam.py), a catalog in a scratch folder."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import unittest
from typing import Any

import support
from support import cloudsync

# A secret no output may show (the catalog stores it; moto never sees it as a valid key).
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz"


def allow(action: str, resource: str) -> dict[str, Any]:
    """One IAM policy statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource}


class MotoModule:
    """The module's moto server, started by setUpModule and stopped by tearDownModule."""

    moto: support.Moto | None = None

    @classmethod
    def start(cls) -> None:
        cls.moto = support.Moto()

    @classmethod
    def stop(cls) -> None:
        if cls.moto is not None:
            cls.moto.stop()
            cls.moto = None

    @classmethod
    def server(cls) -> support.Moto:
        if cls.moto is None:
            raise RuntimeError("setUpModule did not start moto")
        return cls.moto


def iam_users(moto: support.Moto, users: dict[str, list[dict[str, Any]] | None]) -> dict[str, dict[str, str]]:
    """IAM users on moto with the given policy statements; their keys by name."""
    with support.scratch() as tmp:
        spec, out = pathlib.Path(tmp, "spec.json"), pathlib.Path(tmp, "out.json")
        spec.write_text(json.dumps({"users": users}))
        env = dict(os.environ, EP=moto.endpoint, AK=moto.access_key_id, SK=moto.secret_access_key)
        done = subprocess.run([sys.executable, str(support.PEERS_DIR / "moto_iam.py"), str(spec), str(out)],
                              env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"moto_iam.py failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(out.read_text())


class CatalogCase(unittest.TestCase):
    """A fresh catalog (and scratch folder) per test; S3 integrations on the module's moto."""

    def setUp(self) -> None:
        self.moto = MotoModule.server()
        self._tmp = support.scratch()
        self.root = pathlib.Path(self._tmp.name)
        self.cat = cloudsync.Catalog(self.root / "catalog", busy_timeout_ms=2000, transfers=2)

    def tearDown(self) -> None:
        self.cat.close()
        self._tmp.cleanup()

    def bucket(self, objects: dict[str, bytes] | None = None) -> str:
        """A new bucket holding `objects`."""
        name = self.moto.bucket()
        for key, body in (objects or {}).items():
            self.moto.s3.put_object(Bucket=name, Key=key, Body=body)
        return name

    def s3_options(self) -> dict[str, str]:
        """The non-secret options of an S3 integration on moto."""
        return {"endpoint": self.moto.endpoint, "region": "us-east-1"}

    def admin_secrets(self) -> dict[str, str]:
        return {"access_key_id": self.moto.access_key_id, "secret_access_key": self.moto.secret_access_key}

    def s3_integration(self, name: str, bucket: str, **spec: Any) -> cloudsync.Integration:
        """An S3 integration on moto with the administrator's keys (as secrets)."""
        spec.setdefault("options", self.s3_options())
        spec.setdefault("secrets", self.admin_secrets())
        return self.cat.create_integration(name, f"s3://{bucket}", **spec)
