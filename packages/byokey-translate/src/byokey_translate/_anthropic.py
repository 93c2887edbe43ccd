"""Anthropic Messages: request and response, read into and written from the canonical form.

Anthropic is the strictest reader of the five: tool ids must match
``^[a-zA-Z0-9_-]+$``, text blocks may not be empty, tool results must open the
user turn that follows the calls, thinking must come first in an assistant turn
and is incompatible with a forced tool or a temperature other than 1. The
writer enforces all of that so a body built from any other format is accepted.
"""

from __future__ import annotations

from typing import Any, Literal

from byokey_translate._fields import (
    as_bool,
    as_dict,
    as_float,
    as_str,
    as_uint,
    require_dict,
    require_list,
    require_str,
)
from byokey_translate._ids import new_id, reprefix, sanitize_tool_id
from byokey_translate._ir import (
    DocumentPart,
    ImagePart,
    Message,
    Part,
    Reasoning,
    RedactedThinkingPart,
    RequestIR,
    ResponseFormat,
    ResponseIR,
    TextPart,
    ThinkingPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    Usage,
)
from byokey_translate._reasons import from_anthropic, to_anthropic
from byokey_translate._thinking import ThinkingConfig, apply_thinking, has_valid_claude_signature
from byokey_types.errors import InvalidRequest
from byokey_types.wire.format import WireFormat

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "EPHEMERAL",
    "JSON_OBJECT_INSTRUCTION",
    "MAX_BREAKPOINTS",
    "inject_cache_control",
    "merge_same_role",
    "read_blocks",
    "read_request",
    "read_response",
    "read_usage",
    "reasoning_config",
    "write_block",
    "write_request",
    "write_response",
    "write_usage",
]

DEFAULT_MAX_TOKENS = 4096
"""Anthropic requires ``max_tokens``; the original's default when the source had none."""

JSON_OBJECT_INSTRUCTION = "Respond only with a single valid JSON object."
"""Anthropic has no JSON mode; ``response_format: json_object`` becomes this system line."""


# --- reading -------------------------------------------------------------------------


def _read_media(block: dict[str, Any], path: str) -> ImagePart | DocumentPart | None:
    source = require_dict(block.get("source"), f"{path}.source")
    kind = source.get("type")
    cache = as_dict(block.get("cache_control"))
    if block["type"] == "image":
        if kind == "base64":
            return ImagePart(
                as_str(source.get("media_type")),
                data=require_str(source.get("data"), f"{path}.source.data"),
                cache_control=cache,
            )
        if kind == "url":
            return ImagePart(
                url=require_str(source.get("url"), f"{path}.source.url"), cache_control=cache
            )
        return None
    doc = DocumentPart(title=as_str(block.get("title")), cache_control=cache)
    if kind == "base64":
        doc.media_type = as_str(source.get("media_type")) or "application/pdf"
        doc.data = require_str(source.get("data"), f"{path}.source.data")
    elif kind == "url":
        doc.url = require_str(source.get("url"), f"{path}.source.url")
    elif kind == "text":
        doc.media_type = as_str(source.get("media_type")) or "text/plain"
        doc.text = require_str(source.get("data"), f"{path}.source.data")
    elif kind == "file":
        doc.file_id = as_str(source.get("file_id"))
    else:
        return None
    return doc


def read_blocks(content: Any, path: str, call_names: dict[str, str] | None = None) -> list[Part]:
    """Canonical parts of an Anthropic ``content``; server-tool blocks are dropped."""
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    parts: list[Part] = []
    for i, block in enumerate(require_list(content, path)):
        bpath = f"{path}[{i}]"
        block = require_dict(block, bpath)
        kind = block.get("type")
        cache = as_dict(block.get("cache_control"))
        if kind == "text":
            text = require_str(block.get("text"), f"{bpath}.text")
            if text or cache:
                parts.append(TextPart(text, cache))
        elif kind in ("image", "document"):
            media = _read_media(block, bpath)
            if media is not None:
                parts.append(media)
        elif kind == "tool_use":
            call = ToolCallPart(
                require_str(block.get("id"), f"{bpath}.id"),
                require_str(block.get("name"), f"{bpath}.name"),
                args=block.get("input") if block.get("input") is not None else {},
                cache_control=cache,
            )
            if call_names is not None:
                call_names[call.id] = call.name
            parts.append(call)
        elif kind == "tool_result":
            call_id = require_str(block.get("tool_use_id"), f"{bpath}.tool_use_id")
            inner = block.get("content")
            result_parts = [
                p
                for p in (read_blocks(inner, f"{bpath}.content") if inner is not None else [])
                if isinstance(p, (TextPart, ImagePart, DocumentPart))
            ]
            parts.append(
                ToolResultPart(
                    call_id,
                    result_parts,
                    name=(call_names or {}).get(call_id),
                    is_error=block.get("is_error") is True,
                    cache_control=cache,
                )
            )
        elif kind == "thinking":
            parts.append(
                ThinkingPart(as_str(block.get("thinking")) or "", as_str(block.get("signature")))
            )
        elif kind == "redacted_thinking":
            parts.append(RedactedThinkingPart(require_str(block.get("data"), f"{bpath}.data")))
    return parts


