#!/usr/bin/env python3
"""Checks the generated man page and bash completion against the built tool.

    test_cli_docs.py --cli PATH --man cloudsync.1.gz --completion FILE [unittest args]

The expectations come from the tool's help pages, read here with a plain scan
of their "Subcommands:" and "Options:" lists (not with the generator's parser),
so a subcommand the generator missed fails the test.
"""

import argparse
import functools
import gzip
import os
import re
import shlex
import shutil
import subprocess
import sys
import unittest

ARGS = None


@functools.cache
def help_page(*path):
    return subprocess.run([ARGS.cli, *path, "--help"], capture_output=True, text=True, check=True).stdout


def listed(page, heading):
    """The first word of each entry in a help page's "heading:" list."""
    match = re.search(rf"^{heading}:\n((?:  .*\n?)*)", page, re.MULTILINE)
    if not match:
        return []
    return [line.split()[0] for line in match.group(1).splitlines() if line.startswith("  ") and line.strip()]


@functools.cache
def command_paths():
    """Every subcommand path of the tool, from its help pages."""
    paths, todo = [], [()]
    while todo:
        path = todo.pop(0)
        for name in listed(help_page(*path), "Subcommands"):
            paths.append((*path, name))
            todo.append((*path, name))
    return paths


def complete_all(lines):
    """COMPREPLY of the generated completion for each command line (cursor on its last word), in one bash."""
    script = [f"source {shlex.quote(ARGS.completion)}"]
    for words in lines:
        script += [
            f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); COMP_CWORD={len(words) - 1}",
            'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; _cloudsync',
            'printf "%s\\n" "${COMPREPLY[@]}" "--end--"',
        ]
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", "\n".join(script)], capture_output=True, text=True, check=True
    )
    replies, current = [], []
    for line in result.stdout.splitlines():
        if line == "--end--":
            replies.append(current)
            current = []
        elif line:
            current.append(line)
    return replies


def complete(words):
    return complete_all([words])[0]


class ManPageTest(unittest.TestCase):
    def render(self):
        self.assertIsNotNone(shutil.which("groff"), "groff is missing (bash cmake/install-deps.sh --test)")
        with gzip.open(ARGS.man, "rt") as page:
            roff = page.read()
        result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rLL=200n"], input=roff, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "", "groff warns about the page")
        # Plain text: no overstriking, no hyphenation marks.
        return re.sub(r".\x08", "", result.stdout).replace("\u2010", "-").replace("\u2212", "-")

    def test_renders_and_names_every_subcommand(self):
        text = self.render()
        self.assertIn("CLOUDSYNC(1)", text)
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS"):
            self.assertRegex(text, rf"(?m)^{section}$")
        paths = command_paths()
        self.assertGreater(len(paths), 5, "the tool's help lists too few subcommands to be read right")
        for path in paths:
            self.assertTrue(f"cloudsync {' '.join(path)}" in text, f"the man page misses {' '.join(path)}")

    def test_names_every_option_of_every_command(self):
        text = self.render()
        for path in [(), *command_paths()]:
            for option in listed(help_page(*path), "Options"):
                for name in option.split(","):
                    self.assertTrue(name in text, f"the man page misses {name} of 'cloudsync {' '.join(path)}'")

    def test_man_reads_it(self):
        self.assertIsNotNone(shutil.which("man"), "man-db is missing (bash cmake/install-deps.sh --test)")
        env = dict(os.environ, MANPAGER="cat", MANWIDTH="120")
        result = subprocess.run(["man", "-l", ARGS.man], capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"(?m)^NAME\n\s+cloudsync")


class CompletionTest(unittest.TestCase):
    def test_subcommand_prefixes(self):
        paths = command_paths()
        replies = complete_all([["cloudsync", *path[:-1], path[-1][:2]] for path in paths])
        for path, got in zip(paths, replies):
            name = path[-1]
            self.assertIn(name, got, f"'{' '.join(path[:-1])} {name[:2]}<TAB>' does not offer {name}")
            self.assertTrue(all(word.startswith(name[:2]) for word in got), got)

    def test_option_prefixes(self):
        cases = []
        for path in [(), *command_paths()]:
            for option in listed(help_page(*path), "Options"):
                cases += [(path, name) for name in option.split(",") if name.startswith("--")]
        self.assertGreater(len(cases), 20)
        replies = complete_all([["cloudsync", *path, name[:4]] for path, name in cases])
        for (path, name), got in zip(cases, replies):
            self.assertIn(name, got, f"'cloudsync {' '.join(path)} {name[:4]}<TAB>' does not offer {name}")

    def test_url_schemes_after_a_url_argument(self):
        page = help_page()
        schemes = sorted(set(re.findall(r"\b([a-z][a-z0-9]*)://", page)))
        self.assertIn("s3", schemes)
        replies = complete_all([["cloudsync", "ls", scheme[:1]] for scheme in schemes])
        for scheme, got in zip(schemes, replies):
            self.assertIn(f"{scheme}://", got)

    def test_an_options_value_is_not_a_subcommand(self):
        # "add" is the value of --catalog here, so the words stay at "integrations".
        self.assertIn("--catalog", complete(["cloudsync", "integrations", "list", "--cat"]))
        self.assertEqual(complete(["cloudsync", "integrations", "list", "--catalog", "add", "--wr"]), ["--writeback"])


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--man", required=True)
    parser.add_argument("--completion", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
