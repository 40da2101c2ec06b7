#!/usr/bin/env python3
"""What a newcomer meets first: the command line's forms (help, version,
unknown commands, global flags), -o routing and values read from the
environment, a file or stdin, single-file copies, Ctrl-C, logging and the
terminal. TranscriptTest replays the transcript of ecosystem-review.md 2.3
step by step and checks what a user should now get at each step.

Run one group with: test_newcomer.py --cli PATH TranscriptTest
"""

import os
import re
import signal
import subprocess
import time

import test_cli
from test_cli import CLEAN_ENV, EXIT, CliTestCase, read_tree, run_on_terminal, write_tree

EXIT_NETWORK = 15
# An S3 endpoint nobody answers on, tried once: a quick network failure.
DEAD_S3 = ["-o", "endpoint=http://127.0.0.1:9", "-o", "max_attempts=1"]
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
            "AWS_REGION": "us-east-1"}


def run(*args, cwd=None, env=None, stdin_text=None):
    """The CLI in a provider-free environment plus `env`; stdin is `stdin_text` (or empty)."""
    full_env = dict(os.environ)
    for key, value in {**CLEAN_ENV, **(env or {})}.items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run([test_cli.CLI, *args], cwd=cwd, env=full_env, input=stdin_text or "", capture_output=True,
                          text=True, timeout=60)


class NewcomerTestCase(CliTestCase):
    def setUp(self):
        super().setUp()
        self.src = self.path("src")
        self.dst = self.path("dst")
        write_tree(self.src, {"a.txt": "alpha\n", "b.txt": "bravo", "sub/c.txt": "c"})


class CommandLineTest(NewcomerTestCase):
    def test_unknown_commands_get_a_suggestion(self):
        for args, message in ((["lss", self.src], "unknown command 'lss'; did you mean 'ls'?"),
                              (["cpoy", self.src, self.dst], "unknown command 'cpoy'; did you mean 'copy'?"),
                              (["integration", "lst"], "unknown command 'integration lst'; did you mean "
                                                       "'integration list'?"),
                              (["frobnicate"], "unknown command 'frobnicate' (commands: ls, copy, ")):
            with self.subTest(args=args[0]):
                r = run(*args)
                self.assertFailsWith(r, EXIT["usage"])
                self.assertIn(message, r.stderr)
                self.assertEqual(r.stdout, "")
        self.assertFalse(os.path.exists(self.dst))

    def test_help_command(self):
        self.assertEqual(run("help").stdout, run("--help").stdout)
        self.assertIn("Usage: cloudsync", run("help").stdout)
        for command in (["copy"], ["integration", "add"], ["integrations", "check"]):
            with self.subTest(command=" ".join(command)):
                r = run("help", *command)
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, run(*command, "--help").stdout)
        r = run("help", "copi")
        self.assertFailsWith(r, EXIT["usage"])
        self.assertIn("did you mean 'copy'?", r.stderr)

    def test_main_help_documents_global_flags_sizes_option_values_and_130(self):
        text = run("--help").stdout
        self.assertIn("Global flags, before or after the command", text)
        self.assertIn("multiples of 1024", text)
        self.assertIn("KEY=env:NAME", text)
        self.assertIn("130 interrupted", text)

    def test_global_flags_before_the_command(self):
        write_tree(self.src, {"link-target": "x"})
        os.symlink(self.path("src", "link-target"), self.path("src", "link"))
        for args in (["-vv", "-q", "copy", self.src, self.dst],
                     ["copy", self.src, self.dst, "-vv", "-q"],
                     ["--verbose", "--verbose", "--quiet", "copy", self.src, self.dst]):
            with self.subTest(args=args[:3]):
                r = run(*args)
                self.assertExit(r, 0)
                self.assertEqual(r.stdout, "")  # -q
                self.assertRegex(r.stderr, r"\[debug\] .*link")  # -vv
        r = run("--json", "ls", self.src)
        self.assertExit(r, 0)
        keys = [e["key"] for e in self.json_of(r)["entries"]]
        self.assertIn("a.txt", keys)
        self.assertIn("link-target", keys)
        log = self.path("run.log")
        r = run("--log-file", log, "integration", "list", "--project", self.src)
        self.assertExit(r, 0)
        self.assertTrue(os.path.exists(log))


