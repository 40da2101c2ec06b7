#!/usr/bin/env python3
"""End-to-end tests of the shared-catalog commands of the cloudsync CLI:
integrations add|list|get|update|remove|check, projects, and
connections add|list|diff|sync|remove, on local folders and file:// URLs.

Run one group with: test_catalog.py --cli PATH CatalogFlowTest
"""

import os
import shutil
import subprocess
import sys
import tempfile

import test_cli
from test_cli import CLEAN_ENV, EXIT, CliTestCase, files_containing, read_tree, write_tree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from peers import Peer  # noqa: E402  (CatalogPostgresTest starts tests/peers/start-postgres.sh)

# Exit statuses test_cli.EXIT does not list (the library's table, src/core/status.cpp).
EXIT_ALREADY_EXISTS = 4
EXIT_NETWORK = 15

NOBODY = 65534


def run(*args, cwd=None, env=None, stdin_text=None, as_nobody=False):
    """Runs the CLI with `env` added to a provider-free environment; stdin is
    `stdin_text`, or empty. Root ignores file modes: `as_nobody` runs the tool
    as the unprivileged user `nobody` when the tests run as root."""
    full_env = dict(os.environ)
    for key, value in {**CLEAN_ENV, **(env or {})}.items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    command = [test_cli.CLI, *args]
    if as_nobody and os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *command]
    return subprocess.run(command, cwd=cwd, env=full_env, input=stdin_text or "",
                          capture_output=True, text=True, timeout=120)


class CatalogTestCase(CliTestCase):
    def setUp(self):
        super().setUp()
        self.catalog = self.path("catalog")
        self.remote = self.path("remote")
        self.project = self.path("project")
        os.makedirs(self.project)
        write_tree(self.remote, {"data/x.txt": "x1", "data/y.txt": "y1", "data/skip.tmp": "t", "other/z.csv": "z1"})

    def cli(self, *args, **kwargs):
        """The CLI on this test's catalog, named through the environment."""
        env = dict(kwargs.pop("env", None) or {}, CLOUDSYNC_CATALOG=self.catalog)
        return run(*args, env=env, **kwargs)

    def ok(self, *args, **kwargs):
        r = self.cli(*args, **kwargs)
        self.assertExit(r, 0)
        return r

    def ok_json(self, *args, **kwargs):
        return self.json_of(self.ok(*args, "--json", **kwargs))


class CatalogHelpTest(CatalogTestCase):
    def test_catalog_help(self):
        # Every command's help is checked by test_cli.py's one help loop; here
        # what only the catalog commands say.
        r = run("integrations", "--help")
        self.assertIn("CLOUDSYNC_CATALOG", r.stdout)
        self.assertIn(".local/share/cloudsync/catalog", r.stdout)
        r = run("--help")
        for cmd in ("integration", "integrations", "projects", "connections"):
            self.assertRegex(r.stdout, rf"\n  {cmd} ")

    def test_default_catalog_is_under_xdg_data_home(self):
        home = self.path("home")
        env = {"CLOUDSYNC_CATALOG": None, "XDG_DATA_HOME": None, "HOME": home}
        r = run("projects", "add", "p", self.project, env=env)
        self.assertExit(r, 0)
        self.assertTrue(os.path.isfile(os.path.join(home, ".local", "share", "cloudsync", "catalog", "catalog.db")))
        env["XDG_DATA_HOME"] = self.path("xdg")
        self.assertExit(run("projects", "add", "p", self.project, env=env), 0)
        self.assertTrue(os.path.isfile(self.path("xdg", "cloudsync", "catalog", "catalog.db")))
        # --catalog wins over the environment.
        env["CLOUDSYNC_CATALOG"] = self.path("env-catalog")
        self.assertExit(run("projects", "add", "p", self.project, "--catalog", self.path("flag"), env=env), 0)
        self.assertTrue(os.path.isfile(self.path("flag", "catalog.db")))
        self.assertFalse(os.path.exists(self.path("env-catalog")))

    def test_usage_errors(self):
        cases = {
            "check without NAME or --all": ["integrations", "check"],
            "check with both": ["integrations", "check", "X", "--all"],
            "unknown platform": ["integrations", "list", "--platform", "Mars"],
            "unknown status": ["integrations", "list", "--status", "HAPPY"],
            "writeback and read-only": ["integrations", "list", "--writeback", "--read-only"],
            "connections add without --integration": ["connections", "add", "--project", "p"],
            "negative max-delete": ["connections", "sync", "abc", "--max-delete", "-1"],
            "clear and set": ["integrations", "update", "X", "--clear", "allowed-paths", "--allowed-path", "a"],
            "clear of an unknown field": ["integrations", "update", "X", "--clear", "colour"],
        }
        for what, args in cases.items():
            with self.subTest(what):
                r = self.cli(*args)
                self.assertFailsWith(r, EXIT["usage"])
                self.assertEqual(r.stdout, "")

    def test_missing_catalog_is_not_found_and_not_created(self):
        for args in (["integrations", "list"], ["connections", "list"], ["integrations", "check", "--all"]):
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertFailsWith(r, EXIT["not_found"])
                self.assertIn("catalog", r.stderr)
        self.assertFalse(os.path.exists(self.catalog))