def reasoning_config(reasoning: Reasoning) -> ThinkingConfig:
    if reasoning.disabled or reasoning.effort == "none":
        return ThinkingConfig.disabled()
    if reasoning.budget is not None:
        return ThinkingConfig.of_budget(reasoning.budget)
    if reasoning.effort in (None, "auto"):
        return ThinkingConfig.auto()
    return ThinkingConfig.of_level(reasoning.effort)


def _read_reasoning(body: dict[str, Any]) -> Reasoning | None:
    """``thinking`` (and ``output_config.effort``) as the canonical reasoning request.

    ``adaptive`` and ``between_tools`` let the model decide, so they read as the
    effort in ``output_config`` or ``auto``; ``auto`` is not an Anthropic value but
    clients send it (the original's ``/v1/messages`` handler accepted it, §17).
    An ``output_config.effort`` without ``thinking`` still says how hard to think.
    """
    output_config = as_dict(body.get("output_config")) or {}
    effort = as_str(output_config.get("effort"))
    thinking = as_dict(body.get("thinking"))
    if thinking is None:
        return Reasoning(effort=effort) if effort is not None else None
    kind = thinking.get("type")
    if kind == "enabled":
        budget = as_uint(thinking.get("budget_tokens"))
        return Reasoning(budget=budget) if budget is not None else Reasoning(effort="auto")
    if kind == "disabled":
        return Reasoning(disabled=True)
    return Reasoning(effort=effort or "auto")


def _read_response_format(body: dict[str, Any]) -> ResponseFormat | None:
    """``output_config.format`` (structured outputs) or the beta's top-level ``output_format``."""
    output_config = as_dict(body.get("output_config")) or {}
    fmt = as_dict(output_config.get("format")) or as_dict(body.get("output_format"))
    if fmt is None or fmt.get("type") != "json_schema":
        return None
    return ResponseFormat("json_schema", name="output", schema=as_dict(fmt.get("schema")))


def read_request(body: dict[str, Any]) -> RequestIR:
    model = require_str(body.get("model"), "model")
    raw_messages = require_list(body.get("messages"), "messages")
    system_raw = body.get("system")
    system: list[TextPart] = []
    if isinstance(system_raw, str):
        if system_raw:
            system.append(TextPart(system_raw))
    elif system_raw is not None:
        system = [p for p in read_blocks(system_raw, "system") if isinstance(p, TextPart)]
    call_names: dict[str, str] = {}
    messages: list[Message] = []
    for i, raw in enumerate(raw_messages):
        msg = require_dict(raw, f"messages[{i}]")
        raw_role = msg.get("role")
        if raw_role not in ("user", "assistant"):
            raise InvalidRequest("must be 'user' or 'assistant'", field=f"messages[{i}].role")
        role: Literal["user", "assistant"] = "assistant" if raw_role == "assistant" else "user"
        if "content" not in msg:
            raise InvalidRequest("is required", field=f"messages[{i}].content")
        messages.append(
            Message(role, read_blocks(msg["content"], f"messages[{i}].content", call_names))
        )
    tools: list[Tool] = []
    for i, tool in enumerate(require_list(body.get("tools") or [], "tools")):
        tool = require_dict(tool, f"tools[{i}]")
        if tool.get("type") not in (None, "custom"):
            continue  # server tools (web_search_…) exist only at Anthropic
        tools.append(
            Tool(
                require_str(tool.get("name"), f"tools[{i}].name"),
                as_str(tool.get("description")),
                as_dict(tool.get("input_schema")),
                as_bool(tool.get("strict")),
                as_dict(tool.get("cache_control")),
            )
        )
    choice = as_dict(body.get("tool_choice"))
    tool_choice: ToolChoice | None = None
    parallel: bool | None = None
    if choice is not None:
        kind = choice.get("type")
        if kind == "auto":
            tool_choice = ToolChoice("auto")
        elif kind == "any":
            tool_choice = ToolChoice("required")
        elif kind == "none":
            tool_choice = ToolChoice("none")
        elif kind == "tool" and isinstance(choice.get("name"), str):
            tool_choice = ToolChoice("tool", choice["name"])
        if choice.get("disable_parallel_tool_use") is True:
            parallel = False
    stop = body.get("stop_sequences")
    metadata = as_dict(body.get("metadata")) or {}
    return RequestIR(
        model=model,
        messages=messages,
        system=system,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel,
        max_tokens=as_uint(body.get("max_tokens")),
        temperature=as_float(body.get("temperature")),
        top_p=as_float(body.get("top_p")),
        top_k=as_uint(body.get("top_k")),
        stop=[s for s in stop if isinstance(s, str)] if isinstance(stop, list) else None,
        stream=as_bool(body.get("stream")),
        user=as_str(metadata.get("user_id")),
        response_format=_read_response_format(body),
        reasoning=_read_reasoning(body),
    )


