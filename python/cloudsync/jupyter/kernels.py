"""Where the extension hooks into the server's kernels.

jupyter_client's KernelManager calls ``pre_start_kernel`` on every start of a
kernel: the first, a restart through the API (``restart_kernel`` shuts down
with ``restart=True`` and starts again) and the automatic restart after the
kernel died. That is the one place that sees them all before the kernel
process exists, so it is where files are restored. ``shutdown_kernel`` with
``restart=False`` is a real shutdown (the API's DELETE, the culler, the
server's shutdown_all); a kernel that died and could not be restarted is
removed without one, which the ``dead`` restart callback reports.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Awaitable, Callable

from jupyter_client.utils import ensure_async

KernelHook = Callable[[str], Awaitable[None]]


def hook_kernel_managers(multi_kernel_manager: Any, on_start: KernelHook, on_stop: KernelHook) -> None:
    """Makes every kernel manager the server creates from now on call the hooks.

    Only asynchronous kernel managers (the server's default, AsyncIOLoopKernelManager) can be
    awaited before the kernel launches; a synchronous one is refused with a clear error rather
    than being restored after its kernel already runs.
    """
    make_kernel_manager = multi_kernel_manager.kernel_manager_factory

    def make_hooked_kernel_manager(*args: Any, **kwargs: Any) -> Any:
        manager = make_kernel_manager(*args, **kwargs)
        _hook(manager, on_start, on_stop)
        return manager

    multi_kernel_manager.kernel_manager_factory = make_hooked_kernel_manager


def _hook(manager: Any, on_start: KernelHook, on_stop: KernelHook) -> None:
    pre_start_kernel = manager.pre_start_kernel
    post_start_kernel = manager.post_start_kernel
    shutdown_kernel = manager.shutdown_kernel
    if not inspect.iscoroutinefunction(pre_start_kernel):
        raise TypeError(f"cloudsync.jupyter needs an asynchronous kernel manager, not {type(manager).__name__}: "
                        "keep the server's default kernel_manager_class")
    watching_death = False

    def kernel_id(kw: dict[str, Any]) -> str:
        return str(manager.kernel_id or kw.get("kernel_id") or "")

    async def hooked_pre_start_kernel(**kw: Any) -> Any:
        await on_start(kernel_id(kw))
        return await pre_start_kernel(**kw)

    async def hooked_post_start_kernel(**kw: Any) -> Any:
        nonlocal watching_death
        answer = await post_start_kernel(**kw)
        if not watching_death:  # the restarter exists from the first post-start on and is kept
            manager.add_restart_callback(kernel_died, "dead")
            watching_death = True
        return answer

    async def hooked_shutdown_kernel(now: bool = False, restart: bool = False) -> Any:
        try:
            return await ensure_async(shutdown_kernel(now=now, restart=restart))
        finally:
            if not restart:
                await on_stop(kernel_id({}))

    def kernel_died() -> None:
        # Called by the restarter on the event loop when an automatic restart failed.
        asyncio.ensure_future(on_stop(kernel_id({})))

    manager.pre_start_kernel = hooked_pre_start_kernel
    manager.post_start_kernel = hooked_post_start_kernel
    manager.shutdown_kernel = hooked_shutdown_kernel