class CatalogFlowTest(CatalogTestCase):
    def test_full_flow(self):
        # integrations add, with a relative path stored absolute.
        doc = self.ok_json("integrations", "add", "Team Files", "remote", "--allowed-project", "analysis",
                           "--selected-folder", "data", cwd=self.tmp)
        integ = doc["integration"]
        self.assertEqual((integ["platform"], integ["status"], integ["folder"]),
                         ("Local", "UNCHECKED", "external-files/local/team_files"))
        self.assertEqual(os.path.abspath(integ["url"]), self.remote)
        self.assertEqual(doc["secret_names"], [])
        self.ok("integrations", "add", "Archive", self.path("archive"), "--writeback")
        self.assertFailsWith(self.cli("integrations", "add", "team files", self.remote), EXIT_ALREADY_EXISTS)

        # projects
        project = self.ok_json("projects", "add", "analysis", self.project)
        self.assertEqual(project["root"], self.project)
        self.ok("projects", "add", "other", self.path("other"))
        self.assertIn("analysis", self.ok("projects", "list").stdout)

        # integrations list: one line per item, filters, paging.
        r = self.ok("integrations", "list")
        self.assertEqual(len(r.stdout.strip().splitlines()), 3)  # header + 2
        self.assertIn("Team Files", r.stdout)
        self.assertIn("UNCHECKED", r.stdout)

        def names(*args):
            doc = self.ok_json("integrations", "list", *args)
            return [i["name"] for i in doc["integrations"]], doc["total"]

        self.assertEqual(names(), (["Team Files", "Archive"], 2))
        self.assertEqual(names("--writeback"), (["Archive"], 1))
        self.assertEqual(names("--read-only"), (["Team Files"], 1))
        self.assertEqual(names("--platform", "local", "--name", "ARCHIVE"), (["Archive"], 1))
        self.assertEqual(names("--project", "other"), (["Archive"], 1))
        self.assertEqual(names("--first", "1", "--skip", "1"), (["Archive"], 2))
        self.assertIn("1 of 2 shown", self.ok("integrations", "list", "--first", "1").stdout)

        # get and check.
        self.assertRegex(self.ok("integrations", "get", "Team Files").stdout, r"allowed projects: +analysis\n")
        r = self.ok("integrations", "check", "Team Files")
        self.assertIn("Team Files  CONNECTED", r.stdout)
        self.assertEqual(self.ok_json("integrations", "get", integ["id"])["integration"]["status"], "CONNECTED")

        # connections add: scope checks, then one connection.
        r = self.cli("connections", "add", "--project", "other", "--integration", "Team Files")
        self.assertFailsWith(r, EXIT["permission_denied"])
        conn = self.ok_json("connections", "add", "--project", "analysis", "--integration", "Team Files",
                            "--exclude", "**/*.tmp")
        cid = conn["id"]
        r = self.ok("connections", "list")
        self.assertEqual(len(r.stdout.strip().splitlines()), 2)
        self.assertIn(cid, r.stdout)
        self.assertIn("analysis", r.stdout)
        self.assertEqual(self.ok_json("connections", "list", "--integration", "Archive")["connections"], [])
        self.assertEqual(self.ok_json("connections", "list", "--project", "analysis")["total"], 1)

        # diff: one line per action with its reason; changes nothing.
        folder = os.path.join(self.project, "external-files", "local", "team_files")
        r = self.ok("connections", "diff", cid)
        lines = r.stdout.strip().splitlines()
        self.assertRegex(lines[0], r"^add +data/x\.txt \(2 B\): .+")
        self.assertRegex(lines[1], r"^add +data/y\.txt \(2 B\): .+")
        self.assertIn("Differences: 2 add", lines[-1])
        plan = self.ok_json("connections", "diff", cid)
        self.assertEqual(plan["summary"]["add"], 2)
        self.assertFalse(os.path.exists(folder))

        # sync --dry-run, then sync.
        r = self.ok("connections", "sync", cid, "--dry-run")
        self.assertIn("DRY RUN", r.stdout)
        self.assertFalse(os.path.exists(folder))
        result = self.ok_json("connections", "sync", cid)
        self.assertEqual(result["report"]["summary"]["done"], 2)
        self.assertEqual(read_tree(folder), {"data/x.txt": "x1", "data/y.txt": "y1"})
        self.assertIn("nothing to do", self.ok("connections", "diff", cid).stdout)
        self.assertEqual(self.ok_json("connections", "list")["connections"][0]["number_of_assets"], 2)

        # A remote deletion: listed with --delete-extraneous-files, held by --max-delete.
        os.remove(os.path.join(self.remote, "data", "y.txt"))
        write_tree(self.remote, {"data/x.txt": "x2"})
        r = self.ok("connections", "diff", cid, "--delete-extraneous-files")
        self.assertRegex(r.stdout, r"(?m)^update +data/x\.txt")
        self.assertRegex(r.stdout, r"(?m)^delete +data/y\.txt: .+")
        r = self.cli("connections", "sync", cid, "--delete-extraneous-files", "--max-delete", "0")
        self.assertFailsWith(r, EXIT["limit_exceeded"])
        self.assertEqual(read_tree(folder)["data/x.txt"], "x1")
        self.ok("connections", "sync", cid, "--delete-extraneous-files")
        self.assertEqual(read_tree(folder), {"data/x.txt": "x2"})

        # A change on both sides is a conflict, reported and left alone.
        write_tree(folder, {"data/x.txt": "mine"})
        write_tree(self.remote, {"data/x.txt": "theirs"})
        self.assertRegex(self.ok("connections", "diff", cid).stdout, r"(?m)^conflict +data/x\.txt: .+")
        r = self.cli("connections", "sync", cid)
        self.assertFailsWith(r, EXIT["conflict"])
        self.assertEqual(read_tree(folder)["data/x.txt"], "mine")

        # remove: refused while connected, then the connection, then the integration.
        self.assertFailsWith(self.cli("integrations", "remove", "Team Files"), EXIT["conflict"])
        self.ok("connections", "remove", cid)
        self.assertFailsWith(self.cli("connections", "diff", cid), EXIT["not_found"])
        self.ok("integrations", "remove", "Team Files")
        self.assertEqual(names(), (["Archive"], 1))
        self.assertEqual(read_tree(folder)["data/x.txt"], "mine")  # files are kept

        # The project-local commands keep working beside the catalog.
        self.ok("integration", "add", "Local", "--url", self.remote, "--project", self.project)
        self.ok("import", "Local", "other/", "--project", self.project)
        self.assertEqual(read_tree(os.path.join(self.project, "external-files", "local", "local")),
                         {"other/z.csv": "z1"})

    def test_update_changes_only_what_is_given(self):
        self.ok("integrations", "add", "T", self.remote, "--selected-folder", "data", "--allowed-path", "data")
        self.ok("integrations", "check", "T")
        doc = self.ok_json("integrations", "update", "T", "--allowed-project", "a", "--allowed-project", "b")
        integ = doc["integration"]
        self.assertEqual((integ["allowed_projects"], integ["selected_folders"], integ["allowed_paths"]),
                         (["a", "b"], ["data"], ["data"]))
        self.assertEqual(integ["status"], "CONNECTED")  # who may use it is no setting of the store
        integ = self.ok_json("integrations", "update", "T", "--clear", "allowed-paths", "--writeback")["integration"]
        self.assertEqual((integ["allowed_paths"], integ["writeback"], integ["status"]), ([], True, "UNCHECKED"))


