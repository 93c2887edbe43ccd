"""OpenAI Responses (and Codex, which speaks it): request and response, read into and written from the canonical form.

A Responses conversation is a flat list of items, not of messages: one
assistant turn is a ``reasoning`` item, a ``message`` item and
``function_call`` items side by side, and each tool answer is its own
``function_call_output`` item. The reader folds neighbouring assistant-side
items into one assistant message and neighbouring outputs into one user
message; the writer unfolds them again in part order.

Reasoning is what makes a multi-turn Codex conversation work without server
state (``store: false``): a reasoning item's ``encrypted_content`` is the
:class:`ThinkingPart` signature, its summary the thinking text and its ``id``
the part's ``id``. Decisions:

* The writer of a *request* sends a reasoning item only when its signature is
  OpenAI's own (an encrypted Fernet token, ``gAAAAA…``): Anthropic or Gemini
  signatures would be refused by OpenAI and fail the whole turn, and
  reasoning without encrypted content cannot be resolved when nothing is
  stored. It always asks for ``reasoning.encrypted_content`` when reasoning
  is on or the history holds some, and always sends ``store: false``.
* The writer of a *response* keeps every signature, whoever made it, because
  the client (Codex CLI, an SDK) sends the item back verbatim next turn and a
  Claude conversation with thinking must validate then. A redacted Claude
  thinking block travels as a reasoning item whose id starts with
  ``rs_redacted_`` and whose encrypted content is the block's data.
* Assistant text in a request is a message with string content, the shape
  the Responses API documents for replayed turns (``output_text`` parts would
  need the item ids and statuses of stored output).
* Function tools are written with an explicit ``strict`` (``false`` unless the
  source said otherwise): the Responses API defaults to strict schemas, which
  ordinary JSON Schemas fail.
* Parameters Responses lacks (``stop``, ``top_k``, ``seed``, penalties) are
  dropped; built-in tools and items (``web_search``, ``custom_tool_call``,
  ``item_reference`` …) are dropped when reading, since no other format can
  carry them. ``input_image`` given by ``file_id`` is dropped too.
"""

from __future__ import annotations

import hashlib
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
from byokey_translate._ids import new_id, now, reprefix
from byokey_translate._ir import (
    DocumentPart,
    FinishReason,
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
from byokey_translate._media import guess_media_type, join_data_url, split_data_url
from byokey_translate._thinking import ThinkingConfig
from byokey_types.errors import InvalidRequest

__all__ = [
    "ENCRYPTED_REASONING",
    "REDACTED_PREFIX",
    "is_openai_signature",
    "output_items",
    "read_output_items",
    "read_request",
    "read_response",
    "read_usage",
    "reasoning_id",
    "unique_item_id",
    "write_request",
    "write_response",
    "write_usage",
]

ENCRYPTED_REASONING = "reasoning.encrypted_content"
REDACTED_PREFIX = "rs_redacted_"
"""Id prefix of a reasoning item that carries a redacted Claude thinking block."""

_EFFORTS = ("minimal", "low", "medium", "high", "xhigh")
_TEXT_PARTS = ("input_text", "output_text", "text", "summary_text", "reasoning_text")
_INCOMPLETE: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}

ContentParts = list[TextPart | ImagePart | DocumentPart]


def _digest(*values: str) -> str:
    return hashlib.blake2b("\x00".join(values).encode(), digest_size=8).hexdigest()


def is_openai_signature(signature: str) -> bool:
    """Whether ``signature`` is OpenAI encrypted reasoning (a Fernet token)."""
    return signature.startswith("gAAAAA")


def unique_item_id(item_id: str, position: int, seen: set[str]) -> str:
    """``item_id``, suffixed with its output position while an earlier item holds it.

    Two calls with one call id, two copies of a redacted block or of one
    reasoning item would otherwise give items the same id, which the SDK's
    stream accumulator and a later ``previous_response_id`` turn both trip
    over. The stream writer applies the same rule, so both agree.
    """
    while item_id in seen:
        item_id = f"{item_id}_{position}"
    seen.add(item_id)
    return item_id


def reasoning_id(part: ThinkingPart | RedactedThinkingPart) -> str:
    """The reasoning item id for ``part``: its own, else one derived from its content."""
    if isinstance(part, RedactedThinkingPart):
        return REDACTED_PREFIX + _digest(part.data)
    return part.id or "rs_" + _digest(part.signature or "", part.text)