class OptionRoutingTest(NewcomerTestCase):
    def test_an_option_goes_only_to_the_end_that_takes_it(self):
        # region is an S3 option: the local source must not see it (it did, and failed).
        r = run("copy", self.src, "s3://bucket/x", "-o", "region=eu-west-1", *DEAD_S3, "-n", env=FAKE_AWS)
        self.assertFailsWith(r, EXIT_NETWORK)
        self.assertNotIn("unknown option", r.stderr)
        # fsync is a file option: mem:// (which takes none) does not get it.
        r = run("copy", self.src, "mem://x", "-o", "fsync=false")
        self.assertExit(r, 0)

    def test_provider_prefixed_options(self):
        r = run("copy", self.src, "s3://bucket/x", "-o", "s3.region=eu-west-1", "-o", "s3.endpoint=http://127.0.0.1:9",
                "-o", "s3.max_attempts=1", "-n", env=FAKE_AWS)
        self.assertFailsWith(r, EXIT_NETWORK)
        r = run("copy", self.src, self.dst, "-o", "file.fsync=false")
        self.assertExit(r, 0)
        r = run("copy", self.src, self.dst, "-o", "s3.region=eu-west-1")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("option 's3.region' is for s3 URLs, and no end here is one", r.stderr)
        r = run("ls", self.src, "-o", "az.account=x")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("'az.account' is for az URLs", r.stderr)

    def test_an_option_no_end_takes_is_an_error_naming_it(self):
        r = run("copy", self.src, "s3://bucket/x", "-o", "regoin=eu-west-1", "-n", env=FAKE_AWS)
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("unknown option 'regoin': no end takes it (the source is file, the destination is s3); "
                      "did you mean 'region'?", r.stderr)
        self.assertNotIn("eu-west-1", r.stderr)
        self.assertFalse(os.path.exists(self.dst))
        r = run("ls", self.src, "-o", "fsycn=false")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("did you mean 'fsync'?", r.stderr)

    def test_integration_add_refuses_an_unknown_option_with_a_suggestion(self):
        project = self.path("project")
        r = run("integration", "add", "S3z", "--project", project, "--url", "s3://bucket/pre", "-o",
                "regoin=eu-west-1")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("unknown option 'regoin' for s3 URLs; did you mean 'region'?", r.stderr)
        r = run("integrations", "add", "S3z", "s3://bucket/pre", "-o", "endpiont=http://x",
                env={"CLOUDSYNC_CATALOG": self.path("catalog")})
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("did you mean 'endpoint'?", r.stderr)


