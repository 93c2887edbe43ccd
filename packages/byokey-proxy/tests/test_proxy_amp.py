"""The Amp listener: redirects, the ampcode.com pass-through, provider routes (spec §4)."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import anthropic
import httpx
import openai
import pytest

from byokey_proxy import RoutedResponse
from byokey_types import ChatResponse, OAuthToken, ProviderId, WireFormat
from conftest import Running
from tests.fakes.server import FakeServer, RecordedRequest, Text


@pytest.fixture
async def amp_upstream(server: Running) -> AsyncIterator[FakeServer]:
    """A fake ampcode.com echoing what it got; the server's settings point at it."""

    def echo(request: RecordedRequest) -> Text:
        return Text(
            201,
            b"echo:" + request.body,
            headers=[("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-upstream", "yes")],
            content_type="application/octet-stream",
        )

    async with FakeServer("ampcode") as fake:
        fake.route("*", "/{rest:path}", echo)
        server.box.set(**{"endpoints.amp_upstream": fake.url})
        yield fake


CLIENT_HEADERS = {
    "authorization": "Bearer client-amp-key",
    "x-api-key": "client-amp-key",
    "x-forwarded-for": "10.0.0.1",
    "x-real-ip": "10.0.0.1",
    "via": "1.1 proxy",
    "priority": "u=1",
    "sec-fetch-mode": "cors",
    "sec-ch-ua-platform": "macOS",
    "sec-ch-ua": "Chromium",
    "x-amp-thread": "T-1",
}


async def test_login_redirects(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        login = await client.get("/v1/login")
        cli = await client.get("/auth/cli-login?authToken=abc123&callbackPort=35789")
        bare = await client.get("/auth/cli-login")
    assert (login.status_code, login.headers["location"]) == (302, "https://ampcode.com/login")
    assert login.content == b""
    assert cli.headers["location"] == (
        "https://ampcode.com/auth/cli-login?authToken=abc123&callbackPort=35789"
    )
    assert bare.headers["location"] == "https://ampcode.com/auth/cli-login"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/user?x=1&x=2&y=%20z"),
        ("POST", "/api/internal"),
        ("PUT", "/v0/management/threads/T-1"),
        ("DELETE", "/api/threads/T-9"),
        ("OPTIONS", "/api/anything/deep/er"),
    ],
)
async def test_forward_keeps_client_auth_without_a_credential(
    server: Running, amp_upstream: FakeServer, method: str, path: str
) -> None:
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        reply = await client.request(
            method, path, content=b"\x00raw\xffbytes", headers=CLIENT_HEADERS
        )
    assert reply.status_code == 201
    assert reply.content == b"echo:\x00raw\xffbytes"
    assert reply.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert reply.headers["x-upstream"] == "yes"
    assert reply.headers["x-request-id"]
    seen = amp_upstream.last_request
    assert seen.method == method
    assert seen.target == path
    assert seen.body == b"\x00raw\xffbytes"
    assert seen.headers["authorization"] == "Bearer client-amp-key"
    assert seen.headers["x-api-key"] == "client-amp-key"
    assert seen.headers["x-amp-thread"] == "T-1"
    assert seen.headers["sec-ch-ua"] == "Chromium"
    for dropped in ("x-forwarded-for", "x-real-ip", "via", "priority", "sec-fetch-mode"):
        assert dropped not in seen.headers, dropped
    assert "sec-ch-ua-platform" not in seen.headers
    assert seen.headers["host"] == f"127.0.0.1:{amp_upstream.port}"


async def test_upstream_key_replaces_client_auth(server: Running, amp_upstream: FakeServer) -> None:
    server.box.set(
        **{"endpoints.amp_upstream": amp_upstream.url, "amp.upstream_key": "sgamp_configured"}
    )
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        await client.get("/api/user", headers=CLIENT_HEADERS)
    seen = amp_upstream.last_request
    assert seen.headers.get_all("authorization") == ["Bearer sgamp_configured"]
    assert seen.headers.get_all("x-api-key") == ["sgamp_configured"]


async def test_stored_amp_token_wins_over_upstream_key(
    server: Running, amp_upstream: FakeServer
) -> None:
    server.box.set(**{"endpoints.amp_upstream": amp_upstream.url, "amp.upstream_key": "cfg"})
    await server.tokens.save(ProviderId.AMP, OAuthToken("stored-amp-token"))
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        await client.get("/v0/management/x", headers={"x-goog-api-key": "g"})
    seen = amp_upstream.last_request
    assert seen.headers["authorization"] == "Bearer stored-amp-token"
    assert "x-goog-api-key" not in seen.headers


