"""An Anthropic Messages body rewritten as a CodeWhisperer ``generateAssistantResponse`` payload.

Kiro is Claude behind AWS CodeWhisperer, whose conversation model is stricter
than Anthropic's: there is no ``system`` field (the prompt rides on the first
user turn), history must alternate user/assistant starting with a user turn,
every turn needs non-empty text, tool results are only accepted right after
the assistant turn that made the calls and only when tools are declared, the
last turn must be the user's, and some JSON-Schema keywords are refused with
"Improperly formed request". This module reshapes any valid Anthropic body
into that form (requests in other formats reach it through
``byokey_translate``), so the caller never sees those rejections.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["DEFAULT_KIRO_MODEL", "build_payload", "kiro_model_id", "sanitize_schema"]

DEFAULT_KIRO_MODEL = "auto"
"""What ``kiro-default`` (the registry's only Kiro id) asks for: Kiro's own model choice."""

_EMPTY = "(empty)"
_CONTINUE = "Continue"
_DATED = re.compile(r"-\d{8}$")
_DOTTED = re.compile(r"^(claude-(?:sonnet|opus|haiku))-(\d+)-(\d+)$")


def kiro_model_id(model: str) -> str:
    """The ``modelId`` CodeWhisperer knows for a client's model name.

    ``kiro-default`` → ``auto``; a ``kiro-`` prefix is dropped; Anthropic's
    dashed versions become Kiro's dotted ones (``claude-sonnet-4-5-20250929``
    → ``claude-sonnet-4.5``); anything else is sent as given.
    """
    name = model.removeprefix("kiro-")
    if name in ("", "default", "auto"):
        return DEFAULT_KIRO_MODEL
    name = _DATED.sub("", name)
    return _DOTTED.sub(r"\1-\2.\3", name)


_DROPPED_SCHEMA_KEYS = frozenset({"additionalProperties", "$schema"})


def sanitize_schema(schema: Any) -> Any:
    """``schema`` without what CodeWhisperer rejects: ``additionalProperties``,
    ``$schema``, empty ``required`` lists and empty ``properties`` objects."""
    if isinstance(schema, list):
        return [sanitize_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED_SCHEMA_KEYS:
            continue
        if key in ("required", "properties") and not value:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: sanitize_schema(sub) for name, sub in value.items()}
        else:
            out[key] = sanitize_schema(value)
    return out


@dataclass(slots=True)
class _Turn:
    role: str
    texts: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    tool_uses: list[dict[str, Any]] = field(default_factory=list)
    tool_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in self.texts if t)

    def merge(self, other: _Turn) -> None:
        self.texts.extend(other.texts)
        self.images.extend(other.images)
        self.tool_uses.extend(other.tool_uses)
        self.tool_results.extend(other.tool_results)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _image(block: dict[str, Any]) -> dict[str, Any] | None:
    source = block.get("source")
    if not isinstance(source, dict) or source.get("type") != "base64" or not source.get("data"):
        return None  # URL images cannot be fetched on CodeWhisperer's side
    media = str(source.get("media_type") or "image/png")
    return {"format": media.split("/")[-1], "source": {"bytes": source["data"]}}


def _turn(message: dict[str, Any]) -> _Turn:
    role = "assistant" if message.get("role") == "assistant" else "user"
    turn = _Turn(role)
    content = message.get("content")
    if isinstance(content, str):
        turn.texts.append(content)
        return turn
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            turn.texts.append(str(block.get("text", "")))
        elif kind == "image":
            image = _image(block)
            if image is not None:
                turn.images.append(image)
        elif kind == "tool_use":
            turn.tool_uses.append(
                {
                    "toolUseId": str(block.get("id", "")),
                    "name": str(block.get("name", "")),
                    "input": block.get("input") if isinstance(block.get("input"), dict) else {},
                }
            )
        elif kind == "tool_result":
            inner = block.get("content")
            if isinstance(inner, list):
                turn.images.extend(
                    img
                    for b in inner
                    if isinstance(b, dict) and b.get("type") == "image"
                    if (img := _image(b)) is not None
                )
            turn.tool_results.append(
                {
                    "toolUseId": str(block.get("tool_use_id", "")),
                    "content": [{"text": _text_of(inner) or _EMPTY}],
                    "status": "error" if block.get("is_error") else "success",
                }
            )
        # thinking / redacted_thinking: CodeWhisperer has no place for them.
    return turn


def _as_text(turn: _Turn) -> None:
    """Fold tool calls and results into plain text (kept for the model to read)."""
    for use in turn.tool_uses:
        args = orjson.dumps(use["input"]).decode()
        turn.texts.append(f"[Tool call {use['name']} ({use['toolUseId']}): {args}]")
    for result in turn.tool_results:
        text = "".join(c.get("text", "") for c in result["content"])
        turn.texts.append(f"[Tool result ({result['toolUseId']}): {text}]")
    turn.tool_uses, turn.tool_results = [], []


def _normalise(turns: list[_Turn], *, has_tools: bool) -> list[_Turn]:
    merged: list[_Turn] = []
    for turn in turns:
        if merged and merged[-1].role == turn.role:
            merged[-1].merge(turn)
        else:
            merged.append(turn)
    called: set[str] = set()
    for turn in merged:
        if not has_tools:
            _as_text(turn)
            continue
        if turn.role == "assistant":
            called = {u["toolUseId"] for u in turn.tool_uses}
            continue
        if any(r["toolUseId"] not in called for r in turn.tool_results):
            # Results whose calls are not in the turn just before (a trimmed history).
            orphans = [r for r in turn.tool_results if r["toolUseId"] not in called]
            turn.tool_results = [r for r in turn.tool_results if r["toolUseId"] in called]
            orphan_turn = _Turn("user", tool_results=orphans)
            _as_text(orphan_turn)
            turn.texts.extend(orphan_turn.texts)
        called = set()
    if merged and merged[0].role != "user":
        merged.insert(0, _Turn("user", texts=[_EMPTY]))
    return merged


def _user_message(turn: _Turn, model_id: str, *, current: bool) -> dict[str, Any]:
    message: dict[str, Any] = {
        "content": turn.text or (_CONTINUE if current else _EMPTY),
        "modelId": model_id,
        "origin": "AI_EDITOR",
    }
    if turn.images:
        message["images"] = turn.images
    if turn.tool_results:
        message["userInputMessageContext"] = {"toolResults": turn.tool_results}
    return message


def _assistant_message(turn: _Turn) -> dict[str, Any]:
    message: dict[str, Any] = {"content": turn.text or _EMPTY}
    if turn.tool_uses:
        message["toolUses"] = turn.tool_uses
    return message


def _tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict) or not tool.get("name") or "input_schema" not in tool:
            continue  # server tools (web_search…) have no CodeWhisperer equivalent
        name = str(tool["name"])
        out.append(
            {
                "toolSpecification": {
                    "name": name,
                    "description": str(tool.get("description") or name),
                    "inputSchema": {"json": sanitize_schema(tool.get("input_schema") or {})},
                }
            }
        )
    return out


def build_payload(
    body: dict[str, Any],
    *,
    profile_arn: str | None = None,
    conversation_id: str | None = None,
) -> dict[str, Any]:
    """The ``generateAssistantResponse`` payload for an Anthropic Messages ``body``.

    Sampling settings (``max_tokens``, ``temperature``…) have no CodeWhisperer
    field and are not sent.
    """
    model_id = kiro_model_id(str(body.get("model") or ""))
    tools = _tools(body)
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    turns = _normalise([_turn(m) for m in messages], has_tools=bool(tools))
    if not turns:
        turns = [_Turn("user")]
    system = _text_of(body.get("system"))
    if system:
        turns[0].texts.insert(0, system)
    if turns[-1].role == "assistant":
        # CodeWhisperer cannot continue a prefilled answer: the prefill becomes
        # history and the user turn asks to go on.
        turns.append(_Turn("user", texts=[_CONTINUE]))
    history = [
        {"userInputMessage": _user_message(t, model_id, current=False)}
        if t.role == "user"
        else {"assistantResponseMessage": _assistant_message(t)}
        for t in turns[:-1]
    ]
    current = _user_message(turns[-1], model_id, current=True)
    if tools:
        current.setdefault("userInputMessageContext", {})["tools"] = tools
    state: dict[str, Any] = {
        "chatTriggerType": "MANUAL",
        "conversationId": conversation_id or str(uuid.uuid4()),
        "currentMessage": {"userInputMessage": current},
    }
    if history:
        state["history"] = history
    payload: dict[str, Any] = {"conversationState": state}
    if profile_arn:
        payload["profileArn"] = profile_arn
    return payload
