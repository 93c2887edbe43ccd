"""OpenAI Chat Completions: request and response, read into and written from the canonical form.

Thinking rides on assistant messages as ``reasoning_content`` (text) and
``reasoning_signature`` (the last signature), the fields DeepSeek, Qwen and the
gateway peers use. When a turn holds more than one thinking block, or a
redacted one, ``reasoning_blocks`` carries them in Anthropic's shape as well,
so a Claude conversation with thinking validates after a trip through OpenAI.
"""

from __future__ import annotations

from typing import Any

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
from byokey_translate._ids import now, reprefix
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
from byokey_translate._media import join_data_url, split_data_url
from byokey_translate._reasons import from_openai, to_openai
from byokey_translate._thinking import ThinkingConfig
from byokey_types.errors import InvalidRequest

__all__ = [
    "read_content",
    "read_request",
    "read_response",
    "read_usage",
    "reasoning_fields",
    "write_request",
    "write_response",
    "write_usage",
]

_EFFORTS = ("minimal", "low", "medium", "high", "xhigh")


# --- reading -------------------------------------------------------------------------


def read_content(content: Any, path: str) -> list[TextPart | ImagePart | DocumentPart]:
    """Parts of an OpenAI ``content``; unknown part types (audio …) are dropped."""
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    if not isinstance(content, list):
        raise InvalidRequest("must be a string or a list", field=path)
    parts: list[TextPart | ImagePart | DocumentPart] = []
    for i, item in enumerate(content):
        item = require_dict(item, f"{path}[{i}]")
        kind = item.get("type")
        cache = as_dict(item.get("cache_control"))
        if kind == "text" or kind == "refusal":
            text = item.get(kind)
            if not isinstance(text, str):
                raise InvalidRequest("must be a string", field=f"{path}[{i}].{kind}")
            if text or cache:
                parts.append(TextPart(text, cache))
        elif kind == "image_url":
            ref = item.get("image_url")
            url = ref.get("url") if isinstance(ref, dict) else ref
            if not isinstance(url, str):
                raise InvalidRequest("must be a string", field=f"{path}[{i}].image_url.url")
            detail = as_str(ref.get("detail")) if isinstance(ref, dict) else None
            split = split_data_url(url)
            if split is not None:
                parts.append(ImagePart(split[0], data=split[1], detail=detail, cache_control=cache))
            else:
                parts.append(ImagePart(url=url, detail=detail, cache_control=cache))
        elif kind == "file":
            ref = require_dict(item.get("file"), f"{path}[{i}].file")
            doc = DocumentPart(
                file_id=as_str(ref.get("file_id")),
                filename=as_str(ref.get("filename")),
                cache_control=cache,
            )
            data = as_str(ref.get("file_data"))
            if data is not None:
                split = split_data_url(data)
                doc.media_type, doc.data = split if split else ("application/pdf", data)
            parts.append(doc)
    return parts


def _read_tool_calls(value: Any, path: str) -> list[ToolCallPart]:
    calls: list[ToolCallPart] = []
    if value is None:
        return calls
    for j, call in enumerate(require_list(value, path)):
        call = require_dict(call, f"{path}[{j}]")
        fn = require_dict(call.get("function"), f"{path}[{j}].function")
        name = require_str(fn.get("name"), f"{path}[{j}].function.name")
        args = fn.get("arguments")
        calls.append(
            ToolCallPart(
                as_str(call.get("id")) or f"call_{j}",
                name,
                args_json=args if isinstance(args, str) else None,
                args=None if isinstance(args, str) else args,
            )
        )
    return calls


def _read_thinking(message: dict[str, Any]) -> list[Part]:
    blocks = message.get("reasoning_blocks")
    if isinstance(blocks, list):
        parts: list[Part] = []
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "redacted_thinking" and isinstance(block.get("data"), str):
                parts.append(RedactedThinkingPart(block["data"]))
            elif block.get("type") == "thinking":
                parts.append(
                    ThinkingPart(
                        as_str(block.get("thinking")) or "", as_str(block.get("signature"))
                    )
                )
        return parts
    text = as_str(message.get("reasoning_content"))
    signature = as_str(message.get("reasoning_signature"))
    if text or signature:
        return [ThinkingPart(text or "", signature)]
    return []


