#!/usr/bin/env python3
"""Generates cloudsync's man page and bash completion from the built tool's --help.

    generate.py --cli PATH --version V --man OUT.1.gz --completion OUT

Run at build time (cmake/CloudsyncCliDocs.cmake), so both follow the tool's
subcommands and options as they are, with nothing listed by hand.
"""

import argparse
import gzip
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bash_completion  # noqa: E402
import help_tree  # noqa: E402
import man_page  # noqa: E402


def write_if_changed(path, data):
    """Leaves an identical file alone, so what depends on it is not rebuilt for nothing."""
    try:
        with open(path, "rb") as existing:
            if existing.read() == data:
                return
    except FileNotFoundError:
        pass
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the built cloudsync tool")
    parser.add_argument("--version", required=True, help="the version the man page names")
    parser.add_argument("--man", required=True, help="where to write the gzipped man page")
    parser.add_argument("--completion", required=True, help="where to write the bash completion")
    args = parser.parse_args()

    root = help_tree.read_tree(args.cli)
    page = man_page.render(root, args.version).encode()
    # Debian's way: maximum compression, no name or time stamp in the header (reproducible).
    write_if_changed(args.man, gzip.compress(page, compresslevel=9, mtime=0))
    schemes = help_tree.url_schemes(root)
    keys = help_tree.backend_option_keys(args.cli, root)
    write_if_changed(args.completion, bash_completion.render(root, schemes, keys).encode())


if __name__ == "__main__":
    main()