def read_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    fresh = as_uint(usage.get("input_tokens")) or 0
    read = as_uint(usage.get("cache_read_input_tokens")) or 0
    write = as_uint(usage.get("cache_creation_input_tokens")) or 0
    details = as_dict(usage.get("output_tokens_details")) or {}
    return Usage(
        fresh + read + write,
        as_uint(usage.get("output_tokens")) or 0,
        read,
        write,
        as_uint(details.get("thinking_tokens")) or 0,
    )


def read_response(body: dict[str, Any]) -> ResponseIR:
    content = body.get("content")
    return ResponseIR(
        id=as_str(body.get("id")) or "",
        model=as_str(body.get("model")) or "unknown",
        parts=read_blocks(content if content is not None else [], "content"),
        finish_reason=from_anthropic(body.get("stop_reason")),
        stop_sequence=as_str(body.get("stop_sequence")),
        usage=read_usage(body.get("usage")),
    )


# --- writing -------------------------------------------------------------------------

_RESPONSE_BLOCKS = frozenset({"text", "thinking", "redacted_thinking", "tool_use"})
"""Block types a Messages *response* may hold (images, documents and tool results may not)."""


def _with_cache(block: dict[str, Any], cache: dict[str, Any] | None) -> dict[str, Any]:
    if cache is not None:
        block["cache_control"] = cache
    return block


def _tool_input(call: ToolCallPart) -> dict[str, Any]:
    args = call.args
    return args if isinstance(args, dict) else {}


def write_block(part: Part) -> dict[str, Any] | None:
    """One Anthropic content block, or ``None`` for what Anthropic cannot hold
    (an empty text, an image with neither data nor URL)."""
    if isinstance(part, TextPart):
        if not part.text:
            return None
        return _with_cache({"type": "text", "text": part.text}, part.cache_control)
    if isinstance(part, ImagePart):
        if part.data is not None:
            source: dict[str, Any] = {
                "type": "base64",
                "media_type": part.media_type or "image/png",
                "data": part.data,
            }
        elif part.url is not None:
            source = {"type": "url", "url": part.url}
        else:
            return None
        return _with_cache({"type": "image", "source": source}, part.cache_control)
    if isinstance(part, DocumentPart):
        if part.data is not None:
            source = {
                "type": "base64",
                "media_type": part.media_type or "application/pdf",
                "data": part.data,
            }
        elif part.text is not None:
            source = {"type": "text", "media_type": "text/plain", "data": part.text}
        elif part.url is not None:
            source = {"type": "url", "url": part.url}
        elif part.file_id is not None:
            source = {"type": "file", "file_id": part.file_id}
        else:
            return None
        doc: dict[str, Any] = {"type": "document", "source": source}
        if part.title or part.filename:
            doc["title"] = part.title or part.filename
        return _with_cache(doc, part.cache_control)
    if isinstance(part, ToolCallPart):
        return _with_cache(
            {
                "type": "tool_use",
                "id": sanitize_tool_id(part.id),
                "name": part.name,
                "input": _tool_input(part),
            },
            part.cache_control,
        )
    if isinstance(part, ToolResultPart):
        inner = [b for p in part.content if (b := write_block(p)) is not None]
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": sanitize_tool_id(part.id)}
        if not inner:
            pass  # ``content`` is optional; an empty string or list adds nothing
        elif all(b["type"] == "text" and "cache_control" not in b for b in inner):
            result["content"] = "".join(b["text"] for b in inner)
        else:
            result["content"] = inner
        if part.is_error:
            result["is_error"] = True
        return _with_cache(result, part.cache_control)
    if isinstance(part, ThinkingPart):
        return {"type": "thinking", "thinking": part.text, "signature": part.signature or ""}
    return {"type": "redacted_thinking", "data": part.data}


