"""Fixtures: a real hypercorn server (both listeners) on 127.0.0.1 around a fake gateway."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from proxy_fakes import FakeGateway, MemoryUsageStore

from byokey_config import Settings, load_settings
from byokey_proxy import Listeners, ProxyState, UsageRecorder, bind, serve
from byokey_store import InMemoryTokenStore


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
    usage_store: MemoryUsageStore
    tokens: InMemoryTokenStore
    box: SettingsBox

    async def settled_records(self) -> list[Any]:
        await self.state.usage.flush()
        return self.usage_store.records


@pytest.fixture
def box() -> SettingsBox:
    return SettingsBox(load_settings(env={}, overrides={"streaming.keepalive_seconds": 0}))


@pytest.fixture
async def server(box: SettingsBox, tmp_path: Path) -> AsyncIterator[Running]:
    gateway = FakeGateway()
    usage_store = MemoryUsageStore()
    tokens = InMemoryTokenStore()
    state = ProxyState(
        gateway=gateway,
        settings=lambda: box.value,
        tokens=tokens,
        usage=UsageRecorder(usage_store),
        threads_dir=tmp_path / "threads",
        max_body_bytes=64 * 1024,
    )
    main, amp = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{main.getsockname()[1]}"
    amp_url = f"http://127.0.0.1:{amp.getsockname()[1]}"
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(state, Listeners(main, amp), shutdown_trigger=stop.wait, drain_seconds=2)
    )
    async with httpx.AsyncClient() as client:
        for _ in range(500):
            try:
                await client.get(f"{url}/healthz")
                await client.get(f"{amp_url}/v1/login")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.01)
    yield Running(url, amp_url, state, gateway, usage_store, tokens, box)
    stop.set()
    await asyncio.wait_for(task, 20)
