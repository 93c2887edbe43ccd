"""The Anthropic fake, driven by the official ``anthropic`` SDK and by raw httpx."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.fakes.anthropic import AnthropicFake, error_event, message_events
from tests.fakes.content import IdMaker, answer, thinking, tool_call
from tests.fakes.server import Drop, Sse

MESSAGES = [{"role": "user", "content": "hello"}]
MODEL = "claude-fake-model"


@pytest.fixture
def client(anthropic_fake: AnthropicFake) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(
        base_url=anthropic_fake.url, api_key="sk-ant-test", max_retries=0
    ) as sdk:
        yield sdk


def test_non_stream_text_and_tool_call(
    anthropic_fake: AnthropicFake, client: anthropic.Anthropic
) -> None:
    anthropic_fake.reply_with(
        answer(thinking("let me see"), "hi", tool_call("get_weather", {"city": "Paris"}))
    )
    message = client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)  # type: ignore[arg-type]
    assert [block.type for block in message.content] == ["thinking", "text", "tool_use"]
    assert message.content[1].text == "hi"  # type: ignore[union-attr]
    tool = message.content[2]
    assert tool.type == "tool_use"
    assert (tool.name, tool.input, tool.id) == ("get_weather", {"city": "Paris"}, "toolu_fake_1")
    assert message.stop_reason == "tool_use"
    assert message.model == MODEL
    assert (message.usage.input_tokens, message.usage.output_tokens) == (10, 5)
    request = anthropic_fake.last_request
    # This SDK generation sends the API key as a bearer token; the fake accepts both.
    assert (request.headers.get("x-api-key") or request.bearer()) == "sk-ant-test"
    request.assert_header("anthropic-version")
    assert anthropic_fake.bodies[0]["messages"] == MESSAGES


@pytest.mark.parametrize("split", [None, "every_byte", "random"])
def test_stream_reassembles_in_the_sdk(
    anthropic_fake: AnthropicFake, client: anthropic.Anthropic, split: str | None
) -> None:
    anthropic_fake.shape_streams(split=split)
    anthropic_fake.reply_with(
        answer(
            thinking("pondering ✓", signature="EsigX"),
            "héllo wörld",
            tool_call("search", {"q": "naïve"}),
            output_tokens=7,
        )
    )
    with client.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:  # type: ignore[arg-type]
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start"
    assert "content_block_start" in kinds
    assert kinds[-1] == "message_stop"
    assert final.content[0].type == "thinking"
    assert (final.content[0].thinking, final.content[0].signature) == ("pondering ✓", "EsigX")
    assert final.content[1].type == "text"
    assert final.content[1].text == "héllo wörld"
    assert final.content[2].type == "tool_use"
    assert final.content[2].input == {"q": "naïve"}
    assert final.stop_reason == "tool_use"
    assert final.usage.output_tokens == 7


def test_stream_wire_sequence_is_the_real_one(anthropic_fake: AnthropicFake) -> None:
    anthropic_fake.reply_with(answer("hi", chunk_size=1))
    response = httpx.post(
        f"{anthropic_fake.url}/v1/messages?beta=true",
        headers={"authorization": "Bearer oauth-token", "anthropic-version": "2023-06-01"},
        json={"model": MODEL, "messages": MESSAGES, "max_tokens": 5, "stream": True},
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [line[7:] for line in response.text.splitlines() if line.startswith("event: ")]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert anthropic_fake.last_request.query == {"beta": "true"}
    assert anthropic_fake.last_request.bearer() == "oauth-token"


def test_missing_version_and_wrong_key_are_rejected(anthropic_fake: AnthropicFake) -> None:
    url = f"{anthropic_fake.url}/v1/messages"
    body = {"model": MODEL, "messages": MESSAGES, "max_tokens": 5}
    no_version = httpx.post(url, headers={"x-api-key": "k"}, json=body)
    assert no_version.status_code == 400
    assert no_version.json()["error"]["type"] == "invalid_request_error"
    no_key = httpx.post(url, headers={"anthropic-version": "2023-06-01"}, json=body)
    assert no_key.status_code == 401
    anthropic_fake.accept_only("good")
    wrong = httpx.post(
        url, headers={"anthropic-version": "2023-06-01", "x-api-key": "bad"}, json=body
    )
    assert wrong.json() == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }


def test_sdk_raises_typed_errors(
    anthropic_fake: AnthropicFake, client: anthropic.Anthropic
) -> None:
    anthropic_fake.accept_only()
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(model=MODEL, max_tokens=5, messages=MESSAGES)  # type: ignore[arg-type]
    anthropic_fake.accept_any().fail_next(529, "Overloaded")
    with pytest.raises(anthropic.InternalServerError) as excinfo:
        client.messages.create(model=MODEL, max_tokens=5, messages=MESSAGES)  # type: ignore[arg-type]
    assert excinfo.value.status_code == 529
    assert excinfo.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


def test_429_with_retry_after_then_success(anthropic_fake: AnthropicFake) -> None:
    anthropic_fake.fail_next(429, retry_after=1, headers={"retry-after-ms": "1"}, times=2)
    anthropic_fake.reply_with("finally")
    with anthropic.Anthropic(base_url=anthropic_fake.url, api_key="k", max_retries=2) as sdk:
        message = sdk.messages.create(model=MODEL, max_tokens=5, messages=MESSAGES)  # type: ignore[arg-type]
    assert message.content[0].text == "finally"  # type: ignore[union-attr]
    assert len(anthropic_fake.message_requests) == 3
    statuses = httpx.post(
        f"{anthropic_fake.url}/v1/messages",
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        json={"model": MODEL, "messages": MESSAGES},
    )
    assert statuses.status_code == 200  # default answer once the script is used up


def test_rate_limit_error_shape(anthropic_fake: AnthropicFake) -> None:
    anthropic_fake.rate_limit_next(retry_after=7)
    response = httpx.post(
        f"{anthropic_fake.url}/v1/messages",
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        json={"model": MODEL, "messages": MESSAGES},
    )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert response.headers["request-id"].startswith("req_fake_")


def test_drop_mid_stream(anthropic_fake: AnthropicFake, client: anthropic.Anthropic) -> None:
    anthropic_fake.shape_streams(drop_after=3, chunk_sizes=[5])
    anthropic_fake.reply_with("a long enough answer")
    seen: list[str] = []
    # The SDK lets the transport's own "incomplete chunked read" error through.
    with pytest.raises(Exception, match="incomplete chunked read"):  # noqa: SIM117
        with client.messages.stream(model=MODEL, max_tokens=5, messages=MESSAGES) as stream:  # type: ignore[arg-type]
            seen.extend(event.type for event in stream)
    assert "message_stop" not in seen


def test_mid_stream_error_event_and_raw_replies(
    anthropic_fake: AnthropicFake, client: anthropic.Anthropic
) -> None:
    events = message_events(answer("partial"), model=MODEL, message_id="msg_x", ids=IdMaker())
    anthropic_fake.reply_with(Sse([*events[:4], error_event()]), Drop())
    with pytest.raises(anthropic.APIStatusError):  # noqa: PT012, SIM117
        with client.messages.stream(model=MODEL, max_tokens=5, messages=MESSAGES) as stream:  # type: ignore[arg-type]
            for _ in stream:
                pass
    with pytest.raises(anthropic.APIConnectionError):
        client.messages.create(model=MODEL, max_tokens=5, messages=MESSAGES)  # type: ignore[arg-type]


def test_count_tokens_and_models(
    anthropic_fake: AnthropicFake, client: anthropic.Anthropic
) -> None:
    counted = client.messages.count_tokens(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert counted.input_tokens > 0
    anthropic_fake.input_tokens = 42
    assert client.messages.count_tokens(model=MODEL, messages=MESSAGES).input_tokens == 42  # type: ignore[arg-type]
    anthropic_fake.models = ["claude-x"]
    assert [m.id for m in client.models.list()] == ["claude-x"]