class SecretValuesTest(NewcomerTestCase):
    """-o KEY=env:NAME, KEY=file:PATH and KEY=- read a value that is never on the command line."""

    SECRET = "s3cr3t-fr0m-elsewhere-0123456789"

    def secret_run(self, value, env=None, stdin_text=None):
        # A dead endpoint: the command gets as far as using the credential.
        return run("ls", "s3://bucket/x", "-o", "access_key_id=AKIDEXAMPLE", "-o", f"secret_access_key={value}",
                   *DEAD_S3, env=env, stdin_text=stdin_text)

    def test_values_from_env_file_and_stdin_reach_the_backend(self):
        secret_file = self.path("secret.txt")
        with open(secret_file, "w") as f:
            f.write(self.SECRET + "\n")
        for what, r in (("env", self.secret_run("env:MY_SECRET", env={"MY_SECRET": self.SECRET})),
                        ("file", self.secret_run(f"file:{secret_file}")),
                        ("stdin", self.secret_run("-", stdin_text=self.SECRET + "\n"))):
            with self.subTest(what):
                self.assertFailsWith(r, EXIT_NETWORK)  # read, used, and the request went out
                self.assertNotIn(self.SECRET, r.stderr + r.stdout)

    def test_missing_sources_are_errors_that_name_the_option_not_the_value(self):
        cases = (("env:NOT_SET_ANYWHERE", None, "environment variable 'NOT_SET_ANYWHERE'",
                  EXIT["invalid_argument"]),
                 (f"file:{self.path('nope.txt')}", None, "cannot read the file", EXIT["not_found"]),
                 ("-", "", "no value on stdin", EXIT["invalid_argument"]))
        for value, stdin_text, message, status in cases:
            with self.subTest(value=value[:5]):
                r = self.secret_run(value, stdin_text=stdin_text)
                self.assertFailsWith(r, status)
                self.assertIn("option 'secret_access_key'", r.stderr)
                self.assertNotIn("***", r.stderr)  # nothing in the message looked like a secret
                self.assertIn(message, r.stderr)

    def test_help_examples_put_no_secret_on_the_command_line(self):
        secret_options = set()
        for provider in self.json_of(run("providers", "--json"))["providers"]:
            secret_options |= {o["name"] for o in provider["options"] if o["secret"]}
        for command in [[]] + test_cli.all_commands():
            text = test_cli.help_of(*command)
            for line in text.split("Examples:", 1)[-1].splitlines() if "Examples:" in text else []:
                for name, value in re.findall(r"(\w+)=(\S+)", line):
                    if name in secret_options:
                        with self.subTest(command=" ".join(command), option=name):
                            self.assertRegex(value, r"^(env:|file:|-$)")


class SingleFileTest(NewcomerTestCase):
    def test_copy_a_file_into_a_folder(self):
        r = run("copy", self.path("src", "a.txt"), self.dst)
        self.assertExit(r, 0)
        self.assertIn("Done: 1 added", r.stdout)
        self.assertEqual(read_tree(self.dst), {"a.txt": "alpha\n"})
        # The title says where it went.
        self.assertIn(os.path.join(self.dst, "a.txt"), r.stdout)
        # Again: unchanged.
        r = run("copy", self.path("src", "a.txt"), self.dst)
        self.assertIn("Done: 1 unchanged", r.stdout)

    def test_copy_a_file_over_an_existing_file_and_a_relative_path(self):
        write_tree(self.dst, {"old.txt": "old", "keep.txt": "keep"})
        r = run("copy", "a.txt", os.path.join(self.dst, "old.txt"), cwd=self.src)
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), {"old.txt": "alpha\n", "keep.txt": "keep"})

    def test_sync_a_file_with_delete_extraneous_touches_nothing_else(self):
        write_tree(self.dst, {"other.txt": "other"})
        r = run("sync", self.path("src", "b.txt"), self.dst, "--delete-extraneous")
        self.assertExit(r, 0)
        self.assertEqual(read_tree(self.dst), {"other.txt": "other", "b.txt": "bravo"})

    def test_dry_run_json_and_file_urls(self):
        r = run("copy", test_cli.file_url(self.path("src", "sub", "c.txt")), test_cli.file_url(self.dst), "-n",
                "--json")
        self.assertExit(r, 0)
        plan = self.json_of(r)["plan"]
        self.assertEqual([a["path"] for a in plan["actions"]], ["c.txt"])
        self.assertFalse(os.path.exists(self.dst))

    def test_a_file_into_itself_is_refused_and_folder_does_not_apply(self):
        r = run("copy", self.path("src", "a.txt"), self.src)
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("overlap", r.stderr)
        r = run("copy", self.path("src", "a.txt"), self.dst, "--folder", "x")
        self.assertFailsWith(r, EXIT["invalid_argument"])
        self.assertIn("--folder does not apply to a single file", r.stderr)


