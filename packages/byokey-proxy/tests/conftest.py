"""Fixtures: a real hypercorn server (both listeners) on 127.0.0.1 around a fake gateway.

``server`` runs in the test's own event loop (async tests). ``threaded_server``
runs the same thing in a background thread with its own loop, for sync tests
(hypothesis drives those with a plain ``httpx.Client``).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from proxy_fakes import FakeGateway, RecordingUsageStore
from real_gateway import FakeServers, Live, real_proxy

from byokey_config import Settings, load_settings
from byokey_proxy import Listeners, ProxyState, UsageRecorder, bind, serve
from byokey_store import InMemoryTokenStore
from byokey_types import UsageStore
from tests.fakes.server import FakeServer


@dataclass
class SettingsBox:
    value: Settings

    def set(self, **overrides: Any) -> None:
        self.value = load_settings(overrides=overrides, env={})


@dataclass
class Running:
    url: str
    amp_url: str
    state: ProxyState
    gateway: FakeGateway
    usage_store: Any
    tokens: InMemoryTokenStore
    box: SettingsBox

    async def settled_records(self) -> list[Any]:
        await self.state.usage.flush()
        records: list[Any] = self.usage_store.records
        return records


def make_state(
    box: SettingsBox,
    threads_dir: Path,
    *,
    store: UsageStore | None = None,
    **extra: Any,
) -> ProxyState:
    return ProxyState(
        gateway=FakeGateway(),
        settings=lambda: box.value,
        tokens=InMemoryTokenStore(),
        usage=UsageRecorder(store),
        threads_dir=threads_dir,
        max_body_bytes=64 * 1024,
        **extra,
    )


async def wait_until_serving(*urls: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(500):
            try:
                for url in urls:
                    await client.get(f"{url}/v1/login")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.01)
    raise RuntimeError("server did not start")


@contextlib.asynccontextmanager
async def running(
    state: ProxyState, box: SettingsBox, *, host: str = "127.0.0.1"
) -> AsyncIterator[Running]:
    main, amp = bind(host, 0), bind(host, 0)
    url = f"http://127.0.0.1:{main.getsockname()[1]}"
    amp_url = f"http://127.0.0.1:{amp.getsockname()[1]}"
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(state, Listeners(main, amp), shutdown_trigger=stop.wait, drain_seconds=2)
    )
    try:
        await wait_until_serving(url, amp_url)
        assert isinstance(state.gateway, FakeGateway)
        assert isinstance(state.tokens, InMemoryTokenStore)
        yield Running(url, amp_url, state, state.gateway, state.usage.store, state.tokens, box)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


@pytest.fixture
def box() -> SettingsBox:
    return SettingsBox(load_settings(env={}, overrides={"streaming.keepalive_seconds": 0}))


@pytest.fixture
async def server(box: SettingsBox, tmp_path: Path) -> AsyncIterator[Running]:
    state = make_state(box, tmp_path / "threads", store=RecordingUsageStore())
    async with running(state, box) as live:
        yield live


ServerFactory = Callable[..., contextlib.AbstractAsyncContextManager[Running]]


@pytest.fixture
def server_with(box: SettingsBox, tmp_path: Path) -> ServerFactory:
    """``async with server_with(store=..., host=..., **state_fields) as live``."""

    def factory(
        *, host: str = "127.0.0.1", store: UsageStore | None = None, **extra: Any
    ) -> contextlib.AbstractAsyncContextManager[Running]:
        return running(make_state(box, tmp_path / "threads", store=store, **extra), box, host=host)

    return factory


@dataclass
class Threaded:
    live: Running | Live
    loop: asyncio.AbstractEventLoop

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop (to seed stores) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20)


def _threaded(
    start: Callable[[], contextlib.AbstractAsyncContextManager[Running | Live]],
) -> Iterator[Threaded]:
    """Run ``start()``'s server in a background thread with its own event loop."""
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        holder["stop"] = stop
        async with start() as live:
            holder["live"] = live
            ready.set()
            await stop.wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(20), "threaded server did not start"
    try:
        yield Threaded(holder["live"], loop)
    finally:
        loop.call_soon_threadsafe(holder["stop"].set)
        thread.join(30)
        loop.close()


@pytest.fixture
def threaded_server(box: SettingsBox, tmp_path: Path) -> Iterator[Threaded]:
    """The scripted-gateway server, for sync tests."""
    yield from _threaded(
        lambda: running(make_state(box, tmp_path / "threads", store=RecordingUsageStore()), box)
    )


@pytest.fixture
def threaded_real_server(fake_servers: FakeServers, tmp_path: Path) -> Iterator[Threaded]:
    """The real-gateway server (``real_gateway.py``), for sync tests."""
    yield from _threaded(lambda: real_proxy(fake_servers, threads_dir=tmp_path / "threads"))


@pytest.fixture(scope="module")
def fake_servers() -> Iterator[FakeServers]:
    """The real-gateway tests' upstream fakes (one server per family, shared by a module)."""
    with contextlib.ExitStack() as stack:
        names = ("lab", "gemini", "kiro", "claude", "codex", "copilot")
        yield FakeServers(*(stack.enter_context(FakeServer(name)) for name in names))


@pytest.fixture
async def live(fake_servers: FakeServers) -> AsyncIterator[Live]:
    """The proxy over the real ``ProviderGateway`` and executors (see ``real_gateway.py``)."""
    async with real_proxy(fake_servers) as running:
        yield running
