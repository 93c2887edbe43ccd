"""Prompt-cache breakpoints on an Anthropic request (spec §6, with its bugs fixed):
up to three added when the client set none, never on thinking or empty text,
at most four kept counting message-level keys, a long TTL after a short one
dropped, and the input never mutated."""

from __future__ import annotations

import copy
from typing import Any

from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from byokey_translate._anthropic import EPHEMERAL, MAX_BREAKPOINTS, inject_cache_control

REQUEST = TypeAdapter(MessageCreateParamsNonStreaming)
LONG = {"type": "ephemeral", "ttl": "1h"}
Path = tuple[Any, ...]


def text(t: str, cache: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": t}
    if cache is not None:
        block["cache_control"] = cache
    return block


def tool(name: str, cache: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "input_schema": {"type": "object"}}
    if cache is not None:
        spec["cache_control"] = cache
    return spec


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "max_tokens": 100, **fields}


def breakpoints(b: dict[str, Any]) -> list[Path]:
    """Where the body has a ``cache_control`` key, in Anthropic's prefix order."""
    found: list[Path] = []
    for key in ("tools", "system"):
        value = b.get(key)
        if isinstance(value, list):
            found += [(key, i) for i, x in enumerate(value) if "cache_control" in x]
    for i, message in enumerate(b.get("messages") or []):
        content = message.get("content")
        if isinstance(content, list):
            found += [("messages", i, j) for j, x in enumerate(content) if "cache_control" in x]
        if "cache_control" in message:
            found.append(("messages", i))
    return found


def at(b: dict[str, Any], path: Path) -> dict[str, Any]:
    if path[0] == "messages":
        message = b["messages"][path[1]]
        return message if len(path) == 2 else message["content"][path[2]]
    value: dict[str, Any] = b[path[0]][path[1]]
    return value


# --- injection -----------------------------------------------------------------------


def test_three_breakpoints_when_there_are_none() -> None:
    b = body(
        tools=[tool("a"), tool("b")],
        system="You are Claude Code.",
        messages=[
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "two"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "three"},
        ],
    )
    out = inject_cache_control(b)
    REQUEST.validate_python(out)
    assert breakpoints(out) == [("tools", 1), ("system", 0), ("messages", 2, 0)]
    assert out["system"] == [text("You are Claude Code.", EPHEMERAL)]
    assert out["messages"][2]["content"] == [text("two", EPHEMERAL)]
    assert out["messages"][4]["content"] == "three"  # the newest turn changes every time


def test_nothing_to_mark_marks_nothing() -> None:
    b = body(system="", tools=[], messages=[{"role": "user", "content": "only one user turn"}])
    assert inject_cache_control(b) == b


def test_never_on_thinking_or_empty_text() -> None:
    b = body(
        system=[text("rules"), text("")],
        messages=[
            {"role": "user", "content": [text("first"), text("")]},
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "t", "signature": "E1"}],
            },
            {"role": "user", "content": ""},
            {"role": "user", "content": "last"},
        ],
    )
    out = inject_cache_control(b)
    # the system's last block is empty: the one before it is marked instead
    assert out["system"] == [text("rules", EPHEMERAL), text("")]
    # the second-to-last user turn is empty: left alone, no empty block made
    assert out["messages"][2]["content"] == ""
    assert breakpoints(out) == [("system", 0)]
    thinking_only = body(
        messages=[
            {"role": "user", "content": [{"type": "thinking", "thinking": "x", "signature": "E"}]},
            {"role": "user", "content": "b"},
        ]
    )
    assert breakpoints(inject_cache_control(thinking_only)) == []


def test_a_tool_result_or_image_at_the_end_of_the_turn_is_marked() -> None:
    image = {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}}
    b = body(
        messages=[
            {"role": "user", "content": [text("look"), image]},
            {"role": "user", "content": "next"},
        ]
    )
    out = inject_cache_control(b)
    assert breakpoints(out) == [("messages", 0, 1)]


