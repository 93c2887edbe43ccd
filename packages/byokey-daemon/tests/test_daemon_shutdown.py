from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import AsyncIterator

import pytest

from byokey_daemon import ShutdownCoordinator


def _requested(coordinator: ShutdownCoordinator) -> bool:
    """Read through a call, so the type checker does not narrow the property."""
    return coordinator.requested


async def test_request_wakes_waiters_once_with_the_first_reason() -> None:
    coordinator = ShutdownCoordinator()
    waiter = asyncio.create_task(coordinator.wait())
    await asyncio.sleep(0)
    assert not waiter.done()
    assert not _requested(coordinator)
    coordinator.request("first")
    coordinator.request("second")
    await asyncio.wait_for(waiter, 5)
    assert coordinator.requested
    assert coordinator.reason == "first"


async def test_request_from_another_thread() -> None:
    coordinator = ShutdownCoordinator()
    coordinator.attach()
    thread = threading.Thread(target=coordinator.request_threadsafe)
    thread.start()
    thread.join()
    await asyncio.wait_for(coordinator.wait(), 5)
    assert coordinator.reason == "control"


async def test_threadsafe_request_before_the_loop_is_known() -> None:
    coordinator = ShutdownCoordinator()
    coordinator.request_threadsafe("early")
    assert coordinator.requested
    await asyncio.wait_for(coordinator.wait(), 5)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signals_trigger_shutdown(sig: signal.Signals) -> None:
    coordinator = ShutdownCoordinator()
    coordinator.install_signal_handlers()
    try:
        os.kill(os.getpid(), sig)
        await asyncio.wait_for(coordinator.wait(), 5)
        assert coordinator.reason == sig.name
    finally:
        coordinator.remove_signal_handlers()
    assert signal.getsignal(signal.SIGTERM) is not None


async def test_drain_returns_zero_when_work_finishes() -> None:
    coordinator = ShutdownCoordinator()
    release = asyncio.Event()

    async def request() -> str:
        with coordinator.track():
            await release.wait()
            return "done"

    tasks = [asyncio.create_task(request()) for _ in range(3)]
    await asyncio.sleep(0)
    assert coordinator.in_flight == 3
    drain = asyncio.create_task(coordinator.drain(30))
    await asyncio.sleep(0)
    assert not drain.done()
    release.set()
    assert await drain == 0
    assert [t.result() for t in tasks] == ["done"] * 3
    assert coordinator.in_flight == 0


async def test_drain_with_nothing_in_flight() -> None:
    assert await ShutdownCoordinator().drain(0) == 0


async def test_drain_cancels_stragglers_so_their_cleanup_runs() -> None:
    coordinator = ShutdownCoordinator()
    cleaned: list[str] = []

    async def endless() -> AsyncIterator[int]:
        try:
            while True:
                yield 1
                await asyncio.sleep(3600)
        finally:
            cleaned.append("usage recorded")

    async def stream_consumer() -> None:
        async for _ in coordinator.track_stream(endless()):
            pass

    task = asyncio.create_task(stream_consumer())
    for _ in range(100):
        if coordinator.in_flight:
            break
        await asyncio.sleep(0)
    assert coordinator.in_flight == 1
    left = await coordinator.drain(0.01)
    assert left == 1
    assert task.cancelled()
    assert cleaned == ["usage recorded"]
    assert coordinator.in_flight == 0


async def test_drain_can_leave_stragglers_running() -> None:
    coordinator = ShutdownCoordinator()
    release = asyncio.Event()

    async def slow() -> None:
        with coordinator.track():
            await release.wait()

    task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    assert await coordinator.drain(0.01, cancel_stragglers=False) == 1
    assert not task.done()
    release.set()
    await task


async def test_track_stream_passes_items_through() -> None:
    coordinator = ShutdownCoordinator()

    async def source() -> AsyncIterator[str]:
        for item in ("a", "b", "c"):
            yield item

    seen = [item async for item in coordinator.track_stream(source())]
    assert seen == ["a", "b", "c"]
    assert coordinator.in_flight == 0