# --- reading -------------------------------------------------------------------------


def _read_file(item: dict[str, Any]) -> DocumentPart:
    filename = as_str(item.get("filename"))
    doc = DocumentPart(file_id=as_str(item.get("file_id")), filename=filename)
    data = as_str(item.get("file_data"))
    if data is not None:
        split = split_data_url(data)
        if split is not None:
            doc.media_type, doc.data = split
        else:
            doc.media_type = guess_media_type(filename or "", "application/pdf")
            doc.data = data
    url = as_str(item.get("file_url"))
    if url is not None and doc.data is None:
        doc.url = url
    return doc


def _read_parts(content: Any, path: str) -> ContentParts:
    """Canonical parts of a message ``content`` or a tool ``output``; unknown parts dropped."""
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    parts: ContentParts = []
    for i, raw in enumerate(require_list(content, path)):
        item = require_dict(raw, f"{path}[{i}]")
        kind = item.get("type")
        if kind in _TEXT_PARTS or kind == "refusal":
            key = "refusal" if kind == "refusal" else "text"
            text = require_str(item.get(key), f"{path}[{i}].{key}")
            if text:
                parts.append(TextPart(text))
        elif kind == "input_image":
            url = as_str(item.get("image_url"))
            if url is None:
                continue  # by file_id: not portable
            detail = as_str(item.get("detail"))
            split = split_data_url(url)
            if split is not None:
                parts.append(ImagePart(split[0], data=split[1], detail=detail))
            else:
                parts.append(ImagePart(url=url, detail=detail))
        elif kind == "input_file":
            parts.append(_read_file(item))
    return parts


def _read_reasoning_item(item: dict[str, Any], path: str) -> Part | None:
    texts: list[str] = []
    for key in ("summary", "content"):
        raw = item.get(key)
        if raw is None or texts:
            continue
        for j, entry in enumerate(require_list(raw, f"{path}.{key}")):
            entry = require_dict(entry, f"{path}.{key}[{j}]")
            text = as_str(entry.get("text"))
            if text:
                texts.append(text)
    encrypted = as_str(item.get("encrypted_content"))
    item_id = as_str(item.get("id"))
    if item_id is not None and item_id.startswith(REDACTED_PREFIX) and encrypted:
        return RedactedThinkingPart(encrypted)
    if not texts and not encrypted:
        return None
    return ThinkingPart("\n\n".join(texts), encrypted, item_id)


def _read_call(item: dict[str, Any], path: str) -> ToolCallPart:
    args = item.get("arguments")
    return ToolCallPart(
        require_str(item.get("call_id"), f"{path}.call_id"),
        require_str(item.get("name"), f"{path}.name"),
        args_json=args if isinstance(args, str) else None,
        args=None if isinstance(args, str) else args,
    )


def _read_input(value: Any) -> tuple[list[TextPart], list[Message]]:
    if value is None:
        return [], []
    if isinstance(value, str):
        return [], [Message("user", [TextPart(value)] if value else [])]
    system: list[TextPart] = []
    messages: list[Message] = []
    call_names: dict[str, str] = {}
    last = ""  # kind of the item that built the last message: "assistant", "output", "user"

    def add(kind: str, role: Literal["user", "assistant"], parts: list[Part]) -> None:
        nonlocal last
        if messages and last == kind and kind != "user":
            messages[-1].parts.extend(parts)
        else:
            messages.append(Message(role, parts))
        last = kind

    for i, raw in enumerate(require_list(value, "input")):
        path = f"input[{i}]"
        item = require_dict(raw, path)
        kind = item.get("type")
        if kind is None and "role" in item:
            kind = "message"
        if kind == "message":
            role = item.get("role")
            parts = _read_parts(item.get("content"), f"{path}.content")
            if role in ("system", "developer"):
                system.extend(p for p in parts if isinstance(p, TextPart))
            elif role == "assistant":
                add("assistant", "assistant", list(parts))
            else:
                add("user", "user", list(parts))
        elif kind == "function_call":
            call = _read_call(item, path)
            call_names[call.id] = call.name
            add("assistant", "assistant", [call])
        elif kind == "reasoning":
            thinking = _read_reasoning_item(item, path)
            if thinking is not None:
                add("assistant", "assistant", [thinking])
        elif kind == "function_call_output":
            call_id = require_str(item.get("call_id"), f"{path}.call_id")
            result = ToolResultPart(
                call_id,
                _read_parts(item.get("output"), f"{path}.output"),
                name=call_names.get(call_id),
            )
            add("output", "user", [result])
    return system, messages


