"""Gemini native ``generateContent``: request and response, read into and written from the canonical form.

Decisions a reader of the wire needs to know:

* **Model and stream.** A Gemini body has neither: both live in the URL
  (``models/{model}:streamGenerateContent``). The gateway's contract puts them
  in the body as ``model`` and ``stream``; the reader takes them from there and
  the writer puts them there, for the executor to move into the URL and pop.
* **Tool schemas** are written as ``parameters`` (Gemini's OpenAPI subset),
  cleaned of what Gemini rejects (``$schema``, ``additionalProperties``,
  ``$ref``, type unions, ``const``, unsupported ``format``s, empty
  ``properties``), rather than as ``parametersJsonSchema``: every Gemini
  endpoint and model accepts ``parameters``, including the Code Assist
  backend. A request read from Gemini prefers ``parametersJsonSchema`` (plain
  JSON Schema) and otherwise turns ``parameters`` back into JSON Schema
  (lowercase types, ``nullable`` as a ``"null"`` type). Structured output
  uses ``responseSchema`` the same way.
* **Call ids.** Gemini may send ``id`` on ``functionCall`` and
  ``functionResponse``. When absent, a call gets
  :func:`~byokey_translate._ids.derived_call_id` of its name and arguments,
  salted with its place (content index in a request; call ordinal in a
  response), and a response without an id takes the id of the earliest
  unanswered call of the same name — so a call and its answer always agree
  (the original gave them ids that never matched). A ``functionResponse``
  needs the function's name; the writer takes it from the result, else from
  the call with the same id earlier in the request, else uses the id.
* **Thought signatures** can sit on any Gemini part. A ``thought`` part is a
  :class:`ThinkingPart` with its signature; a signature on any other part is
  read as a text-less :class:`ThinkingPart` placed just before that part.
  Writing, a text-less signed thinking part is attached to the next
  ``functionCall`` of its turn (where Gemini 3 requires it), else to the next
  part, else sent as an empty thought part. This survives a trip through
  OpenAI's format, which moves thinking to the front of the turn.
* Parts Gemini has and the canonical form has not (``executableCode``,
  ``codeExecutionResult``, ``videoMetadata``) are dropped, as are redacted
  thinking blocks (only Anthropic can read them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson

from byokey_translate._anthropic import merge_same_role, reasoning_config
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
from byokey_translate._ids import derived_call_id
from byokey_translate._ir import (
    DocumentPart,
    FinishReason,
    ImagePart,
    Message,
    Part,
    Reasoning,
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
from byokey_translate._media import guess_media_type
from byokey_translate._reasons import from_gemini, to_gemini
from byokey_translate._thinking import apply_thinking
from byokey_types.errors import InvalidRequest
from byokey_types.wire.format import WireFormat

__all__ = [
    "call_id_for",
    "clean_schema",
    "from_gemini_schema",
    "read_parts",
    "read_request",
    "read_response",
    "read_usage",
    "write_parts",
    "write_request",
    "write_response",
    "write_usage",
]

_SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "maxItems",
        "minItems",
        "properties",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "anyOf",
        "propertyOrdering",
        "default",
        "items",
        "minimum",
        "maximum",
    }
)
_FORMATS = {
    "string": frozenset({"enum", "date-time"}),
    "integer": frozenset({"int32", "int64"}),
    "number": frozenset({"float", "double"}),
}
_MAX_REF_DEPTH = 8
_RESULT_KEYS = ("result", "output", "content")


# --- JSON Schema <-> Gemini Schema -------------------------------------------------


def _resolve_ref(ref: str, defs: dict[str, Any]) -> dict[str, Any] | None:
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix):
            found = defs.get(ref[len(prefix) :])
            return found if isinstance(found, dict) else None
    return None


def _clean(schema: Any, defs: dict[str, Any], depth: int) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = _resolve_ref(ref, defs)
        if target is None or depth >= _MAX_REF_DEPTH:
            # an unresolvable or recursive reference: an unconstrained object
            out: dict[str, Any] = {"type": "object"}
            if isinstance(schema.get("description"), str):
                out["description"] = schema["description"]
            return out
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return _clean({**target, **siblings}, defs, depth + 1)
    all_of = schema.get("allOf")
    if isinstance(all_of, list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for sub in all_of:
            if not isinstance(sub, dict):
                continue
            for key, value in sub.items():
                if key == "properties" and isinstance(value, dict):
                    merged["properties"] = {**(merged.get("properties") or {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*(merged.get("required") or []), *value]
                else:
                    merged.setdefault(key, value)
        schema = merged
    out = {}
    kind = schema.get("type")
    if isinstance(kind, list):
        names = [t for t in kind if isinstance(t, str)]
        if "null" in names:
            out["nullable"] = True
        names = [t for t in names if t != "null"]
        kind = names[0] if names else None
    if isinstance(kind, str):
        out["type"] = kind.lower()
    for key, value in schema.items():
        if key not in _SCHEMA_KEYS or key in ("type",):
            continue
        if key == "properties":
            if isinstance(value, dict) and value:
                out["properties"] = {name: _clean(sub, defs, depth) for name, sub in value.items()}
        elif key == "items":
            item = value[0] if isinstance(value, list) and value else value
            if isinstance(item, dict):
                out["items"] = _clean(item, defs, depth)
        elif key == "anyOf":
            if isinstance(value, list):
                out["anyOf"] = [_clean(sub, defs, depth) for sub in value if isinstance(sub, dict)]
        elif key == "enum":
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                out["enum"] = value
        elif key == "format":
            if isinstance(value, str) and value in _FORMATS.get(out.get("type", ""), ()):
                out["format"] = value
        else:
            out[key] = value
    one_of = schema.get("oneOf")
    if isinstance(one_of, list) and "anyOf" not in out:
        out["anyOf"] = [_clean(sub, defs, depth) for sub in one_of if isinstance(sub, dict)]
    const = schema.get("const")
    if isinstance(const, str) and "enum" not in out:
        out["enum"] = [const]
        out.setdefault("type", "string")
    if "required" in out:
        props = out.get("properties") or {}
        names = [n for n in out["required"] if isinstance(n, str) and n in props]
        if names:
            out["required"] = names
        else:
            del out["required"]
    return out


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (JSON Schema) as a Gemini ``Schema``: local ``$ref``s inlined,
    keys Gemini rejects removed. Returns a new dict."""
    defs = {
        **(as_dict(schema.get("definitions")) or {}),
        **(as_dict(schema.get("$defs")) or {}),
    }
    return _clean(schema, defs, 0)


