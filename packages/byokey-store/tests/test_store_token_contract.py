"""The token-store contract (spec store §2.5, auth §9.1), run against every backend."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from byokey_types.errors import StorageError, UnsupportedProvider
from byokey_types.protocols import TokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import AccountInfo, OAuthToken

CLAUDE = ProviderId.CLAUDE


def tok(name: str, **kw: Any) -> OAuthToken:
    return OAuthToken(access_token=f"at-{name}", **kw)


async def test_implements_protocol(token_store: TokenStore) -> None:
    assert isinstance(token_store, TokenStore)


async def test_empty_store_has_nothing(token_store: TokenStore) -> None:
    assert await token_store.load(CLAUDE) is None
    assert await token_store.load_account(CLAUDE, "default") is None
    assert await token_store.list_accounts(CLAUDE) == []
    assert await token_store.load_all_tokens(CLAUDE) == []
    await token_store.remove(CLAUDE)
    await token_store.remove_account(CLAUDE, "nobody")


async def test_save_on_empty_creates_active_default(token_store: TokenStore) -> None:
    t = tok("a", refresh_token="rt", expires_at=1_760_000_000, metadata={"k": "v"})
    await token_store.save(CLAUDE, t)
    assert await token_store.load(CLAUDE) == t
    assert await token_store.list_accounts(CLAUDE) == [
        AccountInfo(account_id="default", label=None, is_active=True)
    ]


async def test_first_account_active_second_not(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "work", "Work", tok("w"))
    await token_store.save_account(CLAUDE, "home", None, tok("h"))
    assert await token_store.load(CLAUDE) == tok("w")
    assert await token_store.list_accounts(CLAUDE) == [
        AccountInfo("work", "Work", True),
        AccountInfo("home", None, False),
    ]


async def test_save_writes_the_active_account_not_default(token_store: TokenStore) -> None:
    """Fix of the original's bug: ``save`` used to write ``default`` whatever was active."""
    await token_store.save_account(CLAUDE, "default", None, tok("d"))
    await token_store.save_account(CLAUDE, "work", None, tok("w"))
    await token_store.set_active(CLAUDE, "work")
    await token_store.save(CLAUDE, tok("w2"))
    assert await token_store.load_account(CLAUDE, "work") == tok("w2")
    assert await token_store.load_account(CLAUDE, "default") == tok("d")
    assert await token_store.load(CLAUDE) == tok("w2")


async def test_save_without_active_account_writes_default(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "work", None, tok("w"))
    await token_store.save_account(CLAUDE, "idle", None, tok("i"))
    await token_store.remove(CLAUDE)  # deletes "work", leaves no active account
    await token_store.save(CLAUDE, tok("d"))
    # "default" is new, and becomes active because nothing else is.
    assert await token_store.list_accounts(CLAUDE) == [
        AccountInfo("default", None, True),
        AccountInfo("idle", None, False),
    ]
    assert await token_store.load_account(CLAUDE, "idle") == tok("i")


async def test_update_keeps_active_flag_and_label(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "a", "Alpha", tok("a1"))
    await token_store.save_account(CLAUDE, "b", "Beta", tok("b1"))
    await token_store.save_account(CLAUDE, "b", None, tok("b2"))
    await token_store.save_account(CLAUDE, "a", None, tok("a2"))
    assert await token_store.list_accounts(CLAUDE) == [
        AccountInfo("a", "Alpha", True),
        AccountInfo("b", "Beta", False),
    ]
    assert await token_store.load_account(CLAUDE, "b") == tok("b2")
    await token_store.save_account(CLAUDE, "b", "Bravo", tok("b3"))
    assert (await token_store.list_accounts(CLAUDE))[1] == AccountInfo("b", "Bravo", False)


async def test_listing_order_active_first_then_id(token_store: TokenStore) -> None:
    for aid in ["m", "c", "x", "a"]:
        await token_store.save_account(CLAUDE, aid, None, tok(aid))
    await token_store.set_active(CLAUDE, "x")
    ids = [a.account_id for a in await token_store.list_accounts(CLAUDE)]
    assert ids == ["x", "a", "c", "m"]
    pairs = await token_store.load_all_tokens(CLAUDE)
    assert pairs == [(aid, tok(aid)) for aid in ids]