def _read_tools(value: Any) -> list[Tool]:
    tools: list[Tool] = []
    for i, raw in enumerate(require_list(value or [], "tools")):
        tool = require_dict(raw, f"tools[{i}]")
        if tool.get("type") != "function":
            continue  # built-in tools (web_search, custom, mcp …) exist only at OpenAI
        tools.append(
            Tool(
                require_str(tool.get("name"), f"tools[{i}].name"),
                as_str(tool.get("description")),
                as_dict(tool.get("parameters")),
                as_bool(tool.get("strict")),
            )
        )
    return tools


def _read_tool_choice(value: Any) -> ToolChoice | None:
    if value in ("auto", "required", "none"):
        return ToolChoice(value)
    choice = as_dict(value)
    if choice is None:
        return None
    if choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return ToolChoice("tool", choice["name"])
    if choice.get("type") == "allowed_tools" and choice.get("mode") in ("auto", "required"):
        return ToolChoice(choice["mode"])
    return None


def _read_format(text: Any) -> ResponseFormat | None:
    fmt = as_dict((as_dict(text) or {}).get("format"))
    if fmt is None:
        return None
    kind = fmt.get("type")
    if kind == "json_schema":
        return ResponseFormat(
            "json_schema",
            name=as_str(fmt.get("name")),
            schema=as_dict(fmt.get("schema")),
            strict=as_bool(fmt.get("strict")),
            description=as_str(fmt.get("description")),
        )
    if kind in ("json_object", "text"):
        return ResponseFormat(kind)
    return None


def _read_reasoning(value: Any) -> Reasoning | None:
    reasoning = as_dict(value)
    if reasoning is None:
        return None
    effort = as_str(reasoning.get("effort"))
    summary = as_str(reasoning.get("summary")) or as_str(reasoning.get("generate_summary"))
    if effort == "none":
        return Reasoning(disabled=True, summary=summary)
    if effort is None and summary is None:
        return None
    return Reasoning(effort=effort, summary=summary)


def read_request(body: dict[str, Any]) -> RequestIR:
    model = require_str(body.get("model"), "model")
    system, messages = _read_input(body.get("input"))
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise InvalidRequest("must be a string", field="instructions")
    if instructions:
        system.insert(0, TextPart(instructions))
    return RequestIR(
        model=model,
        messages=messages,
        system=system,
        tools=_read_tools(body.get("tools")),
        tool_choice=_read_tool_choice(body.get("tool_choice")),
        parallel_tool_calls=as_bool(body.get("parallel_tool_calls")),
        max_tokens=as_uint(body.get("max_output_tokens")),
        temperature=as_float(body.get("temperature")),
        top_p=as_float(body.get("top_p")),
        stream=as_bool(body.get("stream")),
        user=as_str(body.get("user")) or as_str(body.get("safety_identifier")),
        response_format=_read_format(body.get("text")),
        reasoning=_read_reasoning(body.get("reasoning")),
    )


def read_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    idet = as_dict(usage.get("input_tokens_details")) or {}
    odet = as_dict(usage.get("output_tokens_details")) or {}
    return Usage(
        as_uint(usage.get("input_tokens")) or 0,
        as_uint(usage.get("output_tokens")) or 0,
        as_uint(idet.get("cached_tokens")) or 0,
        as_uint(idet.get("cache_write_tokens")) or as_uint(idet.get("cache_creation_tokens")) or 0,
        as_uint(odet.get("reasoning_tokens")) or 0,
    )


def read_output_items(output: Any, path: str = "output") -> list[Part]:
    """Canonical parts of a response's ``output`` items (built-in tool calls dropped)."""
    parts: list[Part] = []
    for i, raw in enumerate(require_list(output, path)):
        ipath = f"{path}[{i}]"
        item = require_dict(raw, ipath)
        kind = item.get("type")
        if kind == "message":
            parts.extend(_read_parts(item.get("content"), f"{ipath}.content"))
        elif kind == "function_call":
            parts.append(_read_call(item, ipath))
        elif kind == "reasoning":
            thinking = _read_reasoning_item(item, ipath)
            if thinking is not None:
                parts.append(thinking)
    return parts


