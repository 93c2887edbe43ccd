"""The Anthropic body rules of the Claude executor (system, thinking, temperature, betas)
and the per-request tool-name map, with properties where inputs vary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from byokey_provider._claude_body import (
    AUTO_THINKING_BUDGET,
    merge_betas,
    normalize_temperature,
    sanitize_body,
    sanitize_system,
    sanitize_thinking,
)
from byokey_provider._claude_tools import CLAUDE_CODE_TOOL_NAMES, ToolNameMap, request_tool_names
from byokey_types import SSEEvent

BASE = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def test_empty_system_removed_and_empty_blocks_dropped() -> None:
    assert "system" not in sanitize_system({**BASE, "system": ""})
    assert "system" not in sanitize_system({**BASE, "system": []})
    assert "system" not in sanitize_system({**BASE, "system": [{"type": "text", "text": ""}]})
    mixed = [{"type": "text", "text": ""}, {"type": "text", "text": "x"}, {"type": "image"}]
    assert sanitize_system({**BASE, "system": mixed})["system"] == mixed[1:]
    body = {**BASE, "system": "keep"}
    assert sanitize_system(body) is body


def test_thinking_rules() -> None:
    forced = {
        **BASE,
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "tool_choice": {"type": "any"},
        "output_config": {"effort": "high", "format": {"type": "json_schema"}},
        "temperature": 0.3,
    }
    out = sanitize_thinking(forced, "hybrid")
    assert "thinking" not in out
    assert out["output_config"] == {"format": {"type": "json_schema"}}
    assert out["temperature"] == 0.3
    no_effort = sanitize_thinking({**forced, "output_config": {"effort": "low"}}, None)
    assert "output_config" not in no_effort

    auto = {**BASE, "thinking": {"type": "auto"}, "output_config": {"effort": "max"}}
    assert sanitize_thinking(auto, "hybrid") == {**BASE, "thinking": {"type": "adaptive"}}
    assert sanitize_thinking(auto, "budget")["thinking"] == {
        "type": "enabled",
        "budget_tokens": AUTO_THINKING_BUDGET,
    }
    assert sanitize_thinking(auto, None) == BASE
    plain = {**BASE, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    assert sanitize_thinking(plain, None) is plain


def test_temperature_is_one_while_thinking() -> None:
    for kind in ("enabled", "adaptive", "auto"):
        for value in (0.2, None, "hot", True, 0):
            body = {**BASE, "thinking": {"type": kind}, "temperature": value}
            assert normalize_temperature(body)["temperature"] == 1
    unchanged: list[dict[str, Any]] = [
        {**BASE, "thinking": {"type": "enabled"}},
        {**BASE, "thinking": {"type": "enabled"}, "temperature": 1.0},
        {**BASE, "thinking": {"type": "disabled"}, "temperature": 0.2},
        {**BASE, "temperature": 0.2},
    ]
    for body in unchanged:
        assert normalize_temperature(body) is body


def test_sanitize_body_drops_foreign_signatures_without_mutating() -> None:
    body: dict[str, Any] = {
        **BASE,
        "messages": [
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "a", "signature": ""},
                    {"type": "redacted_thinking", "data": "x"},
                    {"type": "thinking", "thinking": "b", "signature": "grp#Rabc"},
                ],
            }
        ],
    }
    out = sanitize_body(body, capability=None)
    assert [b["type"] for b in out["messages"][0]["content"]] == [
        "redacted_thinking",
        "thinking",
    ]
    assert len(body["messages"][0]["content"]) == 3


def test_merge_betas() -> None:
    betas, out = merge_betas(
        ["a-1", "oauth-2025-04-20"], " oauth , b-2,a-1", {**BASE, "betas": ["c-3", 7, "b-2"]}
    )
    # whole names are compared: "oauth" is kept although "oauth-2025-04-20" contains it
    assert betas == "a-1,oauth-2025-04-20,oauth,b-2,c-3"
    assert out == BASE
    body = dict(BASE)
    assert merge_betas(["a"], None, body) == ("a", body)


beta_name = st.text(alphabet="abcdefghij-0123456789", min_size=1, max_size=8)


@given(
    st.lists(beta_name, max_size=5),
    st.lists(beta_name, max_size=5),
    st.lists(beta_name, max_size=5),
)
def test_merge_betas_keeps_every_name_once_in_order(
    base: list[str], header: list[str], extra: list[str]
) -> None:
    betas, out = merge_betas(base, ",".join(header), {**BASE, "betas": extra})
    merged = betas.split(",") if betas else []
    assert len(merged) == len(set(merged))
    assert set(merged) == set(base) | set(header) | set(extra)
    assert merged[: len(dict.fromkeys(base))] == list(dict.fromkeys(base))
    assert "betas" not in out


# ----------------------------------------------------------------- tool-name map

CLIENT = sorted(CLAUDE_CODE_TOOL_NAMES)
TARGET = sorted(CLAUDE_CODE_TOOL_NAMES.values())
tool_name = st.one_of(
    st.sampled_from(CLIENT),
    st.sampled_from(TARGET),
    st.text(alphabet="abcxyzBCX_", min_size=1, max_size=6),
)


def _request(names: list[str], history: list[str]) -> dict[str, Any]:
    return {
        **BASE,
        "tools": [{"name": n, "input_schema": {}} for n in names],
        "messages": [
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": f"t{i}", "name": n, "input": {}}
                    for i, n in enumerate(history)
                ],
            }
        ],
    }


@given(st.lists(tool_name, max_size=6), st.lists(tool_name, max_size=3))
def test_tool_names_round_trip_per_request(names: list[str], history: list[str]) -> None:
    body = _request(names, history)
    tools = ToolNameMap().for_request(body)
    sent = tools.request(body)
    sent_names = [t["name"] for t in sent["tools"]]
    # what the upstream answers with the names it was sent, the client gets back as it sent them
    answer = {"content": [{"type": "tool_use", "id": "x", "name": n} for n in sent_names]}
    assert [b["name"] for b in tools.response(answer)["content"]] == names
    events = [
        {"type": "content_block_start", "content_block": {"type": "tool_use", "name": n}}
        for n in sent_names
    ]
    assert [tools.stream_event(e)["content_block"]["name"] for e in events] == names
    # a name the client itself spelled the Claude Code way is never renamed back
    used = request_tool_names(body)
    assert not any(v in used for v in tools.forward.values())
    assert set(tools.forward) <= used


async def test_stream_events_yields_untouched_events_as_they_came() -> None:
    tools = ToolNameMap().for_request(_request(["bash"], []))
    start = {"type": "content_block_start", "content_block": {"type": "tool_use", "name": "Bash"}}
    originals = [
        SSEEvent("message_start", {"type": "message_start", "message": {}}),
        SSEEvent("content_block_start", start),
        SSEEvent(
            "content_block_start",
            {"type": "content_block_start", "content_block": {"type": "text", "text": ""}},
        ),
        SSEEvent("ping", {"type": "ping"}),
    ]

    async def source() -> AsyncIterator[SSEEvent]:
        for event in originals:
            yield event

    out = [e async for e in tools.stream_events(source())]
    assert out[0] is originals[0] and out[2] is originals[2] and out[3] is originals[3]
    assert out[1] is not originals[1]
    assert out[1].event == "content_block_start"
    assert isinstance(out[1].data, dict) and out[1].data["content_block"]["name"] == "bash"
    assert start["content_block"]["name"] == "Bash"  # type: ignore[index]
    assert not ToolNameMap().for_request(_request(["Bash", "custom"], []))
