#!/usr/bin/env python3
"""End-to-end tests of the cloudsync command-line tool.

They run the built binary (passed with --cli PATH) against temporary local
folders and file:// URLs and check what it prints, what it changes on disk and
its exit status. Run one group with: test_cli.py --cli PATH LsTest
"""

import argparse
import http.server
import itertools
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

CLI = None  # set from --cli

# The CLI's exit statuses (its help lists them; the library's table decides them).
EXIT = {
    "ok": 0,
    "internal": 1,
    "usage": 2,
    "not_found": 3,
    "permission_denied": 6,
    "invalid_argument": 8,
    "limit_exceeded": 9,
    "conflict": 10,
    "cancelled": 14,
    "interrupted": 130,  # 128 + SIGINT, the shells' convention
    "unauthenticated": 7,
    "bad_response": 17,
}


def help_of(*command):
    """`cloudsync COMMAND... --help`, which must succeed."""
    r = run(*command, "--help")
    if r.returncode != 0:
        raise AssertionError(f"cloudsync {' '.join(command)} --help: exit {r.returncode}\n{r.stderr}")
    return r.stdout


def all_commands():
    """Every command path, from the help texts themselves (so none is missed):
    [["ls"], ..., ["integration", "add"], ...]."""
    found = []

    def walk(path):
        text = help_of(*path)
        if "\nSubcommands:\n" not in text:
            return
        for line in text.split("\nSubcommands:\n", 1)[1].splitlines():
            if not line.startswith("  ") or not line.strip():
                break
            sub = path + [line.split()[0]]
            found.append(sub)
            walk(sub)

    walk([])
    return found


def run(*args, cwd=None, env=None):
    """Runs the CLI; stdout and stderr are text, stderr is not a terminal.
    `env` adds to (or, with None values, removes from) the environment."""
    full_env = None
    if env is not None:
        full_env = dict(os.environ)
        for key, value in env.items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
    return subprocess.run(
        [CLI, *args],
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def files_containing(root, needle):
    """Every file below root whose bytes contain needle."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                if needle.encode() in f.read():
                    found.append(path)
    return found


# Environment without any provider credential or config, so that a test sees
# only what it passes itself.
CLEAN_ENV = {
    k: None
    for k in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
        "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN",
        "GOOGLE_APPLICATION_CREDENTIALS", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
        "all_proxy",
    )
}


class GarbageServer:
    """A local HTTP server that answers every request with 200 and a body that
    is neither XML nor JSON (or `body`, when set): a broken store or proxy."""

    def __init__(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, with_body):
                data = server.body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if with_body:
                    self.wfile.write(data)
                server.requests.append(self.requestline)

            def do_GET(self):
                self.answer(True)

            def do_HEAD(self):
                self.answer(False)

            def do_PUT(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.answer(True)

            do_POST = do_PUT

            def log_message(self, *args):
                pass

        self.body = "this is <neither XML nor {JSON"
        self.requests = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def write_tree(root, files):
    for rel, content in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)


def read_tree(root):
    """{relative path: content} of every file below root, engine state excluded."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".cloudsync"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                out[os.path.relpath(path, root).replace(os.sep, "/")] = f.read()
    return out


def run_on_terminal(args, env, on_output=None):
    """Runs the CLI with stderr on a pseudo-terminal (stdout a pipe) and `env`
    added; returns (exit status, stderr bytes, stdout bytes). `on_output(proc, err)`,
    if given, is called with the terminal's output so far each time more arrives."""
    full_env = dict(os.environ, **env)
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                                env=full_env)
        os.close(slave)
        slave = None
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            err += chunk
            if on_output is not None:
                on_output(proc, err)
        out, _ = proc.communicate(timeout=60)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return proc.returncode, err, out


def file_url(path):
    return "file://" + os.path.abspath(path)


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="cloudsync-cli-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def assertExit(self, result, status):
        self.assertEqual(
            result.returncode,
            status,
            f"exit {result.returncode}, wanted {status}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}",
        )

    def assertFailsWith(self, result, status):
        """A failed command: its status, and a 'cloudsync: ' line on stderr."""
        self.assertExit(result, status)
        self.assertTrue(result.stderr.startswith("cloudsync: "), result.stderr)

    def json_of(self, result):
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError as e:
            self.fail(f"stdout is not one JSON document ({e}):\n{result.stdout}")


class HelpAndUsageTest(CliTestCase):
    def test_help_on_every_subcommand(self):
        # The one help loop (project and catalog commands alike): every command
        # the help lists has a usage line, examples and --help.
        commands = all_commands()
        for expected in (["ls"], ["copy"], ["integration", "add"], ["integrations", "check"], ["connections", "sync"],
                         ["help"], ["version"]):
            self.assertIn(expected, commands)
        for cmd in commands:
            with self.subTest(cmd=" ".join(cmd)):
                text = help_of(*cmd)
                self.assertIn("Usage: cloudsync " + " ".join(cmd), text)
                self.assertIn("Examples:", text)
                self.assertIn("--help", text)

    def test_top_level_help_lists_commands_and_exit_statuses(self):
        r = run("--help")
        self.assertExit(r, 0)
        for cmd in ("ls", "copy", "sync", "integration", "import", "export", "restore", "status"):
            self.assertRegex(r.stdout, rf"\n  {cmd} ")
        for name, status in EXIT.items():
            if name not in ("ok", "usage"):
                self.assertIn(f"{status} {name}", r.stdout)

    def test_version(self):
        for form in (["--version"], ["-V"], ["version"]):
            with self.subTest(form=form[0]):
                r = run(*form)
                self.assertExit(r, 0)
                self.assertRegex(r.stdout, r"^cloudsync \d+\.\d+\.\d+\nlibcurl \d+\.\d+")
                self.assertRegex(r.stdout, r"\nOpenSSL \d+\.\d+")
                self.assertRegex(r.stdout, r"\nbuild type: \w+")

    def test_usage_errors_exit_2(self):
        src = self.path("src")
        os.makedirs(src)
        cases = {
            "no subcommand": [],
            "unknown subcommand": ["frobnicate"],
            "integration without its subcommand": ["integration"],
            "missing DST": ["copy", src],
            "unknown flag": ["copy", src, self.path("dst"), "--no-such-flag"],
            "option without =": ["copy", src, self.path("dst"), "-o", "fsync"],
            "negative max-delete": ["sync", src, self.path("dst"), "--max-delete", "-1"],
            "zero transfers": ["copy", src, self.path("dst"), "--transfers", "0"],
            "sync with no form": ["sync"],
            "sync with only SRC": ["sync", src],
            "sync with both forms": ["sync", src, self.path("dst"), "--integration", "X"],
            "--push without --integration": ["sync", src, self.path("dst"), "--push"],
            "--project without --integration": ["sync", src, self.path("dst"), "--project", self.tmp],
            "--checksum with --integration": ["sync", "--integration", "X", "--checksum"],
            "import without selector": ["import", "X"],
        }
        for what, args in cases.items():
            with self.subTest(what):
                r = run(*args, cwd=self.tmp)
                self.assertFailsWith(r, EXIT["usage"])
                self.assertEqual(r.stdout, "")
        # Nothing ran: no destination appeared.
        self.assertFalse(os.path.exists(self.path("dst")))

    def test_option_value_is_not_echoed_in_usage_errors(self):
        # "-o" values can be credentials: a malformed one must not be printed.
        r = run("copy", self.tmp, self.path("dst"), "-o", "s3cr3t-t0ken-value")
        self.assertFailsWith(r, EXIT["usage"])
        self.assertNotIn("s3cr3t-t0ken-value", r.stderr)


