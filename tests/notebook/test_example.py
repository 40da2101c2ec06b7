"""examples/notebook/run.sh runs as its README says and finds out.csv in the bucket, byte for byte."""

from __future__ import annotations

import os
import subprocess
import unittest

import harness


class ExampleTest(unittest.TestCase):
    def test_run_sh(self) -> None:
        env = dict(os.environ, MOTO_PYTHON=harness.moto_python(), NOTEBOOK_PYTHON="/usr/bin/python3")
        done = subprocess.run(["bash", os.path.join(harness.SOURCE, "examples", "notebook", "run.sh")], env=env,
                              capture_output=True, text=True, timeout=150)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output)
        self.assertIn("registered 'Sales Bucket'", output)
        self.assertIn("CONNECTED", output)
        self.assertIn("imported through POST /cloudsync/api/import: {'done': 1", output)
        self.assertIn("wrote 3 rows", output)
        self.assertIn("identical to the notebook's out.csv", output)
        self.assertIn("exported out.csv", output)


if __name__ == "__main__":
    unittest.main()