def test_one_client_breakpoint_anywhere_disables_injection() -> None:
    b = body(
        tools=[tool("a")],
        system="rules",
        messages=[
            {"role": "user", "content": [text("one", EPHEMERAL)]},
            {"role": "user", "content": "two"},
        ],
    )
    assert inject_cache_control(b) == b
    message_level = body(
        tools=[tool("a")],
        messages=[
            {"role": "user", "content": "one", "cache_control": EPHEMERAL},
            {"role": "user", "content": "two"},
        ],
    )
    assert inject_cache_control(message_level) == message_level
    null_value = body(tools=[{**tool("a"), "cache_control": None}, tool("b")])
    assert inject_cache_control(null_value) == null_value  # a null key still counts


def test_a_message_without_content_gains_no_content_key() -> None:
    b = body(messages=[{"role": "user"}, {"role": "user", "content": "x"}])
    assert inject_cache_control(b)["messages"][0] == {"role": "user"}


# --- the limit of four ---------------------------------------------------------------


def test_the_limit_removes_system_then_tools_sparing_each_last_then_messages() -> None:
    b = body(
        tools=[tool("a", EPHEMERAL), tool("b", EPHEMERAL), tool("c", EPHEMERAL)],
        system=[text("s1", EPHEMERAL), text("s2", EPHEMERAL), text("s3", EPHEMERAL)],
        messages=[
            {"role": "user", "content": [text("m1", EPHEMERAL)]},
            {"role": "user", "content": [text("m2", EPHEMERAL)]},
        ],
    )
    out = inject_cache_control(b)
    assert breakpoints(out) == [
        ("tools", 2),
        ("system", 2),
        ("messages", 0, 0),
        ("messages", 1, 0),
    ]
    more = copy.deepcopy(b)
    more["messages"].append({"role": "user", "content": [text("m3", EPHEMERAL)]})
    assert breakpoints(inject_cache_control(more)) == [
        ("tools", 2),
        ("system", 2),
        ("messages", 1, 0),
        ("messages", 2, 0),
    ]


def test_message_level_keys_count_and_are_removed_last() -> None:
    b = body(
        system=[text("s", EPHEMERAL)],
        messages=[
            {"role": "user", "content": f"m{i}", "cache_control": EPHEMERAL} for i in range(5)
        ],
    )
    out = inject_cache_control(b)
    assert len(breakpoints(out)) == MAX_BREAKPOINTS
    assert breakpoints(out) == [("system", 0), ("messages", 2), ("messages", 3), ("messages", 4)]


# --- TTL ordering --------------------------------------------------------------------


def test_a_long_ttl_after_a_short_one_is_dropped() -> None:
    b = body(
        tools=[tool("a", LONG)],
        system=[text("s", EPHEMERAL)],
        messages=[
            {
                "role": "user",
                "content": [text("m", LONG), text("n", {"type": "ephemeral", "ttl": 3600})],
            },
        ],
    )
    out = inject_cache_control(b)
    assert out["tools"][0]["cache_control"] == LONG  # before any short one: kept
    assert out["messages"][0]["content"][0]["cache_control"] == EPHEMERAL
    assert out["messages"][0]["content"][1]["cache_control"] == EPHEMERAL


def test_what_counts_as_short() -> None:
    for short in ({"type": "ephemeral", "ttl": "5m"}, {"type": "ephemeral", "ttl": 300}, None, {}):
        b = body(tools=[{**tool("a"), "cache_control": short}, tool("b", LONG)])
        out = inject_cache_control(b)
        assert out["tools"][1]["cache_control"] == EPHEMERAL, short
    for long in ({"type": "ephemeral", "ttl": "301s"}, {"type": "ephemeral", "ttl": "2h"}):
        b = body(tools=[tool("a", long), tool("b", LONG)])
        assert inject_cache_control(b) == b, long


# --- properties ----------------------------------------------------------------------

caches = st.sampled_from(
    [
        None,  # no key
        EPHEMERAL,
        LONG,
        {"type": "ephemeral", "ttl": "5m"},
        {"type": "ephemeral", "ttl": 3600},
        {"type": "ephemeral", "ttl": 120},
        "null",  # the key with a null value
    ]
)


