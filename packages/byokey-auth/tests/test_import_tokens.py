"""Token import from the official CLIs' files, written into a temporary HOME."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byokey_auth import IMPORT_SOURCES, AuthManager, import_tokens
from byokey_auth._clock import ManualClock
from byokey_auth._dotenv import parse_dotenv
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore, SqlStore
from byokey_types.errors import AuthError
from byokey_types.protocols import TokenStore
from byokey_types.provider import ProviderId
from tests.fakes.oauth_token import OAuthTokenFake
from tests.fakes.server import FakeServer

P = ProviderId
EXP_MS = 1_767_229_200_000


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TokenStore]:
    if request.param == "memory":
        yield InMemoryTokenStore()
        return
    sql = await SqlStore.open(f"sqlite:///{tmp_path / 'tokens.db'}")
    try:
        yield sql.tokens
    finally:
        await sql.aclose()


def write(home: Path, relative: str, data: Any) -> Path:
    path = home / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else orjson.dumps(data))
    return path


def jwt(claims: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps(claims)).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJlLXBhcnQ"


CLAUDE_FILE = {
    "claudeAiOauth": {
        "accessToken": "sk-ant-oat01-ACCESS",
        "refreshToken": "sk-ant-ort01-REFRESH",
        "expiresAt": EXP_MS,
        "scopes": ["user:inference", "user:profile"],
        "subscriptionType": "max",
    }
}


async def test_claude_code(tmp_path: Path, store: TokenStore) -> None:
    path = write(tmp_path, ".claude/.credentials.json", CLAUDE_FILE)
    result = await import_tokens("anthropic", home=tmp_path, store=store)
    assert result.provider is P.CLAUDE and result.account_id == "default"
    assert result.path == path
    token = await store.load(P.CLAUDE)
    assert token == result.token
    assert token.access_token == "sk-ant-oat01-ACCESS"
    assert token.refresh_token == "sk-ant-ort01-REFRESH"
    assert token.expires_at == EXP_MS // 1000
    assert token.metadata["subscription_type"] == "max"
    assert token.metadata["scopes"] == "user:inference user:profile"
    assert "ACCESS" not in repr(result)


async def test_codex_keeps_id_token_and_account_id(tmp_path: Path, store: TokenStore) -> None:
    id_token = jwt(
        {
            "email": "dev@example.com",
            "https://api.openai.com/auth": {
                "chatgpt_account_id": "acc-from-jwt",
                "chatgpt_plan_type": "pro",
            },
        }
    )
    access = jwt({"exp": 1_767_300_000, "sub": "x"})
    write(
        tmp_path,
        ".codex/auth.json",
        {
            "OPENAI_API_KEY": None,
            "tokens": {
                "id_token": id_token,
                "access_token": access,
                "refresh_token": "rt-codex",
                "account_id": "acc-file",
            },
            "last_refresh": "2026-01-01T00:00:00Z",
        },
    )
    result = await import_tokens(P.CODEX, home=tmp_path, store=store, account="work", label="W")
    token = await store.load_account(P.CODEX, "work")
    assert token is not None and token.access_token == access
    assert token.refresh_token == "rt-codex"
    assert token.expires_at == 1_767_300_000
    assert token.metadata["id_token"] == id_token
    assert token.metadata["chatgpt_account_id"] == "acc-file"
    assert token.metadata["chatgpt_plan_type"] == "pro"
    assert token.metadata["email"] == "dev@example.com"
    assert result.account_id == "work"
    assert (await store.list_accounts(P.CODEX))[0].label == "W"


async def test_codex_api_key_file_is_a_clear_error(tmp_path: Path, store: TokenStore) -> None:
    write(tmp_path, ".codex/auth.json", {"OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrst"})
    with pytest.raises(AuthError, match="holds an API key") as caught:
        await import_tokens(P.CODEX, home=tmp_path, store=store)
    assert "sk-proj" not in str(caught.value)


async def test_gemini_cli(tmp_path: Path, store: TokenStore) -> None:
    write(
        tmp_path,
        ".gemini/oauth_creds.json",
        {
            "access_token": "ya29.a0AfH6SMB-gemini-access",
            "refresh_token": "1//0g-gemini-refresh",
            "scope": "https://www.googleapis.com/auth/cloud-platform openid",
            "token_type": "Bearer",
            "id_token": jwt({"email": "g@example.com"}),
            "expiry_date": EXP_MS,
        },
    )
    await import_tokens(P.GEMINI, home=tmp_path, store=store)
    token = await store.load(P.GEMINI)
    assert token is not None and token.refresh_token == "1//0g-gemini-refresh"
    assert token.expires_at == EXP_MS // 1000
    assert token.metadata["email"] == "g@example.com"


async def test_gemini_email_from_google_accounts(tmp_path: Path, store: TokenStore) -> None:
    write(tmp_path, ".gemini/oauth_creds.json", {"access_token": "ya29.x", "expiry_date": EXP_MS})
    write(tmp_path, ".gemini/google_accounts.json", {"active": "a@b.c", "old": []})
    result = await import_tokens(P.GEMINI, home=tmp_path, store=store)
    assert result.token.metadata["email"] == "a@b.c"
    assert result.token.refresh_token is None


async def test_qwen_keeps_resource_url(tmp_path: Path, store: TokenStore) -> None:
    write(
        tmp_path,
        ".qwen/oauth_creds.json",
        {
            "access_token": "qwen-access",
            "refresh_token": "qwen-refresh",
            "token_type": "Bearer",
            "resource_url": "portal.qwen.ai",
            "expiry_date": EXP_MS,
        },
    )
    await import_tokens("alibaba", home=tmp_path, store=store)
    token = await store.load(P.QWEN)
    assert token is not None and token.metadata["resource_url"] == "portal.qwen.ai"
    assert token.expires_at == EXP_MS // 1000


async def test_kiro_social(tmp_path: Path, store: TokenStore) -> None:
    write(
        tmp_path,
        ".aws/sso/cache/kiro-auth-token.json",
        {
            "accessToken": "aoa-kiro-access",
            "refreshToken": "aor-kiro-refresh",
            "expiresAt": "2026-01-01T01:00:00.000Z",
            "authMethod": "social",
            "provider": "Github",
            "profileArn": "arn:aws:codewhisperer:us-east-1:1:profile/X",
        },
    )
    await import_tokens(P.KIRO, home=tmp_path, store=store)
    token = await store.load(P.KIRO)
    assert token is not None and token.expires_at == 1_767_229_200
    assert token.metadata["auth_method"] == "social"
    assert token.metadata["profile_arn"].endswith("profile/X")
    assert token.metadata["login_provider"] == "Github"


async def test_kiro_idc_copies_the_client_registration(tmp_path: Path, store: TokenStore) -> None:
    write(
        tmp_path,
        ".aws/sso/cache/kiro-auth-token.json",
        {
            "accessToken": "kiro-at",
            "refreshToken": "kiro-rt",
            "expiresAt": "2026-01-01T01:00:00Z",
            "authMethod": "IdC",
            "provider": "BuilderId",
            "region": "eu-central-1",
            "clientIdHash": "abc123",
        },
    )
    write(
        tmp_path,
        ".aws/sso/cache/abc123.json",
        {"clientId": "cid", "clientSecret": "csecret", "expiresAt": "2026-03-01T00:00:00Z"},
    )
    await import_tokens(P.KIRO, home=tmp_path, store=store)
    token = await store.load(P.KIRO)
    assert token is not None
    assert {
        k: token.metadata[k] for k in ("auth_method", "client_id", "client_secret", "region")
    } == {
        "auth_method": "idc",
        "client_id": "cid",
        "client_secret": "csecret",
        "region": "eu-central-1",
    }


async def test_kiro_idc_without_registration_file(tmp_path: Path, store: TokenStore) -> None:
    write(
        tmp_path,
        ".aws/sso/cache/kiro-auth-token.json",
        {"accessToken": "kiro-at", "authMethod": "IdC", "clientIdHash": "missing"},
    )
    with pytest.raises(AuthError, match=r"missing\.json: file not found"):
        await import_tokens(P.KIRO, home=tmp_path, store=store)
    assert await store.load(P.KIRO) is None


async def test_amp_cli_api_key(tmp_path: Path, store: TokenStore) -> None:
    write(
        tmp_path,
        ".local/share/amp/secrets.json",
        {"apiKey@https://ampcode.com/": "sgamp_user_key_123456"},
    )
    await import_tokens(P.AMP, home=tmp_path, store=store)
    token = await store.load(P.AMP)
    assert token is not None and token.access_token == "sgamp_user_key_123456"
    assert token.expires_at is None and token.refresh_token is None
    assert token.metadata["server_url"] == "https://ampcode.com/"


# ------------------------------------------------------------------- errors


@pytest.mark.parametrize("provider", sorted(IMPORT_SOURCES))
async def test_missing_file_names_the_file(
    provider: ProviderId, tmp_path: Path, store: TokenStore
) -> None:
    with pytest.raises(AuthError, match="file not found") as caught:
        await import_tokens(provider, home=tmp_path, store=store)
    assert str(tmp_path / IMPORT_SOURCES[provider]) in str(caught.value)
    assert await store.list_accounts(provider) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"{}", "missing field"),
    ],
)
@pytest.mark.parametrize("provider", sorted(IMPORT_SOURCES))
async def test_malformed_file_is_a_clear_error(
    provider: ProviderId, content: bytes, message: str, tmp_path: Path
) -> None:
    write(tmp_path, IMPORT_SOURCES[provider], content)
    store = InMemoryTokenStore()
    with pytest.raises(AuthError, match=message):
        await import_tokens(provider, home=tmp_path, store=store)
    assert await store.list_accounts(provider) == []


async def test_field_of_the_wrong_type(tmp_path: Path) -> None:
    write(tmp_path, ".claude/.credentials.json", {"claudeAiOauth": {"accessToken": 42}})
    with pytest.raises(AuthError, match=r"missing field claudeAiOauth\.accessToken"):
        await import_tokens(P.CLAUDE, home=tmp_path, store=InMemoryTokenStore())


@pytest.mark.parametrize("provider", [P.COPILOT, P.KIMI, P.IFLOW, P.ANTIGRAVITY])
async def test_providers_without_a_cli_file(provider: ProviderId, tmp_path: Path) -> None:
    with pytest.raises(AuthError, match=f"no token import for {provider.value}"):
        await import_tokens(provider, home=tmp_path, store=InMemoryTokenStore())


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_reader(garbage: bytes, tmp_path: Path) -> None:
    import asyncio

    write(tmp_path, ".claude/.credentials.json", garbage)
    try:
        asyncio.run(import_tokens(P.CLAUDE, home=tmp_path, store=InMemoryTokenStore()))
    except AuthError as exc:
        assert str(exc).startswith("authentication error: cannot import claude token")


async def test_no_secret_in_logs_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    write(tmp_path, ".claude/.credentials.json", CLAUDE_FILE)
    result = await import_tokens(P.CLAUDE, home=tmp_path, store=InMemoryTokenStore())
    write(tmp_path, ".codex/auth.json", b'{"tokens": {"access_token": "SECRETVALUE",')
    with pytest.raises(AuthError) as caught:
        await import_tokens(P.CODEX, home=tmp_path, store=InMemoryTokenStore())
    text = caplog.text + repr(result) + str(result.token) + str(caught.value)
    assert "ACCESS" not in text and "REFRESH" not in text and "SECRETVALUE" not in text
    assert "imported the claude login" in caplog.text


# ------------------------------------------------- imported tokens refresh


async def test_an_imported_login_is_refreshed_by_the_manager(
    tmp_path: Path, fake_server: FakeServer
) -> None:
    fake = OAuthTokenFake(fake_server)
    clock = ManualClock(start=EXP_MS / 1000 + 10)  # the imported token has expired
    store = InMemoryTokenStore()
    write(tmp_path, ".claude/.credentials.json", CLAUDE_FILE)
    await import_tokens(P.CLAUDE, home=tmp_path, store=store)
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    async with AuthManager(store, options=options, clock=clock) as manager:
        token = await manager.get_token(P.CLAUDE)
    assert token.access_token == "at-claude-1"
    assert token.metadata["subscription_type"] == "max"
    assert fake.refresh_requests("claude")[0].fields["refresh_token"] == "sk-ant-ort01-REFRESH"


async def test_manager_import_clears_a_failed_refresh_cooldown(
    tmp_path: Path, fake_server: FakeServer
) -> None:
    fake = OAuthTokenFake(fake_server)
    fake.server_error("claude")
    clock = ManualClock(start=EXP_MS / 1000 + 10)
    write(tmp_path, ".claude/.credentials.json", CLAUDE_FILE)
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    async with AuthManager(InMemoryTokenStore(), options=options, clock=clock) as manager:
        await manager.import_tokens("claude", home=tmp_path, account="cc")
        with pytest.raises(AuthError):
            await manager.get_token(P.CLAUDE, "cc")
        with pytest.raises(AuthError, match="cooldown"):
            await manager.get_token(P.CLAUDE, "cc")
        imported = await manager.import_tokens(P.CLAUDE, home=tmp_path, account="cc")
        assert imported.account_id == "cc"
        token = await manager.get_token(P.CLAUDE, "cc")
    assert token.access_token == "at-claude-1"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({".gemini/.env": "GOOGLE_CLOUD_PROJECT=work-proj\n"}, "work-proj"),
        ({".gemini/.env": "export GOOGLE_CLOUD_PROJECT='q-proj' # team\n"}, "q-proj"),
        ({".env": '# a comment\nGOOGLE_CLOUD_PROJECT_ID="home-proj"\n'}, "home-proj"),
        ({".gemini/.env": "GOOGLE_CLOUD_PROJECT=a\n", ".env": "GOOGLE_CLOUD_PROJECT=b\n"}, "a"),
        ({".gemini/.env": "GEMINI_MODEL=x\n", ".env": "GOOGLE_CLOUD_PROJECT=b\n"}, "b"),
        ({".gemini/.env": "GOOGLE_CLOUD_PROJECT=\n"}, None),
        ({}, None),
    ],
)
async def test_gemini_project_from_the_cli_env_files(
    files: dict[str, str], expected: str | None, tmp_path: Path
) -> None:
    write(tmp_path, ".gemini/oauth_creds.json", {"access_token": "ya29.x", "refresh_token": "r"})
    for relative, text in files.items():
        write(tmp_path, relative, text.encode())
    result = await import_tokens(P.GEMINI, home=tmp_path, store=InMemoryTokenStore())
    assert result.token.metadata.get("project_id") == expected


_KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
_VALUES = st.text(
    st.characters(blacklist_characters="\r\n\"'#\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
)


@given(st.dictionaries(_KEYS, _VALUES.map(str.strip), max_size=6), st.booleans())
def test_dotenv_round_trips(values: dict[str, str], quoted: bool) -> None:
    text = "\n".join(f'{k}="{v}"' if quoted else f"{k}={v}" for k, v in values.items())
    assert parse_dotenv("# header\n\n" + text) == values


@given(st.text(max_size=300))
def test_dotenv_never_crashes(text: str) -> None:
    assert all(isinstance(v, str) for v in parse_dotenv(text).values())