async def test_compressed_body_passes_through_untouched(server: Running) -> None:
    packed = gzip.compress(b'{"ok": true}')
    async with FakeServer("ampcode") as fake:
        fake.route(
            "GET",
            "/api/zipped",
            Text(
                200, packed, headers={"content-encoding": "gzip"}, content_type="application/json"
            ),
        )
        server.box.set(**{"endpoints.amp_upstream": fake.url})
        async with httpx.AsyncClient(base_url=server.amp_url) as client:
            reply = await client.get("/api/zipped", headers={"accept-encoding": "gzip"})
            async with client.stream(
                "GET", "/api/zipped", headers={"accept-encoding": "gzip"}
            ) as raw:
                wire = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert reply.json() == {"ok": True}
    assert wire == packed


async def test_unreachable_upstream_is_502_json(server: Running) -> None:
    async with FakeServer("gone") as fake:
        closed = fake.url
    server.box.set(**{"endpoints.amp_upstream": closed})
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        reply = await client.get("/api/user")
    assert reply.status_code == 502
    assert set(reply.json()["error"]) == {"message"}


async def test_not_served_paths_and_wrong_methods(
    server: Running, amp_upstream: FakeServer
) -> None:
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        main_only = await client.post("/v1/chat/completions", json={})
        bare = await client.get("/v0/management")
        wrong = await client.get("/api/provider/openai/v1/chat/completions")
        options = await client.options("/api/provider/anthropic/v1/messages")
    assert main_only.status_code == 404
    assert bare.status_code == 404
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["allow"]
    assert options.status_code == 405
    assert amp_upstream.requests == []


async def test_provider_routes_reuse_the_main_handlers(server: Running) -> None:
    async with openai.AsyncOpenAI(
        base_url=f"{server.amp_url}/api/provider/openai/v1", api_key="amp", max_retries=0
    ) as oa:
        reply = await oa.chat.completions.create(
            model="gpt-5.1", messages=[{"role": "user", "content": "hi"}]
        )
    assert reply.choices[0].message.content == "Hello there"
    async with anthropic.AsyncAnthropic(
        base_url=f"{server.amp_url}/api/provider/anthropic", api_key="amp", max_retries=0
    ) as an:
        msg = await an.messages.create(
            model="claude-opus-4-6",
            max_tokens=10,
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"anthropic-beta": "context-1m-2025-08-07"},
        )
        counted = await an.messages.count_tokens(
            model="claude-opus-4-6", messages=[{"role": "user", "content": "hello there"}]
        )
    assert msg.content[0].type == "text"  # translated from the fake's OpenAI answer
    assert counted.input_tokens > 0
    sent = server.gateway.requests[-1]
    assert sent.format is WireFormat.ANTHROPIC
    assert sent.headers["anthropic-beta"] == "context-1m-2025-08-07"
    records = await server.settled_records()
    assert [r.model for r in records] == ["gpt-5.1", "claude-opus-4-6"]


async def test_gemini_passthrough_route(server: Running) -> None:
    body = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1},
    }
    server.gateway.script = lambda req: RoutedResponse(
        ChatResponse(body, format=WireFormat.GEMINI), "gemini", req.model
    )
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        reply = await client.post(
            "/api/provider/google/v1beta/models/gemini-2.5-pro:generateContent",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        )
        bad = await client.post(
            "/api/provider/google/v1beta/models/gemini-2.5-pro:explode", json={}
        )
    assert reply.json() == body
    assert server.gateway.requests[0].body["model"] == "gemini-2.5-pro"
    assert bad.status_code == 400
    assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"
    rec = (await server.settled_records())[0]
    assert (rec.provider, rec.input_tokens, rec.output_tokens) == ("gemini", 3, 1)


async def test_client_keys_guard_the_amp_listener_and_never_reach_ampcode(
    server: Running, amp_upstream: FakeServer
) -> None:
    server.box.set(**{"endpoints.amp_upstream": amp_upstream.url, "api_keys": ["byok-secret"]})
    async with httpx.AsyncClient(base_url=server.amp_url) as client:
        denied = await client.get("/api/user")
        denied_provider = await client.post("/api/provider/openai/v1/chat/completions", json={})
        login = await client.get("/v1/login")
        allowed = await client.get("/api/user", headers={"authorization": "Bearer byok-secret"})
    assert (denied.status_code, denied_provider.status_code) == (401, 401)
    assert login.status_code == 302
    assert allowed.status_code == 201
    assert len(amp_upstream.requests) == 1
    assert "authorization" not in amp_upstream.last_request.headers
