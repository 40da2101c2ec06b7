"""Catalog, Integration, Project, Connection and CheckResult against S3 on moto (one server for the module).

Run: CLOUDSYNC_LIBRARY=... python3 -m unittest -v test_catalog   (the python3 with moto and boto3)
"""

from __future__ import annotations

import os
import pickle
import unittest

import catalog_support
from catalog_support import SECRET, CatalogCase, allow
from support import cloudsync

from cloudsync import _native


def setUpModule() -> None:
    catalog_support.MotoModule.start()


def tearDownModule() -> None:
    catalog_support.MotoModule.stop()


class CountingCalls:
    """Counts the calls of one library function (wrapping the CDLL's attribute while active)."""

    def __init__(self, name: str) -> None:
        self.name, self.calls, self.lib = name, 0, _native.lib()

    def __enter__(self) -> CountingCalls:
        self.original = getattr(self.lib, self.name)

        def counted(*args: object) -> int:
            self.calls += 1
            return self.original(*args)
        setattr(self.lib, self.name, counted)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.lib, self.name, self.original)


class IntegrationTest(CatalogCase):
    def test_create_get_update_delete(self) -> None:
        bucket = self.bucket({"data/a.csv": b"a"})
        sales = self.s3_integration("Sales", bucket, writeback=True, selected_folders=["data"])
        self.assertIsInstance(sales, cloudsync.Integration)
        self.assertEqual((sales.name, sales.platform, sales.type, sales.url, sales.status, sales.writeback),
                         ("Sales", "AWS", "s3", f"s3://{bucket}", "UNCHECKED", True))
        self.assertEqual((sales.folder, sales.selected_folders), ("external-files/s3/sales", ["data"]))
        self.assertEqual(sales.secret_names(), ["access_key_id", "secret_access_key"])
        self.assertEqual(self.cat.integration("sales"), sales)
        self.assertEqual(self.cat.integration(sales.id).name, "Sales")
        with self.assertRaises(cloudsync.AlreadyExistsError):
            self.s3_integration("SALES", bucket)
        with self.assertRaises(cloudsync.InvalidArgumentError) as caught:
            self.cat.create_integration("Leaky", f"s3://{bucket}", options={"secret_access_key": SECRET})
        self.assertIsInstance(caught.exception, ValueError)
        self.assertNotIn(SECRET, str(caught.exception))
        with self.assertRaises(cloudsync.NotFoundError) as missing:
            self.cat.integration("Nope")
        self.assertIsInstance(missing.exception, LookupError)
        self.assertEqual(missing.exception.code, -1)
        self.assertIsInstance(pickle.loads(pickle.dumps(missing.exception)), cloudsync.NotFoundError)

        self.assertEqual(sales.check().status, "CONNECTED")
        self.assertEqual((sales.status, sales.status_reason), ("CONNECTED", ""))
        self.assertIsNotNone(sales.last_checked)
        same = sales.update(name="Sales EU", allowed_paths=["data"])
        self.assertIs(same, sales)
        self.assertEqual((sales.name, sales.allowed_paths, sales.selected_folders), ("Sales EU", ["data"], ["data"]))
        self.assertEqual(sales.status, "UNCHECKED")  # the allowed paths changed
        self.assertEqual(self.cat.integration("Sales EU").status, "UNCHECKED")
        self.assertEqual(sales.check().status, "CONNECTED")
        sales.update(secrets={"access_key_id": self.moto.access_key_id, "secret_access_key": SECRET})
        self.assertEqual(sales.status, "UNCHECKED")  # new secrets
        with self.assertRaises(cloudsync.InvalidArgumentError):
            sales.update(type="az")
        self.assertEqual(sales.refresh().name, "Sales EU")

        self.cat.add_project("team", self.root / "team")
        self.cat.connect("team", sales)
        self.assertEqual([c.project_id for c in sales.connections()], [self.cat.projects()[0].id])
        with self.assertRaises(cloudsync.ConflictError):
            sales.delete()
        sales.delete(force=True)
        with self.assertRaises(cloudsync.NotFoundError):
            sales.refresh()
        self.assertEqual(self.cat.count_integrations(), 0)
        self.assertEqual(self.cat.count_connections(), 0)

    def test_filters_and_lazy_paging(self) -> None:
        bucket = self.bucket()
        local = self.root / "local"
        local.mkdir()
        self.cat.add_project("team", self.root / "team")
        self.cat.create_integration("Local", local.as_uri(), writeback=True)
        self.s3_integration("Sales", bucket, allowed_projects=["team"])
        self.s3_integration("Private", bucket, allowed_projects=["someone-else"])

        def names(**filters: object) -> list[str]:
            return [i.name for i in self.cat.integrations(**filters)]  # type: ignore[arg-type]

        self.assertEqual(names(), ["Local", "Sales", "Private"])
        self.assertEqual(names(platform="AWS"), ["Sales", "Private"])
        self.assertEqual(names(platform="Local"), ["Local"])
        self.assertEqual(names(writeback=True), ["Local"])
        self.assertEqual(names(writeback=False), ["Sales", "Private"])
        self.assertEqual(names(name="SALES"), ["Sales"])
        self.assertEqual(names(project="team"), ["Local", "Sales"])
        self.assertEqual(names(id=self.cat.integration("Private").id), ["Private"])
        self.assertEqual(names(status="UNCHECKED"), ["Local", "Sales", "Private"])
        self.assertEqual(names(status="CONNECTED"), [])
        self.assertEqual(self.cat.count_integrations(platform="AWS", project="team"), 1)
        self.assertEqual(self.cat.count_integrations(), 3)
        with self.assertRaises(cloudsync.InvalidArgumentError):
            self.cat.count_integrations(status="HAPPY")

        # Pages are fetched as the iterator is consumed: an integration created between pages shows up.
        with CountingCalls("cloudsync_catalog_integration_list") as counter:
            listing = self.cat.integrations(page_size=2)
            self.assertEqual(counter.calls, 0)
            self.assertEqual([next(listing).name, next(listing).name], ["Local", "Sales"])
            self.assertEqual(counter.calls, 1)
            self.cat.create_integration("Later", local.as_uri())
            self.assertEqual([i.name for i in listing], ["Private", "Later"])
            self.assertEqual(counter.calls, 3)  # pages of 2, 2 and an empty one
        with self.assertRaises(ValueError):
            list(self.cat.integrations(page_size=0))

    def test_check_and_check_all_name_the_missing_permission(self) -> None:
        bucket = self.bucket({"data/a.csv": b"a"})
        arn = f"arn:aws:s3:::{bucket}"
        keys = catalog_support.iam_users(self.moto, {
            f"{bucket}-listget": [allow("s3:ListBucket", arn), allow("s3:GetObject", arn + "/*")]})
        reader = keys[f"{bucket}-listget"]
        admin = self.s3_integration("Admin", bucket, writeback=True)
        limited = self.s3_integration("Limited", bucket, writeback=True, secrets=reader)
        self.s3_integration("Read only", bucket, secrets=reader)

        check = limited.check()
        self.assertIsInstance(check, cloudsync.CheckResult)
        self.assertEqual((check.status, check.reason, check.missing_action, check.provider_code, check.http_status),
                         ("DISCONNECTED", "MISSING_PERMISSION", "write", "AccessDenied", 403))
        self.assertEqual(check.passed, ["list", "read"])
        self.assertFalse(check.connected)
        self.assertNotIn(reader["secret_access_key"], repr(check) + check.message)
        self.assertEqual((limited.status, limited.status_reason, limited.missing_action),
                         ("DISCONNECTED", "MISSING_PERMISSION", "write"))
        self.assertEqual(admin.check().passed, ["list", "read", "write", "delete"])

        checks = self.cat.check_all(concurrency=2)
        by_id = {c.integration_id: c for c in checks}
        self.assertEqual(by_id[admin.id].status, "CONNECTED")
        self.assertEqual((by_id[limited.id].status, by_id[limited.id].missing_action), ("DISCONNECTED", "write"))
        self.assertEqual(by_id[self.cat.integration("Read only").id].status, "CONNECTED")  # no write needed
        self.assertEqual([c.integration_id for c in self.cat.check_all(writeback=True, status="DISCONNECTED")],
                         [limited.id])
        self.assertEqual([i.name for i in self.cat.integrations(status="CONNECTED")], ["Admin", "Read only"])
        token = cloudsync.CancelToken()
        token.cancel()
        with self.assertRaises(cloudsync.CancelledError):
            self.cat.check_all(concurrency=1, cancel=token)


