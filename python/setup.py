"""Bundles the shared library into the package when $CLOUDSYNC_LIBRARY names it at install time.

Everything else is in pyproject.toml. Without $CLOUDSYNC_LIBRARY the package
finds the library at run time (see cloudsync/_native.py).
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithLibrary(build_py):
    """build_py, then a copy of $CLOUDSYNC_LIBRARY as cloudsync/libcloudsync.so.1."""

    def run(self):
        super().run()
        library = os.environ.get("CLOUDSYNC_LIBRARY")
        if library:
            if not os.path.isfile(library):
                raise SystemExit(f"CLOUDSYNC_LIBRARY={library}: no such file")
            target = os.path.join(self.build_lib, "cloudsync", "libcloudsync.so.1")
            shutil.copyfile(os.path.realpath(library), target)
            os.chmod(target, 0o755)


setup(cmdclass={"build_py": BuildPyWithLibrary})
