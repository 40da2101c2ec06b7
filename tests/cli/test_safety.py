#!/usr/bin/env python3
"""Data-safety tests of the cloudsync command-line tool: what an unlucky user
or a tampered project can do, and what cloudsync must never do in return
(delete after a partial listing, write or delete outside the project, lose a
concurrent update, leave its temporaries behind).

Root reads a `chmod 000` folder anyway, and CI runs as root: the tests that
need an unreadable folder run the tool as the unprivileged user `nobody`
(setpriv) when they run as root.

Run one group with: test_safety.py --cli PATH UnreadableListingTest
"""

import argparse
import json
import os
import sqlite3
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

CLI = None  # set from --cli
NOBODY = 65534


def run(*args, cwd=None, as_nobody=False, timeout=120):
    command = [CLI, *args]
    if as_nobody and os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *command]
    return subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


class Scratch(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cloudsync-safety-")
        os.chmod(self.tmp, 0o755)

    def tearDown(self):
        for dirpath, dirnames, _ in os.walk(self.tmp):
            for d in dirnames:
                path = os.path.join(dirpath, d)
                if not os.path.islink(path):
                    os.chmod(path, 0o755)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def p(self, *parts):
        return os.path.join(self.tmp, *parts)

    def give_to_nobody(self):
        """The tree becomes nobody's, so that the tool run as nobody can work in it."""
        if os.geteuid() != 0:
            return
        for dirpath, dirnames, filenames in os.walk(self.tmp):
            os.chown(dirpath, NOBODY, NOBODY)
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), NOBODY, NOBODY, follow_symlinks=False)

    def assertOk(self, r):
        self.assertEqual(r.returncode, 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")


class UnreadableListingTest(Scratch):
    """A listing that could not read everything never feeds a deletion."""

    def make_trees(self):
        for side in ("src", "dst"):
            write(self.p(side, "1.txt"), "one")
            write(self.p(side, "locked", "2.txt"), "two")
        write(self.p("dst", "extra.txt"), "extraneous")
        self.give_to_nobody()
        os.chmod(self.p("src", "locked"), 0)

    def test_tree_sync_keeps_the_copies_of_an_unreadable_folder(self):
        self.make_trees()
        dry = run("sync", self.p("src"), self.p("dst"), "--delete-extraneous", "--dry-run", "--json",
                  as_nobody=True)
        plan = json.loads(dry.stdout)["plan"]
        deleted = [a["path"] for a in plan["actions"] if a["kind"] == "delete"]
        self.assertNotIn("locked/2.txt", deleted)
        self.assertEqual([u["key"] for u in plan["unreadable"]], ["locked/"])

        r = run("sync", self.p("src"), self.p("dst"), "--delete-extraneous", as_nobody=True)
        self.assertNotEqual(r.returncode, 0, "an incomplete listing must not pass for success")
        self.assertIn("locked", r.stderr + r.stdout)
        self.assertEqual(read(self.p("dst", "locked", "2.txt")), "two")
        # Not even deletions outside the unreadable folder run in that pass.
        self.assertTrue(os.path.exists(self.p("dst", "extra.txt")))

    def test_ls_of_a_tree_with_an_unreadable_folder_fails(self):
        self.make_trees()
        r = run("ls", self.p("src"), "-R", as_nobody=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("locked", r.stderr)

    def test_project_push_keeps_the_remote_copies_of_an_unreadable_folder(self):
        remote, project = self.p("remote"), self.p("proj")
        write(os.path.join(remote, "1.txt"), "one")
        write(os.path.join(remote, "locked", "2.txt"), "two")
        self.assertOk(run("integration", "add", "Store", "--project", project, "--url", "file://" + remote,
                          "--writeback"))
        self.assertOk(run("import", "Store", "--project", project, "1.txt", "locked/"))
        folder = os.path.join(project, "external-files", "local", "store")
        self.assertEqual(read(os.path.join(folder, "locked", "2.txt")), "two")
        self.give_to_nobody()
        os.chmod(os.path.join(folder, "locked"), 0)
        r = run("sync", "--project", project, "--integration", "Store", "--push", "--delete-extraneous",
                as_nobody=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(read(os.path.join(remote, "locked", "2.txt")), "two")


class ProjectBoundaryTest(Scratch):
    """Whatever the state says, nothing outside the project is written or deleted."""

    def setUp(self):
        super().setUp()
        self.remote = self.p("remote")
        self.project = self.p("proj")
        self.victim = self.p("victim")
        write(os.path.join(self.remote, "a.txt"), "remote")
        write(os.path.join(self.victim, "keep.txt"), "precious")
        self.assertOk(run("integration", "add", "Store", "--project", self.project, "--url",
                          "file://" + self.remote))

    def tamper_catalog(self, sql, *params):
        # Behind the library's back, as a tampered or corrupted state would be.
        with sqlite3.connect(os.path.join(self.project, ".cloudsync", "catalog.db")) as db:
            db.execute(sql, params)

    def tamper_folder(self, folder):
        self.tamper_catalog("UPDATE integrations SET folder = ?", folder)

    def victim_untouched(self):
        self.assertEqual(sorted(os.listdir(self.victim)), ["keep.txt"])
        self.assertEqual(read(os.path.join(self.victim, "keep.txt")), "precious")

    def check_refused(self):
        r = run("import", "Store", "--project", self.project, "a.txt")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.victim_untouched()
        r = run("integration", "remove", "Store", "--project", self.project, "--delete-files")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.victim_untouched()

    def test_folder_outside_the_project_in_the_state(self):
        for folder in ("../victim", self.victim, "external-files/../../victim", "external-files/local/../../../victim"):
            with self.subTest(folder=folder):
                self.tamper_folder(folder)
                self.check_refused()
                self.assertIn("refusing", run("import", "Store", "--project", self.project, "a.txt").stderr)

    def test_tampered_id_names_no_file_outside_the_state(self):
        self.tamper_catalog("PRAGMA foreign_keys = OFF")
        self.tamper_catalog("UPDATE integrations SET id = ?", "../../../victim/manifest")
        r = run("import", "Store", "--project", self.project, "a.txt")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("id", r.stderr)
        self.victim_untouched()

    def test_symlinked_external_files(self):
        os.makedirs(self.project, exist_ok=True)
        os.symlink(self.victim, os.path.join(self.project, "external-files"))
        self.check_refused()

    def test_symlinked_type_folder(self):
        os.makedirs(os.path.join(self.project, "external-files"))
        os.symlink(self.victim, os.path.join(self.project, "external-files", "local"))
        self.check_refused()

    def test_symlink_inside_the_folder_is_removed_not_followed(self):
        self.assertOk(run("import", "Store", "--project", self.project, "a.txt"))
        folder = os.path.join(self.project, "external-files", "local", "store")
        os.symlink(self.victim, os.path.join(folder, "link"))
        self.assertOk(run("integration", "remove", "Store", "--project", self.project, "--delete-files"))
        self.assertFalse(os.path.lexists(folder))
        self.victim_untouched()


class ConcurrentStateTest(Scratch):
    """Every read-modify-write of the state happens under the lock."""

    def test_concurrent_adds_are_all_kept(self):
        project = self.p("proj")
        os.makedirs(self.p("remote"))
        os.makedirs(project)
        names = [f"Store {i}" for i in range(24)]

        def add(name):
            return run("integration", "add", name, "--project", project, "--url", "file://" + self.p("remote"))

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(add, names))
        for r in results:
            self.assertOk(r)
        listed = json.loads(run("integration", "list", "--project", project, "--json").stdout)
        if isinstance(listed, dict):
            listed = listed.get("integrations", listed)
        self.assertEqual(sorted(i["name"] for i in listed), sorted(names))


class LeftoversTest(Scratch):
    """What a killed run left behind is cleaned up by the next one."""

    def test_stale_temporary_in_a_tree_destination_is_removed(self):
        write(self.p("src", "a.txt"), "new")
        stale = self.p("dst", "sub", ".a.txt.cloudsync-0123456789ab.partial")
        write(stale, "x" * 1000)
        old = time.time() - 3600
        os.utime(stale, (old, old))
        self.assertOk(run("sync", self.p("src"), self.p("dst")))
        self.assertFalse(os.path.exists(stale), "a temporary whose writer died must go")
        self.assertEqual(read(self.p("dst", "a.txt")), "new")

    def test_temporary_of_a_running_writer_is_left_alone(self):
        import fcntl
        write(self.p("src", "a.txt"), "new")
        busy = self.p("dst", ".b.txt.cloudsync-0123456789ab.partial")
        write(busy, "being written")
        old = time.time() - 3600
        os.utime(busy, (old, old))
        with open(busy, "rb") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # what a live writer holds
            self.assertOk(run("sync", self.p("src"), self.p("dst")))
            self.assertTrue(os.path.exists(busy), "a temporary a live writer holds must stay")
        write(self.p("src", "c.txt"), "more")  # the sweep runs before a run's transfers
        self.assertOk(run("sync", self.p("src"), self.p("dst")))
        self.assertFalse(os.path.exists(busy))


def main():
    global CLI
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
