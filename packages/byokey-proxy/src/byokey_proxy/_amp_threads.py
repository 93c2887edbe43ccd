"""Amp CLI thread files, listed and shown for ``/v0/management/amp/threads``.

The directory is scanned per list request in a worker thread instead of kept
in a watched index: it always reflects the disk, needs no watcher thread, and
a few hundred small files scan in milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from byokey_types import ByokError, InvalidRequest, WireFormat

from ._responses import error_response, json_response
from ._routes_chat import Handler
from ._routes_management import query_int
from ._schemas import (
    AmpContentBlock,
    AmpMessage,
    AmpThreadDetail,
    AmpThreadListResponse,
    AmpThreadSummary,
)
from ._state import ProxyState

__all__ = ["default_threads_dir", "get_thread", "list_threads", "summarize", "thread_detail"]

_ID = re.compile(r"^T-[0-9A-Fa-f-]+$")
_MAX_LIMIT = 200


def default_threads_dir() -> Path:
    home = os.environ.get("HOME") or "/tmp"  # noqa: S108 - the original's fallback, read-only
    return Path(home) / ".local" / "share" / "amp" / "threads"


def _threads_dir(state: ProxyState) -> Path:
    if state.threads_dir is not None:
        return state.threads_dir
    configured = state.settings().amp.threads_dir
    return Path(configured) if configured else default_threads_dir()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _uint(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def summarize(raw: dict[str, Any], size: int) -> AmpThreadSummary | None:
    thread_id, created = raw.get("id"), _uint(raw.get("created"))
    if not isinstance(thread_id, str) or created is None:
        return None
    messages = _list(raw.get("messages"))
    summary: AmpThreadSummary = {
        "id": thread_id,
        "created": created,
        "message_count": len(messages),
        "file_size_bytes": size,
    }
    if isinstance(raw.get("title"), str):
        summary["title"] = raw["title"]
    if isinstance(raw.get("agentMode"), str):
        summary["agent_mode"] = raw["agentMode"]
    tokens_in = tokens_out = 0
    seen_usage = False
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        usage = message.get("usage")
        if not isinstance(usage, dict):
            continue
        seen_usage = True
        if isinstance(usage.get("model"), str):
            summary["last_model"] = usage["model"]
        tokens_in += _uint(usage.get("inputTokens")) or 0
        tokens_out += _uint(usage.get("outputTokens")) or 0
    if seen_usage:
        summary["total_input_tokens"] = tokens_in
        summary["total_output_tokens"] = tokens_out
    return summary


def _scan(folder: Path) -> list[AmpThreadSummary]:
    found: list[AmpThreadSummary] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return found
    for path in entries:
        if not (path.name.startswith("T-") and path.name.lower().endswith(".json")):
            continue
        try:
            raw = orjson.loads(path.read_bytes())
            summary = summarize(raw, path.stat().st_size) if isinstance(raw, dict) else None
        except (OSError, orjson.JSONDecodeError):
            continue
        if summary is not None:
            found.append(summary)
    found.sort(key=lambda s: s["created"], reverse=True)
    return found


def list_threads(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        try:
            limit = min(query_int(request, "limit", 50) or 0, _MAX_LIMIT)
            offset = query_int(request, "offset", 0) or 0
            flag = request.query_params.get("has_messages", "true").lower()
            if flag not in ("true", "false"):
                raise InvalidRequest("query parameter 'has_messages' must be true or false")
        except ByokError as err:
            return error_response(err, WireFormat.OPENAI)
        threads = await asyncio.to_thread(_scan, _threads_dir(state))
        wanted = flag == "true"
        kept = [t for t in threads if (t["message_count"] > 0) == wanted]
        offset = min(offset, len(kept))
        body: AmpThreadListResponse = {"threads": kept[offset : offset + limit], "total": len(kept)}
        return json_response(body)

    return handle


def _block(raw: Any) -> AmpContentBlock:
    if not isinstance(raw, dict):
        return {"type": "unknown", "original_type": ""}
    kind = raw.get("type")
    if kind == "text":
        return {"type": "text", "text": str(raw.get("text", ""))}
    if kind in ("thinking", "redacted_thinking"):
        return {"type": "thinking", "thinking": str(raw.get("thinking") or raw.get("data") or "")}
    if kind == "tool_use":
        return {
            "type": "tool_use",
            "id": str(raw.get("id", "")),
            "name": str(raw.get("name", "")),
            "input": raw.get("input"),
        }
    if kind == "tool_result":
        run = _map(raw.get("run"))
        block: AmpContentBlock = {
            "type": "tool_result",
            "tool_use_id": str(raw.get("toolUseID", "")),
            "run": {"status": str(run.get("status", "unknown"))},
        }
        for key in ("result", "error"):
            if key in run:
                block["run"][key] = run[key]
        return block
    return {"type": "unknown", "original_type": str(kind)}


def thread_detail(raw: dict[str, Any]) -> AmpThreadDetail:
    """Raw camelCase thread → API shape; raises ``ValueError`` when required fields lack."""
    thread_id, version, created = raw.get("id"), _uint(raw.get("v")), _uint(raw.get("created"))
    if not isinstance(thread_id, str) or version is None or created is None:
        raise ValueError("thread lacks id, v or created")
    messages: list[AmpMessage] = []
    for m in _list(raw.get("messages")):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise ValueError("message lacks role")
        message_id = _uint(m.get("messageId"))
        if message_id is None:
            raise ValueError("message lacks messageId")
        content = _list(m.get("content"))
        message: AmpMessage = {
            "role": m["role"],
            "message_id": message_id,
            "content": [_block(b) for b in content],
        }
        usage = m.get("usage")
        if isinstance(usage, dict):
            message["usage"] = {"model": str(usage.get("model") or "")}
            for src, dst in (
                ("inputTokens", "input_tokens"),
                ("outputTokens", "output_tokens"),
                ("cacheCreationInputTokens", "cache_creation_input_tokens"),
                ("cacheReadInputTokens", "cache_read_input_tokens"),
                ("totalInputTokens", "total_input_tokens"),
            ):
                if _uint(usage.get(src)) is not None:
                    message["usage"][dst] = usage[src]  # type: ignore[literal-required]
        state = m.get("state")
        if isinstance(state, dict):
            message["state"] = {"state_type": str(state.get("type", ""))}
            if isinstance(state.get("stopReason"), str):
                message["state"]["stop_reason"] = state["stopReason"]
        messages.append(message)
    detail: AmpThreadDetail = {
        "id": thread_id,
        "v": version,
        "created": created,
        "messages": messages,
    }
    if isinstance(raw.get("title"), str):
        detail["title"] = raw["title"]
    if isinstance(raw.get("agentMode"), str):
        detail["agent_mode"] = raw["agentMode"]
    relations = [
        {"thread_id": str(r.get("threadID", "")), "rel_type": str(r.get("type", ""))}
        | ({"role": r["role"]} if isinstance(r.get("role"), str) else {})
        for r in _list(raw.get("relationships"))
        if isinstance(r, dict)
    ]
    if relations:
        detail["relationships"] = relations  # type: ignore[typeddict-item]
    if "env" in raw:
        detail["env"] = raw["env"]
    return detail


def get_thread(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        thread_id: str = request.path_params["id"]
        if len(thread_id) <= 2 or not _ID.match(thread_id):
            return json_response(
                {"error": {"message": "invalid thread ID format", "type": "invalid_request_error"}},
                400,
            )
        path = _threads_dir(state) / f"{thread_id}.json"
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return json_response(
                {"error": {"message": "thread not found", "type": "not_found"}}, 404
            )
        except OSError:
            data = b""
        try:
            raw = orjson.loads(data)
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            return json_response(thread_detail(raw))
        except (ValueError, orjson.JSONDecodeError):
            return json_response(
                {"error": {"message": "failed to parse thread", "type": "server_error"}}, 500
            )

    return handle
