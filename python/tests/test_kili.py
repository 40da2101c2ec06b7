"""The Kili SDK-shaped methods of Catalog: Kili's parameter names, defaults and return shapes,
against S3 on moto (one server for the module).

Run: CLOUDSYNC_LIBRARY=... python3 -m unittest -v test_kili   (the python3 with moto and boto3)
"""

from __future__ import annotations

import inspect
import logging

import catalog_support
from catalog_support import SECRET, CatalogCase
from support import cloudsync

from cloudsync import _native


def setUpModule() -> None:
    catalog_support.MotoModule.start()


def tearDownModule() -> None:
    catalog_support.MotoModule.stop()


class KiliTest(CatalogCase):
    def setUp(self) -> None:
        super().setUp()
        self.bucket_name = self.bucket({"images/a.jpg": b"a", "images/b.jpg": b"bb", "images2/x.jpg": b"x"})

    def create_s3(self, name: str, platform: str = "CustomS3", **extra: object) -> dict:
        return self.cat.create_cloud_storage_integration(
            platform, name, s3_bucket_name=self.bucket_name, s3_endpoint=self.moto.endpoint, s3_region="us-east-1",
            s3_access_key=self.moto.access_key_id, s3_secret_key=self.moto.secret_access_key, **extra)

    def test_signatures_are_kilis(self) -> None:
        def parameters(method: object) -> list[str]:
            return list(inspect.signature(method).parameters)  # type: ignore[arg-type]
        self.assertEqual(parameters(self.cat.cloud_storage_integrations),
                         ["cloud_storage_integration_id", "name", "platform", "status", "organization_id", "fields",
                          "first", "skip", "disable_tqdm", "as_generator"])
        self.assertEqual(parameters(self.cat.count_cloud_storage_integrations),
                         ["cloud_storage_integration_id", "name", "platform", "status", "organization_id"])
        self.assertEqual(parameters(self.cat.cloud_storage_connections),
                         ["cloud_storage_connection_id", "cloud_storage_integration_id", "project_id", "fields",
                          "first", "skip", "disable_tqdm", "as_generator"])
        self.assertEqual(parameters(self.cat.add_cloud_storage_connection)[:3],
                         ["project_id", "cloud_storage_integration_id", "selected_folders"])
        self.assertEqual(parameters(self.cat.synchronize_cloud_storage_connection),
                         ["cloud_storage_connection_id", "delete_extraneous_files", "dry_run"])
        self.assertEqual(parameters(self.cat.create_cloud_storage_integration)[:4],
                         ["platform", "name", "fields", "allowed_paths"])

    def test_create_list_count_update_delete_integrations(self) -> None:
        created = self.create_s3("My bucket", allowed_paths=["images"])
        self.assertEqual(sorted(created), ["allowedPaths", "id", "name", "platform", "status"])
        self.assertEqual((created["name"], created["platform"], created["status"], created["allowedPaths"]),
                         ("My bucket", "AWS", "UNCHECKED", ["images"]))
        self.assertNotIn(SECRET, str(created))
        integration = self.cat.integration(created["id"])
        self.assertEqual(integration.options, {"endpoint": self.moto.endpoint, "region": "us-east-1"})
        self.assertEqual(integration.secret_names(), ["access_key_id", "secret_access_key"])
        self.assertEqual(integration.check().status, "CONNECTED")  # the keys given as Kili's arguments work
        self.create_s3("Second", "AWS")
        gcp = self.cat.create_cloud_storage_integration("GCP", "Gcs", gcp_bucket_name="gcs-bucket",
                                                        s3_access_key="GOOG1EXAMPLE", s3_secret_key=SECRET)
        self.assertEqual(gcp["platform"], "GCP")
        azure = self.cat.create_cloud_storage_integration(
            "Azure", "Blob", azure_connection_url="https://acme.blob.core.windows.net/labels/2024",
            azure_sas_token="sv=2022&sig=" + SECRET, fields=["id", "platform", "url", "options"])
        self.assertEqual((azure["platform"], azure["url"], azure["options"]),
                         ("Azure", "az://labels/2024", {"account": "acme"}))
        self.assertEqual(self.cat.integration("Blob").secret_names(), ["sas"])
        self.assertNotIn(SECRET, str(azure) + str(gcp))
        with self.assertRaises(cloudsync.UnsupportedError) as unsupported:
            self.create_s3("Role", aws_role_arn="arn:aws:iam::1:role/r")
        self.assertIn("aws_role_arn", str(unsupported.exception))
        with self.assertRaises(cloudsync.InvalidArgumentError):
            self.cat.create_cloud_storage_integration("AWS", "Nothing")

        listed = self.cat.cloud_storage_integrations()
        self.assertIsInstance(listed, list)
        self.assertEqual([sorted(i) for i in listed], [["id", "name", "platform", "status"]] * 4)
        self.assertEqual([i["name"] for i in listed], ["My bucket", "Second", "Gcs", "Blob"])
        self.assertEqual(self.cat.cloud_storage_integrations(name="my bucket"), [
            {"name": "My bucket", "id": created["id"], "platform": "AWS", "status": "CONNECTED"}])
        self.assertEqual([i["name"] for i in self.cat.cloud_storage_integrations(platform="AWS")],
                         ["My bucket", "Second"])
        self.assertEqual([i["name"] for i in self.cat.cloud_storage_integrations(platform="CustomS3")],
                         ["My bucket", "Second"])  # Kili's name for an S3-compatible store
        self.assertEqual([i["name"] for i in self.cat.cloud_storage_integrations(status="CONNECTED")], ["My bucket"])
        self.assertEqual(self.cat.cloud_storage_integrations(cloud_storage_integration_id=created["id"],
                                                             fields=["id"]), [{"id": created["id"]}])
        self.assertEqual([i["name"] for i in self.cat.cloud_storage_integrations(first=2, skip=1)], ["Second", "Gcs"])
        self.assertEqual(self.cat.cloud_storage_integrations(skip=9), [])
        self.assertEqual(self.cat.cloud_storage_integrations(fields=["name", "allowedPaths", "lastChecked"],
                                                             first=1, disable_tqdm=True)[0]["allowedPaths"],
                         ["images"])
        self.assertEqual(self.cat.count_cloud_storage_integrations(), 4)
        self.assertEqual(self.cat.count_cloud_storage_integrations(platform="AWS", status="UNCHECKED"), 1)
        with self.assertRaises(cloudsync.InvalidArgumentError) as unknown:
            self.cat.cloud_storage_integrations(fields=["azureSASToken"])
        self.assertIn("azureSASToken", str(unknown.exception))
        for call in (lambda: self.cat.cloud_storage_integrations(organization_id="org"),
                     lambda: self.cat.count_cloud_storage_integrations(organization_id="org")):
            with self.assertRaises(cloudsync.UnsupportedError):
                call()

        updated = self.cat.update_cloud_storage_integration(created["id"], name="Renamed", s3_region="eu-west-1",
                                                            fields=["name", "status", "options"])
        self.assertEqual(updated, {"name": "Renamed", "status": "UNCHECKED",
                                   "options": {"endpoint": self.moto.endpoint, "region": "eu-west-1"}})
        self.cat.update_cloud_storage_integration(created["id"], s3_secret_key=SECRET)
        self.assertEqual(self.cat.integration(created["id"]).secret_names(), ["secret_access_key"])
        with self.assertRaises(cloudsync.UnsupportedError):
            self.cat.update_cloud_storage_integration(created["id"], status="CONNECTED")

        self.cat.add_project("p1", self.root / "p1")
        self.cat.add_cloud_storage_connection("p1", created["id"])
        with self.assertRaises(cloudsync.ConflictError):
            self.cat.delete_cloud_storage_integration(created["id"])
        self.assertEqual(self.cat.delete_cloud_storage_integration(created["id"], force=True), created["id"])
        self.assertEqual(self.cat.count_cloud_storage_integrations(), 3)

    def test_generators_fetch_pages_as_they_are_consumed(self) -> None:
        for n in range(5):
            self.create_s3(f"I{n}")
        self.cat.page_size = 2
        lib = _native.lib()
        original, calls = lib.cloudsync_catalog_integration_list, []

        def counted(*args: object) -> int:
            calls.append(args[2:4])  # (first, skip) of the page
            return original(*args)
        lib.cloudsync_catalog_integration_list = counted
        try:
            rows = self.cat.cloud_storage_integrations(as_generator=True, fields=["name"], skip=1)
            self.assertEqual(calls, [])
            self.assertEqual(next(rows), {"name": "I1"})
            self.assertEqual(calls, [(2, 1)])
            self.create_s3("I5")  # created between two pages, so seen by the next one
            self.assertEqual([r["name"] for r in rows], ["I2", "I3", "I4", "I5"])
            self.assertEqual(calls, [(2, 1), (2, 3), (2, 5)])
            calls.clear()
            self.assertEqual(len(self.cat.cloud_storage_integrations(first=3)), 3)
            self.assertEqual(calls, [(2, 0), (1, 2)])  # never more than first asks for
        finally:
            lib.cloudsync_catalog_integration_list = original

    def test_connections_and_synchronize(self) -> None:
        created = self.create_s3("Images")
        project = self.cat.add_project("p1", self.root / "p1")
        folder = self.root / "p1" / "external-files" / "s3" / "images"
        with self.assertRaises(ValueError):
            self.cat.cloud_storage_connections()  # Kili asks for one of the ids
        added = self.cat.add_cloud_storage_connection("p1", created["id"], selected_folders=["images"])
        self.assertEqual(list(added), ["id"])
        with self.assertRaises(cloudsync.NotFoundError):
            self.cat.add_cloud_storage_connection("p1", "no-such-integration")

        by_project = self.cat.cloud_storage_connections(project_id=project.id)
        self.assertEqual(by_project, [{"id": added["id"], "lastChecked": None, "numberOfAssets": 0,
                                       "selectedFolders": ["images"], "projectId": project.id}])
        self.assertEqual(self.cat.cloud_storage_connections(cloud_storage_connection_id=added["id"]), by_project)
        generator = self.cat.cloud_storage_connections(cloud_storage_integration_id=created["id"], as_generator=True,
                                                       fields=["id", "dataIntegrationId", "dataIntegration.name"])
        self.assertNotIsInstance(generator, list)
        self.assertEqual(list(generator), [{"id": added["id"], "dataIntegrationId": created["id"],
                                            "dataIntegration": {"name": "Images"}}])
        self.assertEqual(self.cat.count_cloud_storage_connections(project_id="p1"), 1)
        with self.assertRaises(cloudsync.NotFoundError):
            self.cat.count_cloud_storage_connections(cloud_storage_integration_id="nobody's")

        with self.assertLogs("cloudsync", logging.INFO) as logs:
            dry = self.cat.synchronize_cloud_storage_connection(added["id"], dry_run=True)
        self.assertEqual(dry, {"numberOfAssets": 0, "projectId": project.id, "id": added["id"]})
        self.assertFalse(folder.exists())
        self.assertIn("Found 2 difference(s): 2 asset(s) to add, 0 asset(s) to remove.", "\n".join(logs.output))
        self.assertIn("Dry run: no data will be added or removed.", "\n".join(logs.output))
        self.assertEqual(self.cat.synchronize_cloud_storage_connection(added["id"])["numberOfAssets"], 2)
        self.assertEqual(sorted(p.name for p in (folder / "images").iterdir()), ["a.jpg", "b.jpg"])  # not images2/

        self.moto.s3.delete_object(Bucket=self.bucket_name, Key="images/a.jpg")
        with self.assertLogs("cloudsync", logging.INFO) as logs:
            kept = self.cat.synchronize_cloud_storage_connection(added["id"])
        self.assertEqual(kept["numberOfAssets"], 2)
        self.assertIn("Use delete_extraneous_files=True to remove 1 extraneous file(s).", "\n".join(logs.output))
        self.assertTrue((folder / "images" / "a.jpg").exists())
        self.cat.synchronize_cloud_storage_connection(added["id"], delete_extraneous_files=True, dry_run=True)
        self.assertTrue((folder / "images" / "a.jpg").exists())
        done = self.cat.synchronize_cloud_storage_connection(added["id"], delete_extraneous_files=True)
        self.assertEqual(done["numberOfAssets"], 1)
        self.assertFalse((folder / "images" / "a.jpg").exists())
        self.assertIsNotNone(self.cat.cloud_storage_connections(project_id="p1")[0]["lastChecked"])


if __name__ == "__main__":
    import unittest
    unittest.main()
