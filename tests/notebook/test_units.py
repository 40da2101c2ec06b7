"""The extension's pieces that need no server: error mapping, result forms, the kernel-manager
hook's refusal of synchronous managers, ServerClient's errors, and the tests' PNG reader."""

from __future__ import annotations

import asyncio
import pickle
import struct
import unittest
import zlib

import harness
from harness import cloudsync
from cloudsync.jupyter import handlers, kernels, project
from cloudsync.jupyter.client import ServerClient, ServerError


class ErrorMappingTest(unittest.TestCase):
    def test_every_error_class_has_its_http_status(self) -> None:
        expected = {cloudsync.InvalidArgumentError: 400, cloudsync.NotFoundError: 404,
                    cloudsync.PermissionDeniedError: 403, cloudsync.AuthenticationError: 401,
                    cloudsync.ConflictError: 409, cloudsync.AlreadyExistsError: 409,
                    cloudsync.PreconditionFailedError: 412, cloudsync.LimitExceededError: 413,
                    cloudsync.ThrottledError: 429, cloudsync.NetworkError: 502, cloudsync.DeadlineError: 504,
                    cloudsync.InternalError: 500, cloudsync.IntegrityError: 500}
        for error_class, status in expected.items():
            self.assertEqual(handlers.http_status_of(error_class("m")), status, error_class.__name__)

    def test_error_dict_carries_the_fields_not_the_text(self) -> None:
        error = cloudsync.PermissionDeniedError("no write", http_status=403, provider_code="AccessDenied",
                                                missing_action="write")
        answer = project.error_dict(error)
        self.assertEqual((answer["type"], answer["http_status"], answer["provider_code"], answer["missing_action"]),
                         ("PermissionDeniedError", 403, "AccessDenied", "write"))
        self.assertEqual(project.error_dict(ValueError("plain")), {"type": "ValueError", "message": "plain"})

    def test_result_dict(self) -> None:
        result = cloudsync.OperationResult("Sales", "restore", {"summary": {}}, {"summary": {"failed": 0}})
        self.assertEqual(project.result_dict(result), {"integration": "Sales", "operation": "restore",
                                                       "plan": {"summary": {}},
                                                       "report": {"summary": {"failed": 0}}, "ok": result.ok})


class FakeKernelManager:
    """What the hook needs of a jupyter_client kernel manager, recording the calls."""

    def __init__(self, kernel_id: str, calls: list[tuple[str, str]]) -> None:
        self.kernel_id, self.calls, self.dead_callbacks = kernel_id, calls, []

    async def pre_start_kernel(self, **kw: object) -> tuple[list[str], dict]:
        self.calls.append(("launch", self.kernel_id))
        return ["python3"], {}

    async def post_start_kernel(self, **kw: object) -> None:
        return None

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.calls.append(("shutdown, restart" if restart else "shutdown", self.kernel_id))

    def add_restart_callback(self, callback: object, event: str) -> None:
        self.dead_callbacks.append((callback, event))


class FakeMultiKernelManager:
    def __init__(self, factory: object) -> None:
        self.kernel_manager_factory = factory


class KernelHookTest(unittest.TestCase):
    def test_every_start_restores_first_and_only_a_real_shutdown_stops(self) -> None:
        calls: list[tuple[str, str]] = []

        async def started(kernel_id: str) -> None:
            calls.append(("restore", kernel_id))

        async def stopped(kernel_id: str) -> None:
            calls.append(("flush", kernel_id))

        managers = FakeMultiKernelManager(lambda **kw: FakeKernelManager(kw["kernel_id"], calls))
        kernels.hook_kernel_managers(managers, started, stopped)

        async def lifecycle() -> FakeKernelManager:
            manager = managers.kernel_manager_factory(kernel_id="k1")
            await manager.pre_start_kernel()
            await manager.post_start_kernel()
            await manager.shutdown_kernel(restart=True)  # a restart: shut down, then start again
            await manager.pre_start_kernel()
            await manager.post_start_kernel()
            await manager.shutdown_kernel()
            return manager

        manager = asyncio.run(lifecycle())
        self.assertEqual(calls, [("restore", "k1"), ("launch", "k1"), ("shutdown, restart", "k1"),
                                 ("restore", "k1"), ("launch", "k1"), ("shutdown", "k1"), ("flush", "k1")])
        self.assertEqual(len(manager.dead_callbacks), 1, "the 'dead' callback is registered once")
        self.assertEqual(manager.dead_callbacks[0][1], "dead")

    def test_a_synchronous_kernel_manager_is_refused(self) -> None:
        from jupyter_client.multikernelmanager import MultiKernelManager

        async def nothing(_kernel_id: str) -> None:
            return None

        managers = MultiKernelManager(kernel_manager_class="jupyter_client.manager.KernelManager")
        kernels.hook_kernel_managers(managers, nothing, nothing)
        with self.assertRaisesRegex(TypeError, "asynchronous kernel manager"):
            managers.kernel_manager_factory()


class ServerClientTest(unittest.TestCase):
    def test_server_error_pickles_and_the_repr_hides_the_token(self) -> None:
        error = pickle.loads(pickle.dumps(ServerError("GET /x: HTTP 500", 500, {"message": "boom"})))
        self.assertEqual((str(error), error.status, error.answer), ("GET /x: HTTP 500", 500, {"message": "boom"}))
        client = ServerClient("http://127.0.0.1:9/", "very-secret-token")
        self.assertNotIn("very-secret-token", repr(client))

    def test_a_server_that_is_not_there(self) -> None:
        client = ServerClient(f"http://127.0.0.1:{harness.free_port()}", "t")
        with self.assertRaisesRegex(ServerError, "did not answer within 0.5 s"):
            client.wait_until_ready(0.5)
        with self.assertRaisesRegex(ServerError, "exited"):
            client.wait_until_ready(5, alive=lambda: False)


def encode_png(width: int, rows: list[bytes], filters: list[int]) -> bytes:
    """An 8-bit RGB PNG whose row y uses filter filters[y] (the inverse of harness._unfilter)."""
    raw, previous = bytearray(), bytes(width * 3)
    for row, kind in zip(rows, filters):
        out = bytearray()
        for i, value in enumerate(row):
            left = row[i - 3] if i >= 3 else 0
            up = previous[i]
            upper_left = previous[i - 3] if i >= 3 else 0
            p = left + up - upper_left
            paeth = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - upper_left), 2, upper_left))[2]
            predictor = {0: 0, 1: left, 2: up, 3: (left + up) // 2, 4: paeth}[kind]
            out.append((value - predictor) & 0xFF)
        raw += bytes([kind]) + out
        previous = row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


class PngReaderTest(unittest.TestCase):
    def test_every_filter(self) -> None:
        width = 7
        rows = [bytes((x * 37 + y * 91 + c * 13) % 256 for x in range(width) for c in range(3)) for y in range(10)]
        filters = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]
        decoded_width, height, decoded = harness.decode_png(encode_png(width, rows, filters))
        self.assertEqual((decoded_width, height), (width, 10))
        self.assertEqual(decoded, rows)
        self.assertIn((3, 2), harness.pixels_near(decoded, tuple(rows[2][9:12]), tolerance=0))

    def test_not_a_png(self) -> None:
        with self.assertRaisesRegex(ValueError, "not a PNG"):
            harness.decode_png(b"GIF89a")


if __name__ == "__main__":
    unittest.main()
