"""The upstream pool: proxies, fingerprint headers, errors and reads."""

from __future__ import annotations

import pytest

from byokey_provider import Timeouts, UpstreamHttp
from byokey_provider._http import valid_proxy_url
from byokey_types import TransportError, UpstreamError
from tests.fakes.server import FakeServer, Json, Text


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://proxy.local:3128", True),
        ("socks5://user:pass@127.0.0.1:1080", True),
        ("socks5h://127.0.0.1:1080", True),
        ("https://proxy.local", True),
        ("ftp://proxy.local", False),
        ("not a url", False),
        ("http://", False),
        ("http://host:99999", False),
        ("", False),
        (None, False),
    ],
)
def test_proxy_url_validation(url: str | None, ok: bool) -> None:
    assert valid_proxy_url(url) == (url if ok else None)


async def test_requests_go_through_the_configured_proxy() -> None:
    with FakeServer("proxy") as proxy:
        # a forward proxy sees the absolute URL as the request target
        target = "http://127.0.0.1:9/v1/chat/completions"
        proxy.route("POST", target, Json(200, {"via": "proxy"}))
        http = UpstreamHttp(proxy_url=proxy.url, timeouts=Timeouts(connect=5, first_byte=5))
        try:
            # an address nobody listens on: only the proxy can answer
            resp = await http.send(
                "POST",
                target,
                upstream="test",
                headers={"content-type": "application/json"},
                json={"x": 1},
            )
            assert await resp.json() == {"via": "proxy"}
        finally:
            await http.aclose()
        seen = proxy.last_request
        assert seen.target == target
        assert seen.json() == {"x": 1}


async def test_an_invalid_proxy_is_ignored(upstream_server: FakeServer) -> None:
    upstream_server.route("GET", "/ping", Text(200, "pong"))
    http = UpstreamHttp(proxy_url="ftp://nowhere", timeouts=Timeouts(connect=5, first_byte=5))
    try:
        assert http.proxy_url is None
        resp = await http.send("GET", f"{upstream_server.url}/ping", upstream="t", headers={})
        assert await resp.read() == b"pong"
    finally:
        await http.aclose()


@pytest.mark.parametrize("lean", [False, True], ids=["curl", "lean-plain-http"])
async def test_impersonation_adds_no_browser_headers(
    upstream_server: FakeServer, lean: bool
) -> None:
    """Through curl_cffi with a browser target, and through the lean plain-http client."""
    upstream_server.route("GET", "/ping", Text(200, "pong"))
    pool = UpstreamHttp(timeouts=Timeouts(connect=5, first_byte=10), lean_plain_http=lean)
    try:
        assert pool.impersonate == "chrome"
        url = f"{upstream_server.url}/ping"
        await (await pool.send("GET", url, upstream="t", headers={})).read()
    finally:
        await pool.aclose()
    seen = upstream_server.last_request
    assert "Mozilla" not in seen.headers.get("user-agent", "")
    for name in ("sec-ch-ua", "sec-ch-ua-platform", "sec-fetch-site", "accept-language"):
        seen.assert_no_header(name)


async def test_errors_and_bad_json(upstream_server: FakeServer, pool: UpstreamHttp) -> None:
    upstream_server.route("POST", "/e", Json(418, {"error": "teapot sk-secret-0123456789"}))
    upstream_server.route("GET", "/bad", Text(200, "{not json"))
    with pytest.raises(UpstreamError) as err:
        await pool.send(
            "POST",
            f"{upstream_server.url}/e",
            upstream="t",
            headers={},
            json={},
            secrets=("sk-secret-0123456789",),
        )
    assert err.value.status == 418 and "sk-secret" not in str(err.value)
    resp = await pool.send("GET", f"{upstream_server.url}/bad", upstream="t", headers={})
    with pytest.raises(TransportError):
        await resp.json()


async def test_connection_refused_is_a_transport_error(pool: UpstreamHttp) -> None:
    with pytest.raises(TransportError) as err:
        await pool.send(
            "GET", "http://127.0.0.1:9/x?key=AIzaSecretSecretSecret1", upstream="t", headers={}
        )
    assert err.value.is_retryable() and "AIza" not in str(err.value)
