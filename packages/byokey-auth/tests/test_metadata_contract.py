"""The token metadata the provider executors read is written, under those names, by the
logins and the imports, and survives a refresh.

``EXECUTOR_METADATA_KEYS`` is the contract; the first test checks the executors in
``byokey-provider`` really read those names, so a rename on either side fails here.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from byokey_auth import (
    CHATGPT_ACCOUNT_ID_KEY,
    EXECUTOR_METADATA_KEYS,
    KIRO_PROFILE_ARN,
    KIRO_REGION,
    PROJECT_ID_KEY,
    RESOURCE_URL_KEY,
    AuthManager,
    ManualClock,
    authenticate,
    import_tokens,
)
from byokey_auth._context import FlowContext
from byokey_auth._import_kiro import region_of_arn
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.provider import ProviderId
from tests.fakes.oauth import OAuthFake, RobotBrowser

P = ProviderId
PROVIDER_SRC = Path(__file__).parents[2] / "byokey-provider" / "src" / "byokey_provider"
EXECUTOR_MODULE = {
    P.GEMINI: "_gemini.py",
    P.ANTIGRAVITY: "_antigravity.py",
    P.KIRO: "_kiro.py",
    P.QWEN: "_qwen.py",
    P.CODEX: "_codex*.py",
}


@pytest.mark.parametrize(
    ("provider", "key"),
    [(p, k) for p, keys in EXECUTOR_METADATA_KEYS.items() for k in keys],
    ids=lambda v: str(v),
)
def test_the_executors_read_these_names(provider: ProviderId, key: str) -> None:
    files = sorted(PROVIDER_SRC.glob(EXECUTOR_MODULE[provider]))
    if not files:
        pytest.skip(f"no {provider.value} executor in byokey-provider yet")
    text = "\n".join(f.read_text() for f in files)
    # Read as ``metadata.get("key")`` or through a constant holding ``"key"``.
    assert re.search(rf"[\"']{key}[\"']", text) and ".metadata" in text, (
        f"{provider.value} executor does not read metadata {key!r}"
    )


def test_key_names() -> None:
    assert (PROJECT_ID_KEY, RESOURCE_URL_KEY, CHATGPT_ACCOUNT_ID_KEY) == (
        "project_id",
        "resource_url",
        "chatgpt_account_id",
    )
    assert (KIRO_PROFILE_ARN, KIRO_REGION) == ("profile_arn", "region")


# --------------------------------------------------------------------- logins


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("antigravity", PROJECT_ID_KEY, "fake-project-42"),
        ("qwen", RESOURCE_URL_KEY, "portal.qwen.ai"),
        ("codex", CHATGPT_ACCOUNT_ID_KEY, "acct-fake-123"),
        ("kiro", KIRO_REGION, "us-east-1"),
    ],
)
async def test_logins_store_the_keys_and_refresh_keeps_them(
    name: str,
    key: str,
    value: str,
    oauth_fake: OAuthFake,
    oauth_options: AuthOptions,
    flow_ctx: FlowContext,
    manual_clock: ManualClock,
) -> None:
    token = await authenticate(flow_ctx, name, open_browser=RobotBrowser())
    assert token.metadata[key] == value
    async with AuthManager(InMemoryTokenStore(), options=oauth_options, clock=manual_clock) as m:
        await m.save_token(P(name), token)
        manual_clock.advance(3600)
        fresh = await m.get_token(P(name))
    assert fresh.access_token != token.access_token
    assert fresh.metadata[key] == value
    assert oauth_fake.problems == []


# -------------------------------------------------------------------- imports


def _write(home: Path, relative: str, data: Any) -> None:
    path = home / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data))


def _jwt(claims: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps(claims)).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{payload}.c2ln"


async def test_imports_store_the_keys(tmp_path: Path) -> None:
    store = InMemoryTokenStore()
    codex_claims = {"https://api.openai.com/auth": {"chatgpt_account_id": "acct-jwt"}}
    _write(
        tmp_path,
        ".codex/auth.json",
        {"tokens": {"id_token": _jwt(codex_claims), "access_token": "a", "refresh_token": "r"}},
    )
    _write(
        tmp_path,
        ".qwen/oauth_creds.json",
        {"access_token": "q", "refresh_token": "r", "resource_url": "portal.qwen.ai"},
    )
    _write(
        tmp_path,
        ".aws/sso/cache/kiro-auth-token.json",
        {
            "accessToken": "k",
            "refreshToken": "r",
            "authMethod": "social",
            "profileArn": "arn:aws:codewhisperer:eu-central-1:699:profile/ABC",
        },
    )
    _write(tmp_path, ".gemini/oauth_creds.json", {"access_token": "g", "refresh_token": "r"})
    (tmp_path / ".gemini" / ".env").write_text("GOOGLE_CLOUD_PROJECT=ws-project\n")
    for provider in (P.CODEX, P.QWEN, P.KIRO, P.GEMINI):
        await import_tokens(provider, home=tmp_path, store=store)
    gemini = await store.load(P.GEMINI)
    assert gemini is not None and gemini.metadata[PROJECT_ID_KEY] == "ws-project"
    codex, qwen, kiro = [await store.load(p) for p in (P.CODEX, P.QWEN, P.KIRO)]
    assert codex is not None and codex.metadata[CHATGPT_ACCOUNT_ID_KEY] == "acct-jwt"
    assert qwen is not None and qwen.metadata[RESOURCE_URL_KEY] == "portal.qwen.ai"
    assert kiro is not None
    assert kiro.metadata[KIRO_PROFILE_ARN] == "arn:aws:codewhisperer:eu-central-1:699:profile/ABC"
    assert kiro.metadata[KIRO_REGION] == "eu-central-1"  # the profile's region, for the executor


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        ("arn:aws:codewhisperer:us-east-1:1:profile/X", "us-east-1"),
        ("arn:aws:codewhisperer:ap-southeast-2:1:profile/X", "ap-southeast-2"),
        ("arn:aws:codewhisperer::1:profile/X", None),
        ("arn:aws:codewhisperer:evil.com/x:1:profile/X", None),
        ("not-an-arn", None),
    ],
)
def test_region_of_arn(arn: str, region: str | None) -> None:
    assert region_of_arn(arn) == region