README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def readme_provider_options():
    """{scheme: [(name, secret), ...]} from the options column of the README's
    "Storage providers" table, in the order written. Every cell must be
    "none" or a list of `name` and `name` † items, so that nothing else hides
    in the column."""
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("## Storage providers", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    column = next(i for i, cell in enumerate(header) if cell.startswith("options"))
    found = {}
    for row in table[2:]:
        # Cells are split on " | " (an escaped "\|" inside a cell is no separator).
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
        scheme = re.search(r"`([a-z0-9]+):", cells[0]).group(1)
        cell = cells[column]
        items = [] if cell == "none" else cell.split(", ")
        parsed = []
        for item in items:
            m = re.fullmatch(r"`([a-z0-9_]+)`( †)?", item)
            if m is None:
                raise AssertionError(f"README options cell of {scheme}: cannot read {item!r}")
            parsed.append((m.group(1), m.group(2) is not None))
        found[scheme] = parsed
    return found


def help_provider_options(help_text):
    """{scheme: [(name, secret), ...]} from the "Backend options" block of
    `cloudsync --help` (a trailing * marks a secret)."""
    block = help_text.split("Backend options", 1)[1].split("Run 'cloudsync providers", 1)[0]
    found = {}
    scheme = None
    for line in block.splitlines()[1:]:
        m = re.match(r"  ([a-z0-9]+) +(.*)$", line)
        if m is not None:
            scheme, rest = m.group(1), m.group(2)
            found[scheme] = []
        else:
            rest = line.strip()
        if rest == "(none)":
            continue
        for item in filter(None, (i.strip() for i in rest.split(","))):
            m = re.fullmatch(r"([a-z0-9_]+)(\*)?", item)
            if m is None:
                raise AssertionError(f"--help options of {scheme}: cannot read {item!r}")
            found[scheme].append((m.group(1), m.group(2) is not None))
    return found


class ProviderOptionsTest(CliTestCase):
    """`cloudsync providers --json` shows the providers' option tables; the
    README's provider table and `cloudsync --help` must agree with them."""

    def tables(self):
        r = run("providers", "--json")
        self.assertExit(r, 0)
        providers = self.json_of(r)["providers"]
        return {p["scheme"]: [(o["name"], o["secret"]) for o in p["options"]] for p in providers}, providers

    def test_the_tables_list_every_scheme_and_its_secrets(self):
        tables, providers = self.tables()
        self.assertEqual(sorted(tables), ["az", "file", "gdrive", "mem", "s3"])
        secrets = {name for options in tables.values() for name, secret in options if secret}
        self.assertEqual(secrets, {"secret_access_key", "session_token", "account_key", "sas", "connection_string",
                                   "access_token", "client_secret", "refresh_token", "service_account_key"})
        for p in providers:
            for o in p["options"]:
                with self.subTest(scheme=p["scheme"], option=o["name"]):
                    self.assertTrue(o["help"])
                    self.assertIn(o["kind"], ("string", "bool", "auto|bool", "integer", "size", "milliseconds",
                                              "enum"))
                    if o["kind"] == "enum":
                        self.assertIn(o["default"], o["choices"])

    def test_readme_table_agrees_with_the_tables(self):
        tables, _ = self.tables()
        self.assertEqual(readme_provider_options(), tables)

    def test_help_agrees_with_the_tables(self):
        tables, _ = self.tables()
        r = run("--help")
        self.assertExit(r, 0)
        self.assertEqual(help_provider_options(r.stdout), tables)

    def test_providers_for_one_scheme_and_an_unknown_one(self):
        r = run("providers", "az")
        self.assertExit(r, 0)
        self.assertTrue(r.stdout.startswith("az: "), r.stdout)
        self.assertRegex(r.stdout, r"\n  account_key +string, secret\n")
        self.assertRegex(r.stdout, r"\n  block_size +size, default 8MiB\n")
        self.assertNotIn("gdrive", r.stdout)
        r = run("providers", "ftp")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("'ftp'", r.stderr)

    def test_a_mistyped_option_is_refused_with_a_suggestion(self):
        r = run("ls", file_url(self.tmp), "-o", "fsycn=false")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("unknown option 'fsycn' for file URLs; did you mean 'fsync'?", r.stderr)


class LsTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.src = self.path("src")
        write_tree(self.src, {"a.txt": "hello", "sub/b.txt": "world!!", "sub/deep/c.txt": "c"})

    def test_one_level_shows_files_and_folders(self):
        r = run("ls", self.src)
        self.assertExit(r, 0)
        lines = r.stdout.splitlines()
        by_key = {line.split()[-1]: line.split() for line in lines}
        self.assertEqual(set(by_key), {"a.txt", "sub/"})
        self.assertEqual(by_key["a.txt"][0], "5")
        self.assertEqual(by_key["sub/"][0], "-")

    def test_recursive_json(self):
        r = run("ls", "-R", "--json", file_url(self.src))
        self.assertExit(r, 0)
        doc = self.json_of(r)
        self.assertEqual(doc["url"], file_url(self.src))
        entries = {e["key"]: e for e in doc["entries"]}
        self.assertEqual(set(entries), {"a.txt", "sub/b.txt", "sub/deep/c.txt"})
        self.assertEqual(entries["sub/b.txt"]["size"], 7)
        self.assertEqual(entries["a.txt"]["kind"], "file")
        self.assertRegex(entries["a.txt"]["mtime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

    def test_relative_path(self):
        r = run("ls", "-R", "src/sub", cwd=self.tmp)
        self.assertExit(r, 0)
        self.assertEqual(sorted(line.split()[-1] for line in r.stdout.splitlines()), ["b.txt", "deep/c.txt"])

    def test_missing_folder_is_not_found(self):
        r = run("ls", self.path("nope"))
        self.assertFailsWith(r, EXIT["not_found"])
        r = run("ls", "--json", self.path("nope"))
        self.assertExit(r, EXIT["not_found"])
        self.assertEqual(self.json_of(r)["error"]["code"], "not_found")

    def test_unknown_backend_option_is_invalid_argument(self):
        r = run("ls", self.src, "-o", "no_such_option=1")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("no_such_option", r.stderr)


class HostileNamesTest(CliTestCase):
    """Names are bytes from a store: never terminal escapes, always valid JSON."""

    def setUp(self):
        super().setUp()
        self.src = self.path("src")
        os.makedirs(self.src)
        for name in (b"esc\x1b[2J.txt", b"bad\xff.txt", b"c1\xc2\x9b.txt", b"ok.txt"):
            with open(os.path.join(os.fsencode(self.src), name), "w") as f:
                f.write("x")

    def test_ls_escapes_control_characters_and_invalid_bytes(self):
        r = subprocess.run([CLI, "ls", self.src], capture_output=True, timeout=60)
        self.assertExit(r, 0)
        self.assertNotIn(b"\x1b", r.stdout)
        self.assertNotIn(b"\xff", r.stdout)
        self.assertNotIn(b"\xc2\x9b", r.stdout)
        keys = sorted(line.split()[-1] for line in r.stdout.decode("utf-8").splitlines())
        self.assertEqual(keys, ["bad\\xff.txt", "c1\\xc2\\x9b.txt", "esc\\x1b[2J.txt", "ok.txt"])

    def test_ls_json_is_valid_utf8(self):
        r = subprocess.run([CLI, "ls", "--json", self.src], capture_output=True, timeout=60)
        self.assertExit(r, 0)
        doc = json.loads(r.stdout.decode("utf-8"))  # strict: fails on invalid UTF-8
        keys = sorted(e["key"] for e in doc["entries"])
        self.assertEqual(keys, ["bad\ufffd.txt", "c1\u009b.txt", "esc\x1b[2J.txt", "ok.txt"])

    def test_copy_skips_unusable_names_and_says_why(self):
        r = subprocess.run([CLI, "copy", self.src, self.path("dst")], capture_output=True, timeout=60)
        self.assertExit(r, 0)
        self.assertNotIn(b"\x1b", r.stdout + r.stderr)
        out = r.stdout.decode("utf-8", errors="replace")
        self.assertEqual(sum(line.startswith("  skipped ") for line in out.splitlines()), 2, out)
        self.assertIn("control character", out)
        self.assertEqual(read_tree(self.path("dst")), {"c1\u009b.txt": "x", "ok.txt": "x"})


class CopySyncTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.src = self.path("src")
        self.dst = self.path("dst")
        write_tree(self.src, {"a.txt": "alpha", "b.txt": "bravo", "sub/c.txt": "charlie"})

    def test_copy_into_empty_destination(self):
        r = run("copy", self.src, self.dst)
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), read_tree(self.src))
        self.assertIn("added", r.stdout)
        self.assertIn("Done: 3 added", r.stdout)
        # Running it again finds nothing to do.
        r = run("copy", file_url(self.src), file_url(self.dst), "--json")
        self.assertExit(r, 0)
        doc = self.json_of(r)
        self.assertEqual(doc["plan"]["summary"]["unchanged"], 3)
        self.assertEqual(doc["plan"]["actions"], [])

    def test_dry_run_changes_nothing(self):
        write_tree(self.dst, {"b.txt": "old bravo content", "extra.txt": "extra"})
        before = read_tree(self.dst)
        for verb, extra in (("copy", []), ("sync", []), ("sync", ["--delete-extraneous"])):
            with self.subTest(verb=verb, extra=extra):
                r = run(verb, self.src, self.dst, "--dry-run", *extra)
                self.assertExit(r, 0)
                self.assertIn("DRY RUN", r.stdout)
                self.assertIn("would add", r.stdout)
                self.assertIn("would update", r.stdout)
                if extra:
                    self.assertIn("would delete", r.stdout)
                self.assertEqual(read_tree(self.dst), before)

    def test_text_dry_run_printed_as_planned_says_what_the_json_plan_says(self):
        # More actions than one printed batch (1024), updates, deletions and a
        # pair in sync: the text dry run (printed while planning, the plan
        # never held whole) lists the same actions as the JSON plan, the
        # deletions last, and the same totals.
        write_tree(self.src, {f"many/{i:04}.txt": f"v{i}" for i in range(2500)})
        write_tree(self.dst, {"b.txt": "old bravo content", "extra.txt": "extra", "old/x.txt": "x",
                              "many/0007.txt": "stale"})
        shutil.copy2(os.path.join(self.src, "many", "0008.txt"), os.path.join(self.dst, "many", "0008.txt"))
        before = read_tree(self.dst)
        r = run("sync", self.src, self.dst, "--delete-extraneous", "--dry-run")
        self.assertExit(r, 0)
        lines = [line.split() for line in r.stdout.splitlines() if line.startswith("  would ")]
        printed = [(words[1], words[2].rstrip(":")) for words in lines]
        doc = self.json_of(run("sync", self.src, self.dst, "--delete-extraneous", "--dry-run", "--json"))
        planned = [(a["kind"], a["path"]) for a in doc["plan"]["actions"]]
        self.assertEqual(sorted(printed), sorted(planned))
        self.assertEqual(len(printed), 2500 - 1 + 3 + 2)
        kinds = [kind for kind, _ in printed]
        self.assertEqual(kinds[-2:], ["delete", "delete"])
        self.assertNotIn("delete", kinds[:-2])
        summary = doc["plan"]["summary"]
        want = (f"Dry run: {summary['add']} to add, {summary['update']} to update, {summary['delete']} to delete "
                f"and 1 unchanged; ")
        self.assertTrue(want in r.stdout, r.stdout[-300:])
        self.assertTrue(r.stdout.rstrip().endswith("Nothing was changed."))
        self.assertEqual(read_tree(self.dst), before)
        # The deletion limit counts the whole plan, as the real run does.
        r = run("sync", self.src, self.dst, "--delete-extraneous", "--dry-run", "--max-delete", "1")
        self.assertFailsWith(r, EXIT["limit_exceeded"])
        self.assertIn("max_delete", r.stderr)

    def test_copy_adds_and_updates_but_never_deletes(self):
        write_tree(self.dst, {"b.txt": "old bravo content", "extra.txt": "extra"})
        r = run("copy", self.src, self.dst)
        self.assertExit(r, 0)
        want = read_tree(self.src)
        want["extra.txt"] = "extra"
        self.assertEqual(read_tree(self.dst), want)

    def test_sync_deletes_only_with_delete_extraneous(self):
        write_tree(self.dst, {"extra.txt": "extra", "old/x.txt": "x"})
        r = run("sync", self.src, self.dst)
        self.assertExit(r, 0)
        self.assertIn("extra.txt", read_tree(self.dst))
        r = run("sync", self.src, self.dst, "--delete-extraneous")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), read_tree(self.src))
        self.assertIn("deleted", r.stdout)

    def test_json_plan_and_report_counts(self):
        write_tree(self.dst, {"b.txt": "old bravo content", "extra.txt": "extra"})
        r = run("sync", self.src, self.dst, "--delete-extraneous", "--dry-run", "--json")
        self.assertExit(r, 0)
        doc = self.json_of(r)
        summary = doc["plan"]["summary"]
        self.assertEqual((summary["add"], summary["update"], summary["delete"]), (2, 1, 1))
        self.assertEqual(summary["bytes_to_transfer"], len("alpha") + len("bravo") + len("charlie"))
        self.assertTrue(doc["report"]["dry_run"])
        self.assertEqual(doc["report"]["summary"]["dry_run"], 4)
        self.assertEqual(doc["report"]["summary"]["done"], 0)
        self.assertEqual(r.stderr, "")  # no progress with --json

        r = run("sync", self.src, self.dst, "--delete-extraneous", "--json")
        self.assertExit(r, 0)
        doc = self.json_of(r)
        self.assertFalse(doc["report"]["dry_run"])
        self.assertEqual(doc["report"]["summary"]["done"], 4)
        self.assertEqual(doc["report"]["bytes_transferred"], summary["bytes_to_transfer"])
        kinds = sorted((o["action"], o["path"]) for o in doc["report"]["outcomes"])
        self.assertEqual(kinds, [("add", "a.txt"), ("add", "sub/c.txt"), ("delete", "extra.txt"), ("update", "b.txt")])
        self.assertEqual(read_tree(self.dst), read_tree(self.src))

    def test_max_delete_refuses_the_whole_plan(self):
        write_tree(self.dst, {"x1": "1", "x2": "2", "x3": "3"})
        before = read_tree(self.dst)
        r = run("sync", self.src, self.dst, "--delete-extraneous", "--max-delete", "2")
        self.assertFailsWith(r, EXIT["limit_exceeded"])
        self.assertIn("max_delete", r.stderr)
        self.assertEqual(read_tree(self.dst), before)  # not even the adds ran

        r = run("sync", self.src, self.dst, "--delete-extraneous", "--max-delete", "2", "--json")
        self.assertExit(r, EXIT["limit_exceeded"])
        doc = self.json_of(r)
        self.assertEqual(doc["error"]["code"], "limit_exceeded")
        self.assertEqual(doc["error"]["exit_status"], EXIT["limit_exceeded"])
        self.assertEqual(doc["plan"]["summary"]["delete"], 3)
        self.assertEqual(read_tree(self.dst), before)

        r = run("sync", self.src, self.dst, "--delete-extraneous", "--max-delete", "3")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), read_tree(self.src))

    def test_folder_option_limits_the_sync(self):
        write_tree(self.src, {"sub2/d.txt": "delta", "sub3/e.txt": "echo"})
        r = run("copy", file_url(self.src), file_url(self.dst), "--folder", "sub", "--folder", "sub3")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), {"sub/c.txt": "charlie", "sub3/e.txt": "echo"})

    def test_progress_lines_when_stderr_is_not_a_terminal(self):
        r = run("copy", self.src, self.dst, "--transfers", "1")
        self.assertExit(r, 0)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 3, r.stderr)
        self.assertEqual(sorted(line.split(" ", 1)[0] for line in lines), ["[1/3]", "[2/3]", "[3/3]"])
        self.assertEqual(sorted(line.split(" ", 1)[1] for line in lines), ["a.txt", "b.txt", "sub/c.txt"])

    def test_progress_bar_when_stderr_is_a_terminal(self):
        write_tree(self.src, {f"many/{i:03}.txt": "x" * 1000 for i in range(50)})
        returncode, err, out = run_on_terminal(["copy", self.src, self.dst], {"TERM": "xterm"})
        self.assertEqual(returncode, 0, err)
        # Redrawn in place ("\r" + erase line), with a percentage and file counts,
        # and erased at the end: no per-file lines.
        self.assertIn(b"\r\x1b[K[", err)
        self.assertRegex(err, rb"\d+% \d+/53 files")
        self.assertTrue(err.endswith(b"\r\x1b[K"), err[-200:])
        self.assertNotIn(b"\n", err)
        self.assertIn(b"Done: 53 added", out)

    def test_interrupt_stops_cleanly(self):
        # Ctrl-C after the first file: the rest does not start, nothing is
        # deleted, and the exit status is the Cancelled one.
        write_tree(self.src, {f"many/{i:04}.txt": "x" * 2000 for i in range(2000)})
        write_tree(self.dst, {"extra.txt": "extra"})
        proc = subprocess.Popen([CLI, "sync", self.src, self.dst, "--delete-extraneous", "--transfers", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        first = proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        # The total is what has been decided so far: transfers start while later names are still compared.
        self.assertRegex(first, r"^\[1/\d+\] ")
        self.assertLessEqual(int(first.split("/")[1].split("]")[0]), 2004)
        self.assertEqual(proc.returncode, EXIT["interrupted"], err)
        self.assertIn("cloudsync: interrupted:", err)
        self.assertIn("not started (interrupted)", out)
        copied = read_tree(self.dst)
        self.assertIn("extra.txt", copied)
        self.assertLess(len(copied), 2004)

    def test_transfer_limits_reach_the_library(self):
        r = run("copy", self.src, self.dst, "-q", "-vv")
        self.assertExit(r, 0)
        self.assertIn("transfers: 32 files in flight at most (8 of 1 MiB and up), 4 parts of an upload, "
                      "8 ranged reads", r.stderr)
        r = run("copy", self.src, self.path("d2"), "-q", "-vv", "--transfers", "2", "--small-transfers", "3",
                "--download-streams", "1")
        self.assertExit(r, 0)
        self.assertIn("transfers: 3 files in flight at most (2 of 1 MiB and up), 4 parts of an upload, "
                      "1 ranged reads", r.stderr)
        self.assertEqual(read_tree(self.path("d2")), read_tree(self.src))
        r = run("copy", self.src, self.path("d3"), "--download-streams", "0")
        self.assertFailsWith(r, EXIT["usage"])
        self.assertIn("--download-streams", r.stderr)

    def test_quiet_prints_nothing_on_success(self):
        r = run("copy", self.src, self.dst, "-q")
        self.assertExit(r, 0)
        self.assertEqual((r.stdout, r.stderr), ("", ""))
        self.assertEqual(read_tree(self.dst), read_tree(self.src))

    def test_quiet_keeps_the_deletions_withheld_warning(self):
        # A safety signal, like an error: -q hides the summary, not this.
        empty = self.path("empty")
        os.makedirs(empty)
        write_tree(self.dst, {"keep.txt": "keep"})
        r = run("sync", empty, self.dst, "--delete-extraneous", "-q")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr, r"^cloudsync: warning: .*withheld")
        self.assertEqual(read_tree(self.dst), {"keep.txt": "keep"})

    def test_verbose_prints_library_log_lines(self):
        # The local backend logs (at debug level) that it skips a symlink.
        os.symlink(self.path("src", "a.txt"), self.path("src", "link"))
        r = run("copy", self.src, self.dst, "-q")
        self.assertExit(r, 0)
        self.assertNotIn("[debug]", r.stderr)
        r = run("copy", self.src, self.path("dst2"), "-q", "-vv")
        self.assertExit(r, 0)
        self.assertRegex(r.stderr, r"cloudsync: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[debug\] .*link")
        self.assertNotIn("link", read_tree(self.path("dst2")))

    def test_overlapping_source_and_destination_are_refused(self):
        r = run("sync", self.src, self.path("src", "sub"), "--delete-extraneous")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertEqual(read_tree(self.path("src", "sub")), {"c.txt": "charlie"})

    def test_missing_source_is_not_found(self):
        r = run("copy", self.path("nope"), self.dst)
        self.assertFailsWith(r, EXIT["not_found"])
        self.assertFalse(os.path.exists(self.dst))

    def test_per_end_options(self):
        # fsync is a valid option for file URLs; a bad value for one end only fails.
        r = run("copy", self.src, self.dst, "-o", "fsync=false", "--dst-option", "fsync=maybe")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("destination", r.stderr)
        r = run("copy", self.src, self.dst, "--src-option", "fsync=false", "--dst-option", "fsync=false")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), read_tree(self.src))