def _read_reasoning(body: dict[str, Any]) -> Reasoning | None:
    effort = as_str(body.get("reasoning_effort"))
    if effort is None:
        return None
    if effort == "none":
        return Reasoning(disabled=True)
    return Reasoning(effort=effort)


def _read_tool_choice(value: Any) -> ToolChoice | None:
    if value in ("auto", "required", "none"):
        return ToolChoice(value)
    if isinstance(value, dict):
        fn = value.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return ToolChoice("tool", fn["name"])
    return None


def _read_response_format(value: Any) -> ResponseFormat | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    if kind == "json_schema":
        spec = value.get("json_schema")
        spec = spec if isinstance(spec, dict) else {}
        return ResponseFormat(
            "json_schema",
            name=as_str(spec.get("name")),
            schema=as_dict(spec.get("schema")),
            strict=as_bool(spec.get("strict")),
            description=as_str(spec.get("description")),
        )
    if kind in ("json_object", "text"):
        return ResponseFormat(kind)
    return None


def _read_tools(value: Any) -> list[Tool]:
    tools: list[Tool] = []
    if value is None:
        return tools
    for i, tool in enumerate(require_list(value, "tools")):
        tool = require_dict(tool, f"tools[{i}]")
        fn = tool.get("function")
        if not isinstance(fn, dict):
            continue  # built-in tools of other vendors: not portable, dropped
        tools.append(
            Tool(
                require_str(fn.get("name"), f"tools[{i}].function.name"),
                as_str(fn.get("description")),
                as_dict(fn.get("parameters")),
                as_bool(fn.get("strict")),
                as_dict(tool.get("cache_control")),
            )
        )
    return tools


def read_request(body: dict[str, Any]) -> RequestIR:
    model = require_str(body.get("model"), "model")
    raw_messages = require_list(body.get("messages"), "messages")
    system: list[TextPart] = []
    messages: list[Message] = []
    call_names: dict[str, str] = {}
    for i, raw in enumerate(raw_messages):
        path = f"messages[{i}]"
        msg = require_dict(raw, path)
        role = msg.get("role")
        content = msg.get("content")
        if role in ("system", "developer"):
            system.extend(
                p for p in read_content(content, f"{path}.content") if isinstance(p, TextPart)
            )
        elif role in ("tool", "function"):
            call_id = as_str(msg.get("tool_call_id")) or as_str(msg.get("name")) or ""
            result = ToolResultPart(
                call_id,
                read_content(content, f"{path}.content"),
                name=call_names.get(call_id) or as_str(msg.get("name")),
            )
            messages.append(Message("user", [result]))
        elif role == "assistant":
            parts: list[Part] = _read_thinking(msg)
            parts.extend(read_content(content, f"{path}.content"))
            calls = _read_tool_calls(msg.get("tool_calls"), f"{path}.tool_calls")
            for call in calls:
                call_names[call.id] = call.name
            parts.extend(calls)
            messages.append(Message("assistant", parts))
        else:
            messages.append(Message("user", list(read_content(content, f"{path}.content"))))
    stop = body.get("stop")
    metadata = as_dict(body.get("metadata"))
    return RequestIR(
        model=model,
        messages=messages,
        system=system,
        tools=_read_tools(body.get("tools")),
        tool_choice=_read_tool_choice(body.get("tool_choice")),
        parallel_tool_calls=as_bool(body.get("parallel_tool_calls")),
        max_tokens=as_uint(body.get("max_completion_tokens")) or as_uint(body.get("max_tokens")),
        temperature=as_float(body.get("temperature")),
        top_p=as_float(body.get("top_p")),
        stop=[stop]
        if isinstance(stop, str)
        else [s for s in stop if isinstance(s, str)]
        if isinstance(stop, list)
        else None,
        seed=as_uint(body.get("seed")),
        presence_penalty=as_float(body.get("presence_penalty")),
        frequency_penalty=as_float(body.get("frequency_penalty")),
        stream=as_bool(body.get("stream")),
        user=as_str(body.get("user")) or (as_str(metadata.get("user_id")) if metadata else None),
        response_format=_read_response_format(body.get("response_format")),
        reasoning=_read_reasoning(body),
    )