def merge_same_role(messages: list[Message]) -> list[Message]:
    """Consecutive messages of one role as one message, nothing dropped (spec §11, fixed)."""
    merged: list[Message] = []
    for message in messages:
        if merged and merged[-1].role == message.role:
            merged[-1] = Message(message.role, [*merged[-1].parts, *message.parts])
        else:
            merged.append(message)
    return merged


def _sendable(part: Part) -> bool:
    """Whether Anthropic would accept ``part`` back in a request.

    A thinking block is checked against its signature, so one without a
    signature Anthropic could have made (reasoning text from DeepSeek or Qwen,
    a Gemini or OpenAI signature) would fail the whole request; it is left out,
    as Anthropic allows for earlier turns. Redacted thinking is Anthropic's own.
    """
    if isinstance(part, ThinkingPart):
        return part.signature is not None and has_valid_claude_signature(part.signature)
    return True


def _is_thinking(part: Part) -> bool:
    return isinstance(part, (ThinkingPart, RedactedThinkingPart))


def _ordered(message: Message) -> list[Part]:
    """The parts of one turn in the order Anthropic requires."""
    parts = [p for p in message.parts if _sendable(p)]
    if message.role == "user":
        # tool results must open the turn that answers the calls
        return [p for p in parts if isinstance(p, ToolResultPart)] + [
            p for p in parts if not isinstance(p, ToolResultPart)
        ]
    if not parts or _is_thinking(parts[0]):
        return parts  # already valid; interleaved thinking keeps its places
    # thinking must open an assistant turn
    return [p for p in parts if _is_thinking(p)] + [p for p in parts if not _is_thinking(p)]


def _write_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in merge_same_role(messages):
        blocks = [b for p in _ordered(message) if (b := write_block(p)) is not None]
        if not blocks:
            continue  # Anthropic rejects empty content (the original sent `[]`, spec Q11)
        if len(blocks) == 1 and blocks[0]["type"] == "text" and "cache_control" not in blocks[0]:
            content: str | list[dict[str, Any]] = blocks[0]["text"]
        else:
            content = blocks
        if out and out[-1]["role"] == message.role:
            # two turns of one role became neighbours when an empty turn between them was left out
            previous = out[-1]["content"]
            previous = (
                [{"type": "text", "text": previous}] if isinstance(previous, str) else previous
            )
            out[-1]["content"] = [*previous, *blocks]
        else:
            out.append({"role": message.role, "content": content})
    return out


def _write_tool(tool: Tool) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        spec["description"] = tool.description
    spec["input_schema"] = tool.parameters if tool.parameters is not None else {"type": "object"}
    if tool.strict is not None:
        spec["strict"] = tool.strict
    return _with_cache(spec, tool.cache_control)


def _write_tool_choice(ir: RequestIR) -> dict[str, Any] | None:
    """Anthropic's ``tool_choice``; only sent with tools, which Anthropic requires.

    ``parallel_tool_calls: false`` is ``disable_parallel_tool_use`` on the
    choice (an ``auto`` one when the source named none); ``none`` takes no flag.
    """
    if not ir.tools:
        return None
    choice: dict[str, Any] | None = None
    if ir.tool_choice is not None:
        mode = ir.tool_choice.mode
        if mode == "tool" and ir.tool_choice.name:
            choice = {"type": "tool", "name": ir.tool_choice.name}
        elif mode != "tool":
            choice = {"type": {"auto": "auto", "required": "any", "none": "none"}[mode]}
    if ir.parallel_tool_calls is False and (choice is None or choice["type"] != "none"):
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    return choice


