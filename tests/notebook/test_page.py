"""The extension's page in headless Chromium (Debian's): its script reads the JSON API and shows
each integration with a status badge and the last exports.

Two integrations on moto: one with the right credentials (CONNECTED after a check), one with a
wrong secret (DISCONNECTED, invalid credentials). A kernel runs, so the session watches, and a
file written into the folder is exported. Then --dump-dom must show the names, both statuses and
the exported path (the script ran), and --screenshot a PNG of the window's size in which both
badge colours fill badge-sized areas of one column. The PNG stays in the test's build folder.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import unittest

import harness
from harness import JupyterServer, cloudsync

CHROMIUM = "/usr/bin/chromium"
WINDOW = (1000, 800)
# The badge colours of page.html.
CONNECTED_RGB = (0x1A, 0x7F, 0x37)
DISCONNECTED_RGB = (0xCF, 0x22, 0x2E)
BADGE_MIN_PIXELS = 1500  # a badge is about 130 x 30 pixels
GOOD, BROKEN = "Sales Bucket", "Broken Bucket"
PROJECT = "Quarterly Review"

moto = server = None
scratch = ""


def setUpModule() -> None:
    global moto, server, scratch
    scratch = harness.scratch_dir("page")
    moto = harness.start_moto(os.path.join(scratch, "moto"))
    try:
        catalog_dir = os.path.join(scratch, "catalog")
        with cloudsync.Catalog(catalog_dir) as catalog:
            # Only the key id is stored: the secret comes from the extension's in-memory credentials.
            catalog.create_integration(GOOD, f"s3://{harness.BUCKET}/good", writeback=True,
                                       options=harness.s3_options(moto),
                                       secrets={"access_key_id": harness.s3_secrets(moto)["access_key_id"]})
            catalog.create_integration(BROKEN, f"s3://{harness.BUCKET}/broken", options=harness.s3_options(moto),
                                       secrets=dict(harness.s3_secrets(moto), secret_access_key="wrong-secret"))
        root = os.path.join(scratch, "project")
        os.makedirs(root)
        secret = harness.s3_secrets(moto)["secret_access_key"]
        server = JupyterServer(root, scratch, catalog_dir=catalog_dir, config={"CloudsyncExtension": {
            "project": PROJECT, "credentials": {GOOD: {"secret_access_key": secret}}}})
    except BaseException:
        moto.stop()
        raise


def tearDownModule() -> None:
    if server is not None:
        server.stop()
    if moto is not None:
        moto.stop()


def chromium(*args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on the page (with the token, as a user opens it), isolated from this machine's state."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-proxy-server", f"--user-data-dir={profile}",
                "--hide-scrollbars", "--virtual-time-budget=3000", *args,
                f"{server.url}/cloudsync?token={server.token}"]
        done = subprocess.run(argv, env=env, capture_output=True, timeout=90)
    if done.returncode != 0:
        raise AssertionError(f"chromium failed ({done.returncode}):\n{done.stderr.decode(errors='replace')[-3000:]}")
    return done


def bounding_box(points: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


class PageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        kernel = server.start_kernel()  # the session watches from now on
        (folder,) = [i["folder"] for i in server.status()["integrations"] if i["name"] == GOOD]
        path = os.path.join(server_root(), folder, "report.csv")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("quarter,revenue\nq1,10\n")
        harness.wait_for(lambda: server.status()["last_exports"], 20, "the export of report.csv")
        checks = {c["integration"]: c for c in server.check()}
        cls.checks = checks
        cls.kernel = kernel

    def test_checks_found_both_statuses(self) -> None:
        self.assertEqual(self.checks[GOOD]["status"], "CONNECTED", self.checks[GOOD])
        self.assertEqual(self.checks[BROKEN]["status"], "DISCONNECTED", self.checks[BROKEN])
        self.assertEqual(self.checks[BROKEN]["reason"], "INVALID_CREDENTIALS", self.checks[BROKEN])
        secret = harness.s3_secrets(moto)["secret_access_key"]
        shown = str(self.checks) + str(server.status()) + server.logs()
        self.assertNotIn("wrong-secret", shown)
        self.assertNotIn(secret, shown)

    def test_dom_shows_integrations_statuses_and_last_export(self) -> None:
        dom = chromium("--dump-dom").stdout.decode()
        for text in (PROJECT, GOOD, BROKEN, "badge status-CONNECTED", "badge status-DISCONNECTED", "report.csv",
                     "INVALID_CREDENTIALS", "last restore"):
            self.assertIn(text, dom)
        self.assertNotIn("loading…", dom)  # the script replaced the placeholder
        self.assertNotIn("wrong-secret", dom)
        self.assertNotIn(harness.s3_secrets(moto)["secret_access_key"], dom)

    def test_screenshot_shows_the_badges_in_their_colours(self) -> None:
        png = os.path.join(scratch, "cloudsync-page.png")
        chromium(f"--screenshot={png}", f"--window-size={WINDOW[0]},{WINDOW[1]}")
        with open(png, "rb") as f:
            width, height, rows = harness.decode_png(f.read())
        self.assertEqual((width, height), WINDOW)
        self.assertGreater(len({row[x:x + 3] for row in rows[::10] for x in range(0, len(row), 30)}), 20,
                           "the screenshot is (nearly) blank")
        green = harness.pixels_near(rows, CONNECTED_RGB)
        red = harness.pixels_near(rows, DISCONNECTED_RGB)
        self.assertGreater(len(green), BADGE_MIN_PIXELS, "no CONNECTED badge")
        self.assertGreater(len(red), BADGE_MIN_PIXELS, "no DISCONNECTED badge")
        gx0, gy0, gx1, gy1 = bounding_box(green)
        rx0, ry0, rx1, ry1 = bounding_box([p for p in red if gx0 - 5 <= p[0] <= gx1 + 5])
        # Both badges in the status column, below the heading, in different rows.
        self.assertTrue(100 < gx0 < width // 2 and gy0 > 80 and gy1 < height, (gx0, gy0, gx1, gy1))
        self.assertLess(abs(gx0 - rx0), 10, (gx0, rx0))
        self.assertTrue(gy1 < ry0 or ry1 < gy0, ((gx0, gy0, gx1, gy1), (rx0, ry0, rx1, ry1)))


def server_root() -> str:
    return os.path.join(scratch, "project")


if __name__ == "__main__":
    unittest.main()
