"""Ready-made control handlers: the ``serve`` semantics, and a bridge into asyncio."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from ._control_protocol import NO_CONFIG_FILE, ServerStatus

_T = TypeVar("_T")

_LOOP_CALL_TIMEOUT_SECONDS = 5.0


class ServeControl:
    """The control handler of ``byokey serve`` (spec §3.2).

    ``uptime_secs`` counts whole seconds from construction, which the server does just
    before binding the control socket. ``on_shutdown`` and ``on_reload`` are called from
    rpyc worker threads, so they must be thread-safe (e.g.
    ``ShutdownCoordinator.request_threadsafe``). Without ``on_reload`` (no config file)
    ``reload`` answers the original's ``no config file`` text.
    """

    def __init__(
        self,
        *,
        version: str,
        host: str,
        port: int,
        on_shutdown: Callable[[], None],
        on_reload: Callable[[], str | None] | None = None,
        pid: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._version = version
        self._host = host
        self._port = port
        self._on_shutdown = on_shutdown
        self._on_reload = on_reload
        self._pid = os.getpid() if pid is None else pid
        self._clock = clock
        self._started = clock()

    def status(self) -> ServerStatus:
        uptime = max(0, math.floor(self._clock() - self._started))
        return ServerStatus(
            pid=self._pid,
            version=self._version,
            host=self._host,
            port=self._port,
            uptime_secs=uptime,
        )

    def shutdown(self) -> None:
        self._on_shutdown()

    def reload(self) -> str | None:
        if self._on_reload is None:
            return NO_CONFIG_FILE
        return self._on_reload()


class AsyncControlHandler(Protocol):
    """A control handler written as coroutines, to run on the application's loop."""

    async def status(self) -> ServerStatus: ...

    async def shutdown(self) -> None: ...

    async def reload(self) -> str | None: ...


class LoopBridgedHandler:
    """Run an ``AsyncControlHandler`` on ``loop`` for calls arriving on rpyc threads.

    ``status`` and ``reload`` wait (bounded) for the coroutine's result; ``shutdown`` is
    scheduled and returns at once, because the RPC must answer before the server exits.
    Never call these from the loop's own thread: they would wait on themselves.
    """

    def __init__(
        self,
        handler: AsyncControlHandler,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = _LOOP_CALL_TIMEOUT_SECONDS,
    ) -> None:
        self._handler = handler
        self._loop = loop
        self._timeout = timeout

    def status(self) -> ServerStatus:
        return self._wait(self._handler.status())

    def shutdown(self) -> None:
        self._submit(self._handler.shutdown())

    def reload(self) -> str | None:
        return self._wait(self._handler.reload())

    def _submit(self, coro: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self._loop)
        except RuntimeError:
            coro.close()
            raise RuntimeError("the server's event loop is not running") from None

    def _wait(self, coro: Coroutine[Any, Any, _T]) -> _T:
        future = self._submit(coro)
        try:
            return future.result(self._timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError("the server's event loop did not answer in time") from None
