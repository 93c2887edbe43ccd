"""KimiExecutor against a scripted OpenAI-compatible upstream on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import pytest

from byokey_config import ProviderConfig, Settings
from byokey_provider import ConfigCredentials, UpstreamHttp
from byokey_provider._executors import EXECUTORS
from byokey_provider._kimi import KimiExecutor
from byokey_types import ChatRequest, ChatResponse, ChatStream, ProviderId, WireFormat
from tests.fakes.server import FakeServer, Json, Sse

M = ProviderId.KIMI
KEY = "sk-kimi-coding-key"
PATH = "/coding/v1/chat/completions"
CALL_STREAM = [
    {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "k2-0711",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_k1",
                            "type": "function",
                            "function": {"name": "read_file", "arguments": ""},
                        }
                    ],
                },
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "k2-0711",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"path":'}}]},
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "k2-0711",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"a.py"}'}}]},
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26},
    },
    "[DONE]",
]
COMPLETION = {
    "id": "c2",
    "object": "chat.completion",
    "created": 1,
    "model": "k2-0711",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    pool = UpstreamHttp(impersonate=None)
    yield pool
    await pool.aclose()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer("kimi") as s:
        yield s


def executor(server: FakeServer, http: UpstreamHttp) -> KimiExecutor:
    settings = Settings(
        providers={M: ProviderConfig(api_key=KEY, base_url=server.url + "/coding/v1/")}
    )
    return KimiExecutor(M, settings, ConfigCredentials(settings), http)


def test_registered_for_kimi() -> None:
    assert EXECUTORS[M] is KimiExecutor


async def test_headers_prefix_and_one_device_id_per_executor(
    server: FakeServer, http: UpstreamHttp
) -> None:
    server.route("POST", PATH, Json(200, COMPLETION))
    ex = executor(server, http)
    body = {"model": "kimi-k2-0711", "messages": [{"role": "user", "content": "hi"}]}
    first = await ex.chat(ChatRequest(body))
    await ex.chat(ChatRequest(body))
    await executor(server, http).chat(ChatRequest(body))

    sent = server.requests
    assert [r.path for r in sent] == [PATH] * 3
    head = sent[0]
    head.assert_header("authorization", f"Bearer {KEY}")
    head.assert_header("user-agent", "KimiCLI/1.10.6")
    head.assert_header("x-msh-platform", "kimi_cli")
    head.assert_header("x-msh-version", "1.10.6")
    head.assert_header("x-msh-device-name", "byokey-client")
    head.assert_header("x-msh-device-model", "MacBookPro")
    head.assert_header("accept-encoding", "identity")
    assert head.json()["model"] == "k2-0711"
    ids = [r.headers["x-msh-device-id"] for r in sent]
    assert re.fullmatch(r"[0-9a-f-]{36}", ids[0])
    assert ids[0] == ids[1] != ids[2]
    assert isinstance(first, ChatResponse) and first.body == COMPLETION


async def test_tool_call_stream_to_anthropic_client(server: FakeServer, http: UpstreamHttp) -> None:
    server.route("POST", PATH, Sse(CALL_STREAM, chunk_sizes=[3, 11, 1]))
    request = ChatRequest(
        {
            "model": "kimi-k2-0711",
            "max_tokens": 50,
            "stream": True,
            "messages": [{"role": "user", "content": "open a.py"}],
            "tools": [{"name": "read_file", "input_schema": {"type": "object"}}],
        },
        format=WireFormat.ANTHROPIC,
    )
    response = await executor(server, http).chat(request)
    assert isinstance(response, ChatStream)
    events = [e async for e in response.events]

    wire = server.last_request.json()
    assert wire["stream_options"] == {"include_usage": True}
    assert wire["tools"][0]["function"]["name"] == "read_file"
    block = next(
        e.data["content_block"]
        for e in events
        if e.event == "content_block_start" and isinstance(e.data, dict)
    )
    assert block == {"type": "tool_use", "id": "call_k1", "name": "read_file", "input": {}}
    partial = "".join(
        e.data["delta"].get("partial_json", "")
        for e in events
        if e.event == "content_block_delta" and isinstance(e.data, dict)
    )
    assert partial == '{"path":"a.py"}'
    final = next(e.data for e in events if e.event == "message_delta")
    assert isinstance(final, dict) and final["delta"]["stop_reason"] == "tool_use"
    assert events[-1].event == "message_stop"