class ProjectTest(CatalogCase):
    def test_add_list_remove(self) -> None:
        team = self.cat.add_project("team", self.root / "team")
        self.assertIsInstance(team, cloudsync.Project)
        self.assertEqual((team.name, team.root), ("team", str(self.root / "team")))
        self.assertEqual(self.cat.add_project("team", self.root / "team"), team)  # same name and root
        with self.assertRaises(cloudsync.AlreadyExistsError):
            self.cat.add_project("team", self.root / "elsewhere")
        other = self.cat.add_project("other", self.root / "other")
        self.assertEqual([p.name for p in self.cat.projects()], ["team", "other"])
        self.cat.create_integration("Local", (self.root / "team").as_uri())
        self.cat.connect(team, "Local")
        self.assertEqual(len(team.connections()), 1)
        self.assertEqual(other.connections(), [])
        other.remove()
        self.cat.remove_project("team")
        self.assertEqual(self.cat.projects(), [])
        with self.assertRaises(cloudsync.NotFoundError):
            self.cat.remove_project("team")
        self.assertIn("team", repr(team))


class ConnectionTest(CatalogCase):
    def setUp(self) -> None:
        super().setUp()
        self.bucket_name = self.bucket({"data/a.csv": b"a", "data/b.csv": b"bb", "data/sub/c.json": b"{}",
                                        "other.txt": b"o"})
        self.project = self.cat.add_project("team", self.root / "team")
        self.sales = self.s3_integration("Sales", self.bucket_name, allowed_paths=["data"])
        self.folder = self.root / "team" / "external-files" / "s3" / "sales"

    def local_files(self) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted(p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*") if p.is_file())

    def test_diff_then_sync_exactly_that_plan(self) -> None:
        with self.assertRaises(cloudsync.PermissionDeniedError) as outside:
            self.cat.connect("team", "Sales", selected_folders=["other"])
        self.assertIsInstance(outside.exception, PermissionError)
        with self.assertRaises(cloudsync.NotFoundError):
            self.cat.connect("nobody", "Sales")
        conn = self.cat.connect(self.project, self.sales, selected_folders=["data"], exclude=["**/b.csv"])
        self.assertIsInstance(conn, cloudsync.Connection)
        self.assertEqual((conn.project_id, conn.integration_id, conn.folder, conn.number_of_assets, conn.exclude),
                         (self.project.id, self.sales.id, "external-files/s3/sales", 0, ["**/b.csv"]))
        self.assertIsNone(conn.last_checked)
        with self.assertRaises(cloudsync.AlreadyExistsError):
            self.cat.connect("team", "Sales")
        self.assertEqual(self.cat.connection(conn.id), conn)
        self.assertEqual([c.id for c in self.cat.connections(project="team")], [conn.id])
        self.assertEqual([c.id for c in self.cat.connections(integration=self.sales)], [conn.id])
        self.assertEqual(self.cat.count_connections(project=self.project), 1)
        self.assertEqual(self.cat.count_connections(integration="Sales"), 1)

        with conn.diff() as plan:
            self.assertIsInstance(plan, cloudsync.Plan)
            self.assertEqual(sorted((a.kind, a.path) for a in plan.actions),
                             [("add", "data/a.csv"), ("add", "data/sub/c.json")])
            self.assertTrue(all(a.reason for a in plan.actions))
            dry = conn.sync(plan=plan, dry_run=True)
            self.assertEqual(dry.summary["dry_run"], 2)
            self.assertEqual(self.local_files(), [])
            self.assertIsNone(conn.refresh().last_checked)  # a dry run changes nothing
            with self.assertRaises(TypeError):
                plan.apply()  # a connection's plan is applied by Connection.sync
            self.moto.s3.put_object(Bucket=self.bucket_name, Key="data/d.csv", Body=b"d")
            with self.assertRaises(cloudsync.ConflictError):
                conn.sync(plan=plan)  # the remote changed since the diff
            self.assertEqual(self.local_files(), [])
        with conn.diff() as plan:
            result = conn.sync(plan=plan, progress=lambda p: None)
        self.assertIsInstance(result, cloudsync.OperationResult)
        self.assertTrue(result.ok)
        self.assertEqual(result.summary["done"], 3)
        self.assertEqual(self.local_files(), ["data/a.csv", "data/d.csv", "data/sub/c.json"])
        self.assertEqual(sorted(f["path"] for f in conn.files()), ["data/a.csv", "data/d.csv", "data/sub/c.json"])
        self.assertEqual(conn.refresh().number_of_assets, 3)
        self.assertIsNotNone(conn.last_checked)

        self.moto.s3.delete_object(Bucket=self.bucket_name, Key="data/a.csv")
        kept = conn.sync()  # without delete_extraneous_files nothing is deleted
        self.assertEqual(kept.summary["done"], 0)
        self.assertIn("data/a.csv", self.local_files())
        with self.assertRaises(cloudsync.LimitExceededError):
            conn.sync(delete_extraneous_files=True, max_delete=0)
        with conn.diff(delete_extraneous_files=True) as plan:
            self.assertEqual([(a.kind, a.path) for a in plan.actions if a.kind != "skip"], [("delete", "data/a.csv")])
            conn.sync(delete_extraneous_files=True, plan=plan)
        self.assertEqual(self.local_files(), ["data/d.csv", "data/sub/c.json"])

        conn.remove()
        with self.assertRaises(cloudsync.NotFoundError):
            conn.files()
        self.assertEqual(self.local_files(), ["data/d.csv", "data/sub/c.json"])  # no file is deleted

    def test_include_and_a_project_the_integration_does_not_allow(self) -> None:
        conn = self.cat.connect("team", "Sales", include=["**/*.json"])
        self.assertEqual(conn.include, ["**/*.json"])
        for operation in (conn.diff, conn.sync):
            token = cloudsync.CancelToken()
            token.cancel()
            with self.assertRaises(cloudsync.CancelledError):
                operation(cancel=token)  # type: ignore[operator]
        self.assertEqual(self.local_files(), [])
        conn.sync()
        self.assertEqual(self.local_files(), ["data/sub/c.json"])
        self.s3_integration("Theirs", self.bucket_name, allowed_projects=["other"])
        with self.assertRaises(cloudsync.PermissionDeniedError):
            self.cat.connect("team", "Theirs")


class SecretsTest(CatalogCase):
    def test_no_secret_in_reprs_results_or_errors(self) -> None:
        bucket = self.bucket({"a.txt": b"a"})
        os.environ["PY_CATALOG_TEST_SECRET"] = SECRET + "-env"
        wrong = self.s3_integration("Wrong", bucket, secrets={"access_key_id": self.moto.access_key_id,
                                                              "secret_access_key": SECRET})
        env = self.s3_integration("Env", bucket, secrets={"access_key_id": self.moto.access_key_id,
                                                          "secret_access_key": "env:PY_CATALOG_TEST_SECRET"})
        shown = [repr(self.cat), repr(wrong), repr(env), str(wrong.to_dict()), str(env.to_dict()),
                 str(wrong.secret_names())]
        check = wrong.check()
        self.assertEqual((check.status, check.reason), ("DISCONNECTED", "INVALID_CREDENTIALS"))
        shown += [repr(check), check.message, repr(env.check()), repr(self.cat.check_all())]
        shown += [str(i.to_dict()) for i in self.cat.integrations()]
        self.cat.add_project("team", self.root / "team")
        conn = self.cat.connect("team", "Wrong")
        with self.assertRaises(cloudsync.AuthenticationError) as failed:
            conn.sync()
        shown += [str(failed.exception), repr(failed.exception), str(failed.exception.result), repr(conn)]
        # In-memory credentials are merged over the stored secrets.
        self.cat.set_credentials("Wrong", {"secret_access_key": self.moto.secret_access_key})
        self.assertEqual(wrong.check().status, "CONNECTED")
        self.cat.set_credentials("Wrong", None)
        self.assertEqual(wrong.check().status, "DISCONNECTED")
        with cloudsync.Catalog(self.root / "catalog", credentials={
                "Wrong": {"secret_access_key": self.moto.secret_access_key}}) as second:
            self.assertEqual(second.integration("Wrong").check().status, "CONNECTED")
        with cloudsync.Catalog(self.root / "memory-secrets",
                               credentials={"Sales": {"secret_access_key": SECRET}}) as other:
            other.set_credentials("Sales", {"secret_access_key": SECRET})
            shown.append(repr(other))
        with self.assertRaises(cloudsync.CloudsyncError) as no_server:
            cloudsync.Catalog(self.root / "pg", database=f"host=127.0.0.1 port=1 user=u password={SECRET} "
                                                          "connect_timeout=2")
        shown += [str(no_server.exception), repr(no_server.exception)]
        for text in shown:
            self.assertNotIn(SECRET, text)
        for name in os.listdir(self.root / "catalog"):
            if name.startswith("catalog.db"):
                self.assertNotIn(SECRET.encode(), (self.root / "catalog" / name).read_bytes())


if __name__ == "__main__":
    unittest.main()
