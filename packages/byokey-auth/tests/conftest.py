"""Fixtures of the login-flow tests: options pointing every URL at the OAuth fake.

``oauth_options`` moves every callback listener to an ephemeral port (the redirect
URI follows it), switches the runtime credential document off and gives config
client ids equal to the fake's, so nothing reaches the internet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from byokey_auth._clock import ManualClock
from byokey_auth._context import FlowContext
from byokey_auth._credentials import CredentialResolver
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions, ClientOverride
from byokey_store import InMemoryTokenStore
from byokey_types.provider import ProviderId
from tests.fakes.oauth import AUTH_CODE_PROVIDERS, OAuthFake, RobotBrowser


def options_for(fake: OAuthFake, **changes: object) -> AuthOptions:
    """Options for ``fake``; ``changes`` replace fields (e.g. ``callback_timeout``)."""
    values: dict[str, object] = {
        "endpoints": AuthEndpoints(fake.endpoint_overrides()),
        "callback_ports": {ProviderId(p): 0 for p in AUTH_CODE_PROVIDERS},
        "callback_timeout": 10.0,
        "http_timeout": 10.0,
        "clients": {
            ProviderId(p): ClientOverride(cid, secret) for p, (cid, secret) in fake.clients.items()
        },
    }
    values.update(changes)
    return AuthOptions(**values)  # type: ignore[arg-type]


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def token_store() -> InMemoryTokenStore:
    return InMemoryTokenStore()


@pytest.fixture
def robot() -> RobotBrowser:
    return RobotBrowser()


@pytest.fixture
def make_options(oauth_fake: OAuthFake) -> Callable[..., AuthOptions]:
    """``make_options(callback_timeout=0.3)``: :func:`options_for` the test's fake."""

    def make(**changes: object) -> AuthOptions:
        return options_for(oauth_fake, **changes)

    return make


@pytest.fixture
def oauth_options(oauth_fake: OAuthFake) -> AuthOptions:
    return options_for(oauth_fake)


@pytest.fixture
async def flow_ctx(
    oauth_options: AuthOptions, manual_clock: ManualClock
) -> AsyncIterator[FlowContext]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        resolver = CredentialResolver.from_options(http, oauth_options, manual_clock)
        yield FlowContext(http, resolver, oauth_options, manual_clock)
