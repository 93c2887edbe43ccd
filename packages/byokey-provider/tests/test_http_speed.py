"""Upstream pool details tuned for speed: where a fingerprint applies, the idle timer."""

from __future__ import annotations

import asyncio

import pytest

from byokey_provider import Timeouts, UpstreamHttp
from byokey_types import UpstreamTimeout
from tests.fakes.server import FakeServer, Sse


async def test_plain_http_origins_get_no_impersonation() -> None:
    pool = UpstreamHttp(impersonate="chrome")
    try:
        assert pool.session("https://api.example.com/v1/x").impersonate == "chrome"
        assert pool.session("wss://api.example.com/v1/ws").impersonate == "chrome"
        assert pool.session("http://127.0.0.1:11434/v1/chat").impersonate is None
        assert pool.session("ws://127.0.0.1:9/ws").impersonate is None
        assert pool.session_count == 4
    finally:
        await pool.aclose()


async def test_idle_timeout_counts_only_time_spent_waiting_for_the_upstream(
    upstream_server: FakeServer,
) -> None:
    """A consumer slower than the idle limit is not an idle upstream."""
    upstream_server.route("GET", "/s", Sse([{"n": i} for i in range(4)], delay=0.05))
    pool = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=5, first_byte=5, idle=0.2))
    try:
        resp = await pool.send("GET", f"{upstream_server.url}/s", upstream="t", headers={})
        seen = []
        async for event in resp.events():
            seen.append(event.data)
            await asyncio.sleep(0.3)  # longer than the idle limit, between reads
        assert seen == [{"n": i} for i in range(4)]
    finally:
        await pool.aclose()


async def test_idle_timeout_mid_stream_and_a_callers_cancel_stay_apart(
    upstream_server: FakeServer,
) -> None:
    upstream_server.route("GET", "/s", Sse([{"n": 0}, {"n": 1}], stall=30, stall_after=1))
    pool = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=5, first_byte=5, idle=0.2))
    try:
        resp = await pool.send("GET", f"{upstream_server.url}/s", upstream="t", headers={})
        with pytest.raises(UpstreamTimeout, match=r"no data for 0\.2s"):
            async for _ in resp.events():
                pass
        # the same stall, but the caller cancels first: a cancellation, not a timeout
        slow = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=5, first_byte=5, idle=30))
        try:
            resp = await slow.send("GET", f"{upstream_server.url}/s", upstream="t", headers={})

            async def read_all() -> None:
                async for _ in resp.events():
                    pass

            task = asyncio.create_task(read_all())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await slow.aclose()
    finally:
        await pool.aclose()
