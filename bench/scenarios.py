"""The scenarios of issue 9: what is sent, where, how many at once.

Each scenario is one request sent over and over, once straight to the fake
upstream ("direct") and once through each proxy, so the difference is what
the proxy adds. For (e) the direct request is the same Anthropic request sent
to the fake's native ``/v1/messages``: what the client would get from a real
Anthropic upstream, against which the translation is the proxy's extra work.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from .servers import CLAUDE_MODEL, OPENAI_MODEL
from .translate_bench import claude_code_request

__all__ = ["SCENARIOS", "Scenario", "by_id"]

_SYSTEM = "You are a helpful assistant. Answer briefly."


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    concurrency: int
    path: str
    builder: str  # key into _BODIES
    expect: bytes
    anthropic: bool = False

    def body(self) -> bytes:
        return _body(self.builder)

    def headers(self, auth: dict[str, str]) -> dict[str, str]:
        extra = {"anthropic-version": "2023-06-01"} if self.anthropic else {}
        return {**auth, **extra}


def _openai(stream: bool) -> dict[str, Any]:
    return {
        "model": OPENAI_MODEL,
        "messages": [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": "Write a haiku about the sea."},
        ],
        "max_tokens": 256,
        "stream": stream,
    }


def _anthropic(model: str, stream: bool) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 256,
        "system": _SYSTEM,
        "messages": [{"role": "user", "content": "Write a haiku about the sea."}],
        "stream": stream,
    }


def _claude_code() -> dict[str, Any]:
    body = claude_code_request(500_000)
    body.update(model=CLAUDE_MODEL, stream=True)
    return body


_BODIES = {
    "openai": lambda: _openai(False),
    "openai_stream": lambda: _openai(True),
    "claude": lambda: _anthropic(CLAUDE_MODEL, False),
    "claude_stream": lambda: _anthropic(CLAUDE_MODEL, True),
    "translated_stream": lambda: _anthropic(OPENAI_MODEL, True),
    "claude_code": _claude_code,
}


@cache
def _body(name: str) -> bytes:
    return orjson.dumps(_BODIES[name]())


_CHAT, _MESSAGES = "/v1/chat/completions", "/v1/messages"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("a", "OpenAI chat, JSON, c=1", 1, _CHAT, "openai", b'"choices"'),
    Scenario("b", "OpenAI chat, JSON, c=32", 32, _CHAT, "openai", b'"choices"'),
    Scenario("c", "OpenAI chat, SSE 20 chunks, c=32", 32, _CHAT, "openai_stream", b"[DONE]"),
    Scenario(
        "d1", "Anthropic passthrough (claude key), JSON, c=32", 32, _MESSAGES, "claude",
        b'"end_turn"', anthropic=True,
    ),
    Scenario(
        "d2", "Anthropic passthrough (claude key), SSE, c=32", 32, _MESSAGES, "claude_stream",
        b"message_stop", anthropic=True,
    ),
    Scenario(
        "e", "Anthropic in, OpenAI-compatible up (translated), SSE, c=32", 32, _MESSAGES,
        "translated_stream", b"message_stop", anthropic=True,
    ),
    Scenario(
        "f", "500 KB Claude Code-style request, SSE, c=4", 4, _MESSAGES, "claude_code",
        b"message_stop", anthropic=True,
    ),
)  # fmt: skip


def by_id(ids: str) -> list[Scenario]:
    """The scenarios named in a comma list (``a,b,e``), in table order; ``all`` = every one."""
    if ids == "all":
        return list(SCENARIOS)
    wanted = {i.strip() for i in ids.split(",") if i.strip()}
    known = {s.id for s in SCENARIOS}
    if not wanted <= known:
        raise ValueError(f"unknown scenarios {sorted(wanted - known)}; known: {sorted(known)}")
    return [s for s in SCENARIOS if s.id in wanted]
