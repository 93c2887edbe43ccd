"""Which accounts the manager refreshes, with an injected refresher (no HTTP).

Covers the selection rule of a background scan as a property, cancellation of a
waiting caller, and a store that offers only the ``TokenStore`` protocol.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from byokey_auth import AuthManager
from byokey_auth._clock import ManualClock
from byokey_auth._context import FlowContext
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import AccountInfo, OAuthToken

OFFLINE = AuthOptions(endpoints=AuthEndpoints({"credentials_base": ""}))


class Recorder:
    """A refresher that records calls and can be held open by a gate."""

    def __init__(self) -> None:
        self.calls: list[tuple[ProviderId, str]] = []
        self.gate: asyncio.Event | None = None

    async def __call__(
        self, ctx: FlowContext, provider: ProviderId, token: OAuthToken
    ) -> OAuthToken:
        self.calls.append((provider, token.access_token))
        if self.gate is not None:
            await self.gate.wait()
        return replace(token, access_token=f"new-{token.access_token}", expires_at=ctx.now() + 3600)


account_spec = st.tuples(
    st.sampled_from([ProviderId.CLAUDE, ProviderId.COPILOT, ProviderId.QWEN, ProviderId.KIRO]),
    st.one_of(st.none(), st.integers(-1000, 1000)),  # expires in (None: never)
    st.booleans(),  # has a refresh token
    st.booleans(),  # marked needs_login
)


@given(specs=st.lists(account_spec, max_size=8), lead=st.integers(0, 600))
def test_a_scan_refreshes_exactly_the_due_accounts(
    specs: list[tuple[ProviderId, int | None, bool, bool]], lead: int
) -> None:
    async def scenario() -> None:
        clock = ManualClock()
        now = int(clock.time())
        recorder = Recorder()
        expected: set[tuple[ProviderId, str]] = set()
        async with AuthManager(
            InMemoryTokenStore(), options=OFFLINE, clock=clock, refresher=recorder
        ) as manager:
            for i, (provider, expires_in, has_refresh, dead) in enumerate(specs):
                name = f"a{i}"
                token = OAuthToken(
                    name,
                    refresh_token="rt" if has_refresh else None,
                    expires_at=None if expires_in is None else now + expires_in,
                    metadata={"needs_login": "invalid_grant"} if dead else {},
                )
                await manager.save_token(provider, token, account=name)
                if (
                    provider is not ProviderId.COPILOT
                    and expires_in is not None
                    and expires_in <= lead
                    and has_refresh
                    and not dead
                ):
                    expected.add((provider, name))
            results = await manager.refresh_due(lead)
        assert set(recorder.calls) == expected
        assert {(r.provider, r.account_id) for r in results} == expected
        assert all(r.ok for r in results)

    asyncio.run(scenario())


async def test_a_cancelled_caller_does_not_cancel_the_shared_refresh() -> None:
    clock = ManualClock()
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    store = InMemoryTokenStore()
    async with AuthManager(store, options=OFFLINE, clock=clock, refresher=recorder) as manager:
        old = OAuthToken("at", refresh_token="rt", expires_at=int(clock.time()) - 1)
        await manager.save_token(ProviderId.CLAUDE, old)
        first = asyncio.create_task(manager.get_token(ProviderId.CLAUDE))
        second = asyncio.create_task(manager.get_token(ProviderId.CLAUDE))
        for _ in range(20):  # let both reach the flight (bounded)
            await asyncio.sleep(0)
        first.cancel()
        recorder.gate.set()
        token = await asyncio.wait_for(second, 10)
        assert first.cancelled()
    assert token.access_token == "new-at"
    assert recorder.calls == [(ProviderId.CLAUDE, "at")]
    assert await store.load(ProviderId.CLAUDE) == token


class ProtocolOnlyStore:
    """Only the ``TokenStore`` protocol: no ``load_active`` shortcut."""

    def __init__(self) -> None:
        self._inner = InMemoryTokenStore()

    async def load(self, provider: ProviderId) -> OAuthToken | None:
        return await self._inner.load(provider)

    async def save(self, provider: ProviderId, token: OAuthToken) -> None:
        await self._inner.save(provider, token)

    async def remove(self, provider: ProviderId) -> None:
        await self._inner.remove(provider)

    async def load_account(self, provider: ProviderId, account_id: str) -> OAuthToken | None:
        return await self._inner.load_account(provider, account_id)

    async def save_account(
        self, provider: ProviderId, account_id: str, label: str | None, token: OAuthToken
    ) -> None:
        await self._inner.save_account(provider, account_id, label, token)

    async def remove_account(self, provider: ProviderId, account_id: str) -> None:
        await self._inner.remove_account(provider, account_id)

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]:
        return await self._inner.list_accounts(provider)

    async def set_active(self, provider: ProviderId, account_id: str) -> None:
        await self._inner.set_active(provider, account_id)

    async def load_all_tokens(self, provider: ProviderId) -> list[tuple[str, OAuthToken]]:
        return await self._inner.load_all_tokens(provider)


async def test_works_over_a_store_with_only_the_protocol() -> None:
    clock = ManualClock()
    recorder = Recorder()
    store = ProtocolOnlyStore()
    async with AuthManager(store, options=OFFLINE, clock=clock, refresher=recorder) as manager:
        now = int(clock.time())
        await manager.save_token(
            ProviderId.QWEN, OAuthToken("a", expires_at=now + 9000), account="a"
        )
        await manager.save_token(
            ProviderId.QWEN, OAuthToken("b", refresh_token="r", expires_at=now - 1), account="b"
        )
        await manager.set_active_account(ProviderId.QWEN, "b")
        assert await manager.active_account(ProviderId.QWEN) == "b"
        token = await manager.get_token(ProviderId.QWEN)
    assert token.access_token == "new-b"
    assert await store.load_account(ProviderId.QWEN, "b") == token
    assert (await store.load_account(ProviderId.QWEN, "a")) == OAuthToken(
        "a", expires_at=now + 9000
    )
