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
from byokey_translate._thinking import ThinkingConfig, apply_thinking
from byokey_types.errors import InvalidRequest
from byokey_types.wire.format import WireFormat

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "JSON_OBJECT_INSTRUCTION",
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
    thinking = as_dict(body.get("thinking"))
    if thinking is None:
        return None
    kind = thinking.get("type")
    if kind == "enabled":
        return Reasoning(budget=as_uint(thinking.get("budget_tokens")))
    if kind == "disabled":
        return Reasoning(disabled=True)
    output_config = as_dict(body.get("output_config")) or {}
    return Reasoning(effort=as_str(output_config.get("effort")) or "auto")


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
        role: Literal["user", "assistant"] = (
            "assistant" if msg.get("role") == "assistant" else "user"
        )
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
    output_format = as_dict(body.get("output_format"))
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
        response_format=ResponseFormat(
            "json_schema", name="output", schema=as_dict(output_format.get("schema"))
        )
        if output_format is not None and output_format.get("type") == "json_schema"
        else None,
        reasoning=_read_reasoning(body),
    )


def read_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    fresh = as_uint(usage.get("input_tokens")) or 0
    read = as_uint(usage.get("cache_read_input_tokens")) or 0
    write = as_uint(usage.get("cache_creation_input_tokens")) or 0
    return Usage(fresh + read + write, as_uint(usage.get("output_tokens")) or 0, read, write)


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


def _with_cache(block: dict[str, Any], cache: dict[str, Any] | None) -> dict[str, Any]:
    if cache is not None:
        block["cache_control"] = cache
    return block


def _tool_input(call: ToolCallPart) -> dict[str, Any]:
    args = call.args
    return args if isinstance(args, dict) else {}


def write_block(part: Part) -> dict[str, Any] | None:
    """One Anthropic content block, or ``None`` for what Anthropic cannot hold."""
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
        if all(b["type"] == "text" and "cache_control" not in b for b in inner):
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


def _write_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in merge_same_role(messages):
        parts = message.parts
        if message.role == "user":
            # tool results must open the turn that answers the calls
            parts = [p for p in parts if isinstance(p, ToolResultPart)] + [
                p for p in parts if not isinstance(p, ToolResultPart)
            ]
        else:
            # thinking must open an assistant turn
            parts = [p for p in parts if isinstance(p, (ThinkingPart, RedactedThinkingPart))] + [
                p for p in parts if not isinstance(p, (ThinkingPart, RedactedThinkingPart))
            ]
        blocks = [b for p in parts if (b := write_block(p)) is not None]
        if not blocks:
            continue  # Anthropic rejects empty content (the original sent `[]`, spec Q11)
        if len(blocks) == 1 and blocks[0]["type"] == "text" and "cache_control" not in blocks[0]:
            out.append({"role": message.role, "content": blocks[0]["text"]})
        else:
            out.append({"role": message.role, "content": blocks})
    return out


def write_request(ir: RequestIR) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": ir.model,
        "messages": _write_messages(ir.messages),
        "max_tokens": ir.max_tokens if ir.max_tokens is not None else DEFAULT_MAX_TOKENS,
    }
    system = [p for p in ir.system if p.text]
    if ir.response_format is not None and ir.response_format.type == "json_object":
        system.append(TextPart(JSON_OBJECT_INSTRUCTION))
    if system:
        if len(system) == 1 and system[0].cache_control is None:
            out["system"] = system[0].text
        else:
            out["system"] = [
                _with_cache({"type": "text", "text": p.text}, p.cache_control) for p in system
            ]
    for key in ("temperature", "top_p", "top_k"):
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
        tools = []
        for tool in ir.tools:
            spec: dict[str, Any] = {"name": tool.name}
            if tool.description is not None:
                spec["description"] = tool.description
            spec["input_schema"] = (
                tool.parameters if tool.parameters is not None else {"type": "object"}
            )
            tools.append(_with_cache(spec, tool.cache_control))
        out["tools"] = tools
    choice: dict[str, Any] | None = None
    if ir.tool_choice is not None:
        mode = ir.tool_choice.mode
        choice = (
            {"type": "tool", "name": ir.tool_choice.name}
            if mode == "tool"
            else {"type": {"auto": "auto", "required": "any", "none": "none"}[mode]}
        )
    if ir.parallel_tool_calls is False and ir.tools:
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    if choice is not None:
        out["tool_choice"] = choice
    fmt = ir.response_format
    if fmt is not None and fmt.type == "json_schema" and fmt.schema is not None:
        out["output_format"] = {"type": "json_schema", "schema": fmt.schema}
    if ir.reasoning is not None:
        out = apply_thinking(out, reasoning_config(ir.reasoning), format=WireFormat.ANTHROPIC)
        out = _thinking_constraints(out)
    return out


def _thinking_constraints(body: dict[str, Any]) -> dict[str, Any]:
    """Anthropic refuses thinking with a forced tool, a temperature other than 1 or ``top_k``."""
    thinking = as_dict(body.get("thinking"))
    if thinking is None or thinking.get("type") == "disabled":
        return body
    choice = as_dict(body.get("tool_choice"))
    if choice is not None and choice.get("type") in ("any", "tool"):
        return {k: v for k, v in body.items() if k not in ("thinking", "output_config")}
    if "temperature" in body and body["temperature"] != 1:
        body["temperature"] = 1
    body.pop("top_k", None)
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
    content = [b for p in ir.parts if (b := write_block(p)) is not None]
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