async def test_set_active_switches_and_rejects_unknown(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "a", None, tok("a"))
    await token_store.save_account(CLAUDE, "b", None, tok("b"))
    await token_store.set_active(CLAUDE, "b")
    assert await token_store.load(CLAUDE) == tok("b")
    assert [a.is_active for a in await token_store.list_accounts(CLAUDE)] == [True, False]
    with pytest.raises(StorageError) as err:
        await token_store.set_active(CLAUDE, "zzz")
    assert str(err.value) == "storage error: account 'zzz' not found for provider claude"
    assert await token_store.load(CLAUDE) == tok("b")
    await token_store.set_active(CLAUDE, "b")  # already active: no change, no error
    assert await token_store.load(CLAUDE) == tok("b")


async def test_remove_deletes_only_active_and_promotes_nobody(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "a", None, tok("a"))
    await token_store.save_account(CLAUDE, "b", None, tok("b"))
    await token_store.remove(CLAUDE)
    assert await token_store.load(CLAUDE) is None
    assert await token_store.list_accounts(CLAUDE) == [AccountInfo("b", None, False)]
    await token_store.remove(CLAUDE)  # nothing active: nothing deleted
    assert await token_store.load_account(CLAUDE, "b") == tok("b")


async def test_remove_account_never_touches_another(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "a", None, tok("a"))
    await token_store.save_account(CLAUDE, "b", None, tok("b"))
    await token_store.remove_account(CLAUDE, "b")
    await token_store.remove_account(CLAUDE, "missing")
    assert await token_store.list_accounts(CLAUDE) == [AccountInfo("a", None, True)]
    await token_store.remove_account(CLAUDE, "a")
    assert await token_store.load(CLAUDE) is None
    assert await token_store.list_accounts(CLAUDE) == []


async def test_new_account_after_active_removed_becomes_active(token_store: TokenStore) -> None:
    await token_store.save_account(CLAUDE, "a", None, tok("a"))
    await token_store.save_account(CLAUDE, "b", None, tok("b"))
    await token_store.remove_account(CLAUDE, "a")
    await token_store.save_account(CLAUDE, "c", None, tok("c"))
    assert await token_store.list_accounts(CLAUDE) == [
        AccountInfo("c", None, True),
        AccountInfo("b", None, False),
    ]


async def test_providers_are_isolated(token_store: TokenStore) -> None:
    await token_store.save(CLAUDE, tok("c"))
    await token_store.save(ProviderId.CODEX, tok("x"))
    await token_store.remove(CLAUDE)
    assert await token_store.load(ProviderId.CODEX) == tok("x")
    assert await token_store.load(CLAUDE) is None
    with pytest.raises(StorageError):
        await token_store.set_active(CLAUDE, "default")


async def test_provider_names_and_aliases_reach_the_same_rows(token_store: TokenStore) -> None:
    await token_store.save("anthropic", tok("c"))  # type: ignore[arg-type]
    assert await token_store.load(CLAUDE) == tok("c")
    assert await token_store.load("Claude") == tok("c")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedProvider):
        await token_store.load("nope")  # type: ignore[arg-type]


async def test_load_active_returns_id_with_token(token_store: Any) -> None:
    assert await token_store.load_active(CLAUDE) is None
    await token_store.save_account(CLAUDE, "work", None, tok("w"))
    await token_store.save_account(CLAUDE, "home", None, tok("h"))
    await token_store.set_active(CLAUDE, "home")
    assert await token_store.load_active(CLAUDE) == ("home", tok("h"))


async def test_token_fields_round_trip(token_store: TokenStore) -> None:
    full = OAuthToken(
        access_token="a",
        refresh_token="r",
        expires_at=123,
        token_type=None,
        metadata={"account_id": "acc", "project_id": "p"},
    )
    await token_store.save_account(CLAUDE, "x", None, full)
    assert await token_store.load_account(CLAUDE, "x") == full


async def test_concurrent_first_saves_leave_exactly_one_active(token_store: TokenStore) -> None:
    await asyncio.gather(
        *(token_store.save_account(CLAUDE, f"acc{i:02d}", None, tok(str(i))) for i in range(20))
    )
    accounts = await token_store.list_accounts(CLAUDE)
    assert len(accounts) == 20
    assert sum(a.is_active for a in accounts) == 1
    assert accounts[0].is_active


async def test_repr_shows_no_secret(token_store: TokenStore) -> None:
    await token_store.save(CLAUDE, OAuthToken(access_token="sk-supersecret-value-123456"))
    assert "supersecret" not in repr(token_store)