def with_cache(block: dict[str, Any], cache: Any) -> dict[str, Any]:
    if cache is None:
        return block
    return {**block, "cache_control": None if cache == "null" else dict(cache)}


@st.composite
def blocks(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["text", "empty", "thinking", "redacted", "tool_use", "tool_result"])
    )
    block: dict[str, Any] = {
        "text": text(draw(st.text(min_size=1, max_size=5))),
        "empty": text(""),
        "thinking": {"type": "thinking", "thinking": "t", "signature": "E"},
        "redacted": {"type": "redacted_thinking", "data": "d"},
        "tool_use": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        "tool_result": {"type": "tool_result", "tool_use_id": "toolu_1", "content": "r"},
    }[kind]
    if kind in ("thinking", "redacted", "empty"):
        return block  # a client breakpoint there would be the client's own error
    return with_cache(block, draw(caches))


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    role = draw(st.sampled_from(["user", "assistant"]))
    content: Any = draw(st.text(max_size=4) | st.lists(blocks(), max_size=4))
    return with_cache({"role": role, "content": content}, draw(caches))


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    out = body(messages=draw(st.lists(messages(), max_size=7)))
    if draw(st.booleans()):
        out["tools"] = [
            with_cache(tool(f"t{i}"), draw(caches)) for i in range(draw(st.integers(0, 5)))
        ]
    system = draw(
        st.none()
        | st.text(max_size=4)
        | st.lists(
            st.builds(lambda t, c: with_cache(text(t), c), st.text(min_size=1, max_size=4), caches),
            max_size=4,
        )
    )
    if system is not None:
        out["system"] = system
    return out


def ttl_seconds(cache: Any) -> int | None:
    ttl = cache.get("ttl") if isinstance(cache, dict) else None
    if isinstance(ttl, int):
        return ttl
    if isinstance(ttl, str):
        return int(ttl[:-1]) * {"s": 1, "m": 60, "h": 3600}[ttl[-1]]
    return None


def without_cache(b: dict[str, Any]) -> dict[str, Any]:
    """``b`` with every breakpoint removed and one-text-block lists as the string they wrap."""

    def content(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        cleaned = [{k: v for k, v in x.items() if k != "cache_control"} for x in value]
        if (
            len(cleaned) == 1
            and cleaned[0].keys() == {"type", "text"}
            and cleaned[0]["type"] == "text"
        ):
            return cleaned[0]["text"]
        return cleaned

    out = {k: content(v) if k in ("tools", "system") else v for k, v in b.items()}
    out["messages"] = [
        {k: content(v) for k, v in m.items() if k != "cache_control"} for m in b["messages"]
    ]
    return out


@given(bodies())
def test_the_limit_always_holds_and_the_input_is_not_mutated(b: dict[str, Any]) -> None:
    before = copy.deepcopy(b)
    out = inject_cache_control(b)
    assert b == before
    found = breakpoints(out)
    assert len(found) <= MAX_BREAKPOINTS
    if breakpoints(b):
        assert set(found) <= set(breakpoints(b))  # only ever removed, never added
    else:
        assert len(found) <= 3
        for path in found:
            block = at(out, path)
            assert block.get("type") not in ("thinking", "redacted_thinking")
            assert block.get("type") != "text" or block["text"]
            assert block["cache_control"] == EPHEMERAL
    assert without_cache(out) == without_cache(b)
    REQUEST.validate_python(out)


@given(bodies())
def test_no_long_ttl_follows_a_short_one_and_a_second_pass_changes_nothing(
    b: dict[str, Any],
) -> None:
    out = inject_cache_control(b)
    seen_short = False
    for path in breakpoints(out):
        if len(path) == 2 and path[0] == "messages":
            continue  # message-level keys take no part in TTL ordering
        ttl = ttl_seconds(at(out, path)["cache_control"])
        if ttl is None or ttl <= 300:
            seen_short = True
        else:
            assert not seen_short, path
    assert inject_cache_control(out) == out