class CatalogCheckTest(CatalogTestCase):
    def test_check_exit_status_names_the_reason(self):
        self.ok("integrations", "add", "Works", self.remote, "--writeback")
        self.ok("integrations", "add", "Gone", self.path("no-such-folder"))
        r = self.ok("integrations", "check", "Works")
        self.assertRegex(r.stdout, r"^Works  CONNECTED  \(list, read, write, delete passed")
        r = self.cli("integrations", "check", "Gone")
        self.assertFailsWith(r, EXIT["not_found"])
        self.assertRegex(r.stdout, r"^Gone  DISCONNECTED  NOT_FOUND")
        self.assertIn("1 of 1 integration not connected", r.stderr)
        r = self.cli("integrations", "check", "--all", "--json")
        self.assertExit(r, EXIT["not_found"])
        checks = {c["integration_name"]: c["check"] for c in self.json_of(r)["checks"]}
        self.assertEqual(checks["Works"]["status"], "CONNECTED")
        self.assertEqual((checks["Gone"]["status"], checks["Gone"]["reason"]), ("DISCONNECTED", "NOT_FOUND"))
        r = self.cli("integrations", "check", "--all", "-q")
        self.assertExit(r, EXIT["not_found"])
        self.assertNotIn("Works", r.stdout)
        listed = self.ok_json("integrations", "list", "--status", "DISCONNECTED")["integrations"]
        self.assertEqual([(i["name"], i["status_reason"]) for i in listed], [("Gone", "NOT_FOUND")])
        # Once the folder exists the same integration checks CONNECTED.
        os.makedirs(self.path("no-such-folder"))
        self.ok("integrations", "check", "Gone")
        self.assertFailsWith(self.cli("integrations", "check", "Nope"), EXIT["not_found"])


    def test_missing_permission_names_the_action(self):
        # A folder the tool may list and read but not write: a writeback
        # integration on it misses the write permission.
        os.chmod(self.tmp, 0o755)
        catalog = self.path("catalog-of-nobody")
        os.makedirs(catalog)
        if os.geteuid() == 0:
            os.chown(catalog, NOBODY, NOBODY)
        else:
            os.chmod(self.remote, 0o555)
        r = run("integrations", "add", "RO", self.remote, "--writeback", "--catalog", catalog, as_nobody=True)
        self.assertExit(r, 0)
        r = run("integrations", "check", "RO", "--catalog", catalog, as_nobody=True)
        self.assertFailsWith(r, EXIT["permission_denied"])
        self.assertRegex(r.stdout, r"^RO  DISCONNECTED  MISSING_PERMISSION  missing permission: write")
        r = run("integrations", "get", "RO", "--json", "--catalog", catalog, as_nobody=True)
        integ = self.json_of(r)["integration"]
        self.assertEqual((integ["status_reason"], integ["missing_action"]), ("MISSING_PERMISSION", "write"))


