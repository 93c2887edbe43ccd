"""Anthropic bodies reshaped into CodeWhisperer payloads (pure, no server)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_provider._kiro_request import build_payload, kiro_model_id, sanitize_schema

TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}


def state(body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    payload = build_payload({"model": "kiro-default", **body}, conversation_id="conv-1", **kw)
    result: dict[str, Any] = payload["conversationState"]
    return result


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("kiro-default", "auto"),
        ("auto", "auto"),
        ("claude-sonnet-4-5", "claude-sonnet-4.5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5"),
        ("kiro-claude-haiku-4-5", "claude-haiku-4.5"),
        ("claude-sonnet-4", "claude-sonnet-4"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-opus-4.5", "claude-opus-4.5"),
    ],
)
def test_model_ids(model: str, expected: str) -> None:
    assert kiro_model_id(model) == expected


def test_single_turn_with_system_prompt_and_profile() -> None:
    payload = build_payload(
        {
            "model": "claude-sonnet-4-5",
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 10,
        },
        profile_arn="arn:aws:codewhisperer:us-east-1:1:profile/X",
        conversation_id="conv-1",
    )
    assert payload == {
        "conversationState": {
            "chatTriggerType": "MANUAL",
            "conversationId": "conv-1",
            "currentMessage": {
                "userInputMessage": {
                    "content": "Be brief.\n\nHi",
                    "modelId": "claude-sonnet-4.5",
                    "origin": "AI_EDITOR",
                }
            },
        },
        "profileArn": "arn:aws:codewhisperer:us-east-1:1:profile/X",
    }


def test_tool_round_trip_keeps_calls_and_results_in_their_turns() -> None:
    s = state(
        {
            "system": "sys",
            "tools": [TOOL],
            "messages": [
                {"role": "user", "content": "Paris?"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Checking."},
                        {
                            "type": "tool_use",
                            "id": "tu_1",
                            "name": "get_weather",
                            "input": {"c": 1},
                        },
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "tu_1",
                            "content": [{"type": "text", "text": "sunny"}],
                        }
                    ],
                },
            ],
        }
    )
    assert s["history"] == [
        {
            "userInputMessage": {
                "content": "sys\n\nParis?",
                "modelId": "auto",
                "origin": "AI_EDITOR",
            }
        },
        {
            "assistantResponseMessage": {
                "content": "Checking.",
                "toolUses": [{"toolUseId": "tu_1", "name": "get_weather", "input": {"c": 1}}],
            }
        },
    ]
    current = s["currentMessage"]["userInputMessage"]
    assert current["content"] == "Continue"
    context = current["userInputMessageContext"]
    assert context["toolResults"] == [
        {"toolUseId": "tu_1", "content": [{"text": "sunny"}], "status": "success"}
    ]
    assert context["tools"] == [
        {
            "toolSpecification": {
                "name": "get_weather",
                "description": "Weather",
                "inputSchema": {"json": {"type": "object"}},
            }
        }
    ]


def test_without_tools_calls_and_results_become_text() -> None:
    s = state(
        {
            "messages": [
                {"role": "user", "content": "Go"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "tu_9", "name": "ls", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "tu_9",
                            "content": "a.txt",
                            "is_error": True,
                        }
                    ],
                },
            ]
        }
    )
    assistant = s["history"][1]["assistantResponseMessage"]
    assert "toolUses" not in assistant
    assert assistant["content"] == "[Tool call ls (tu_9): {}]"
    current = s["currentMessage"]["userInputMessage"]
    assert current["content"] == "[Tool result (tu_9): a.txt]"
    assert "userInputMessageContext" not in current


def test_orphan_tool_results_are_folded_into_text() -> None:
    s = state(
        {
            "tools": [TOOL],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "gone", "content": "old"},
                        {"type": "text", "text": "and now?"},
                    ],
                }
            ],
        }
    )
    current = s["currentMessage"]["userInputMessage"]
    assert current["content"] == "and now?\n\n[Tool result (gone): old]"
    assert "toolResults" not in current["userInputMessageContext"]


def test_roles_are_merged_started_by_user_and_prefill_becomes_history() -> None:
    s = state(
        {
            "messages": [
                {"role": "assistant", "content": "I greet first"},
                {"role": "user", "content": "one"},
                {"role": "user", "content": [{"type": "text", "text": "two"}]},
                {"role": "assistant", "content": "The answer is"},
            ]
        }
    )
    assert [next(iter(h)) for h in s["history"]] == [
        "userInputMessage",
        "assistantResponseMessage",
        "userInputMessage",
        "assistantResponseMessage",
    ]
    assert s["history"][0]["userInputMessage"]["content"] == "(empty)"
    assert s["history"][2]["userInputMessage"]["content"] == "one\n\ntwo"
    assert s["history"][3]["assistantResponseMessage"]["content"] == "The answer is"
    assert s["currentMessage"]["userInputMessage"]["content"] == "Continue"


def test_images_base64_kept_urls_dropped_thinking_dropped() -> None:
    s = state(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Look"},
                        {
                            "type": "image",
                            "source": {
                                "type": "base64",
                                "media_type": "image/jpeg",
                                "data": "QUJD",
                            },
                        },
                        {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": "hmm", "signature": "s"},
                        {"type": "text", "text": "A cat"},
                    ],
                },
                {"role": "user", "content": "Thanks"},
            ]
        }
    )
    first = s["history"][0]["userInputMessage"]
    assert first["images"] == [{"format": "jpeg", "source": {"bytes": "QUJD"}}]
    assert s["history"][1]["assistantResponseMessage"] == {"content": "A cat"}


def test_schema_sanitising() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": False,
        "required": [],
        "properties": {
            "inner": {"type": "object", "properties": {}, "additionalProperties": True},
            "list": {"type": "array", "items": [{"type": "string", "additionalProperties": 1}]},
        },
    }
    assert sanitize_schema(schema) == {
        "type": "object",
        "properties": {
            "inner": {"type": "object"},
            "list": {"type": "array", "items": [{"type": "string"}]},
        },
    }


roles = st.sampled_from(["user", "assistant"])
texts = st.text(max_size=12)


@given(st.lists(st.tuples(roles, texts), max_size=8), st.text(max_size=8))
def test_any_conversation_becomes_a_valid_codewhisperer_shape(
    turns: list[tuple[str, str]], system: str
) -> None:
    body = {"system": system, "messages": [{"role": r, "content": t} for r, t in turns]}
    s = state(body)
    expected = "userInputMessage"
    for entry in s.get("history", []):
        assert list(entry) == [expected]
        assert isinstance(entry[expected]["content"], str) and entry[expected]["content"]
        expected = (
            "assistantResponseMessage" if expected == "userInputMessage" else "userInputMessage"
        )
    assert expected == "userInputMessage"  # the current turn is the user's
    assert s["currentMessage"]["userInputMessage"]["content"]
