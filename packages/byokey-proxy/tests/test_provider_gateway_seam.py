"""The real provider layer plugs into the proxy with no adapter in between."""

from __future__ import annotations

from starlette.testclient import TestClient

from byokey_config import Settings
from byokey_provider import ConfigCredentials, ProviderGateway, UpstreamHttp
from byokey_proxy import Gateway, ProxyState, create_app


async def test_provider_gateway_is_a_proxy_gateway() -> None:
    settings = Settings()
    gateway = ProviderGateway(settings, ConfigCredentials(settings), UpstreamHttp())
    try:
        assert isinstance(gateway, Gateway)
        listed = gateway.list_models()
        assert listed, "the built-in registry lists models even without a login"
        assert all(m.id and m.owned_by for m in listed)
    finally:
        await gateway.aclose()


def test_models_route_served_from_the_registry() -> None:
    settings = Settings()
    gateway = ProviderGateway(settings, ConfigCredentials(settings), UpstreamHttp())
    app = create_app(ProxyState(gateway=gateway, settings=lambda: settings))
    with TestClient(app) as client:
        answer = client.get("/v1/models")
    assert answer.status_code == 200
    ids = {m["id"] for m in answer.json()["data"]}
    assert ids == {m.id for m in gateway.list_models()}
    assert any(i.startswith("claude-") for i in ids)
