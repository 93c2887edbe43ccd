"""Client keys (``api_keys``), the management lock beyond loopback, the exposure warning."""

from __future__ import annotations

import logging

import anthropic
import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_proxy import exposure_warning, is_loopback_host
from byokey_proxy._mw_client_auth import key_matches
from conftest import Running, ServerFactory

KEYS = ["byok-first", "byok-second"]


async def test_openai_sdk_with_and_without_a_key(server: Running) -> None:
    server.box.set(api_keys=KEYS)
    async with openai.AsyncOpenAI(
        base_url=f"{server.url}/v1", api_key="byok-second", max_retries=0
    ) as good:
        reply = await good.chat.completions.create(
            model="gpt-5.1", messages=[{"role": "user", "content": "hi"}]
        )
    assert reply.choices[0].message.content
    async with openai.AsyncOpenAI(
        base_url=f"{server.url}/v1", api_key="byok-wrong", max_retries=0
    ) as bad:
        with pytest.raises(openai.AuthenticationError) as caught:
            await bad.models.list()
    body = caught.value.body
    assert isinstance(body, dict)
    assert "byok-wrong" not in str(body)
    assert caught.value.response.headers["x-request-id"]


async def test_anthropic_sdk_sends_x_api_key(server: Running) -> None:
    server.box.set(api_keys=KEYS)
    async with anthropic.AsyncAnthropic(
        base_url=server.url, api_key="byok-first", max_retries=0
    ) as good:
        msg = await good.messages.create(
            model="claude-opus-4-6", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert msg.content
    async with anthropic.AsyncAnthropic(base_url=server.url, api_key="nope", max_retries=0) as bad:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            await bad.messages.create(
                model="claude-opus-4-6", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    assert caught.value.body["type"] == "error"  # type: ignore[index]
    assert caught.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"authorization": "Bearer byok-first"}, 200),
        ({"authorization": "bearer byok-first"}, 200),
        ({"authorization": "Basic byok-first"}, 401),
        ({"x-api-key": "byok-second"}, 200),
        ({"x-goog-api-key": "byok-first"}, 200),
        ({"x-api-key": "byok-first-and-more"}, 401),
        ({"authorization": "Bearer stale", "x-api-key": "byok-first"}, 200),
    ],
)
async def test_key_headers(server: Running, headers: dict[str, str], status: int) -> None:
    server.box.set(api_keys=KEYS)
    async with httpx.AsyncClient(base_url=server.url) as client:
        reply = await client.get("/v0/management/status", headers=headers)
        health = await client.get("/healthz")
        spec = await client.get("/openapi.json")
        gemini = await client.post(
            "/v1beta/models/gpt-5.1:generateContent", json={"contents": []}, headers=headers
        )
    assert reply.status_code == status
    assert (health.status_code, spec.status_code) == (200, 200)
    if status == 401:
        assert gemini.json()["error"]["status"] == "UNAUTHENTICATED"


async def test_management_locked_beyond_loopback_without_keys(
    server_with: ServerFactory, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="byokey.proxy.serve")
    async with server_with(host="0.0.0.0") as live:
        printed = capsys.readouterr().out
        async with httpx.AsyncClient(base_url=live.url) as client:
            locked = await client.get("/v0/management/accounts")
            models = await client.get("/v1/models")
            live.box.set(api_keys=KEYS)
            keyless = await client.get("/v0/management/accounts")
            keyed = await client.get(
                "/v0/management/accounts", headers={"authorization": "Bearer byok-first"}
            )
    assert "WARNING" in printed and "without api_keys" in printed
    assert any("without api_keys" in r.getMessage() for r in caplog.records)
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "management_locked"
    assert models.status_code == 200
    assert keyless.status_code == 401
    assert keyed.status_code == 200


async def test_loopback_server_needs_no_key(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        reply = await client.get("/v0/management/accounts")
    assert reply.status_code == 200


def test_exposure_warning_cases() -> None:
    assert exposure_warning("127.0.0.1", ()) is None
    assert exposure_warning("::1", ()) is None
    assert exposure_warning("localhost", ()) is None
    assert exposure_warning("0.0.0.0", ("k",)) is None
    warning = exposure_warning("0.0.0.0", ())
    assert warning is not None and "0.0.0.0" in warning
    assert not is_loopback_host("192.168.1.5")
    assert is_loopback_host("[::1]")


@given(st.lists(st.text(min_size=1), min_size=1, max_size=4), st.text())
def test_key_matches_is_membership(keys: list[str], candidate: str) -> None:
    assert key_matches(candidate, tuple(keys)) is (candidate in keys)
    assert key_matches(None, tuple(keys)) is False
