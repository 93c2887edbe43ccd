"""Two managers (two processes of ``serve --workers N``) on one store refresh once.

The refresher below rotates refresh tokens the way Claude and Codex do: a
refresh token works once, then it is retired and presenting it again is
``invalid_grant``. Without the shared lock the second manager would spend the
retired token and mark the account as needing a new login.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from byokey_auth import AuthManager, InvalidGrant, RefreshLocks, needs_login
from byokey_auth._clock import ManualClock
from byokey_auth._context import FlowContext
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

OFFLINE = AuthOptions(endpoints=AuthEndpoints({"credentials_base": ""}))


class RotatingProvider:
    """Each refresh token is good for one refresh; the refresh itself takes a while."""

    def __init__(self) -> None:
        self.live = "rt-0"
        self.calls = 0

    async def __call__(
        self, ctx: FlowContext, provider: ProviderId, token: OAuthToken
    ) -> OAuthToken:
        self.calls += 1
        n = self.calls
        await asyncio.sleep(0.05)  # both managers are inside a refresh now, if unlocked
        if token.refresh_token != self.live:
            raise InvalidGrant(provider, "refresh token already used")
        self.live = f"rt-{n}"
        return replace(
            token,
            access_token=f"at-{n}",
            refresh_token=self.live,
            expires_at=ctx.now() + 3600,
        )


async def _two_managers_refresh(locks: RefreshLocks | None) -> tuple[list[str], RotatingProvider]:
    clock = ManualClock()
    store = InMemoryTokenStore()
    upstream = RotatingProvider()
    expired = OAuthToken("at-0", refresh_token="rt-0", expires_at=int(clock.time()) - 10)
    first = AuthManager(
        store, options=OFFLINE, clock=clock, refresher=upstream, refresh_locks=locks
    )
    second = AuthManager(
        store, options=OFFLINE, clock=clock, refresher=upstream, refresh_locks=locks
    )
    async with first, second:
        await first.save_token(ProviderId.CLAUDE, expired, account="me")
        results = await asyncio.gather(
            first.get_token(ProviderId.CLAUDE, "me"),
            second.get_token(ProviderId.CLAUDE, "me"),
            return_exceptions=True,
        )
        stored = await store.load_account(ProviderId.CLAUDE, "me")
    assert stored is not None
    tokens = [r.access_token if isinstance(r, OAuthToken) else type(r).__name__ for r in results]
    return [*tokens, "dead" if needs_login(stored) else stored.access_token], upstream


async def test_with_the_lock_one_refresh_serves_both(tmp_path: Path) -> None:
    seen, upstream = await _two_managers_refresh(RefreshLocks(tmp_path / "locks"))
    assert seen == ["at-1", "at-1", "at-1"]
    assert upstream.calls == 1


async def test_without_it_the_rotated_token_is_spent_twice() -> None:
    """What the lock prevents (the race is real, not hypothetical)."""
    seen, upstream = await _two_managers_refresh(None)
    assert upstream.calls == 2
    assert "TokenExpired" in seen  # the second refresh hit invalid_grant


def test_lock_files_are_private_and_name_no_account(tmp_path: Path) -> None:
    async def hold() -> None:
        async with RefreshLocks(tmp_path / "locks").hold("claude", "someone@example.com"):
            pass

    asyncio.run(hold())
    [lock] = list((tmp_path / "locks").iterdir())
    assert "someone" not in lock.name and "claude" not in lock.name
    assert lock.stat().st_mode & 0o077 == 0


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
async def test_a_lock_held_by_another_process_is_waited_for(tmp_path: Path) -> None:
    locks = RefreshLocks(tmp_path / "locks")
    async with locks.hold("claude", "me"):
        pass  # creates the file
    [path] = list((tmp_path / "locks").iterdir())
    holder = subprocess.Popen(  # noqa: ASYNC220 - a test fixture process, started once
        [
            sys.executable,
            "-c",
            "import fcntl,os,sys,time\n"
            f"fd=os.open({str(path)!r},os.O_RDWR)\n"
            "fcntl.flock(fd,fcntl.LOCK_EX)\n"
            "print('held',flush=True)\n"
            "sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        entered = asyncio.Event()

        async def take() -> None:
            async with locks.hold("claude", "me"):
                entered.set()

        waiter = asyncio.create_task(take())
        await asyncio.sleep(0.3)
        assert not entered.is_set(), "the lock was taken while another process held it"
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        await asyncio.wait_for(waiter, 20)
        assert entered.is_set()
    finally:
        holder.kill()
        holder.wait(10)
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released again
    finally:
        os.close(fd)
