"""The chat routes found by dict lookup behave as the Starlette routes they stand for."""

from __future__ import annotations

import httpx
import pytest

from byokey_types import ChatRequest
from conftest import Running


def _boom(request: ChatRequest) -> object:
    raise RuntimeError("boom: sk-secret-0123456789")


async def test_an_unexpected_failure_is_a_json_500_with_a_request_id(
    server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    server.gateway.script = _boom  # type: ignore[assignment]
    async with httpx.AsyncClient() as client:
        for url in (
            f"{server.url}/v1/chat/completions",
            f"{server.amp_url}/api/provider/openai/v1/chat/completions",
        ):
            r = await client.post(url, json={"model": "gpt-4o", "messages": []})
            assert r.status_code == 500
            assert r.headers["x-request-id"]
            assert r.json()["error"]["message"] == "internal error"
            assert "sk-secret" not in r.text
    assert "unhandled RuntimeError" in caplog.text
    assert "sk-secret" not in caplog.text, "the message never reaches the log"


async def test_other_methods_and_near_paths_still_get_the_routers_answers(
    server: Running,
) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.get(f"{server.url}/v1/chat/completions")
        slash = await client.post(f"{server.url}/v1/chat/completions/", json={})
        ok = await client.post(
            f"{server.url}/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
        )
    assert wrong.status_code == 405 and wrong.json()["error"]
    assert slash.status_code == 404 and slash.json()["error"]
    assert ok.status_code == 200 and ok.json()["choices"]


def test_the_fast_table_holds_exactly_the_fixed_post_routes() -> None:
    from starlette.routing import Route

    from byokey_proxy._app import _fixed_posts

    async def h(request: object) -> object:
        raise AssertionError

    table = _fixed_posts(
        [
            Route("/v1/chat/completions", h, methods=["POST"]),  # type: ignore[arg-type]
            Route("/v1beta/models/{action}", h, methods=["POST"]),  # type: ignore[arg-type]
            Route("/v1/models", h, methods=["GET"]),  # type: ignore[arg-type]
        ]
    )
    assert table == {"/v1/chat/completions": h}
