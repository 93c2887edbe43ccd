"""The OpenAI fake, driven by the official ``openai`` SDK: its wire format must be real."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from tests.fakes.content import answer, thinking, tool_call
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import FakeServer

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
def fake() -> Iterator[OpenAIFake]:
    with FakeServer("openai") as server:
        yield OpenAIFake(server)


@pytest.fixture
def client(fake: OpenAIFake) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.base_url, api_key="sk-test-key", max_retries=0) as sdk:
        yield sdk


def test_chat_json_with_a_tool_call(fake: OpenAIFake, client: openai.OpenAI) -> None:
    fake.reply_with(answer("hi", tool_call("get_weather", {"city": "Paris"}), input_tokens=9))
    done = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    choice = done.choices[0]
    assert choice.message.content == "hi" and choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather" and call.function.arguments == '{"city":"Paris"}'  # type: ignore[union-attr]
    assert done.usage is not None and done.usage.prompt_tokens == 9
    assert fake.last_request.bearer() == "sk-test-key"


def test_chat_stream_split_at_every_byte(fake: OpenAIFake, client: openai.OpenAI) -> None:
    fake.reply_with(answer("héllo ✓ wörld", output_tokens=4))
    fake.shape_streams(split="every_byte")
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "héllo ✓ wörld"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 4
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_errors_carry_retry_after(fake: OpenAIFake, client: openai.OpenAI) -> None:
    fake.rate_limit_next(retry_after=3)
    with pytest.raises(openai.RateLimitError) as err:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    assert err.value.response.headers["retry-after"] == "3"
    fake.accept_only("another-key")
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]


def test_dropped_stream_breaks_the_sdk_iteration(fake: OpenAIFake, client: openai.OpenAI) -> None:
    fake.reply_with(answer("a long answer cut short", chunk_size=2))
    fake.shape_streams(drop_after=3)
    stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    with pytest.raises(openai.APIError):
        list(stream)


def test_responses_json_and_stream(fake: OpenAIFake, client: openai.OpenAI) -> None:
    fake.reply_with(answer(thinking("hmm"), "answer"), answer("streamed"))
    done = client.responses.create(model="gpt-5", input="hello")
    assert done.output_text == "answer"
    events = list(client.responses.create(model="gpt-5", input="hello", stream=True))
    assert events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "streamed"
    assert [r.path for r in fake.requests] == ["/v1/responses", "/v1/responses"]


def test_models_listing(fake: OpenAIFake, client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["gpt-4o", "gpt-5"]