def from_gemini_schema(schema: Any) -> Any:
    """A Gemini ``Schema`` (``"STRING"``, ``nullable``) as JSON Schema."""
    if isinstance(schema, list):
        return [from_gemini_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "propertyOrdering" or key == "nullable":
            continue
        if key == "type" and isinstance(value, str):
            out["type"] = value.lower()
        elif key == "properties" and isinstance(value, dict):
            out["properties"] = {name: from_gemini_schema(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf"):
            out[key] = from_gemini_schema(value)
        else:
            out[key] = value
    if schema.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


# --- reading -------------------------------------------------------------------------


def _args_json(args: Any) -> str:
    return orjson.dumps(args if args is not None else {}, option=orjson.OPT_SORT_KEYS).decode()


def call_id_for(name: str, args: Any, ordinal: int, salt: str = "") -> str:
    """The id of a Gemini call that came without one (stream readers use it too)."""
    return derived_call_id(name, _args_json(args), ordinal, salt)


def _result_content(response: Any) -> tuple[str, bool]:
    """The text of a ``functionResponse.response`` and whether it reports an error."""
    if isinstance(response, dict):
        for key in _RESULT_KEYS:
            value = response.get(key)
            if isinstance(value, str) and set(response) <= {*_RESULT_KEYS, "name"}:
                return value, False
        error = response.get("error")
        if isinstance(error, str) and len(response) == 1:
            return error, True
    if isinstance(response, str):
        return response, False
    if response is None:
        return "", False
    return orjson.dumps(response, option=orjson.OPT_SORT_KEYS).decode(), False


def _read_media(part: dict[str, Any], path: str) -> ImagePart | DocumentPart | None:
    inline = part.get("inlineData", part.get("inline_data"))
    if inline is not None:
        inline = require_dict(inline, f"{path}.inlineData")
        mime = as_str(inline.get("mimeType", inline.get("mime_type")))
        data = require_str(inline.get("data"), f"{path}.inlineData.data")
        if mime is not None and mime.startswith("image/"):
            return ImagePart(mime, data=data)
        return DocumentPart(mime or "application/octet-stream", data=data)
    ref = part.get("fileData", part.get("file_data"))
    if ref is not None:
        ref = require_dict(ref, f"{path}.fileData")
        uri = require_str(ref.get("fileUri", ref.get("file_uri")), f"{path}.fileData.fileUri")
        mime = as_str(ref.get("mimeType", ref.get("mime_type")))
        if (mime or guess_media_type(uri, "")).startswith("image/"):
            return ImagePart(mime, url=uri)
        return DocumentPart(mime, url=uri)
    return None


def read_parts(
    raw_parts: Any,
    path: str,
    *,
    salt: str,
    pending: list[tuple[str, str]] | None = None,
    call_names: dict[str, str] | None = None,
) -> list[Part]:
    """Canonical parts of a Gemini ``parts`` list.

    ``pending`` holds the (id, name) of calls not answered yet: calls read here
    are appended, responses read here take (and remove) a matching one.
    """
    parts: list[Part] = []
    ordinal = 0
    for j, raw in enumerate(require_list(raw_parts, path)):
        ppath = f"{path}[{j}]"
        part = require_dict(raw, ppath)
        signature = as_str(part.get("thoughtSignature", part.get("thought_signature")))
        text = part.get("text")
        if text is not None and not isinstance(text, str):
            raise InvalidRequest("must be a string", field=f"{ppath}.text")
        if part.get("thought") is True:
            parts.append(ThinkingPart(text or "", signature))
            continue
        if signature:
            parts.append(ThinkingPart("", signature))
        if text is not None:
            if text:
                parts.append(TextPart(text))
            continue
        call = part.get("functionCall", part.get("function_call"))
        if call is not None:
            call = require_dict(call, f"{ppath}.functionCall")
            name = require_str(call.get("name"), f"{ppath}.functionCall.name")
            args = call.get("args")
            args = args if isinstance(args, dict) else {}
            call_id = as_str(call.get("id")) or call_id_for(name, args, ordinal, salt)
            ordinal += 1
            if pending is not None:
                pending.append((call_id, name))
            if call_names is not None:
                call_names[call_id] = name
            parts.append(ToolCallPart(call_id, name, args=args))
            continue
        answer = part.get("functionResponse", part.get("function_response"))
        if answer is not None:
            answer = require_dict(answer, f"{ppath}.functionResponse")
            parts.append(_read_result(answer, f"{ppath}.functionResponse", salt, j, pending))
            continue
        media = _read_media(part, ppath)
        if media is not None:
            parts.append(media)
    return parts


def _read_result(
    answer: dict[str, Any],
    path: str,
    salt: str,
    index: int,
    pending: list[tuple[str, str]] | None,
) -> ToolResultPart:
    name = as_str(answer.get("name"))
    call_id = as_str(answer.get("id"))
    queue = pending if pending is not None else []
    if call_id is not None:
        queue[:] = [entry for entry in queue if entry[0] != call_id]
    else:
        match = next((k for k, (_, n) in enumerate(queue) if n == name), None)
        if match is None and name is None and queue:
            match = 0
        if match is not None:
            call_id, found = queue.pop(match)
            name = name or found
        else:
            call_id = call_id_for(name or "", answer.get("response"), index, f"{salt}/response")
    text, is_error = _result_content(answer.get("response"))
    content: list[TextPart | ImagePart | DocumentPart] = [TextPart(text)] if text else []
    extra = answer.get("parts")
    if isinstance(extra, list):
        for k, raw in enumerate(extra):
            media = _read_media(require_dict(raw, f"{path}.parts[{k}]"), f"{path}.parts[{k}]")
            if media is not None:
                content.append(media)
    return ToolResultPart(call_id, content, name=name, is_error=is_error)


def _read_system(value: Any) -> list[TextPart]:
    if isinstance(value, str):
        return [TextPart(value)] if value else []
    if value is None:
        return []
    value = require_dict(value, "systemInstruction")
    texts: list[TextPart] = []
    for j, raw in enumerate(require_list(value.get("parts") or [], "systemInstruction.parts")):
        part = require_dict(raw, f"systemInstruction.parts[{j}]")
        text = as_str(part.get("text"))
        if text:
            texts.append(TextPart(text))
    return texts


def _read_tools(value: Any) -> list[Tool]:
    tools: list[Tool] = []
    if value is None:
        return tools
    for i, raw in enumerate(require_list(value, "tools")):
        entry = require_dict(raw, f"tools[{i}]")
        decls = entry.get("functionDeclarations", entry.get("function_declarations"))
        if decls is None:
            continue  # googleSearch, codeExecution …: Gemini's own, not portable
        for j, decl in enumerate(require_list(decls, f"tools[{i}].functionDeclarations")):
            path = f"tools[{i}].functionDeclarations[{j}]"
            decl = require_dict(decl, path)
            schema = as_dict(decl.get("parametersJsonSchema"))
            if schema is None and isinstance(decl.get("parameters"), dict):
                schema = from_gemini_schema(decl["parameters"])
            tools.append(
                Tool(
                    require_str(decl.get("name"), f"{path}.name"),
                    as_str(decl.get("description")),
                    schema,
                )
            )
    return tools


def _read_tool_choice(value: Any) -> ToolChoice | None:
    config = as_dict((as_dict(value) or {}).get("functionCallingConfig"))
    if config is None:
        return None
    mode = (as_str(config.get("mode")) or "").upper()
    names = [n for n in config.get("allowedFunctionNames") or [] if isinstance(n, str)]
    if mode == "NONE":
        return ToolChoice("none")
    if mode == "ANY":
        return ToolChoice("tool", names[0]) if len(names) == 1 else ToolChoice("required")
    if mode in ("AUTO", "VALIDATED"):
        return ToolChoice("auto")
    return None


def _read_reasoning(config: dict[str, Any]) -> Reasoning | None:
    thinking = as_dict(config.get("thinkingConfig"))
    if thinking is None:
        return None
    budget = thinking.get("thinkingBudget")
    level = as_str(thinking.get("thinkingLevel"))
    if isinstance(budget, int) and not isinstance(budget, bool):
        if budget == 0:
            return Reasoning(disabled=True)
        if budget < 0:
            return Reasoning(effort="auto")
        return Reasoning(budget=budget)
    if level:
        return Reasoning(effort=level.lower())
    if thinking.get("includeThoughts") is True:
        return Reasoning(effort="auto")
    return None


def _read_response_format(config: dict[str, Any]) -> ResponseFormat | None:
    mime = as_str(config.get("responseMimeType"))
    schema = as_dict(config.get("responseJsonSchema"))
    if schema is None and isinstance(config.get("responseSchema"), dict):
        schema = from_gemini_schema(config["responseSchema"])
    if schema is not None:
        return ResponseFormat("json_schema", name="response", schema=schema)
    if mime == "application/json":
        return ResponseFormat("json_object")
    return None


def read_request(body: dict[str, Any]) -> RequestIR:
    model = as_str(body.get("model")) or ""
    model = model.removeprefix("models/")
    raw_contents = require_list(body.get("contents"), "contents")
    messages: list[Message] = []
    pending: list[tuple[str, str]] = []
    for i, raw in enumerate(raw_contents):
        path = f"contents[{i}]"
        content = require_dict(raw, path)
        role: Literal["user", "assistant"] = (
            "assistant" if content.get("role") == "model" else "user"
        )
        if role == "assistant":
            pending = []
        if "parts" not in content:
            raise InvalidRequest("is required", field=f"{path}.parts")
        parts = read_parts(content["parts"], f"{path}.parts", salt=str(i), pending=pending)
        messages.append(Message(role, parts))
    config = as_dict(body.get("generationConfig")) or {}
    stop = config.get("stopSequences")
    return RequestIR(
        model=model,
        messages=messages,
        system=_read_system(body.get("systemInstruction", body.get("system_instruction"))),
        tools=_read_tools(body.get("tools")),
        tool_choice=_read_tool_choice(body.get("toolConfig")),
        max_tokens=as_uint(config.get("maxOutputTokens")),
        temperature=as_float(config.get("temperature")),
        top_p=as_float(config.get("topP")),
        top_k=as_uint(config.get("topK")),
        stop=[s for s in stop if isinstance(s, str)] if isinstance(stop, list) else None,
        seed=as_uint(config.get("seed")),
        presence_penalty=as_float(config.get("presencePenalty")),
        frequency_penalty=as_float(config.get("frequencyPenalty")),
        stream=as_bool(body.get("stream")),
        response_format=_read_response_format(config),
        reasoning=_read_reasoning(config),
    )


def read_usage(usage: Any) -> Usage | None:
    """Gemini counts thoughts apart from candidates; the canonical output includes them."""
    if not isinstance(usage, dict):
        return None
    prompt = (as_uint(usage.get("promptTokenCount")) or 0) + (
        as_uint(usage.get("toolUsePromptTokenCount")) or 0
    )
    thoughts = as_uint(usage.get("thoughtsTokenCount")) or 0
    return Usage(
        prompt,
        (as_uint(usage.get("candidatesTokenCount")) or 0) + thoughts,
        as_uint(usage.get("cachedContentTokenCount")) or 0,
        0,
        thoughts,
    )


def _created(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value).timestamp())
    except ValueError:
        return None


def read_response(body: dict[str, Any]) -> ResponseIR:
    candidates = body.get("candidates")
    parts: list[Part] = []
    reason: Any = None
    if candidates is not None and require_list(candidates, "candidates"):
        candidate = require_dict(candidates[0], "candidates[0]")
        content = candidate.get("content")
        if content is not None:
            content = require_dict(content, "candidates[0].content")
            raw_parts = content.get("parts")
            if raw_parts is not None:
                parts = read_parts(raw_parts, "candidates[0].content.parts", salt="")
        reason = candidate.get("finishReason")
    has_calls = any(isinstance(p, ToolCallPart) for p in parts)
    feedback = as_dict(body.get("promptFeedback")) or {}
    finish: FinishReason | None
    if reason is None and feedback.get("blockReason") is not None:
        finish = "content_filter"
    elif reason is None:
        finish = "tool_calls" if has_calls else None
    else:
        finish = from_gemini(reason, has_tool_calls=has_calls)
    model = as_str(body.get("modelVersion")) or as_str(body.get("model")) or "gemini"
    return ResponseIR(
        id=as_str(body.get("responseId")) or "",
        model=model,
        parts=parts,
        finish_reason=finish,
        usage=read_usage(body.get("usageMetadata")),
        created=_created(body.get("createTime")),
    )


# --- writing -------------------------------------------------------------------------


def _signature_only(part: Part) -> bool:
    return isinstance(part, ThinkingPart) and not part.text and bool(part.signature)


def _writable(part: Part) -> bool:
    if isinstance(part, TextPart):
        return bool(part.text)
    return isinstance(part, (ImagePart, DocumentPart, ToolCallPart, ToolResultPart))


def _signature_targets(parts: list[Part]) -> dict[int, str]:
    """Which part each text-less signed thinking part attaches to (see module doc)."""
    targets: dict[int, str] = {}
    for i, part in enumerate(parts):
        if not isinstance(part, ThinkingPart) or part.text or not part.signature:
            continue
        following: list[int] = []
        for j in range(i + 1, len(parts)):
            if _signature_only(parts[j]):
                break
            following.append(j)
        call = next((j for j in following if isinstance(parts[j], ToolCallPart)), None)
        target = (
            call if call is not None else next((j for j in following if _writable(parts[j])), None)
        )
        if target is not None and target not in targets:
            targets[target] = part.signature
        else:
            targets[i] = part.signature
    return targets


def _media(part: ImagePart | DocumentPart) -> dict[str, Any] | None:
    if part.data is not None:
        default = "image/png" if isinstance(part, ImagePart) else "application/pdf"
        return {"inlineData": {"mimeType": part.media_type or default, "data": part.data}}
    uri = part.url
    if uri is None and isinstance(part, DocumentPart):
        if part.text is not None:
            return {"text": part.text} if part.text else None
        uri = part.file_id
    if uri is None:
        return None
    ref: dict[str, Any] = {"fileUri": uri}
    mime = part.media_type or guess_media_type(uri, "")
    if mime:
        ref["mimeType"] = mime
    return {"fileData": ref}


def _result_response(part: ToolResultPart) -> dict[str, Any]:
    text = part.text()
    if part.is_error:
        return {"error": text}
    if text.startswith("{"):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"result": text}


def write_parts(
    parts: list[Part], call_names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Gemini parts for canonical parts; redacted thinking is dropped."""
    targets = _signature_targets(parts)
    out: list[dict[str, Any]] = []
    for i, part in enumerate(parts):
        written: list[dict[str, Any]] = []
        if isinstance(part, ThinkingPart):
            if part.text:
                written.append({"text": part.text, "thought": True})
                if part.signature:
                    written[0]["thoughtSignature"] = part.signature
            elif i in targets:
                written.append({"text": "", "thought": True})
        elif isinstance(part, TextPart):
            if part.text:
                written.append({"text": part.text})
        elif isinstance(part, (ImagePart, DocumentPart)):
            media = _media(part)
            if media is not None:
                written.append(media)
        elif isinstance(part, ToolCallPart):
            args = part.args
            written.append(
                {
                    "functionCall": {
                        "id": part.id,
                        "name": part.name,
                        "args": args if isinstance(args, dict) else {},
                    }
                }
            )
        elif isinstance(part, ToolResultPart):
            name = part.name or (call_names or {}).get(part.id) or part.id
            written.append(
                {
                    "functionResponse": {
                        "id": part.id,
                        "name": name,
                        "response": _result_response(part),
                    }
                }
            )
            for inner in part.content:
                if isinstance(inner, (ImagePart, DocumentPart)):
                    media = _media(inner)
                    if media is not None:
                        written.append(media)
        if written and i in targets:
            written[0]["thoughtSignature"] = targets[i]
        out.extend(written)
    return out


def _write_contents(messages: list[Message]) -> list[dict[str, Any]]:
    call_names = {p.id: p.name for m in messages for p in m.parts if isinstance(p, ToolCallPart)}
    contents: list[dict[str, Any]] = []
    for message in merge_same_role(messages):
        parts = message.parts
        if message.role == "user":
            # the answers must open the turn that follows the calls
            parts = [p for p in parts if isinstance(p, ToolResultPart)] + [
                p for p in parts if not isinstance(p, ToolResultPart)
            ]
        written = write_parts(parts, call_names)
        if written:
            role = "model" if message.role == "assistant" else "user"
            contents.append({"role": role, "parts": written})
    return contents


def _write_tool(tool: Tool) -> dict[str, Any]:
    decl: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        decl["description"] = tool.description
    if tool.parameters is not None:
        schema = clean_schema(tool.parameters)
        if schema.get("properties") or schema.get("type") not in (None, "object"):
            decl["parameters"] = schema
    return decl


def _write_tool_config(choice: ToolChoice) -> dict[str, Any]:
    if choice.mode == "tool":
        config: dict[str, Any] = {"mode": "ANY", "allowedFunctionNames": [choice.name]}
    else:
        config = {"mode": {"auto": "AUTO", "required": "ANY", "none": "NONE"}[choice.mode]}
    return {"functionCallingConfig": config}


def _gemini3_level(effort: str) -> str:
    return "low" if effort in ("minimal", "low") else "high"


def _with_reasoning(body: dict[str, Any], model: str, reasoning: Reasoning) -> dict[str, Any]:
    effort = reasoning.effort
    if (
        not reasoning.disabled
        and reasoning.budget is None
        and effort not in (None, "auto", "none")
        and model.startswith("gemini-3")
    ):
        # Gemini 3 thinks in levels; a budget works but is discouraged
        gen = dict(body.get("generationConfig") or {})
        gen["thinkingConfig"] = {
            "thinkingLevel": _gemini3_level(effort or ""),
            "includeThoughts": True,
        }
        return {**body, "generationConfig": gen}
    return apply_thinking(body, reasoning_config(reasoning), format=WireFormat.GEMINI)


def write_request(ir: RequestIR) -> dict[str, Any]:
    out: dict[str, Any] = {"model": ir.model, "contents": _write_contents(ir.messages)}
    system = [{"text": p.text} for p in ir.system if p.text]
    if system:
        out["systemInstruction"] = {"parts": system}
    if ir.tools:
        out["tools"] = [{"functionDeclarations": [_write_tool(t) for t in ir.tools]}]
    if ir.tool_choice is not None:
        out["toolConfig"] = _write_tool_config(ir.tool_choice)
    gen: dict[str, Any] = {}
    for key, name in (
        ("max_tokens", "maxOutputTokens"),
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("top_k", "topK"),
        ("seed", "seed"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
    ):
        value = getattr(ir, key)
        if value is not None:
            gen[name] = value
    if ir.stop:
        gen["stopSequences"] = ir.stop
    fmt = ir.response_format
    if fmt is not None and fmt.type != "text":
        gen["responseMimeType"] = "application/json"
        if fmt.type == "json_schema" and fmt.schema is not None:
            gen["responseSchema"] = clean_schema(fmt.schema)
    out["generationConfig"] = gen
    if ir.reasoning is not None:
        out = _with_reasoning(out, ir.model, ir.reasoning)
    if ir.stream is not None:
        out["stream"] = ir.stream
    return out


def write_usage(usage: Usage) -> dict[str, Any]:
    candidates = max(usage.output_tokens - usage.reasoning_tokens, 0)
    out: dict[str, Any] = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": candidates,
        "totalTokenCount": usage.input_tokens + usage.output_tokens,
    }
    if usage.cache_read_tokens:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    return out


def write_response(ir: ResponseIR) -> dict[str, Any]:
    parts = write_parts(ir.parts) or [{"text": ""}]
    out: dict[str, Any] = {
        "candidates": [
            {
                "content": {"role": "model", "parts": parts},
                "finishReason": to_gemini(ir.finish_reason),
                "index": 0,
            }
        ],
        "modelVersion": ir.model,
    }
    if ir.id:
        out["responseId"] = ir.id
    if ir.usage is not None:
        out["usageMetadata"] = write_usage(ir.usage)
    return out