def read_response(body: dict[str, Any]) -> ResponseIR:
    if "output" not in body and isinstance(body.get("response"), dict):
        body = body["response"]  # a ``response.completed`` event handed over whole
    parts = read_output_items(body.get("output"))
    status = body.get("status")
    finish: FinishReason
    if status == "incomplete":
        details = as_dict(body.get("incomplete_details")) or {}
        finish = _INCOMPLETE.get(as_str(details.get("reason")) or "", "length")
    elif any(isinstance(p, ToolCallPart) for p in parts):
        finish = "tool_calls"
    else:
        finish = "stop"
    created = as_float(body.get("created_at"))
    return ResponseIR(
        id=as_str(body.get("id")) or "",
        model=as_str(body.get("model")) or "unknown",
        parts=parts,
        finish_reason=finish,
        usage=read_usage(body.get("usage")),
        created=int(created) if created is not None and created >= 0 else None,
    )


# --- writing -------------------------------------------------------------------------


def _input_part(part: TextPart | ImagePart | DocumentPart) -> dict[str, Any] | None:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text} if part.text else None
    if isinstance(part, ImagePart):
        url = join_data_url(part.media_type, part.data) if part.data is not None else part.url
        if url is None:
            return None
        return {"type": "input_image", "image_url": url, "detail": part.detail or "auto"}
    if part.text is not None:
        return {"type": "input_text", "text": part.text} if part.text else None
    out: dict[str, Any] = {"type": "input_file"}
    if part.data is not None:
        out["file_data"] = join_data_url(part.media_type, part.data)
    elif part.file_id is not None:
        out["file_id"] = part.file_id
    elif part.url is not None:
        out["file_url"] = part.url
    else:
        return None
    if part.filename or part.title:
        out["filename"] = part.filename or part.title
    return out


def _input_parts(parts: list[Part]) -> list[dict[str, Any]]:
    return [
        c
        for p in parts
        if isinstance(p, (TextPart, ImagePart, DocumentPart)) and (c := _input_part(p)) is not None
    ]


def _call_item(call: ToolCallPart) -> dict[str, Any]:
    return {
        "type": "function_call",
        "call_id": call.id,
        "name": call.name,
        "arguments": call.args_json,
    }


def _reasoning_item(part: ThinkingPart | RedactedThinkingPart) -> dict[str, Any]:
    if isinstance(part, RedactedThinkingPart):
        return {
            "type": "reasoning",
            "id": reasoning_id(part),
            "summary": [],
            "encrypted_content": part.data,
        }
    item: dict[str, Any] = {
        "type": "reasoning",
        "id": reasoning_id(part),
        "summary": [{"type": "summary_text", "text": part.text}] if part.text else [],
    }
    if part.signature is not None:
        item["encrypted_content"] = part.signature
    return item


def _output_of(part: ToolResultPart) -> str | list[dict[str, Any]]:
    if all(isinstance(p, TextPart) for p in part.content):
        return part.text()
    return _input_parts(list(part.content))


