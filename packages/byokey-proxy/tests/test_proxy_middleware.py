"""Request ids, the access log, the dump middleware, framework rejections."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openai
import orjson
import pytest

from byokey_proxy._mw_dump import dump_file_name
from conftest import Running


async def test_request_id_kept_generated_and_sanitised(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        kept = await client.get("/v1/models", headers={"x-request-id": "req-abc.123"})
        fresh = await client.get("/v1/models")
        hostile = await client.get("/v1/models", headers={"x-request-id": "a b\tc"})
        error = await client.post(
            "/v1/chat/completions",
            content=b"{",
            headers={"x-request-id": "e-1", "content-type": "application/json"},
        )
        missing = await client.get("/nope", headers={"x-request-id": "nf-1"})
    assert kept.headers["x-request-id"] == "req-abc.123"
    assert uuid.UUID(fresh.headers["x-request-id"]).version == 4
    assert hostile.headers["x-request-id"] != "a b\tc"
    assert uuid.UUID(hostile.headers["x-request-id"]).version == 4
    assert (error.status_code, error.headers["x-request-id"]) == (400, "e-1")
    assert (missing.status_code, missing.headers["x-request-id"]) == (404, "nf-1")


async def test_sdk_sees_request_id(server: Running) -> None:
    async with openai.AsyncOpenAI(
        base_url=f"{server.url}/v1", api_key="k", max_retries=0
    ) as client:
        raw = await client.chat.completions.with_raw_response.create(
            model="gpt-5.1",
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"x-request-id": "sdk-7"},
        )
    assert raw.headers["x-request-id"] == "sdk-7"


async def test_access_log_is_structured_and_keeps_queries_out(
    server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="byokey.proxy.access")
    async with httpx.AsyncClient(base_url=server.url) as client:
        await client.get(
            "/v0/management/usage/history?model=secret-ish", headers={"x-request-id": "log-1"}
        )
        await client.get("/v1/models", headers={"x-request-id": "log-2"})
    records = [r for r in caplog.records if r.name == "byokey.proxy.access"]
    by_id = {getattr(r, "request_id", None): r for r in records}
    history = by_id["log-1"]
    assert history.path == "/v0/management/usage/history"  # type: ignore[attr-defined]
    assert history.method == "GET"  # type: ignore[attr-defined]
    assert history.listener == "main"  # type: ignore[attr-defined]
    assert "secret-ish" not in history.getMessage()
    assert by_id["log-2"].status == 200  # type: ignore[attr-defined]
    assert isinstance(by_id["log-2"].latency_ms, int)  # type: ignore[attr-defined]


async def test_unknown_path_and_wrong_method(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        unknown = await client.get("/v1/embeddings")
        wrong = await client.get("/v1/chat/completions")
        preflight = await client.options("/v1/messages")
        slash = await client.get("/v1/models/")
    assert unknown.status_code == 404
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert preflight.status_code == 405
    assert unknown.json()["error"]["code"] == "not_found"
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert preflight.json()["type"] == "error"  # /v1/messages answers in Anthropic's shape
    assert "access-control-allow-origin" not in preflight.headers
    assert slash.status_code == 404


async def test_413_in_the_anthropic_format(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        reply = await client.post(
            "/v1/messages",
            content=b"{" + b" " * (65 * 1024) + b"}",
            headers={"content-type": "application/json"},
        )
    assert reply.status_code == 413
    assert reply.json()["type"] == "error"
    assert reply.json()["error"]["type"] == "request_too_large"


async def _chunked(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 8192):
        yield body[start : start + 8192]


async def test_chunked_bodies_are_counted_against_the_limit(server: Running) -> None:
    big = b"{" + b" " * (65 * 1024) + b"}"
    small = orjson.dumps({"model": "gpt-5.1", "messages": []})
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await client.post(
            "/v1/messages",
            content=_chunked(big),
            headers={"content-type": "application/json", "x-request-id": "big-1"},
        )
        served = await client.post(
            "/v1/chat/completions",
            content=_chunked(small),
            headers={"content-type": "application/json"},
        )
    assert "content-length" not in refused.request.headers
    assert refused.status_code == 413
    assert refused.json()["error"]["type"] == "request_too_large"
    assert refused.headers["x-request-id"] == "big-1"
    assert served.status_code == 200


async def test_replies_carry_no_server_header(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        reply = await client.get("/v1/models")
    assert reply.status_code == 200
    assert "server" not in reply.headers
    assert reply.headers["x-request-id"]


async def _dumps(folder: Path, count: int) -> list[Path]:
    for _ in range(500):
        files = sorted(await asyncio.to_thread(lambda: list(folder.glob("*.json"))))
        if len(files) >= count:
            return files
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} dump files in {folder}")


async def test_dump_middleware_redacts_and_skips_streams(
    server: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "dumps"
    monkeypatch.setenv("BYOKEY_DUMP", str(folder))
    secret = "sk-ant-api03-" + "A" * 40
    async with httpx.AsyncClient(base_url=server.url) as client:
        plain = await client.post(
            "/v1/chat/completions?x=1",
            json={"model": "gpt-5.1", "messages": [{"role": "user", "content": f"key {secret}"}]},
            headers={"authorization": f"Bearer {secret}", "x-dup": "a"},
        )
        streamed = await client.post(
            "/v1/chat/completions",
            json={"model": "gpt-5.1", "messages": [], "stream": True},
        )
    assert plain.status_code == 200
    assert streamed.text.endswith("data: [DONE]\n\n")
    files = await _dumps(folder, 2)
    docs = [orjson.loads(f.read_bytes()) for f in files]
    first = next(d for d in docs if d["request"]["uri"] == "/v1/chat/completions?x=1")
    assert any(f.name.endswith("_POST_v1_chat_completions_q_x=1.json") for f in files)
    assert first["request"]["headers"]["authorization"] == "[REDACTED]"
    assert first["request"]["headers"]["x-dup"] == "a"
    assert "x-request-id" not in first["request"]["headers"]
    assert first["response"]["headers"]["x-request-id"] == plain.headers["x-request-id"]
    assert first["response"]["status"] == 200
    assert first["response"]["body"]["choices"][0]["message"]["content"] == "Hello there"
    assert secret not in files[0].read_text() + files[1].read_text()
    assert first["request"]["body"]["model"] == "gpt-5.1"
    stream_doc = next(d for d in docs if d is not first)
    assert stream_doc["response"]["body"] == "__streaming__"


async def test_dump_directory_failure_still_serves(
    server: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("BYOKEY_DUMP", str(blocker / "sub"))
    async with httpx.AsyncClient(base_url=server.url) as client:
        reply = await client.get("/v1/models")
    assert reply.status_code == 200


def test_dump_file_name() -> None:
    assert dump_file_name(1712345678901, "POST", "/v1/chat/completions") == (
        "1712345678901_POST_v1_chat_completions.json"
    )
    long = dump_file_name(1, "GET", "/" + "a/" * 100)
    assert len(long) == len("1_GET_.json") + 80
