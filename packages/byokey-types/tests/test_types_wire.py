"""The wire TypedDicts name real fields: checked against the official SDKs' models."""

from typing import Any, get_type_hints

import anthropic.types as at
import openai.types.chat as oc
import openai.types.responses as orr
import pytest
from pydantic import BaseModel

from byokey_types.wire import anthropic, gemini, openai_chat, openai_responses

# Fields we carry on purpose that the SDK does not model.
EXTENSIONS = {"reasoning_content", "reasoning_signature", "cache_creation_tokens", "cache_control"}


def _keys(td: Any) -> set[str]:
    return set(get_type_hints(td).keys())


@pytest.mark.parametrize(
    ("ours", "sdk"),
    [
        (openai_chat.ChatCompletion, oc.ChatCompletion),
        (openai_chat.ChatCompletionChunk, oc.ChatCompletionChunk),
        (openai_chat.Choice, oc.chat_completion.Choice),
        (openai_chat.ChunkChoice, oc.chat_completion_chunk.Choice),
        (openai_chat.Delta, oc.chat_completion_chunk.ChoiceDelta),
        (openai_chat.ToolCallDelta, oc.chat_completion_chunk.ChoiceDeltaToolCall),
        (openai_chat.Usage, oc.chat_completion.CompletionUsage),
        (anthropic.MessagesResponse, at.Message),
        (anthropic.Usage, at.Usage),
        (openai_responses.Response, orr.Response),
        (openai_responses.Usage, orr.ResponseUsage),
    ],
)
def test_response_shapes_are_subsets_of_sdk_models(ours: Any, sdk: type[BaseModel]) -> None:
    extra = _keys(ours) - set(sdk.model_fields) - EXTENSIONS
    assert not extra, f"{ours.__name__} has fields the SDK does not know: {extra}"


@pytest.mark.parametrize(
    ("ours", "sdk"),
    [
        (openai_chat.ChatCompletionRequest, oc.completion_create_params.CompletionCreateParamsBase),
        (openai_chat.Tool, oc.ChatCompletionToolParam),
        (anthropic.MessagesRequest, at.message_create_params.MessageCreateParamsBase),
        (anthropic.Tool, at.ToolParam),
        (openai_responses.ResponsesRequest, orr.response_create_params.ResponseCreateParamsBase),
    ],
)
def test_request_shapes_are_subsets_of_sdk_params(ours: Any, sdk: Any) -> None:
    # ``stream`` lives on the SDKs' streaming variants; Anthropic's newest SDK no longer
    # models the sampling parameters that older models (and every proxy peer) still take.
    legacy = {"stream", "type", "output_format", "temperature", "top_p", "top_k"}
    extra = _keys(ours) - _keys(sdk) - EXTENSIONS - legacy
    assert not extra, f"{ours.__name__} has fields the SDK does not send: {extra}"


def test_sdk_objects_validate_against_what_the_shapes_describe() -> None:
    completion: openai_chat.ChatCompletion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    oc.ChatCompletion.model_validate(completion)
    message: anthropic.MessagesResponse = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    at.Message.model_validate(message)


def test_gemini_shapes_use_camel_case() -> None:
    assert "maxOutputTokens" in _keys(gemini.GenerationConfig)
    assert "functionCall" in _keys(gemini.Part)
    assert {"model", "request"} <= _keys(gemini.CloudCodeRequest)
    req: gemini.CloudCodeRequest = {
        "model": "gemini-2.5-pro",
        "project": "p",
        "request": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    }
    assert req["request"]["contents"][0]["parts"][0]["text"] == "hi"
