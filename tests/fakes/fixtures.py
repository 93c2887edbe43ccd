"""Pytest fixtures for the fakes; the root ``conftest.py`` registers this module as a plugin.

``fake_server`` is one started server per test; ``fake_server_factory`` makes as many
as a test needs (e.g. an API upstream and an OAuth server) and closes them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fakes.anthropic import AnthropicFake
from tests.fakes.oauth import OAuthFake
from tests.fakes.server import FakeServer

FakeServerFactory = Callable[..., FakeServer]


@pytest.fixture
def fake_server_factory() -> Iterator[FakeServerFactory]:
    started: list[FakeServer] = []

    def make(name: str = "fake") -> FakeServer:
        server = FakeServer(name).start()
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in started:
            server.close()


@pytest.fixture
def fake_server(fake_server_factory: FakeServerFactory) -> FakeServer:
    return fake_server_factory("fake")


@pytest.fixture
def anthropic_fake(fake_server_factory: FakeServerFactory) -> AnthropicFake:
    return AnthropicFake(fake_server_factory("anthropic"))


@pytest.fixture
def oauth_fake(fake_server_factory: FakeServerFactory) -> OAuthFake:
    """Every provider's OAuth server (authorize, token, device, Kiro SSO-OIDC) on one fake."""
    return OAuthFake(fake_server_factory("oauth"))
