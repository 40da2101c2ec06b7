"""What the notebook tests share: moto, a catalog filled through the package, a real Jupyter
server with the extension, notebooks executed on the server's kernels, and a PNG decoder.

They run under /usr/bin/python3 (Debian's jupyter_server, nbclient, ipykernel, pandas);
moto runs as a separate process under the interpreter that has it ($CLOUDSYNC_MOTO_PYTHON).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
PYTHON_PACKAGE = os.path.join(SOURCE, "python")
sys.path.insert(0, PYTHON_PACKAGE)
sys.path.insert(0, os.environ.get("CLOUDSYNC_PEERS_DIR") or os.path.join(SOURCE, "tests", "peers"))

import cloudsync  # noqa: E402
from cloudsync.jupyter.client import ServerClient, ServerError  # noqa: E402
from peers import Peer, free_port  # noqa: E402

SERVER_START_S = 60
BUCKET = "notebook-data"


def scratch_dir(name: str) -> str:
    """A fresh folder for one test module: under $CLOUDSYNC_NOTEBOOK_SCRATCH (the test's build folder,
    kept for a human to look at) or a temporary one."""
    base = os.environ.get("CLOUDSYNC_NOTEBOOK_SCRATCH") or tempfile.mkdtemp(prefix="cloudsync-notebook-")
    path = os.path.join(base, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def moto_python() -> str:
    """The interpreter that has moto and boto3 (CMake passes its Python3_EXECUTABLE)."""
    python = os.environ.get("CLOUDSYNC_MOTO_PYTHON")
    if not python:
        raise RuntimeError("set CLOUDSYNC_MOTO_PYTHON to a Python that has moto and boto3")
    return python


def start_moto(state_dir: str) -> Peer:
    """moto with SigV4 enforced, run by moto_python(); the test bucket exists."""
    python = moto_python()
    previous = os.environ.get("PYTHON")
    os.environ["PYTHON"] = python  # start-moto.sh runs moto with $PYTHON
    try:
        moto = Peer.moto(state_dir)
    finally:
        if previous is None:
            del os.environ["PYTHON"]
        else:
            os.environ["PYTHON"] = previous
    try:
        create_bucket(moto, BUCKET)
    except BaseException:
        moto.stop()
        raise
    return moto


def create_bucket(moto: Peer, name: str) -> None:
    """Creates a bucket with boto3 under moto_python() (cloudsync does not create buckets)."""
    script = ("import os, boto3; boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT'], region_name='us-east-1')"
              ".create_bucket(Bucket=os.environ['BUCKET'])")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(moto.env, BUCKET=name)
    done = subprocess.run([moto_python(), "-c", script], env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"creating bucket {name} failed:\n{done.stderr}")


def s3_options(moto: Peer) -> dict[str, str]:
    """The non-secret backend options of an integration on moto."""
    return {"endpoint": moto.env["S3_ENDPOINT"], "region": "us-east-1", "provider": "aws"}


def s3_secrets(moto: Peer) -> dict[str, str]:
    """moto's credentials, which the catalog keeps in its 0600 secrets file."""
    return {"access_key_id": moto.env["AWS_ACCESS_KEY_ID"], "secret_access_key": moto.env["AWS_SECRET_ACCESS_KEY"]}


def bucket_storage(moto: Peer, prefix: str = "") -> cloudsync.Storage:
    """A Storage handle on the test bucket through the package."""
    options = dict(s3_options(moto), **s3_secrets(moto))
    return cloudsync.Storage(f"s3://{BUCKET}/{prefix}".rstrip("/"), options)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class JupyterServer(ServerClient):
    """A real `python3 -m jupyter_server` with the extension, on a free port, as a subprocess."""

    def __init__(self, root: str, work_dir: str, *, catalog_dir: str, flush_timeout_s: float = 30.0,
                 config: dict[str, Any] | None = None) -> None:
        """`config` goes into the server's jupyter_server_config.json (e.g. {"CloudsyncExtension": {...}}):
        secrets given there never reach a command line."""
        port = free_port()
        super().__init__(f"http://127.0.0.1:{port}", secrets.token_hex(16), os.path.join(work_dir, "runtime"))
        self.log_path = os.path.join(work_dir, "jupyter-server.log")
        config_dir = os.path.join(work_dir, "config")
        os.makedirs(config_dir, exist_ok=True)
        with open(os.path.join(config_dir, "jupyter_server_config.json"), "w") as f:
            json.dump(config or {}, f)
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.update(JUPYTER_RUNTIME_DIR=self.runtime_dir, JUPYTER_CONFIG_DIR=config_dir,
                   JUPYTER_DATA_DIR=os.path.join(work_dir, "data"), IPYTHONDIR=os.path.join(work_dir, "ipython"),
                   PYTHONPATH=os.pathsep.join(filter(None, [PYTHON_PACKAGE, env.get("PYTHONPATH")])))
        argv = [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                "--port-retries=0", "--allow-root", f"--ServerApp.root_dir={root}", f"--ServerApp.token={self._token}",
                "--ServerApp.jpserver_extensions=cloudsync.jupyter=True",
                f"--CloudsyncExtension.catalog_dir={catalog_dir}",
                f"--CloudsyncExtension.flush_timeout_s={flush_timeout_s}"]
        self.log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(argv, cwd=work_dir, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        try:
            self.wait_until_ready(SERVER_START_S, alive=lambda: self.process.poll() is None)
        except ServerError as error:
            self.stop()
            raise RuntimeError(f"{error}:\n{self.logs()}") from None

    @property
    def token(self) -> str:
        return self._token

    def logs(self) -> str:
        """The server's log (its end)."""
        with open(self.log_path, errors="replace") as f:
            return f.read()[-6000:]

    def api(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        """As ServerClient.api, with the server's log in the failure."""
        try:
            return super().api(method, path, body, expect)
        except ServerError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM (the server stops its extensions, then its kernels) and wait; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        return self.process.returncode


def execute_notebook(server: JupyterServer, kernel_id: str, cells: list[str], timeout: float = 60) -> Any:
    """A notebook of these code cells, run with nbclient on the server's kernel."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return server.execute(kernel_id, notebook, timeout)


def wait_for(condition, timeout: float, what: str, interval: float = 0.2):
    """Polls `condition` until it returns something true; its value. AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# ----- PNG (no PIL on Debian's python3 here) -----

def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    offset, idat, header = 8, [], None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, channels)
        rows.append(bytes(row) if channels == 3 else bytes(b for i, b in enumerate(row) if i % 4 != 3))
        previous = row
    return width, height, rows


def _unfilter(kind: int, row: bytearray, above: bytearray, bpp: int) -> bytearray:
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up = above[i]
        upper_left = above[i - bpp] if i >= bpp else 0
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 2:
            row[i] = (row[i] + up) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - upper_left
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
            predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
            row[i] = (row[i] + predictor) & 0xFF
        elif kind != 0:
            raise ValueError(f"unknown PNG filter {kind}")
    return row


def pixels_near(rows: list[bytes], colour: tuple[int, int, int], tolerance: int = 8) -> list[tuple[int, int]]:
    """(x, y) of every pixel within `tolerance` of `colour` on each channel."""
    found = []
    for y, row in enumerate(rows):
        for x in range(0, len(row), 3):
            if all(abs(row[x + c] - colour[c]) <= tolerance for c in range(3)):
                found.append((x // 3, y))
    return found
