#!/usr/bin/env python3
"""Every example of every `--help` and of README.md runs and succeeds.

The examples are read from the help texts and the README themselves, so a new
one is tested without anyone listing it. Each runs through bash (they use
pipes, `~` and VAR=value prefixes) with `cloudsync` on PATH, in a sandbox:
  - absolute folders (/mnt/..., /srv/..., /var/www/...) and ~ live under it;
  - s3:// URLs reach moto (started here, tests/peers/start-moto.sh), whose
    buckets hold what the examples name; credentials come from the stand-in
    environment the examples expect (AWS_PROFILE=sales, env:SALES_SECRET, a
    secret file), never from the command line;
  - placeholder ids (9b1c2d3e4f5a6b7c, <connection id>, 3f2a9c0d1e4b5a67) are
    replaced by the ids of what the sandbox holds.
Examples that add something run each in an empty sandbox; the others in one that
holds the integrations, projects and connections they name (removals last).
az:// examples have no stand-in account here: they must get as far as the
network (a proxy that refuses), which shows that they parse and open.
Commands that run until they are told to stop (watch) get Ctrl-C after a
moment and must then end cleanly (status 0).

Run with: test_examples.py --cli PATH ExamplesTest
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import test_cli
from test_cli import CLEAN_ENV, EXIT, all_commands, help_of, write_tree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))
from peers import Peer  # noqa: E402  (starts tests/peers/start-moto.sh)
README = os.path.join(HERE, "..", "..", "README.md")
EXIT_NETWORK = 15
CONNECTION_PLACEHOLDERS = ("9b1c2d3e4f5a6b7c", "<connection id>")
INTEGRATION_PLACEHOLDER = "3f2a9c0d1e4b5a67"
RUN_UNTIL_STOPPED = ("watch", "export-records scheduler")
# The examples' PostgreSQL database: the test's own server stands in for it.
EXAMPLE_POSTGRES = "'host=db dbname=app user=export'"
EXAMPLE_TABLES = """
CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, total numeric);
CREATE TABLE invoices (invoice_id bigint PRIMARY KEY, modified_at timestamptz NOT NULL, total numeric);
CREATE TABLE events (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, kind text);
INSERT INTO orders SELECT g, now() - interval '1 day' + g * interval '1 second', g FROM generate_series(1, 50) g;
INSERT INTO invoices SELECT g, now() - interval '1 day' + g * interval '1 second', g FROM generate_series(1, 50) g;
INSERT INTO events SELECT g, now() - interval '1 day' + g * interval '1 second', 'k' FROM generate_series(1, 50) g;
"""
# How a command that runs until stopped is run: Ctrl-C once its first line is
# out (it has started; a loaded machine may take seconds), then its own status.
UNTIL_STOPPED = ('out=$(mktemp); {command} >"$out" & pid=$!; '
                 'for _ in $(seq 600); do [ -s "$out" ] && break; sleep 0.1; done; '
                 'kill -INT $pid 2>/dev/null; wait $pid; status=$?; cat "$out"; rm -f "$out"; exit $status')


def joined(lines):
    """Lines with their trailing-backslash continuations joined, comments dropped."""
    out, pending = [], ""
    for line in lines:
        line = line.strip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = pending + line
        pending = ""
        line = re.sub(r"\s+#\s.*$", "", line)
        if line:
            out.append(line)
    return out


def help_examples():
    found = []
    for command in [[]] + all_commands():
        text = help_of(*command)
        if "\nExamples:\n" not in text:
            continue
        lines = []
        for line in text.split("\nExamples:\n", 1)[1].splitlines():
            if not line.startswith("  "):
                break
            lines.append(line)
        found += [(" ".join(["cloudsync", *command, "--help"]), example) for example in joined(lines)]
    return found


def readme_examples():
    with open(README) as f:
        text = f.read()
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        found += [("README.md", line) for line in joined(block.splitlines()) if "cloudsync " in line
                  and not line.startswith(("bash ", "cmake ", "pkg-config "))]
    return found


def command_words(example):
    """The words naming the command: ["integrations", "add"] for '... cloudsync integrations add Sales ...'."""
    after = example.split("cloudsync ", 1)[1].split()
    return [w for w in after[:2] if not w.startswith("-")]


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cloudsync-examples-")
        cls.bin = os.path.join(cls.tmp, "bin")
        os.makedirs(cls.bin)
        os.symlink(test_cli.CLI, os.path.join(cls.bin, "cloudsync"))
        cls.moto_peer = Peer.moto(os.path.join(cls.tmp, "moto"), mode="noauth")
        cls.moto = cls.moto_peer.env
        cls.fill_buckets()
        cls.postgres = Peer.postgres(os.path.join(cls.tmp, "postgres"))
        cls.postgres.psql("CREATE DATABASE app")
        cls.postgres.psql(EXAMPLE_TABLES, database="app")
        e = cls.postgres.env
        cls.conninfo = f"'host=127.0.0.1 port={e['PGPORT']} dbname=app user={e['PGUSER']}'"

    @classmethod
    def tearDownClass(cls):
        cls.moto_peer.stop()
        cls.postgres.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def fill_buckets(cls):
        s3 = cls.moto_peer.s3_client()
        objects = {
            "my-bucket": ["reports/2024/r.csv", "data/2024/d.csv", "site/index.html", "photos/p.jpg"],
            "acme-sales": ["exports/reports/2024/q1.csv", "exports/reports/summary.csv", "exports/data/q1.parquet"],
            "bucket": ["data/a.csv", "images/i.png", "prefix/data/x.csv", "prefix/notes/n.csv", "reports/r.txt",
                       "train/t.png"],
            "acme-exports": [],
        }
        for bucket, keys in objects.items():
            s3.create_bucket(Bucket=bucket)
            for key in keys:
                s3.put_object(Bucket=bucket, Key=key, Body=b"content of " + key.encode())

    def sandbox(self, name):
        """A folder tree the examples' local paths point into."""
        root = os.path.join(self.tmp, name)
        write_tree(root, {
            "work/photos/p.jpg": "jpg", "work/reports/summary.csv": "a,b", "work/reports/2024/q.csv": "q",
            "work/site/index.html": "<p>", "work/data/2024/d.csv": "d", "work/aws-secret.txt":
            self.moto["AWS_SECRET_ACCESS_KEY"] + "\n", "srv/exports/e.txt": "e", "srv/archive/big/b.bin": "b",
            "mnt/shared/reports/summary.csv": "s", "home/analysis/.keep": "",
            "home/.aws/credentials": "[sales]\naws_access_key_id = {}\naws_secret_access_key = {}\n".format(
                self.moto["AWS_ACCESS_KEY_ID"], self.moto["AWS_SECRET_ACCESS_KEY"]),
        })
        os.makedirs(os.path.join(root, "work", "proj"))
        import sqlite3
        with sqlite3.connect(os.path.join(root, "work", "app.db")) as db:  # the examples' SQLite table
            db.executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL, total REAL);"
                             "INSERT INTO orders VALUES (1, datetime('now', '-1 day'), 2.5), "
                             "(2, datetime('now', '-1 day'), 7.5);")
        return root

    def env(self, root):
        env = dict(os.environ)
        for key, value in CLEAN_ENV.items():
            env.pop(key, None)
        env.update({
            "PATH": self.bin + os.pathsep + env.get("PATH", ""), "HOME": os.path.join(root, "home"),
            "CLOUDSYNC_CATALOG": os.path.join(root, "catalog"), "AWS_ENDPOINT_URL": self.moto["S3_ENDPOINT"],
            "AWS_ACCESS_KEY_ID": self.moto["AWS_ACCESS_KEY_ID"], "AWS_REGION": "us-east-1",
            # The secrets the examples read from the environment (never from argv).
            "AWS_SECRET_ACCESS_KEY": self.moto["AWS_SECRET_ACCESS_KEY"],
            "MY_SECRET": self.moto["AWS_SECRET_ACCESS_KEY"], "SALES_SECRET": self.moto["AWS_SECRET_ACCESS_KEY"],
            "NEW_SECRET": self.moto["AWS_SECRET_ACCESS_KEY"], "SALES_KEY_ID": self.moto["AWS_ACCESS_KEY_ID"],
            "NEW_KEY_ID": self.moto["AWS_ACCESS_KEY_ID"], "MY_KEY_ID": self.moto["AWS_ACCESS_KEY_ID"],
            "AZURE_STORAGE_ACCOUNT": "myaccount",
            "TOKEN": "stand-in-refresh-token", "PGPASSWORD": self.postgres.env["PGPASSWORD"],
            # Azure: a stand-in account; every request goes to a proxy that refuses.
            "AZURE_STORAGE_KEY": "c3RhbmQtaW4ta2V5", "HTTPS_PROXY": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        })
        return env

    def localise(self, root, example):
        for folder in ("/mnt/", "/srv/", "/var/www/"):
            example = example.replace("file://" + folder, "file://" + root + folder)
            example = re.sub(r"(?<=\s)" + re.escape(folder), root + folder, example)
        return example

    def sh(self, root, command, ids=None):
        for placeholder, value in (ids or {}).items():
            command = command.replace(placeholder, value)
        command = command.replace(EXAMPLE_POSTGRES, self.conninfo)
        if any(command == f"cloudsync {verb}" or command.startswith(f"cloudsync {verb} ") for verb in RUN_UNTIL_STOPPED):
            command = UNTIL_STOPPED.format(command=command)
        return subprocess.run(["bash", "-c", self.localise(root, command)], cwd=os.path.join(root, "work"),
                              env=self.env(root), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    def must(self, root, command):
        r = self.sh(root, command)
        self.assertEqual(r.returncode, 0, f"setup: {command}\n{r.stdout}\n{r.stderr}")
        return r

    def populate(self, root):
        """What the examples that are not 'add' name, and the ids they use."""
        m = lambda c: self.must(root, c)
        m("cloudsync integration add Sales --url s3://acme-sales/exports --writeback")
        m('cloudsync integration add "Sales Data" --url s3://acme-sales/exports')
        m("cloudsync integration add Shared --url file:///mnt/shared --writeback")
        m("cloudsync integration add Archive --url file:///srv/archive")
        m("cloudsync import Shared reports/")
        m("cloudsync integration add Sales --url s3://acme-sales/exports --project ~/analysis")
        m("cloudsync integration add \"Hex's Testing Bucket\" --project ./proj --url s3://bucket/prefix --writeback")
        r = m("cloudsync integrations add Sales s3://acme-sales/exports --secret access_key_id=env:SALES_KEY_ID "
              "--secret secret_access_key=env:SALES_SECRET --json")
        sales_id = json.loads(r.stdout)["integration"]["id"]
        m("cloudsync integrations add Shared /mnt/shared --writeback")
        m("cloudsync integrations add Archive /srv/archive")
        m("cloudsync integrations add Images s3://bucket")
        m("cloudsync projects add analysis ~/analysis")
        m("cloudsync projects add reporting " + os.path.join(root, "work", "proj"))
        m("cloudsync export-records add nightly --sqlite app.db --table orders --to s3://acme-exports/nightly")
        r = m("cloudsync connections add --project analysis --integration Archive --json")
        answer = json.loads(r.stdout)
        connection_id = answer["id"] if "id" in answer else answer["connection"]["id"]
        ids = {INTEGRATION_PLACEHOLDER: sales_id}
        ids.update({p: connection_id for p in CONNECTION_PLACEHOLDERS})
        return ids

    def expected_status(self, example):
        return EXIT_NETWORK if "az://" in example else 0

    def check(self, root, source, example, ids=None):
        with self.subTest(example=example, where=source):
            r = self.sh(root, example, ids)
            self.assertEqual(r.returncode, self.expected_status(example),
                             f"{source}: {example}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
            self.assertNotIn("unknown option", r.stderr)

    def test_every_example_runs(self):
        examples, seen = [], set()
        for source, example in help_examples() + readme_examples():
            if example not in seen:
                seen.add(example)
                examples.append((source, example))
        self.assertGreater(len(examples), 40)  # the extraction found them
        self.assertTrue(any(s == "README.md" for s, _ in examples))
        adds = [e for e in examples if command_words(e[1]) in (["integration", "add"], ["integrations", "add"],
                                                                ["projects", "add"], ["export-records", "add"])]
        connects = [e for e in examples if command_words(e[1]) == ["connections", "add"]]
        # Removals last, and what others depend on last among them.
        removal_order = ["connections", "export-records", "integration", "integrations", "projects"]
        removals = sorted((e for e in examples if len(command_words(e[1])) == 2 and command_words(e[1])[1] == "remove"),
                          key=lambda e: removal_order.index(command_words(e[1])[0]))
        others = [e for e in examples if e not in adds + connects + removals]
        # Each in a sandbox of its own: the same names recur from one example to the next.
        for i, (source, example) in enumerate(adds):
            self.check(self.sandbox(f"empty{i}"), source, example)
        for i, (source, example) in enumerate(connects):
            root = self.sandbox(f"connect{i}")
            self.check(root, source, example, self.populate(root))
        full = self.sandbox("full")
        ids = self.populate(full)
        for source, example in others + removals:
            self.check(full, source, example, ids)


if __name__ == "__main__":
    test_cli.run_tests()