def _user_items(parts: list[Part]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    pending: list[Part] = []
    for part in [*parts, None]:
        if part is not None and not isinstance(part, ToolResultPart):
            pending.append(part)
            continue
        content = _input_parts(pending)
        if content:
            items.append({"type": "message", "role": "user", "content": content})
        pending = []
        if part is not None:
            items.append(
                {"type": "function_call_output", "call_id": part.id, "output": _output_of(part)}
            )
    return items


def _assistant_items(parts: list[Part]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    text: list[str] = []
    for part in [*parts, None]:
        if isinstance(part, TextPart):
            text.append(part.text)
            continue
        item: dict[str, Any] | None = None
        if isinstance(part, ToolCallPart):
            item = _call_item(part)
        elif (
            isinstance(part, ThinkingPart)
            and part.signature
            and is_openai_signature(part.signature)
        ):
            item = _reasoning_item(part)
        elif part is not None:
            continue  # images, foreign reasoning: nothing OpenAI would accept
        if "".join(text):
            items.append({"type": "message", "role": "assistant", "content": "".join(text)})
        text = []
        if item is not None:
            items.append(item)
    return items


def _write_input(messages: list[Message]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "user":
            items.extend(_user_items(message.parts))
        else:
            items.extend(_assistant_items(message.parts))
    return items


def _write_tool(tool: Tool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "function", "name": tool.name}
    if tool.description is not None:
        out["description"] = tool.description
    out["parameters"] = (
        tool.parameters if tool.parameters is not None else {"type": "object", "properties": {}}
    )
    out["strict"] = bool(tool.strict)
    return out


def _write_reasoning(reasoning: Reasoning) -> dict[str, Any]:
    if reasoning.disabled:
        return {"effort": "none"}
    out: dict[str, Any] = {}
    if reasoning.effort in _EFFORTS:
        out["effort"] = reasoning.effort
    elif reasoning.effort == "max":
        out["effort"] = "xhigh"
    elif reasoning.budget is not None:
        out["effort"] = ThinkingConfig.of_budget(reasoning.budget).as_effort()
    out["summary"] = reasoning.summary or "auto"
    return out


def write_request(ir: RequestIR) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": ir.model,
        "instructions": "\n".join(p.text for p in ir.system),
        "input": _write_input(ir.messages),
    }
    if ir.tools:
        out["tools"] = [_write_tool(t) for t in ir.tools]
    if ir.tool_choice is not None:
        choice = ir.tool_choice
        out["tool_choice"] = (
            {"type": "function", "name": choice.name} if choice.mode == "tool" else choice.mode
        )
    if ir.parallel_tool_calls is not None:
        out["parallel_tool_calls"] = ir.parallel_tool_calls
    if ir.max_tokens is not None:
        out["max_output_tokens"] = ir.max_tokens
    for key in ("temperature", "top_p", "user"):
        value = getattr(ir, key)
        if value is not None:
            out[key] = value
    fmt = ir.response_format
    if fmt is not None:
        spec: dict[str, Any] = {"type": fmt.type}
        if fmt.type == "json_schema":
            spec["name"] = fmt.name or "response"
            spec["schema"] = fmt.schema if fmt.schema is not None else {"type": "object"}
            if fmt.strict is not None:
                spec["strict"] = fmt.strict
            if fmt.description is not None:
                spec["description"] = fmt.description
        out["text"] = {"format": spec}
    reasoning_on = ir.reasoning is not None and not ir.reasoning.disabled
    if ir.reasoning is not None:
        out["reasoning"] = _write_reasoning(ir.reasoning)
    if reasoning_on or any(item["type"] == "reasoning" for item in out["input"]):
        out["include"] = [ENCRYPTED_REASONING]
    out["store"] = False
    if ir.stream is not None:
        out["stream"] = ir.stream
    return out


def write_usage(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


def output_items(parts: list[Part], response_id: str) -> list[dict[str, Any]]:
    """Output items for canonical parts: text runs become messages, calls
    ``function_call`` items, thinking ``reasoning`` items. Ids are derived from
    ``response_id`` and the item's position where the part has none, and made
    unique (:func:`unique_item_id`), so a stream writer names items alike."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    text: list[str] = []

    def add(item: dict[str, Any]) -> None:
        item["id"] = unique_item_id(item["id"], len(items), seen)
        items.append(item)

    def flush() -> None:
        if text:
            add(
                {
                    "type": "message",
                    "id": "msg_" + _digest(response_id, str(len(items))),
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "".join(text), "annotations": []}],
                }
            )
            text.clear()

    for part in parts:
        if isinstance(part, TextPart):
            text.append(part.text)
        elif isinstance(part, ToolCallPart):
            flush()
            item = _call_item(part)
            item["id"] = "fc_" + _digest(response_id, part.id)
            item["status"] = "completed"
            add(item)
        elif isinstance(part, (ThinkingPart, RedactedThinkingPart)):
            flush()
            item = _reasoning_item(part)
            if isinstance(part, ThinkingPart) and part.id is None:
                item["id"] = "rs_" + _digest(response_id, str(len(items)))
            add(item)
    flush()
    return items


def write_response(ir: ResponseIR) -> dict[str, Any]:
    response_id = reprefix(ir.id, "resp_") if ir.id else new_id("resp_")
    status = "completed"
    incomplete: dict[str, Any] | None = None
    if ir.finish_reason == "length":
        status, incomplete = "incomplete", {"reason": "max_output_tokens"}
    elif ir.finish_reason == "content_filter":
        status, incomplete = "incomplete", {"reason": "content_filter"}
    out: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": ir.created if ir.created is not None else now(),
        "status": status,
        "model": ir.model,
        "output": output_items(ir.parts, response_id),
        "error": None,
        "incomplete_details": incomplete,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }
    if ir.usage is not None:
        out["usage"] = write_usage(ir.usage)
    return out
