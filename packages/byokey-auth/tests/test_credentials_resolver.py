"""Which OAuth client a flow uses: config, then the runtime document, then compiled-in;
cached in memory and on disk so a login works with the asset host down."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import httpx
import orjson
import pytest

from byokey_auth import (
    COMPILED_CLIENTS,
    ENDPOINT_NAMES,
    AuthEndpoints,
    AuthOptions,
    ClientOverride,
    CredentialResolver,
    ManualClock,
    authenticate,
    flow_context,
)
from byokey_config import load_settings
from byokey_types.provider import ProviderId
from tests.fakes.oauth import OAuthFake, RobotBrowser

P = ProviderId


def _resolver(
    http: httpx.AsyncClient, fake: OAuthFake, clock: ManualClock, **kwargs: object
) -> CredentialResolver:
    endpoints = AuthEndpoints({"credentials_base": f"{fake.url}/oauth"})
    return CredentialResolver(http, endpoints, clock, **kwargs)  # type: ignore[arg-type]


def test_every_provider_has_a_compiled_in_entry() -> None:
    assert set(COMPILED_CLIENTS) == set(ProviderId)
    for provider in (
        P.CLAUDE,
        P.CODEX,
        P.GEMINI,
        P.ANTIGRAVITY,
        P.COPILOT,
        P.QWEN,
        P.KIMI,
        P.IFLOW,
    ):
        client = COMPILED_CLIENTS[provider]
        assert client.client_id and client.token_url
    assert COMPILED_CLIENTS[P.COPILOT].client_id == "Iv1.b507a08c87ecfe98"
    assert COMPILED_CLIENTS[P.COPILOT].device_code_url == "https://github.com/login/device/code"
    assert "GOCSPX" not in repr(COMPILED_CLIENTS[P.GEMINI])


async def test_the_document_overrides_the_compiled_client(
    oauth_fake: OAuthFake, manual_clock: ManualClock
) -> None:
    async with httpx.AsyncClient() as http:
        resolver = _resolver(http, oauth_fake, manual_clock)
        client = await resolver.client(P.QWEN)
        again = await resolver.client(P.QWEN)
    assert client == again
    assert client.client_id == "test-qwen"
    assert client.token_url == f"{oauth_fake.url}/qwen/token"
    assert client.device_code_url == f"{oauth_fake.url}/qwen/device"
    oauth_fake.server.assert_called("GET", "/oauth/qwen.json", times=1)  # cached (TTL)


async def test_the_document_is_fetched_again_after_its_ttl(
    oauth_fake: OAuthFake, manual_clock: ManualClock
) -> None:
    async with httpx.AsyncClient() as http:
        resolver = _resolver(http, oauth_fake, manual_clock, ttl=60.0)
        await resolver.client(P.CLAUDE)
        manual_clock.advance(61)
        await resolver.client(P.CLAUDE)
    oauth_fake.server.assert_called("GET", "/oauth/claude.json", times=2)


@pytest.mark.parametrize("mode", ["404", "not_json", "no_client_id"])
async def test_a_broken_document_falls_back_to_the_compiled_client(
    mode: str, oauth_fake: OAuthFake, manual_clock: ManualClock
) -> None:
    oauth_fake.doc_mode["codex"] = mode  # type: ignore[assignment]
    async with httpx.AsyncClient() as http:
        resolver = _resolver(http, oauth_fake, manual_clock)
        client = await resolver.client(P.CODEX)
        await resolver.client(P.CODEX)
    assert client == COMPILED_CLIENTS[P.CODEX]
    reason = resolver.last_failure(P.CODEX)
    assert reason is not None and "codex" in reason
    oauth_fake.server.assert_called("GET", "/oauth/codex.json", times=1)  # failure remembered


async def test_the_disk_cache_serves_when_the_host_is_down(
    oauth_fake: OAuthFake, manual_clock: ManualClock, tmp_path: Path
) -> None:
    oauth_fake.clients["amp"] = ("amp-real-client", None)
    async with httpx.AsyncClient() as http:
        first = await _resolver(http, oauth_fake, manual_clock, cache_dir=tmp_path).client(P.AMP)
        cached = tmp_path / "amp.json"
        assert stat.S_IMODE(cached.stat().st_mode) == 0o600
        assert orjson.loads(cached.read_bytes())["client_id"] == "amp-real-client"
        oauth_fake.server.close()
        # A new process (fresh resolver) with the host unreachable.
        offline = _resolver(http, oauth_fake, manual_clock, cache_dir=tmp_path)
        second = await offline.client(P.AMP)
    assert second.client_id == first.client_id == "amp-real-client"
    assert "fetch credentials for amp" in (offline.last_failure(P.AMP) or "")


async def test_config_clients_beat_the_document_and_bring_their_own_secret(
    oauth_fake: OAuthFake, manual_clock: ManualClock
) -> None:
    async with httpx.AsyncClient() as http:
        resolver = _resolver(
            http,
            oauth_fake,
            manual_clock,
            clients={
                P.GEMINI: ClientOverride("my-gemini"),
                P.IFLOW: ClientOverride(None, "rotated-secret"),
            },
        )
        gemini = await resolver.client(P.GEMINI)
        iflow = await resolver.client(P.IFLOW)
    assert gemini.client_id == "my-gemini" and gemini.client_secret is None
    assert iflow.client_id == "test-iflow" and iflow.client_secret == "rotated-secret"


async def test_endpoint_overrides_beat_the_document(
    oauth_fake: OAuthFake, manual_clock: ManualClock
) -> None:
    endpoints = AuthEndpoints(
        {
            "credentials_base": f"{oauth_fake.url}/oauth",
            "kimi_token": "http://127.0.0.1:9/token",
            "kimi_device": "http://127.0.0.1:9/device",
        }
    )
    async with httpx.AsyncClient() as http:
        client = await CredentialResolver(http, endpoints, manual_clock).client(P.KIMI)
    assert client.client_id == "test-kimi"
    assert (client.token_url, client.device_code_url) == (
        "http://127.0.0.1:9/token",
        "http://127.0.0.1:9/device",
    )


async def test_an_empty_credentials_base_never_fetches(
    oauth_fake: OAuthFake, manual_clock: ManualClock
) -> None:
    async with httpx.AsyncClient() as http:
        resolver = CredentialResolver(http, AuthEndpoints({"credentials_base": ""}), manual_clock)
        assert await resolver.client(P.CLAUDE) == COMPILED_CLIENTS[P.CLAUDE]
    assert oauth_fake.server.requests == []


def test_unknown_endpoint_overrides_are_ignored_but_lookups_are_strict() -> None:
    endpoints = AuthEndpoints({"claude_api": "http://x", "claude_authorize": "http://a"})
    assert endpoints.url("claude_authorize") == "http://a"
    assert endpoints.url("codex_authorize") == "https://auth.openai.com/oauth/authorize"
    with pytest.raises(KeyError):
        endpoints.url("claude_api")


def test_options_from_settings_map_the_auth_and_endpoint_sections(tmp_path: Path) -> None:
    config = tmp_path / "byokey.yaml"
    config.write_text(
        "auth:\n"
        "  callback_ports: {claude: 4456, codex: 4455}\n"
        "  callback_timeout_seconds: 5\n"
        "  http_timeout_seconds: 7\n"
        "  refresh_cooldown_seconds: 3\n"
        f"  credentials_cache_dir: {tmp_path / 'cache'}\n"
        "  kiro_region: eu-west-1\n"
        "  clients:\n"
        "    amp: {client_id: amp-id}\n"
        "endpoints:\n"
        "  claude_authorize: http://127.0.0.1:1/claude/authorize\n"
        "  kiro_start_url: https://acme.awsapps.com/start\n"
        "  credentials_base: ''\n"
    )
    options = AuthOptions.from_settings(load_settings(config, env={}))
    assert options.callback_port(P.CLAUDE) == 4456
    assert options.callback_port(P.CODEX) == 4455
    assert options.callback_port(P.GEMINI) == 8085
    assert (options.callback_timeout, options.http_timeout, options.refresh_cooldown) == (5, 7, 3)
    assert options.credentials_cache_dir == tmp_path / "cache"
    assert options.kiro_region == "eu-west-1"
    assert options.client_override(P.AMP) == ClientOverride("amp-id", None)
    assert options.endpoints.url("claude_authorize") == "http://127.0.0.1:1/claude/authorize"
    assert options.endpoints.url("kiro_start_url") == "https://acme.awsapps.com/start"
    assert options.endpoints.url("credentials_base") == ""


def test_options_from_default_settings_cache_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    options = AuthOptions.from_settings(load_settings(None, env={}, discover=False))
    assert options.credentials_cache_dir == tmp_path / ".byokey" / "oauth-clients"
    assert options.callback_timeout == 120.0
    assert options.endpoints.url("credentials_base") == "https://assets.byokey.io/oauth"


async def test_a_login_from_settings_reaches_only_the_fake(
    oauth_fake: OAuthFake, tmp_path: Path, robot: RobotBrowser
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lines = [
        "auth:",
        f"  callback_ports: {{gemini: {port}}}",
        f"  credentials_cache_dir: {tmp_path}",
    ]
    lines.append("endpoints:")
    lines += [f"  {k}: '{v}'" for k, v in oauth_fake.endpoint_overrides(with_document=True).items()]
    config = tmp_path / "byokey.yaml"
    config.write_text("\n".join(lines) + "\n")
    options = AuthOptions.from_settings(load_settings(config, env={}))
    async with flow_context(options) as ctx:
        token = await authenticate(ctx, "google", open_browser=robot)
    assert token.access_token.startswith("at-gemini")
    oauth_fake.server.assert_called("GET", "/oauth/gemini.json", times=1)
    assert oauth_fake.problems == []


def test_every_auth_url_can_be_set_from_config(tmp_path: Path) -> None:
    config = tmp_path / "byokey.yaml"
    lines = ["endpoints:"] + [f"  {n}: 'http://127.0.0.1:9/{n}'" for n in sorted(ENDPOINT_NAMES)]
    config.write_text("\n".join(lines) + "\n")
    options = AuthOptions.from_settings(load_settings(config, env={}))
    for name in ENDPOINT_NAMES:
        assert options.endpoints.url(name) == f"http://127.0.0.1:9/{name}", name