def write_request(ir: RequestIR) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": ir.model,
        "messages": _write_messages(ir.messages),
        "max_tokens": ir.max_tokens if ir.max_tokens is not None else DEFAULT_MAX_TOKENS,
    }
    system = [p for p in ir.system if p.text]
    fmt = ir.response_format
    if fmt is not None and fmt.type == "json_schema" and fmt.schema is not None:
        out["output_config"] = {"format": {"type": "json_schema", "schema": fmt.schema}}
    elif fmt is not None and fmt.type != "text":
        # Anthropic has no JSON mode without a schema: ask for it in words (spec §23.3)
        system.append(TextPart(JSON_OBJECT_INSTRUCTION))
    if system:
        if len(system) == 1 and system[0].cache_control is None:
            out["system"] = system[0].text
        else:
            out["system"] = [
                _with_cache({"type": "text", "text": p.text}, p.cache_control) for p in system
            ]
    if ir.temperature is not None:
        # OpenAI's range is 0..2, Anthropic's 0..1
        out["temperature"] = min(max(ir.temperature, 0), 1)
    for key in ("top_p", "top_k"):
        value = getattr(ir, key)
        if value is not None:
            out[key] = value
    if ir.stop:
        out["stop_sequences"] = ir.stop
    if ir.stream is not None:
        out["stream"] = ir.stream
    if ir.user is not None:
        out["metadata"] = {"user_id": ir.user}
    if ir.tools:
        out["tools"] = [_write_tool(t) for t in ir.tools]
    choice = _write_tool_choice(ir)
    if choice is not None:
        out["tool_choice"] = choice
    if ir.reasoning is not None:
        out = apply_thinking(out, reasoning_config(ir.reasoning), format=WireFormat.ANTHROPIC)
    return _thinking_constraints(out)


def _thinking_constraints(body: dict[str, Any]) -> dict[str, Any]:
    """Anthropic refuses thinking with a forced tool, a temperature other than 1,
    ``top_k``, or ``top_p`` below 0.95 (spec §17 step 2, applied to every body we build)."""
    thinking = as_dict(body.get("thinking"))
    if thinking is None or thinking.get("type") == "disabled":
        return body
    choice = as_dict(body.get("tool_choice"))
    if choice is not None and choice.get("type") in ("any", "tool"):
        out = {k: v for k, v in body.items() if k != "thinking"}
        config = as_dict(out.get("output_config"))
        if config is not None and "effort" in config:
            rest = {k: v for k, v in config.items() if k != "effort"}
            if rest:
                out["output_config"] = rest
            else:
                del out["output_config"]
        return out
    if "temperature" in body and body["temperature"] != 1:
        body["temperature"] = 1
    body.pop("top_k", None)
    top_p = body.get("top_p")
    if isinstance(top_p, (int, float)) and top_p < 0.95:
        body["top_p"] = 0.95
    return body


def write_usage(usage: Usage) -> dict[str, Any]:
    fresh = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
    return {
        "input_tokens": max(fresh, 0),
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
    }


def write_response(ir: ResponseIR) -> dict[str, Any]:
    content = [
        b for p in ir.parts if (b := write_block(p)) is not None and b["type"] in _RESPONSE_BLOCKS
    ]
    stop_sequence = ir.stop_sequence if ir.finish_reason == "stop_sequence" else None
    reason = to_anthropic(ir.finish_reason)
    if reason == "stop_sequence" and stop_sequence is None:
        reason = "end_turn"
    return {
        "id": reprefix(ir.id, "msg_") if ir.id else new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": ir.model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": stop_sequence,
        "usage": write_usage(ir.usage or Usage()),
    }


# --- prompt-cache breakpoints (spec §6) ----------------------------------------------

EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}
MAX_BREAKPOINTS = 4
"""Anthropic accepts at most four ``cache_control`` breakpoints per request."""
_SHORT_TTL = 300
_TTL_UNITS = {"s": 1, "m": 60, "h": 3600}