class WorkspaceFlowTest(CliTestCase):
    """integration add -> import -> modify -> export -> restore -> sync -> remove."""

    def setUp(self):
        super().setUp()
        self.remote = self.path("remote")
        self.project = self.path("project")
        os.makedirs(self.project)
        write_tree(
            self.remote,
            {
                "data/x.txt": "x1",
                "data/y.txt": "y1",
                "other/z.csv": "z1",
                "other/notes.txt": "notes",
                "top.csv": "top",
            },
        )
        self.folder = os.path.join(self.project, "external-files", "local", "team_files")

    def cli(self, *args):
        return run(*args, "--project", self.project)

    def test_full_flow(self):
        # integration add, with a relative URL stored as an absolute one.
        r = run("integration", "add", "Team Files", "--url", "remote", "--writeback", "--project", "project",
                cwd=self.tmp)
        self.assertExit(r, 0)
        self.assertIn("external-files/local/team_files", r.stdout)
        r = self.cli("integration", "list", "--json")
        self.assertExit(r, 0)
        [integ] = self.json_of(r)["integrations"]
        self.assertEqual((integ["name"], integ["type"], integ["writeback"]), ("Team Files", "local", True))
        self.assertEqual(integ["folder"], "external-files/local/team_files")
        self.assertEqual(os.path.abspath(integ["url"]), self.remote)
        r = self.cli("integration", "list")
        self.assertExit(r, 0)
        self.assertIn("Team Files", r.stdout)
        self.assertIn("writeback", r.stdout)

        # import a folder and a glob.
        r = self.cli("import", "Team Files", "data/", "**/*.csv")
        self.assertExit(r, 0)
        self.assertEqual(
            read_tree(self.folder),
            {"data/x.txt": "x1", "data/y.txt": "y1", "other/z.csv": "z1", "top.csv": "top"},
        )
        r = self.cli("status", "Team Files", "--json")
        self.assertExit(r, 0)
        files = {f["path"]: f for f in self.json_of(r)["files"]}
        self.assertEqual(set(files), {"data/x.txt", "data/y.txt", "other/z.csv", "top.csv"})
        self.assertEqual({f["origin"] for f in files.values()}, {"import"})
        self.assertEqual(files["top.csv"]["size"], 3)

        # modify a file, export --dry-run (nothing sent), then export.
        write_tree(self.folder, {"data/x.txt": "x2 changed in the project"})
        r = self.cli("export", "Team Files", "--dry-run", "--json")
        self.assertExit(r, 0)
        doc = self.json_of(r)
        self.assertEqual(doc["operation"], "export")
        self.assertEqual(doc["plan"]["summary"]["update"], 1)
        self.assertEqual([a["path"] for a in doc["plan"]["actions"]], ["data/x.txt"])
        self.assertEqual(read_tree(self.remote)["data/x.txt"], "x1")
        r = self.cli("export", "Team Files")
        self.assertExit(r, 0)
        self.assertIn("updated", r.stdout)
        self.assertEqual(read_tree(self.remote)["data/x.txt"], "x2 changed in the project")

        # restore after deleting a folder: dry run first, then for real.
        shutil.rmtree(os.path.join(self.folder, "data"))
        r = self.cli("restore", "--dry-run")
        self.assertExit(r, 0)
        self.assertIn("DRY RUN", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.folder, "data")))
        r = self.cli("restore", "--json")
        self.assertExit(r, 0)
        [result] = self.json_of(r)["results"]
        self.assertEqual(result["report"]["summary"]["done"], 2)
        self.assertEqual(result["report"]["summary"]["unchanged"], 2)
        tree = read_tree(self.folder)
        self.assertEqual(tree["data/x.txt"], "x2 changed in the project")
        self.assertEqual(tree["data/y.txt"], "y1")

        # sync: a new remote file; --dry-run first, then one folder, then all.
        write_tree(self.remote, {"data/new.txt": "new"})
        r = self.cli("sync", "--integration", "Team Files", "--folder", "data", "--dry-run", "--json")
        self.assertExit(r, 0)
        doc = self.json_of(r)
        self.assertEqual(doc["operation"], "sync")
        self.assertEqual([a["path"] for a in doc["plan"]["actions"] if a["kind"] == "add"], ["data/new.txt"])
        self.assertNotIn("data/new.txt", read_tree(self.folder))
        r = self.cli("sync", "--integration", "Team Files", "--folder", "data")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.folder)["data/new.txt"], "new")
        self.assertNotIn("other/notes.txt", read_tree(self.folder))
        r = self.cli("sync", "--integration", "Team Files")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.folder)["other/notes.txt"], "notes")

        # integration remove --delete-files.
        r = self.cli("integration", "remove", "Team Files", "--delete-files")
        self.assertExit(r, 0)
        self.assertFalse(os.path.exists(self.folder))
        r = self.cli("integration", "list", "--json")
        self.assertEqual(self.json_of(r)["integrations"], [])
        self.assertEqual(read_tree(self.remote)["data/new.txt"], "new")  # the remote is untouched

    def test_sync_pull_with_delete_extraneous_and_max_delete(self):
        self.assertExit(self.cli("integration", "add", "Team Files", "--url", file_url(self.remote)), 0)
        self.assertExit(self.cli("sync", "--integration", "Team Files"), 0)
        os.remove(os.path.join(self.remote, "data", "x.txt"))
        os.remove(os.path.join(self.remote, "data", "y.txt"))
        r = self.cli("sync", "--integration", "Team Files", "--delete-extraneous", "--max-delete", "1")
        self.assertFailsWith(r, EXIT["limit_exceeded"])
        self.assertIn("data/x.txt", read_tree(self.folder))
        r = self.cli("sync", "--integration", "Team Files")
        self.assertExit(r, 0)
        self.assertIn("data/x.txt", read_tree(self.folder))  # no deletion without the flag
        r = self.cli("sync", "--integration", "Team Files", "--delete-extraneous")
        self.assertExit(r, 0)
        self.assertNotIn("data/x.txt", read_tree(self.folder))
        self.assertNotIn("data/y.txt", read_tree(self.folder))


    def test_quiet_sync_keeps_the_deletions_withheld_warning(self):
        self.assertExit(self.cli("integration", "add", "Team Files", "--url", file_url(self.remote)), 0)
        self.assertExit(self.cli("sync", "--integration", "Team Files", "--folder", "data"), 0)
        shutil.rmtree(os.path.join(self.remote, "data"))
        r = self.cli("sync", "--integration", "Team Files", "--folder", "data", "--delete-extraneous", "-q")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "")
        self.assertIn("withheld", r.stderr)
        self.assertEqual(sorted(read_tree(self.folder)), ["data/x.txt", "data/y.txt"])


class WorkspaceErrorsTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.remote = self.path("remote")
        self.project = self.path("project")
        os.makedirs(self.project)
        write_tree(self.remote, {"a.txt": "a", "b.txt": "bbbbbbbbbb", "dir/c.txt": "c"})
        r = self.cli("integration", "add", "RO", "--url", file_url(self.remote))
        self.assertExit(r, 0)

    def cli(self, *args):
        return run(*args, "--project", self.project)

    def test_missing_integration_is_not_found(self):
        for args in (
            ["import", "Nope", "a.txt"],
            ["export", "Nope"],
            ["restore", "Nope"],
            ["status", "Nope"],
            ["sync", "--integration", "Nope"],
            ["integration", "remove", "Nope"],
        ):
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertFailsWith(r, EXIT["not_found"])
                self.assertIn("Nope", r.stderr)

    def test_missing_project_folder_is_not_found(self):
        r = run("status", "RO", "--project", self.path("no-such-project"))
        self.assertFailsWith(r, EXIT["not_found"])
        self.assertFalse(os.path.exists(self.path("no-such-project")))

    def test_hostile_selector_is_invalid_argument(self):
        for selector in ("../x", "a/../../x", "/etc/passwd"):
            with self.subTest(selector=selector):
                r = self.cli("import", "RO", selector)
                self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertFalse(os.path.exists(os.path.join(self.project, "external-files")))
        self.assertFalse(os.path.exists(self.path("x")))

    def test_export_and_push_on_read_only_integration_are_permission_denied(self):
        self.assertExit(self.cli("import", "RO", "a.txt"), 0)
        write_tree(os.path.join(self.project, "external-files", "local", "ro"), {"a.txt": "changed"})
        r = self.cli("export", "RO")
        self.assertFailsWith(r, EXIT["permission_denied"])
        r = self.cli("sync", "--integration", "RO", "--push")
        self.assertFailsWith(r, EXIT["permission_denied"])
        r = self.cli("export", "RO", "--json")
        self.assertEqual(self.json_of(r)["error"]["code"], "permission_denied")
        self.assertEqual(read_tree(self.remote)["a.txt"], "a")

    def test_limits(self):
        r = self.cli("import", "RO", "a.txt", "b.txt", "--max-files", "1")
        self.assertFailsWith(r, EXIT["limit_exceeded"])
        r = self.cli("import", "RO", "a.txt", "b.txt", "--max-file-size", "5")
        self.assertFailsWith(r, EXIT["limit_exceeded"])
        self.assertIn("b.txt", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.project, "external-files", "local", "ro")))
        r = self.cli("import", "RO", "a.txt", "b.txt", "--max-files", "2", "--max-file-size", "1k")
        self.assertExit(r, 0)

    def test_nothing_matching_is_not_found(self):
        r = self.cli("import", "RO", "**/*.parquet")
        self.assertFailsWith(r, EXIT["not_found"])

    def test_credentials_are_never_stored(self):
        secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
        r = self.cli("integration", "add", "S", "--url", file_url(self.remote), "-o", "secret_access_key=" + secret)
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertNotIn(secret, r.stderr + r.stdout)
        for dirpath, _, filenames in os.walk(self.project):
            for name in filenames:
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    self.assertNotIn(secret, f.read())

    def test_per_run_options_reach_the_backend(self):
        # -o on an operation is merged over the stored options: a bad one fails it.
        r = self.cli("import", "RO", "a.txt", "-o", "no_such_option=1")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        r = self.cli("import", "RO", "a.txt", "-o", "fsync=false")
        self.assertExit(r, 0)

    def test_conflict_exits_with_conflict_status(self):
        self.assertExit(self.cli("import", "RO", "a.txt"), 0)
        local = os.path.join(self.project, "external-files", "local", "ro", "a.txt")
        write_tree(self.remote, {"a.txt": "changed remotely"})
        with open(local, "w", encoding="utf-8") as f:
            f.write("changed in the project")
        r = self.cli("restore", "RO")
        self.assertFailsWith(r, EXIT["conflict"])
        self.assertIn("CONFLICT", r.stdout)
        self.assertIn("a.txt", r.stdout)
        with open(local, encoding="utf-8") as f:
            self.assertEqual(f.read(), "changed in the project")
        r = self.cli("sync", "--integration", "RO", "--json")
        self.assertExit(r, EXIT["conflict"])
        self.assertEqual(self.json_of(r)["report"]["summary"]["conflict"], 1)