class InterruptTest(NewcomerTestCase):
    def test_ctrl_c_during_a_big_copy_exits_130_and_leaves_no_partial_file(self):
        big = self.path("big", "zero.bin")
        os.makedirs(os.path.dirname(big))
        with open(big, "wb") as f:
            f.truncate(4 << 30)  # sparse: cheap to make, seconds to copy
        proc = subprocess.Popen([test_cli.CLI, "copy", self.path("big"), self.dst], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        # Interrupt once the copy has begun writing (its temporary appears).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (os.path.isdir(self.dst) and os.listdir(self.dst)):
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, EXIT["interrupted"], err)
        self.assertIn("cloudsync: interrupted:", err)
        self.assertEqual(read_tree(self.dst) if os.path.isdir(self.dst) else {}, {})  # no partial file


class LoggingTest(NewcomerTestCase):
    STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

    def test_log_file_gets_timestamped_lines_and_errors(self):
        os.symlink(self.path("src", "a.txt"), self.path("src", "link"))
        log = self.path("logs", "cloudsync.log")
        os.makedirs(os.path.dirname(log))
        r = run("copy", self.src, self.dst, "-q", "-vv", "--log-file", log)
        self.assertExit(r, 0)
        self.assertEqual(r.stderr, "")  # the log went to the file
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, rf"^{self.STAMP} \[(info|debug|warning)\] ")
        self.assertTrue(any("link" in line for line in lines))
        # Errors are appended too; -v levels: without -v a log file gets info.
        r = run("ls", self.path("nope"), "--log-file", log)
        self.assertFailsWith(r, EXIT["not_found"])
        with open(log) as f:
            last = f.read().splitlines()[-1]
        self.assertRegex(last, rf"^{self.STAMP} \[error\] not_found: ")

    def test_levels_on_stderr(self):
        os.symlink(self.path("src", "a.txt"), self.path("src", "link"))
        quiet = run("copy", self.src, self.path("d1"), "-q", "-v")
        self.assertNotIn("[debug]", quiet.stderr)
        r = run("copy", self.src, self.path("d2"), "-q", "-vvv")
        self.assertRegex(r.stderr, rf"cloudsync: {self.STAMP} \[debug\] .*link")


class TerminalTest(NewcomerTestCase):
    def test_term_dumb_gets_no_escape_codes(self):
        status, err, out = run_on_terminal(["copy", self.src, self.dst], {"TERM": "dumb"})
        self.assertEqual(status, 0, err)
        self.assertNotIn(b"\x1b", err)
        # The line-per-file progress instead. Transfers start while the plan
        # is still being decided, so the first lines may know of fewer files.
        self.assertRegex(err, rb"\[1/[123]\] ")
        self.assertRegex(err, rb"\[3/3\] ")
        self.assertIn(b"Done: 3 added", out)

    def test_a_pipe_gets_no_escape_codes(self):
        r = run("copy", self.src, self.dst)
        self.assertNotIn("\x1b", r.stderr + r.stdout)

    def test_the_bar_shows_an_eta(self):
        big = self.path("big", "zero.bin")
        os.makedirs(os.path.dirname(big))
        with open(big, "wb") as f:
            f.truncate(768 << 20)

        paused = []

        def pause_once_transferring(proc, err):
            # The rate is sampled every half second, and a fast machine copies this sparse file in
            # less than a second (CI: 0.8 s, so no ETA was ever drawn). Stopping the CLI for longer
            # than a sample as soon as its transfer bar appears makes the next bar's rate, and so
            # its ETA, certain.
            if not paused and b" 0/1 files" in err:
                paused.append(True)
                proc.send_signal(signal.SIGSTOP)
                time.sleep(0.7)
                proc.send_signal(signal.SIGCONT)

        status, err, _ = run_on_terminal(["copy", self.path("big"), self.dst, "--ignore-checksum"], {"TERM": "xterm"},
                                         on_output=pause_once_transferring)
        self.assertEqual(status, 0, err[-300:])
        self.assertTrue(paused, err[-300:])
        self.assertRegex(err, rb"/s ETA \d")