def read_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    prompt = as_uint(usage.get("prompt_tokens")) or 0
    completion = as_uint(usage.get("completion_tokens")) or 0
    pdet = as_dict(usage.get("prompt_tokens_details")) or {}
    cdet = as_dict(usage.get("completion_tokens_details")) or {}
    return Usage(
        prompt,
        completion,
        as_uint(pdet.get("cached_tokens")) or 0,
        as_uint(pdet.get("cache_creation_tokens")) or 0,
        as_uint(cdet.get("reasoning_tokens")) or 0,
    )


def read_response(body: dict[str, Any]) -> ResponseIR:
    choices = require_list(body.get("choices"), "choices")
    if not choices:
        raise InvalidRequest("must not be empty", field="choices")
    choice = require_dict(choices[0], "choices[0]")
    message = require_dict(choice.get("message"), "choices[0].message")
    parts: list[Part] = _read_thinking(message)
    parts.extend(read_content(message.get("content"), "choices[0].message.content"))
    refusal = as_str(message.get("refusal"))
    if refusal:
        parts.append(TextPart(refusal))
    parts.extend(_read_tool_calls(message.get("tool_calls"), "choices[0].message.tool_calls"))
    reason = choice.get("finish_reason")
    return ResponseIR(
        id=as_str(body.get("id")) or "",
        model=as_str(body.get("model")) or "unknown",
        parts=parts,
        finish_reason=from_openai(reason) if reason is not None else None,
        usage=read_usage(body.get("usage")),
        created=as_uint(body.get("created")),
    )


# --- writing -------------------------------------------------------------------------


def _content_part(part: Part) -> dict[str, Any] | None:
    if isinstance(part, TextPart):
        out: dict[str, Any] = {"type": "text", "text": part.text}
    elif isinstance(part, ImagePart):
        url = join_data_url(part.media_type, part.data) if part.data is not None else part.url
        if url is None:
            return None
        ref: dict[str, Any] = {"url": url}
        if part.detail:
            ref["detail"] = part.detail
        out = {"type": "image_url", "image_url": ref}
    elif isinstance(part, DocumentPart):
        file: dict[str, Any] = {}
        if part.data is not None:
            file["file_data"] = join_data_url(part.media_type, part.data)
        elif part.text is not None:
            return {"type": "text", "text": part.text}
        elif part.file_id is not None:
            file["file_id"] = part.file_id
        elif part.url is not None:
            return {"type": "text", "text": part.url}
        else:
            return None  # nothing Chat could fetch or read
        if part.filename or part.title:
            file["filename"] = part.filename or part.title
        out = {"type": "file", "file": file}
    else:
        return None
    if part.cache_control is not None:
        out["cache_control"] = part.cache_control
    return out


def _content(parts: list[Part]) -> str | list[dict[str, Any]] | None:
    """A plain string when the parts are text alone (what every client expects), else a list."""
    if all(isinstance(p, TextPart) and p.cache_control is None for p in parts):
        return "".join(p.text for p in parts if isinstance(p, TextPart))
    return [c for p in parts if (c := _content_part(p)) is not None]


def _tool_call(call: ToolCallPart) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.args_json},
    }


def reasoning_fields(parts: list[Part]) -> dict[str, Any]:
    """``reasoning_content`` / ``reasoning_signature`` (and ``reasoning_blocks``) for parts."""
    thinking = [p for p in parts if isinstance(p, (ThinkingPart, RedactedThinkingPart))]
    if not thinking:
        return {}
    out: dict[str, Any] = {}
    text = "".join(p.text for p in thinking if isinstance(p, ThinkingPart))
    signatures = [p.signature for p in thinking if isinstance(p, ThinkingPart) and p.signature]
    if text or not signatures:
        out["reasoning_content"] = text
    if signatures:
        out["reasoning_signature"] = signatures[-1]
    if len(thinking) > 1 or isinstance(thinking[0], RedactedThinkingPart):
        out["reasoning_blocks"] = [
            {"type": "thinking", "thinking": p.text, "signature": p.signature or ""}
            if isinstance(p, ThinkingPart)
            else {"type": "redacted_thinking", "data": p.data}
            for p in thinking
        ]
    return out