class SecretsTest(CliTestCase):
    """Credentials in URLs or stored options are refused and never echoed:
    not on stdout or stderr, not in --json, not in the project's state."""

    SIG = "c2VjcmV0LXNpZ25hdHVyZS12YWx1ZS0wMTIzNDU2Nzg5"
    AWS_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
    DRIVE_SECRET = "drive-password-7f3a9c1e5b"

    def setUp(self):
        super().setUp()
        self.project = self.path("project")
        os.makedirs(self.project)
        self.src = self.path("src")
        write_tree(self.src, {"a.txt": "a"})
        # (URL, its secret, what the message must point to)
        self.urls = [
            (f"az://container/dir?sv=2022-11-02&ss=b&srt=co&sp=rl&sig={self.SIG}", self.SIG, "AZURE_STORAGE_SAS_TOKEN"),
            (f"az://container?sig={self.SIG}", self.SIG, "AZURE_STORAGE_SAS_TOKEN"),
            (f"s3://AKIAIOSFODNN7EXAMPLE:{self.AWS_SECRET}@bucket/dir", self.AWS_SECRET, "AWS_ACCESS_KEY_ID"),
            (f"gdrive://someone:{self.DRIVE_SECRET}@folderid/x", self.DRIVE_SECRET, "GOOGLE_APPLICATION_CREDENTIALS"),
        ]

    def cli(self, *args):
        return run(*args, "--project", self.project, env=CLEAN_ENV)

    def assertNoSecretAnywhere(self, results, secret):
        for r in results:
            self.assertNotIn(secret, r.stdout + r.stderr, " ".join(map(str, r.args)))
        self.assertEqual(files_containing(self.project, secret), [])

    def test_integration_add_refuses_credentials_in_urls(self):
        for url, secret, hint in self.urls:
            with self.subTest(url=url):
                results = [self.cli("integration", "add", "S", "--url", url),
                           self.cli("integration", "add", "S", "--url", url, "--json"),
                           self.cli("integration", "add", "S", "--url", url, "-q", "-vvv")]
                for r in results:
                    self.assertFailsWith(r, EXIT["invalid_argument"])
                    self.assertIn(hint, r.stderr)
                    self.assertIn("credentials callback", r.stderr)
                self.assertEqual(self.json_of(results[1])["error"]["code"], "invalid_argument")
                listed = [self.cli("integration", "list"), self.cli("integration", "list", "--json")]
                self.assertEqual(self.json_of(listed[1])["integrations"], [])
                self.assertNoSecretAnywhere(results + listed, secret)

    def test_one_off_commands_never_print_the_secret(self):
        for url, secret, _ in self.urls:
            for args in (["ls", url], ["ls", "--json", url], ["ls", "-R", "-vvv", url],
                         ["copy", self.src, url, "--dry-run"], ["sync", url, self.path("dst"), "--json", "-vvv"],
                         ["copy", url, self.path("dst"), "-q"]):
                with self.subTest(args=args):
                    r = run(*args, env=CLEAN_ENV)
                    self.assertExit(r, EXIT["invalid_argument"])
                    self.assertNotIn(secret, r.stdout + r.stderr)
                    self.assertIn("credentials", r.stderr)
        self.assertFalse(os.path.exists(self.path("dst")))

    def test_credential_options_are_refused_by_exact_name(self):
        secret = "s3cr3t-option-value-0123456789"
        cases = [("s3://bucket", name) for name in ("secret_access_key", "session_token")]
        cases += [("az://container", name) for name in ("account_key", "sas", "connection_string")]
        cases += [("gdrive://folder", name)
                  for name in ("access_token", "client_secret", "refresh_token", "service_account_key")]
        # A secret meant for one provider is still a secret under another's URL.
        cases += [("s3://bucket", "sas"), ("az://container", "refresh_token")]
        for url, name in cases:
            with self.subTest(url=url, option=name):
                r = self.cli("integration", "add", "S", "--url", url, "-o", f"{name}={secret}")
                self.assertFailsWith(r, EXIT["invalid_argument"])
                self.assertIn(f"option '{name}' is a credential", r.stderr)
                self.assertIn("credentials callback", r.stderr)
                self.assertNoSecretAnywhere([r], secret)
        self.assertEqual(self.json_of(self.cli("integration", "list", "--json"))["integrations"], [])

    def test_options_that_are_no_credentials_are_stored(self):
        stored = {
            "D": ("gdrive://folder", {"token_uri": "https://oauth2.example.com/token", "endpoint": "http://127.0.0.1:9",
                                      "client_id": "123.apps.example.com", "scope": "drive.readonly",
                                      "subject": "user@example.com", "service_account_file": "/etc/sa.json",
                                      "export_formats": "docx,xlsx"}),
            "S": ("s3://bucket/prefix", {"region": "eu-west-1", "endpoint": "http://127.0.0.1:9000",
                                         "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                         "profile": "dev", "part_size": "8M", "proxy": "http://proxy:3128"}),
            "A": ("az://container", {"account": "myaccount", "endpoint": "http://127.0.0.1:10000/myaccount"}),
        }
        for name, (url, options) in stored.items():
            args = ["integration", "add", name, "--url", url]
            for k, v in options.items():
                args += ["-o", f"{k}={v}"]
            self.assertExit(self.cli(*args), 0)
        listed = {i["name"]: i for i in self.json_of(self.cli("integration", "list", "--json"))["integrations"]}
        for name, (_, options) in stored.items():
            self.assertEqual(listed[name]["options"], options)

    def test_credentials_in_an_older_state_file_are_dropped_and_never_shown(self):
        state = os.path.join(self.project, ".cloudsync", "workspace.json")
        os.makedirs(os.path.dirname(state))
        with open(state, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "integrations": [
                {"id": "0123456789abcdef", "name": "Old", "type": "s3", "folder": "external-files/s3/old",
                 "url": f"s3://AKIAIOSFODNN7EXAMPLE:{self.AWS_SECRET}@bucket/dir", "writeback": False,
                 "selected_folders": [], "options": {"session_token": self.SIG, "region": "eu-west-1"}},
                {"id": "fedcba9876543210", "name": "Older", "type": "azure", "folder": "external-files/azure/older",
                 "url": f"az://container/dir?sv=2022-11-02&sig={self.SIG}", "writeback": False,
                 "selected_folders": [], "options": {}}]}, f)
        results = [self.cli("integration", "list"), self.cli("integration", "list", "--json", "-vv"),
                   self.cli("status", "Old")]
        for r in results:
            self.assertExit(r, 0)
        listed = {i["name"]: i for i in self.json_of(results[1])["integrations"]}
        self.assertEqual(listed["Old"]["url"], "s3://bucket/dir")
        self.assertEqual(listed["Old"]["options"], {"region": "eu-west-1"})
        self.assertEqual(listed["Older"]["url"], "az://container/dir")
        # The next save rewrites the state without them.
        results.append(self.cli("integration", "add", "New", "--url", file_url(self.src)))
        self.assertExit(results[-1], 0)
        self.assertNoSecretAnywhere(results, self.AWS_SECRET)
        self.assertNoSecretAnywhere(results, self.SIG)

    def test_option_values_and_typos_that_would_store_a_secret_are_refused(self):
        secret = "pr0xy-passw0rd-0123456789"
        for option in (f"proxy=http://user:{secret}@proxy.example.com:3128",  # a password inside a URL value
                       f"endpoint=https://x.example.com/?sig={secret}",
                       f"secret_key={secret}",                                # a typo of secret_access_key
                       f"aws_secret_access_key={secret}"):
            with self.subTest(option=option.split("=")[0]):
                r = self.cli("integration", "add", "S", "--url", "s3://bucket", "-o", option)
                self.assertFailsWith(r, EXIT["invalid_argument"])
                self.assertNoSecretAnywhere([r], secret)
        r = self.cli("integration", "add", "S", "--url", "s3://bucket", "-o", "regoin=eu-west-1")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("unknown option 'regoin' for s3 URLs", r.stderr)
        self.assertEqual(self.json_of(self.cli("integration", "list", "--json"))["integrations"], [])


class InputValidationTest(CliTestCase):
    """Bad numbers, sizes, selectors and names are refused before anything runs."""

    def setUp(self):
        super().setUp()
        self.remote = self.path("remote")
        self.project = self.path("project")
        os.makedirs(self.project)
        write_tree(self.remote, {"a.txt": "a", "big.txt": "x" * 1001, "dir/c.txt": "c"})
        self.assertExit(self.cli("integration", "add", "RO", "--url", file_url(self.remote)), 0)
        self.external = os.path.join(self.project, "external-files")

    def cli(self, *args):
        return run(*args, "--project", self.project)

    def test_bad_sizes_and_numbers_are_usage_errors(self):
        cases = {
            "negative size": ["import", "RO", "a.txt", "--max-file-size", "-5"],
            "size with an exponent": ["import", "RO", "a.txt", "--max-file-size", "1e23"],
            "size beyond 2^64": ["import", "RO", "a.txt", "--max-file-size", "99999999999999999999"],
            "fractional size": ["import", "RO", "a.txt", "--max-file-size", "1.5G"],
            "size in sync": ["sync", "--integration", "RO", "--max-file-size", "-5"],
            "negative max-files": ["import", "RO", "a.txt", "--max-files", "-1"],
            "max-files with an exponent": ["import", "RO", "a.txt", "--max-files", "1e3"],
            "fractional transfers": ["import", "RO", "a.txt", "--transfers", "1.5"],
            "fractional max-delete": ["sync", "--integration", "RO", "--max-delete", "1.5"],
        }
        for what, args in cases.items():
            with self.subTest(what):
                r = self.cli(*args)
                self.assertFailsWith(r, EXIT["usage"])
                self.assertEqual(r.stdout, "")
        self.assertFalse(os.path.exists(self.external))

    def test_sizes_use_binary_multiples(self):
        # 1K is 1024 bytes, as in -o part_size=8M (one size parser).
        r = self.cli("import", "RO", "big.txt", "--max-file-size", "1K")
        self.assertExit(r, 0)
        r = self.cli("import", "RO", "big.txt", "--max-file-size", "1000")
        self.assertFailsWith(r, EXIT["limit_exceeded"])  # a plain number is bytes
        r = self.cli("import", "RO", "a.txt", "dir/", "--max-file-size", "1k")
        self.assertExit(r, 0)

    def test_empty_selector_is_refused(self):
        for selector in ("", "/", "  "):
            with self.subTest(selector=selector):
                r = self.cli("import", "RO", selector)
                self.assertFailsWith(r, EXIT["usage"])
                r = self.cli("import", "RO", "a.txt", selector)
                self.assertFailsWith(r, EXIT["usage"])
        self.assertFalse(os.path.exists(self.external))

    def test_names_that_cannot_name_a_folder_are_refused(self):
        r = self.cli("integration", "add", "n" * 300, "--url", file_url(self.remote))
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("at most 255", r.stderr)
        r = self.cli("integration", "add", "Long", "--type", "t" * 300, "--url", file_url(self.remote))
        self.assertFailsWith(r, EXIT["invalid_argument"])
        r = self.cli("integration", "add", "tab\there", "--url", file_url(self.remote))
        self.assertFailsWith(r, EXIT["invalid_argument"])
        names = [i["name"] for i in self.json_of(self.cli("integration", "list", "--json"))["integrations"]]
        self.assertEqual(names, ["RO"])
        # The longest name allowed still works end to end.
        self.assertExit(self.cli("integration", "add", "m" * 255, "--url", file_url(self.remote)), 0)
        self.assertExit(self.cli("import", "m" * 255, "a.txt"), 0)
        self.assertTrue(os.path.isfile(os.path.join(self.external, "local", "m" * 255, "a.txt")))


class ProviderAnswersTest(CliTestCase):
    """What the providers' servers (and their configuration files) make of a run."""

    def setUp(self):
        super().setUp()
        self.server = GarbageServer()
        self.addCleanup(self.server.close)
        self.home = self.path("home")
        os.makedirs(self.home)
        self.env = dict(CLEAN_ENV, HOME=self.home)

    def test_an_answer_that_does_not_parse_is_bad_response(self):
        sas_sig = "c2FzLXNpZ25hdHVyZS0wMTIzNDU2Nzg5YWJjZGVm"
        cases = {
            "s3": ["ls", "s3://bucket/dir", "-o", f"endpoint={self.server.url}", "-o", "access_key_id=AKIDEXAMPLE",
                   "-o", "secret_access_key=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", "-o", "max_attempts=1"],
            "azure": ["ls", "az://container", "-o", f"endpoint={self.server.url}/acct", "-o", "account=acct",
                      "-o", f"sas=sv=2022-11-02&sp=rl&se=2099-01-01T00:00:00Z&sig={sas_sig}"],
            "drive": ["ls", "gdrive://folderid", "-o", f"endpoint={self.server.url}", "-o",
                      "access_token=ya29.test-token-0123456789", "-o", "max_attempts=1"],
        }
        for body in ("this is <neither XML nor {JSON", "<Unexpected><Thing/></Unexpected>", "{\"unexpected\": 1}"):
            self.server.body = body
            for provider, args in cases.items():
                with self.subTest(provider=provider, body=body):
                    r = run(*args, env=self.env)
                    self.assertFailsWith(r, EXIT["bad_response"])
                    self.assertIn("bad_response", r.stderr)
                    r = run(*args, "--json", "-vvv", env=self.env)
                    self.assertExit(r, EXIT["bad_response"])
                    self.assertEqual(self.json_of(r)["error"]["exit_status"], EXIT["bad_response"])
                    self.assertNotIn(sas_sig, r.stdout + r.stderr)
        self.assertTrue(self.server.requests)

    def test_aws_config_file_dev_null_means_no_profiles(self):
        env = dict(self.env, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        r = run("ls", "s3://bucket", "-o", f"endpoint={self.server.url}", env=env)
        self.assertFailsWith(r, EXIT["unauthenticated"])
        self.assertNotIn("regular file", r.stderr)
        env.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")
        self.server.body = ('<ListBucketResult><Name>bucket</Name><IsTruncated>false</IsTruncated>'
                            '<Contents><Key>k.txt</Key><Size>3</Size><ETag>"e"</ETag>'
                            '<LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents></ListBucketResult>')
        r = run("ls", "s3://bucket", "-o", f"endpoint={self.server.url}", "-o", "region=us-east-1", env=env)
        self.assertExit(r, 0)
        self.assertIn("k.txt", r.stdout)


def run_tests(extra_arguments=(), configure=None):
    """The main of every CLI test file: `--cli PATH` (checked, and set as
    test_cli.CLI), the file's own `extra_arguments` ((flag, help) pairs) given
    to `configure(args)`, and the rest to unittest."""
    global CLI
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--cli", required=True, help="path of the cloudsync binary")
    for flag, help_text in extra_arguments:
        parser.add_argument(flag, help=help_text)
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    if not os.access(CLI, os.X_OK):
        sys.exit(f"not an executable: {CLI}")
    if configure:
        configure(args)
    unittest.main(module="__main__", argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    run_tests()
