"""Reads the cloudsync tool's command tree from its own --help output.

The man page and the bash completion are both generated from this tree at
build time, so they name exactly the subcommands and options the built tool
has: nothing is listed by hand here. The parser knows CLI11's help layout:

    <description>
    Usage: cloudsync integrations add [OPTIONS] NAME URL

    Positionals:
      NAME REQUIRED                 Display name ...
    Options:
      -o,--option KEY=VALUE         Backend option ...
    Subcommands:
      add                           Register ...


    <footer: free text, examples>

Sections are the indented entries under a "Heading:" line; the footer starts
after the first run of two blank lines (CLI11 separates it so).
"""

import re
import subprocess
from dataclasses import dataclass, field

# An entry line: two spaces, the name column, two or more spaces, the description.
_ENTRY = re.compile(r"^  (\S(?:.*?\S)?)(?:\s{2,}(.*))?$")
_HEADING = re.compile(r"^([A-Z][A-Za-z0-9 /_-]*):$")
_SCHEME = re.compile(r"\b([a-z][a-z0-9+.-]*)://")


@dataclass
class Option:
    names: list  # e.g. ["-o", "--option"]
    value: str  # placeholder of the value it takes ("KEY=VALUE"), "" for a flag
    help: str


@dataclass
class Positional:
    name: str
    required: bool
    help: str


@dataclass
class Command:
    path: list  # words after the program name, [] for the program itself
    usage: str
    description: str
    positionals: list = field(default_factory=list)
    options: list = field(default_factory=list)
    subcommands: list = field(default_factory=list)  # Command, in help order
    footer: str = ""

    def walk(self):
        """This command and every command below it, depth first in help order."""
        yield self
        for sub in self.subcommands:
            yield from sub.walk()


def _parse_option(name_column, help_text):
    names, value = [], []
    for token in name_column.split():
        if not value and token.startswith("-"):
            names.extend(n for n in token.split(",") if n)
        else:
            value.append(token)
    # CLI11 shows defaults and constraints after the type ("[1]", "Excludes: ..."):
    # only the upper-case placeholder says that the option takes a value.
    placeholder = value[0] if value and re.match(r"^[A-Z]", value[0]) else ""
    return Option(names, placeholder, help_text)


def parse_help(text, path):
    """Parses one --help page into a Command whose subcommands are names only."""
    lines = text.splitlines()
    usage_at = next((i for i, line in enumerate(lines) if line.startswith("Usage:")), None)
    if usage_at is None:
        raise ValueError(f"no 'Usage:' line in the help of {' '.join(['cloudsync', *path])}")
    description = " ".join(line.strip() for line in lines[:usage_at] if line.strip())
    command = Command(path, lines[usage_at][len("Usage:") :].strip(), description)
    body_end = len(lines)
    for i in range(usage_at + 1, len(lines) - 1):
        if not lines[i].strip() and not lines[i + 1].strip():
            body_end = i
            break
    command.footer = "\n".join(lines[body_end:]).strip("\n")

    heading, last = None, None
    for line in lines[usage_at + 1 : body_end]:
        if not line.strip():
            continue
        match = _HEADING.match(line)
        if match:
            heading, last = match.group(1), None
            continue
        entry = _ENTRY.match(line)
        if heading is None or entry is None:
            # A wrapped description continues the entry above it.
            if last is not None and line.startswith("   "):
                last.help = f"{last.help} {line.strip()}".strip()
            continue
        name_column, help_text = entry.group(1), (entry.group(2) or "").strip()
        if heading == "Subcommands":
            last = Command([*path, name_column], "", help_text)
            command.subcommands.append(last)
        elif heading == "Positionals":
            words = name_column.split()
            last = Positional(words[0], "REQUIRED" in words[1:], help_text)
            command.positionals.append(last)
        elif name_column.startswith("-"):
            last = _parse_option(name_column, help_text)
            command.options.append(last)
    return command


def read_tree(cli, path=()):
    """Runs `cli PATH... --help` for the program and every subcommand below it."""
    path = list(path)
    result = subprocess.run([cli, *path, "--help"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join([cli, *path])} --help exited {result.returncode}: {result.stderr.strip()}")
    command = parse_help(result.stdout, path)
    command.subcommands = [read_tree(cli, sub.path) for sub in command.subcommands]
    return command


def url_schemes(root):
    """The URL schemes the help texts name (s3, az, file...), in order of appearance."""
    schemes = []
    for command in root.walk():
        for scheme in _SCHEME.findall(f"{command.footer}\n" + "\n".join(p.help for p in command.positionals)):
            if scheme not in schemes:
                schemes.append(scheme)
    return schemes


def backend_option_keys(cli, root):
    """The backend option keys `cloudsync providers` lists (-o KEY=VALUE), if the tool has that command."""
    if not any(sub.path == ["providers"] for sub in root.subcommands):
        return []
    result = subprocess.run([cli, "providers"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return []
    keys = []
    for key in re.findall(r"^  ([a-z][a-z0-9_]*)\s{2,}\S", result.stdout, re.MULTILINE):
        if key not in keys:
            keys.append(key)
    return keys