# --- The newcomer transcript (ecosystem-review.md 2.3) ---------------------------


class TranscriptTest(NewcomerTestCase):
    def step(self, args, status, *words, cwd=None, env=None, absent=()):
        r = run(*args, cwd=cwd or self.tmp, env=env)
        text = r.stdout + r.stderr
        self.assertEqual(r.returncode, status, f"cloudsync {' '.join(args)}:\n{text}")
        for word in words:
            self.assertIn(word, text, f"cloudsync {' '.join(args)}")
        for word in absent:
            self.assertNotIn(word, text, f"cloudsync {' '.join(args)}")
        return r

    def test_replay(self):
        s = self.step
        r = s(["ls", "src"], 0, "a.txt", "sub/")
        self.assertEqual(len(r.stdout.splitlines()), 3)
        s(["copy", "src", "dst", "--dry-run"], 0, "DRY RUN (nothing will be changed)", "would add", "a.txt (6 B)",
          "Dry run: 3 to add")
        s(["copy", "src", "dst"], 0, "Done: 3 added")
        s(["copy", "src", "dst"], 0, "Done: 3 unchanged")
        s(["ls", "nonexistent"], EXIT["not_found"], "does not exist")
        s(["ls", "foo://bar"], EXIT["invalid_argument"], "unsupported URL scheme 'foo'", "this build knows")
        s(["ls", "s3://"], EXIT["invalid_argument"], "names no bucket")
        s(["ls", "s3:/bucket"], EXIT["not_found"], "does not exist")
        s(["ls", "file://relative/path"], EXIT["invalid_argument"], "must be file:///absolute/path")
        s(["copy", "src", "dst", "--dryrun"], EXIT["usage"], "--dryrun", "cloudsync copy --help")
        s(["copy", "src"], EXIT["usage"], "DST is required")
        s(["copy", "src", "dst", "--transfers", "0"], EXIT["usage"], "from 1 to 256")
        s(["ls", "src", "-o", "foo"], EXIT["usage"], "expected KEY=VALUE")
        s(["copy", "src", "src/sub"], EXIT["invalid_argument"], "overlap")
        # Was "A subcommand is required": now the unknown word and a suggestion.
        s(["lss", "src"], EXIT["usage"], "unknown command 'lss'; did you mean 'ls'?")
        # Were usage errors: help, version and -V work.
        s(["help"], 0, "Usage: cloudsync", "Exit status:")
        s(["version"], 0, "cloudsync 1.", "libcurl")
        s(["-V"], 0, "cloudsync 1.", "OpenSSL")
        s(["help", "copy"], 0, "Usage: cloudsync copy")
        # Was "--verbose not expected": global flags work before the command.
        s(["--verbose", "ls", "src"], 0, "a.txt")
        # Was "is a file, not a folder": a single file is copied into the folder.
        s(["copy", "src/a.txt", "dst3", "-n"], 0, "would add", "a.txt (6 B)", "dst3/a.txt")
        # Was "unknown option 'region' for file URLs": region goes to the S3 end only.
        s(["copy", "src", "s3://bucket/x", "-o", "region=eu-west-1", *DEAD_S3, "-n"], EXIT_NETWORK, "network",
          env=FAKE_AWS, absent=("unknown option",))
        # (Ctrl-C now exits 130: InterruptTest.)
        # Was accepted, then failed at the next import: refused when added, with a suggestion.
        s(["integration", "add", "S3z", "--project", "proj", "--url", "s3://bucket/pre", "-o", "regoin=eu-west-1"],
          EXIT["invalid_argument"], "unknown option 'regoin' for s3 URLs; did you mean 'region'?")
        s(["import", "S3z", "--project", "proj", "x/"], EXIT["not_found"], "S3z")

    def setUp(self):
        super().setUp()
        os.makedirs(self.path("proj"))


if __name__ == "__main__":
    test_cli.run_tests()