class CatalogSecretsTest(CatalogTestCase):
    SECRET = "wJalrXUtnFEMI-K7MDENG-catalog-cli-secret"
    S3 = ["s3://bucket/prefix", "-o", "endpoint=http://127.0.0.1:9", "-o", "max_attempts=1",
          "-o", "region=us-east-1", "-o", "access_key_id=AKIDEXAMPLE"]

    def assertNoSecret(self, results, secret):
        for r in results:
            self.assertNotIn(secret, r.stdout + r.stderr, " ".join(map(str, r.args)))
        # Neither the database (nor its WAL) nor any other catalog file holds it.
        for name in ("catalog.db", "catalog.db-wal"):
            path = os.path.join(self.catalog, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), name)
        self.assertEqual(files_containing(self.catalog, secret), [])

    def test_env_reference_never_appears(self):
        env = {"SALES_SECRET": self.SECRET}
        results = [self.cli("integrations", "add", "Sales", *self.S3, "--secret", "secret_access_key=env:SALES_SECRET",
                            "--json", "-vvv", env=env)]
        self.assertExit(results[0], 0)
        self.assertEqual(self.json_of(results[0])["secret_names"], ["secret_access_key"])
        results += [self.cli(*args, env=env) for args in (
            ["integrations", "list"], ["integrations", "list", "--json"], ["integrations", "get", "Sales"],
            ["integrations", "get", "Sales", "--json", "-vvv"])]
        for r in results[1:]:
            self.assertExit(r, 0)
        self.assertIn("secret_access_key", results[3].stdout)
        # The check reads the secret from the environment and reaches nothing: UNREACHABLE.
        for args in (["integrations", "check", "Sales", "-vvv"], ["integrations", "check", "--all", "--json"]):
            r = self.cli(*args, env=env)
            self.assertExit(r, EXIT_NETWORK)
            self.assertIn("UNREACHABLE", r.stdout)
            results.append(r)
        with open(os.path.join(self.catalog, "secrets.json"), "rb") as f:
            self.assertIn(b"env:SALES_SECRET", f.read())
        # Without the variable the check says which one is missing, never a value.
        r = self.cli("integrations", "check", "Sales", env={"SALES_SECRET": None})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SALES_SECRET", r.stdout + r.stderr)
        results.append(r)
        results.append(self.cli("integrations", "update", "Sales", "--secret", "secret_access_key=env:OTHER_SECRET",
                                "--json", env=env))
        self.assertExit(results[-1], 0)
        self.assertNoSecret(results, self.SECRET)

    def test_secret_values_are_refused_on_the_command_line(self):
        r = self.cli("integrations", "add", "Sales", *self.S3, "--secret", f"secret_access_key={self.SECRET}")
        self.assertFailsWith(r, EXIT["usage"])
        self.assertIn("--secret-stdin", r.stderr)
        r2 = self.cli("integrations", "add", "Sales", *self.S3, "-o", f"secret_access_key={self.SECRET}")
        self.assertFailsWith(r2, EXIT["invalid_argument"])
        self.assertNoSecret([r, r2], self.SECRET)
        self.assertFalse(os.path.exists(os.path.join(self.catalog, "secrets.json")))

    def test_secret_from_stdin_is_kept_out_of_the_database(self):
        r = self.cli("integrations", "add", "Sales", *self.S3, "--secret-stdin", "secret_access_key", "--json",
                     stdin_text=self.SECRET + "\n")
        self.assertExit(r, 0)
        self.assertEqual(self.json_of(r)["secret_names"], ["secret_access_key"])
        secrets = os.path.join(self.catalog, "secrets.json")
        self.assertEqual(os.stat(secrets).st_mode & 0o777, 0o600)
        results = [r, self.cli("integrations", "get", "Sales"), self.cli("integrations", "list", "--json"),
                   self.cli("integrations", "check", "Sales", "-vvv")]
        self.assertNotIn(self.SECRET, "".join(x.stdout + x.stderr for x in results))
        for name in ("catalog.db", "catalog.db-wal"):
            path = os.path.join(self.catalog, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.assertNotIn(self.SECRET.encode(), f.read(), name)
        self.assertEqual(files_containing(self.catalog, self.SECRET), [secrets])
        # No line on stdin: refused, nothing stored.
        r = self.cli("integrations", "add", "Other", *self.S3, "--secret-stdin", "secret_access_key")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertEqual(self.ok_json("integrations", "list", "--name", "Other")["integrations"], [])
        # --clear secrets forgets them.
        self.ok("integrations", "update", "Sales", "--clear", "secrets")
        self.assertEqual(files_containing(self.catalog, self.SECRET), [])



class CatalogPostgresTest(CatalogTestCase):
    """--catalog-database and $CLOUDSYNC_CATALOG_DATABASE: the catalog in a
    PostgreSQL database several servers share (a private server,
    tests/peers/start-postgres.sh); the secrets stay in the catalog folder."""

    @classmethod
    def setUpClass(cls):
        cls.server_dir = tempfile.mkdtemp(prefix="cloudsync-catalog-pg-")
        os.chmod(cls.server_dir, 0o755)  # the server runs as nobody when the tests run as root: its log is here
        cls.server = Peer.postgres(os.path.join(cls.server_dir, "postgres"))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.server_dir, ignore_errors=True)

    def conninfo(self, password=None):
        e = self.server.env
        return (f"host={e['PGHOST']} port={e['PGPORT']} user={e['PGUSER']} "
                f"password={password or e['PGPASSWORD']} dbname=cli_catalog")

    def test_two_servers_share_one_database(self):
        self.server.psql("DROP DATABASE IF EXISTS cli_catalog")
        self.server.psql("CREATE DATABASE cli_catalog")
        self.ok("integrations", "add", "Team Files", self.remote, "--catalog-database", self.conninfo())
        # Another server (another catalog folder) names the database in its environment.
        os.makedirs(self.path("other-catalog"))
        other = run("integrations", "list", "--json", "--catalog", self.path("other-catalog"),
                    env={"CLOUDSYNC_CATALOG_DATABASE": self.conninfo()})
        self.assertExit(other, 0)
        self.assertEqual([i["name"] for i in self.json_of(other)["integrations"]], ["Team Files"])
        self.assertEqual(self.server.psql("SELECT name FROM integrations", database="cli_catalog").strip(),
                         "Team Files")
        self.assertFalse(os.path.exists(os.path.join(self.catalog, "catalog.db")))
        # A wrong password: refused, and the password is in no output.
        r = self.cli("integrations", "list", "--catalog-database", self.conninfo("wrong-pw-31337"))
        self.assertFailsWith(r, EXIT["unauthenticated"])
        self.assertNotIn("wrong-pw-31337", r.stdout + r.stderr)
        self.assertNotIn(self.server.env["PGPASSWORD"], r.stdout + r.stderr)


if __name__ == "__main__":
    test_cli.run_tests()
