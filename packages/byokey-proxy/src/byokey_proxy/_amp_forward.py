"""The Amp listener's pass-through to ampcode.com (management proxy and ``/api/*``).

Headers are filtered (hop-by-hop, fingerprinting, and the client's own
credentials when byokey has an Amp credential to put in their place); the body
goes upstream as raw bytes and the answer comes back as raw bytes, never
decoded, so ``content-encoding`` stays consistent. Every ``set-cookie`` is kept
(the original kept only one). One pooled ``httpx.AsyncClient`` serves all
requests.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from byokey_types import ByokError, ProviderId

from ._mw_client_auth import key_matches
from ._responses import json_response
from ._routes_chat import Handler
from ._state import ProxyState

__all__ = ["amp_credential", "ampcode_proxy", "forward_headers", "login_redirects"]

_log = logging.getLogger("byokey.proxy.amp")

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_FINGERPRINT = frozenset(
    {
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-real-ip",
        "forwarded",
        "via",
        "priority",
    }
)
_CLIENT_AUTH = frozenset({"authorization", "x-api-key", "x-goog-api-key"})
_RESPONSE_DROP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})
_DEFAULT_UPSTREAM = "https://ampcode.com"


async def amp_credential(state: ProxyState) -> str | None:
    """The stored Amp token, else ``amp.upstream_key``, else none."""
    if state.tokens is not None:
        try:
            token = await state.tokens.load(ProviderId.AMP)
        except ByokError:
            token = None
        if token is not None and token.access_token:
            return token.access_token
    return state.settings().amp.upstream_key


def _carries_client_key(value: str, client_keys: tuple[str, ...]) -> bool:
    scheme, _, rest = value.partition(" ")
    candidate = rest.strip() if scheme.lower() == "bearer" else value.strip()
    return key_matches(candidate, client_keys)


def forward_headers(
    headers: list[tuple[str, str]],
    credential: str | None,
    client_keys: tuple[str, ...] = (),
) -> list[tuple[str, str]]:
    """The client's headers as ampcode.com should see them (spec §4.1).

    A credential header is dropped when byokey has an Amp credential to put in
    its place, and also whenever it carries one of byokey's own ``api_keys``
    (a key for this gateway must never travel to ampcode.com).
    """
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in _HOP_BY_HOP or lower in _FINGERPRINT:
            continue
        if lower.startswith(("sec-ch-ua-", "sec-fetch-")):
            continue
        if lower in _CLIENT_AUTH and (
            credential is not None or _carries_client_key(value, client_keys)
        ):
            continue
        out.append((lower, value))
    if credential is not None:
        out.append(("authorization", f"Bearer {credential}"))
        out.append(("x-api-key", credential))
    return out


def _upstream_base(state: ProxyState) -> str:
    return (state.settings().endpoint("amp_upstream") or _DEFAULT_UPSTREAM).rstrip("/")


def ampcode_proxy(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        try:
            body = await request.body()
        except ByokError as err:
            return json_response({"error": {"message": err.client_message}}, err.status)
        credential = await amp_credential(state)
        query = request.scope["query_string"].decode("latin-1")
        url = _upstream_base(state) + request.url.path + (f"?{query}" if query else "")
        client = state.amp_client()
        import httpx  # loaded by amp_client(); not at start-up

        upstream_request = client.build_request(
            request.method,
            url,
            headers=forward_headers(
                list(request.headers.items()), credential, state.settings().api_keys
            ),
            content=body,
        )
        try:
            upstream = await client.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            _log.warning("ampcode forward failed: %s", type(exc).__name__)
            return json_response(
                {"error": {"message": f"upstream unreachable: {type(exc).__name__}"}}, 502
            )
        headers = [
            (k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _RESPONSE_DROP
        ]

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.aiter_raw():
                    yield chunk
            finally:
                await upstream.aclose()

        response = StreamingResponse(relay(), status_code=upstream.status_code)
        response.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return response

    return handle


def login_redirects() -> tuple[Handler, Handler]:
    """``GET /v1/login`` and ``GET /auth/cli-login`` → ampcode.com, query kept verbatim."""

    async def login(request: Request) -> Response:
        return Response(status_code=302, headers={"location": "https://ampcode.com/login"})

    async def cli_login(request: Request) -> Response:
        query = request.scope["query_string"].decode("latin-1")
        target = "https://ampcode.com/auth/cli-login" + (f"?{query}" if query else "")
        if any(c in target for c in "\r\n"):
            target = "https://ampcode.com/amp/auth/cli-login"
        return Response(status_code=302, headers={"location": target})

    return login, cli_login