def _assistant_message(parts: list[Part]) -> dict[str, Any]:
    body = [p for p in parts if isinstance(p, (TextPart, ImagePart, DocumentPart))]
    calls = [_tool_call(p) for p in parts if isinstance(p, ToolCallPart)]
    text = "".join(p.text for p in body if isinstance(p, TextPart))
    out: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        out["tool_calls"] = calls
    out.update(reasoning_fields(parts))
    return out


def _write_messages(ir: RequestIR) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if ir.system:
        if len(ir.system) == 1 and ir.system[0].cache_control is None:
            out.append({"role": "system", "content": ir.system[0].text})
        else:
            out.append({"role": "system", "content": _content(list(ir.system))})
    for message in ir.messages:
        if message.role == "assistant":
            out.append(_assistant_message(message.parts))
            continue
        rest: list[Part] = []
        for part in message.parts:
            if isinstance(part, ToolResultPart):
                tool_msg: dict[str, Any] = {
                    "role": "tool",
                    "tool_call_id": part.id,
                    "content": _content(list(part.content)) or "",
                }
                out.append(tool_msg)
            else:
                rest.append(part)
        if rest or not message.parts:
            out.append({"role": "user", "content": _content(rest)})
    return out


def _write_tool(tool: Tool) -> dict[str, Any]:
    fn: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        fn["description"] = tool.description
    fn["parameters"] = tool.parameters if tool.parameters is not None else {"type": "object"}
    if tool.strict is not None:
        fn["strict"] = tool.strict
    return {"type": "function", "function": fn}


def write_request(ir: RequestIR) -> dict[str, Any]:
    out: dict[str, Any] = {"model": ir.model, "messages": _write_messages(ir)}
    if ir.max_tokens is not None:
        out["max_tokens"] = ir.max_tokens
    for key in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "user"):
        value = getattr(ir, key)
        if value is not None:
            out[key] = value
    if ir.stop:
        out["stop"] = ir.stop
    if ir.tools:
        out["tools"] = [_write_tool(t) for t in ir.tools]
    if ir.tool_choice is not None:
        choice = ir.tool_choice
        out["tool_choice"] = (
            {"type": "function", "function": {"name": choice.name}}
            if choice.mode == "tool"
            else choice.mode
        )
    if ir.parallel_tool_calls is not None:
        out["parallel_tool_calls"] = ir.parallel_tool_calls
    fmt = ir.response_format
    if fmt is not None:
        if fmt.type == "json_schema":
            spec: dict[str, Any] = {"name": fmt.name or "response"}
            if fmt.schema is not None:
                spec["schema"] = fmt.schema
            if fmt.strict is not None:
                spec["strict"] = fmt.strict
            if fmt.description is not None:
                spec["description"] = fmt.description
            out["response_format"] = {"type": "json_schema", "json_schema": spec}
        else:
            out["response_format"] = {"type": fmt.type}
    reasoning = ir.reasoning
    if reasoning is not None:
        if reasoning.disabled:
            out["reasoning_effort"] = "none"
        elif reasoning.effort in _EFFORTS:
            out["reasoning_effort"] = reasoning.effort
        elif reasoning.effort == "max":
            out["reasoning_effort"] = "xhigh"
        elif reasoning.budget is not None:
            out["reasoning_effort"] = ThinkingConfig.of_budget(reasoning.budget).as_effort()
    if ir.stream is not None:
        out["stream"] = ir.stream
        if ir.stream:
            out["stream_options"] = {"include_usage": True}
    return out


def write_usage(usage: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    details: dict[str, int] = {"cached_tokens": usage.cache_read_tokens}
    if usage.cache_write_tokens:
        details["cache_creation_tokens"] = usage.cache_write_tokens
    out["prompt_tokens_details"] = details
    out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return out


def write_response(ir: ResponseIR) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": reprefix(ir.id, "chatcmpl-"),
        "object": "chat.completion",
        "created": ir.created if ir.created is not None else now(),
        "model": ir.model,
        "choices": [
            {
                "index": 0,
                "message": _assistant_message(ir.parts),
                "finish_reason": to_openai(ir.finish_reason),
                "logprobs": None,
            }
        ],
    }
    if ir.usage is not None:
        out["usage"] = write_usage(ir.usage)
    return out
