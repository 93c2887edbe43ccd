"""The gateway owns one VersionStore and hands it to every factory that takes ``versions=``."""

from __future__ import annotations

from typing import Any

from byokey_config import Endpoints, ProviderConfig, Settings, TimeoutsConfig
from byokey_provider import ConfigCredentials, Executor, ProviderGateway, UpstreamHttp
from byokey_provider._executors import EXECUTORS
from byokey_provider._version_store import VersionInfo, VersionStore
from byokey_types import ProviderId

Q, K, C = ProviderId.QWEN, ProviderId.KIMI, ProviderId.COPILOT


def _settings() -> Settings:
    return Settings(
        providers={Q: ProviderConfig(api_key="sk-q"), K: ProviderConfig(api_key="sk-k")}
    )


def test_every_versioned_factory_gets_the_gateways_store() -> None:
    store = VersionStore({Q: VersionInfo(user_agent="QwenCode/9")})
    settings = _settings()
    gw = ProviderGateway(settings, ConfigCredentials(settings), UpstreamHttp(), versions=store)
    assert gw.versions is store
    for provider in (Q, K, C, ProviderId.ANTIGRAVITY, ProviderId.IFLOW):
        built = gw.executor(provider.value)
        assert isinstance(built, Executor), provider
        assert built.versions is store, provider


def test_factories_without_versions_still_work() -> None:
    seen: list[dict[str, Any]] = []

    def legacy(provider: ProviderId, settings: Any, credentials: Any, http: Any, *,
               ratelimits: Any = None, clock: Any = None) -> Executor:  # fmt: skip
        seen.append({"ratelimits": ratelimits, "clock": clock})
        return EXECUTORS[Q](provider, settings, credentials, http, ratelimits=ratelimits)

    settings = _settings()
    gw = ProviderGateway(
        settings, ConfigCredentials(settings), UpstreamHttp(), executors={Q: legacy}
    )
    assert gw.executor(Q.value) is not None
    assert len(seen) == 1 and seen[0]["ratelimits"] is gw.ratelimits


def test_default_store_follows_the_settings() -> None:
    settings = Settings(
        endpoints=Endpoints(versions_base="http://127.0.0.1:9/versions/"),
        timeouts=TimeoutsConfig(version_fetch_seconds=1.5),
    )
    gw = ProviderGateway(settings, ConfigCredentials(settings), UpstreamHttp())
    assert gw.versions.base_url == "http://127.0.0.1:9/versions"
    assert gw.versions.timeout == 1.5
    off = Settings(endpoints=Endpoints(versions_base=""))
    assert VersionStore.from_settings(off).base_url is None


def test_endpoint_defaults_for_gemini_code_assist_and_kiro() -> None:
    s = Settings()
    assert s.endpoint_url("gemini_code_assist") == "https://cloudcode-pa.googleapis.com"
    assert s.endpoint_url("kiro_api") == "https://q.us-east-1.amazonaws.com"
    moved = Settings(endpoints=Endpoints(gemini_code_assist="http://127.0.0.1:7"))
    assert moved.endpoint_url("gemini_code_assist") == "http://127.0.0.1:7"
