"""Tool-name remapping between third-party agents and Claude Code's spelling.

Claude OAuth traffic is expected to use Claude Code's built-in tool names
(``Bash``, ``Read`` …); agents such as OpenCode call the same tools ``bash``,
``read``. Requests are renamed on the way out and responses (JSON and stream
events) renamed back, so the client never sees the difference. Matches are exact
and case-sensitive; other names pass untouched. The map is configurable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

from byokey_types import SSEEvent

__all__ = ["CLAUDE_CODE_TOOL_NAMES", "ToolNameMap", "request_tool_names"]

CLAUDE_CODE_TOOL_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "bash": "Bash",
        "read": "Read",
        "write": "Write",
        "edit": "Edit",
        "glob": "Glob",
        "grep": "Grep",
        "task": "Task",
        "webfetch": "WebFetch",
        "todowrite": "TodoWrite",
        "todoread": "TodoRead",
        "notebookedit": "NotebookEdit",
        "question": "Question",
        "skill": "Skill",
        "ls": "LS",
    }
)
"""Client name → name sent to Anthropic."""


def _renamed_blocks(content: Any, names: Mapping[str, str]) -> Any:
    if not isinstance(content, list):
        return content
    out: list[Any] = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_use":
            name = block.get("name")
            if isinstance(name, str) and name in names:
                block = {**block, "name": names[name]}
        out.append(block)
    return out


def _block_names(content: Any) -> Iterator[Any]:
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                yield block.get("name")


def request_tool_names(body: dict[str, Any]) -> set[str]:
    """Every tool name a request mentions (tools, tool choice, ``tool_use`` history)."""
    found: list[Any] = []
    tools = body.get("tools")
    if isinstance(tools, list):
        found.extend(t.get("name") for t in tools if isinstance(t, dict))
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        found.append(choice.get("name"))
    for message in body.get("messages") or ():
        if isinstance(message, dict):
            found.extend(_block_names(message.get("content")))
    found.extend(_block_names(body.get("content")))
    return {n for n in found if isinstance(n, str)}


class ToolNameMap:
    """A two-way rename; the reverse map is derived, so it stays consistent."""

    def __init__(self, forward: Mapping[str, str] = CLAUDE_CODE_TOOL_NAMES) -> None:
        self.forward: Mapping[str, str] = MappingProxyType(dict(forward))
        self.reverse: Mapping[str, str] = MappingProxyType({v: k for k, v in forward.items()})

    def __bool__(self) -> bool:
        return bool(self.forward)

    def for_request(self, body: dict[str, Any]) -> ToolNameMap:
        """The part of this map one request uses, so only *its* names are mapped back.

        The original reverse-mapped every Claude Code name in answers, so a client
        that itself called a tool ``Bash`` got ``bash`` back. Here a name is renamed
        only when the request used the client spelling, and never when the request
        also uses the target spelling itself (two tools would collapse into one).
        """
        used = request_tool_names(body)
        return ToolNameMap({k: v for k, v in self.forward.items() if k in used and v not in used})

    def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """Rename ``tools[].name``, ``tool_choice.name`` and ``tool_use`` blocks."""
        names = self.forward
        out = dict(body)
        tools = out.get("tools")
        if isinstance(tools, list):
            out["tools"] = [
                {**t, "name": names[t["name"]]}
                if isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"] in names
                else t
                for t in tools
            ]
        choice = out.get("tool_choice")
        name = choice.get("name") if isinstance(choice, dict) else None
        if isinstance(choice, dict) and isinstance(name, str) and name in names:
            out["tool_choice"] = {**choice, "name": names[name]}
        messages = out.get("messages")
        if isinstance(messages, list):
            out["messages"] = [
                {**m, "content": _renamed_blocks(m.get("content"), names)}
                if isinstance(m, dict) and isinstance(m.get("content"), list)
                else m
                for m in messages
            ]
        if isinstance(out.get("content"), list):
            out["content"] = _renamed_blocks(out["content"], names)
        return out

    def response(self, body: dict[str, Any]) -> dict[str, Any]:
        """Rename ``tool_use`` blocks of a Messages response back to the client's names."""
        if not isinstance(body.get("content"), list):
            return body
        return {**body, "content": _renamed_blocks(body["content"], self.reverse)}

    def stream_event(self, data: dict[str, Any]) -> dict[str, Any]:
        """Rename ``content_block.name`` of one parsed stream event back."""
        block = data.get("content_block")
        if not isinstance(block, dict):
            return data
        name = block.get("name")
        if not isinstance(name, str) or name not in self.reverse:
            return data
        return {**data, "content_block": {**block, "name": self.reverse[name]}}

    async def stream_events(self, events: AsyncIterator[SSEEvent]) -> AsyncIterator[SSEEvent]:
        """``events`` with tool names mapped back; untouched events are yielded as they
        came (the same objects), so a passthrough stream is never re-built."""
        async for event in events:
            data = event.data
            if isinstance(data, dict) and "content_block" in data:
                renamed = self.stream_event(data)
                if renamed is not data:
                    yield SSEEvent(event.event, renamed)
                    continue
            yield event
