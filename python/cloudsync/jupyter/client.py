"""Driving a Jupyter server that runs the extension, from a script or a test: its REST API, the
extension's JSON API, and notebooks executed on the server's own kernels.

    client = ServerClient("http://127.0.0.1:8888", token, runtime_dir="/path/to/jupyter/runtime")
    client.import_files("Sales", ["data.csv"])
    kernel = client.start_kernel()              # the extension restores before it starts
    client.execute(kernel, nbformat.read("example.ipynb", 4))
    client.shutdown_kernel(kernel)              # the extension flushes

Requests go straight to the server, never through a proxy of the environment.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Callable

from jupyter_client.manager import AsyncKernelManager


class ServersKernel(AsyncKernelManager):
    """A kernel the server runs, reached through its connection file: running, and not ours to manage."""

    @property
    def has_kernel(self) -> bool:
        """Always: the server started it (nbclient would otherwise start one of its own)."""
        return True

    async def is_alive(self) -> bool:
        """Always: the server watches its kernel's life, and a dead one fails the request instead."""
        return True


class ServerError(RuntimeError):
    """A request answered with an unexpected HTTP status; `.status` and `.answer` (parsed JSON or text)."""

    def __init__(self, message: str, status: int, answer: Any) -> None:
        super().__init__(message)
        self.status, self.answer = status, answer

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.args[0], self.status, self.answer)


class ServerClient:
    """A Jupyter server at `url` authenticated with `token`; `runtime_dir` is where it writes its
    kernels' connection files (needed by execute())."""

    def __init__(self, url: str, token: str, runtime_dir: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.runtime_dir = runtime_dir
        self._token = token
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __repr__(self) -> str:
        return f"ServerClient({self.url!r})"  # never the token

    # ----- HTTP -----

    def request(self, method: str, path: str, body: Any = None, *, token: bool = True,
                timeout: float = 120) -> tuple[int, Any]:
        """One request; (HTTP status, parsed JSON or text). An error status is an answer, not an exception."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"token {self._token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, method=method, data=data, headers=headers)
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def api(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        """A request that must answer `expect`: its JSON; ServerError otherwise."""
        status, answer = self.request(method, path, body)
        if status != expect:
            raise ServerError(f"{method} {path}: HTTP {status} (expected {expect}): {answer}", status, answer)
        return answer

    def wait_until_ready(self, timeout: float = 60, alive: Callable[[], bool] = lambda: True) -> None:
        """Waits until the server answers (while `alive()` says its process still runs)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.request("GET", "/api/status", timeout=5)
                return
            except (urllib.error.URLError, ConnectionError):
                if not alive():
                    raise ServerError(f"the server at {self.url} exited", 0, None) from None
                if time.monotonic() > deadline:
                    raise ServerError(f"the server at {self.url} did not answer within {timeout} s", 0, None) \
                        from None
                time.sleep(0.2)

    # ----- kernels (the server's REST API, so the extension's hooks run) -----

    def start_kernel(self, name: str = "python3", path: str = "") -> str:
        """Starts a kernel working in `path` (relative to the server's root, as a notebook's folder); its id.
        The extension has restored the project's files when this returns."""
        return self.api("POST", "/api/kernels", {"name": name, "path": path}, expect=201)["id"]

    def wait_for_kernel(self, kernel_id: str, timeout: float = 60) -> None:
        """Waits until the kernel answers (the server answers a start or restart before that)."""
        client = self._kernel(kernel_id).blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)
        finally:
            client.stop_channels()

    def _kernel(self, kernel_id: str) -> ServersKernel:
        if not self.runtime_dir:
            raise ValueError("reaching a kernel needs the server's runtime_dir (its kernels' connection files)")
        manager = ServersKernel(connection_file=os.path.join(self.runtime_dir, f"kernel-{kernel_id}.json"))
        manager.load_connection_file()
        return manager

    def restart_kernel(self, kernel_id: str) -> None:
        """Restarts a kernel (the extension restores what changed before it runs code again)."""
        self.api("POST", f"/api/kernels/{kernel_id}/restart", {})

    def shutdown_kernel(self, kernel_id: str) -> None:
        """Shuts a kernel down (the project's last one flushes the exports first)."""
        self.api("DELETE", f"/api/kernels/{kernel_id}", expect=204)

    def execute(self, kernel_id: str, notebook: Any, timeout: float = 60) -> Any:
        """Runs `notebook` (an nbformat v4 notebook) with nbclient on the server's kernel; the executed notebook.

        nbclient connects through the kernel's connection file in the server's runtime folder and
        neither starts nor shuts the kernel down: it stays the server's.
        """
        from nbclient import NotebookClient

        runner = NotebookClient(notebook, km=self._kernel(kernel_id), timeout=timeout, allow_errors=False)
        try:
            runner.execute()
        finally:
            if runner.kc is not None:  # nbclient leaves the channels of a kernel it does not own open
                runner.kc.stop_channels()
        return notebook

    # ----- the extension's JSON API -----

    def status(self) -> dict[str, Any]:
        """GET /cloudsync/api/status."""
        return self.api("GET", "/cloudsync/api/status")

    def import_files(self, integration: str, selectors: list[str], dry_run: bool = False) -> dict[str, Any]:
        """POST /cloudsync/api/import: the operation result."""
        return self.api("POST", "/cloudsync/api/import",
                        {"integration": integration, "selectors": selectors, "dry_run": dry_run})

    def check(self, integration: str | None = None) -> list[dict[str, Any]]:
        """POST /cloudsync/api/check: the checks."""
        return self.api("POST", "/cloudsync/api/check", {"integration": integration} if integration else {})["checks"]

    def flush(self, timeout_s: float | None = None) -> dict[str, Any]:
        """POST /cloudsync/api/flush: {"session", "complete", "pending"}."""
        return self.api("POST", "/cloudsync/api/flush", {} if timeout_s is None else {"timeout_s": timeout_s})