def _ttl_seconds(value: Any) -> int | None:
    """A breakpoint's TTL in seconds: an integer, or Anthropic's ``"5m"`` / ``"1h"``
    strings (any ``<n>s|m|h``); anything else is unknown (the 5-minute default)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and len(value) > 1 and value[-1] in _TTL_UNITS:
        digits = value[:-1]
        if digits.isascii() and digits.isdigit():
            return int(digits) * _TTL_UNITS[value[-1]]
    return None


def _copy_blocks(value: Any) -> Any:
    """A list of block dicts copied one level down, so breakpoints can be edited in place."""
    if isinstance(value, list):
        return [dict(b) if isinstance(b, dict) else b for b in value]
    return value


def _with_breakpoint(block: Any) -> bool:
    """Give ``block`` a breakpoint if it can hold one; whether it now has one."""
    if not isinstance(block, dict):
        return False
    if "cache_control" in block:
        return True
    if block.get("type") in ("thinking", "redacted_thinking"):
        return False  # Anthropic refuses cache_control on thinking blocks
    if block.get("type") == "text" and not block.get("text"):
        return False  # an empty text block is rejected outright
    block["cache_control"] = dict(EPHEMERAL)
    return True


def _inject_last(blocks: list[Any]) -> None:
    for block in reversed(blocks):
        if isinstance(block, dict) and _with_breakpoint(block):
            return


def inject_cache_control(body: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic request with prompt-cache breakpoints placed and limited (spec §6).

    The Claude executor calls this on the body it is about to send (not the
    ``/v1/messages`` passthrough, and not ``write_request``: the codec's job is
    to say what the client said, where caching is a provider's policy).
    With no breakpoint anywhere it adds up to three: the last tool, the end of
    the system prompt, and the end of the second-to-last user turn (the prefix
    the next request will share). Then at most :data:`MAX_BREAKPOINTS` are kept,
    removing system ones first (sparing the last), then tools (sparing the last),
    then message blocks, then message-level keys; then a long TTL that follows a
    short one is dropped, because Anthropic requires longer TTLs to come first.

    Fixes against the original: ``"5m"``/``"1h"`` TTL strings are understood
    (Q9), empty text and thinking blocks never get a breakpoint, and
    message-level ``cache_control`` keys count *and* can be removed, so the
    limit always holds. The input is not mutated.
    """
    out = dict(body)
    tools = _copy_blocks(out.get("tools"))
    system = _copy_blocks(out.get("system"))
    raw_messages = out.get("messages")
    messages: list[Any] = []
    if isinstance(raw_messages, list):
        for message in raw_messages:
            if isinstance(message, dict):
                message = dict(message)
                if "content" in message:
                    message["content"] = _copy_blocks(message["content"])
            messages.append(message)

    def marked(blocks: Any) -> list[dict[str, Any]]:
        if not isinstance(blocks, list):
            return []
        return [b for b in blocks if isinstance(b, dict) and "cache_control" in b]

    def content_marks() -> list[dict[str, Any]]:
        return [b for m in messages if isinstance(m, dict) for b in marked(m.get("content"))]

    def message_marks() -> list[dict[str, Any]]:
        return [m for m in messages if isinstance(m, dict) and "cache_control" in m]

    count = len(marked(tools)) + len(marked(system)) + len(content_marks()) + len(message_marks())
    if count == 0:
        if isinstance(tools, list) and tools:
            _with_breakpoint(tools[-1])
        if isinstance(system, str) and system:
            system = [{"type": "text", "text": system, "cache_control": dict(EPHEMERAL)}]
        elif isinstance(system, list) and system:
            _inject_last(system)
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        if len(users) >= 2:
            target = users[-2]
            content = target.get("content")
            if isinstance(content, str) and content:
                target["content"] = [
                    {"type": "text", "text": content, "cache_control": dict(EPHEMERAL)}
                ]
            elif isinstance(content, list):
                _inject_last(content)
        count = (
            len(marked(tools)) + len(marked(system)) + len(content_marks()) + len(message_marks())
        )

    excess = count - MAX_BREAKPOINTS
    for group, spare_last in (
        (marked(system), True),
        (marked(tools), True),
        (content_marks(), False),
        (message_marks(), False),
    ):
        removable = group[:-1] if spare_last else group
        for block in removable:
            if excess <= 0:
                break
            del block["cache_control"]
            excess -= 1

    seen_short = False
    for block in [*marked(tools), *marked(system), *content_marks()]:
        cache = block["cache_control"]
        if not isinstance(cache, dict):
            seen_short = True
            continue
        ttl = _ttl_seconds(cache.get("ttl"))
        if ttl is None or ttl <= _SHORT_TTL:
            seen_short = True
        elif seen_short:
            block["cache_control"] = {k: v for k, v in cache.items() if k != "ttl"}

    if tools is not None:
        out["tools"] = tools
    if system is not None:
        out["system"] = system
    if isinstance(raw_messages, list):
        out["messages"] = messages
    return out
