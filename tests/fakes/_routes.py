"""Route table: path patterns mapped to scripts of replies.

Patterns use ``{name}`` for one path segment (no ``/``) and ``{name:path}`` for the
rest of the path, so Gemini's ``/v1beta/models/{model}:generateContent`` works as written.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections import deque
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field

from tests.fakes._recorded import RecordedRequest
from tests.fakes._replies import Drop, Handler, Json, Raw, Reply, Sse, Stall, Text

REPLY_TYPES = (Json, Text, Sse, Drop, Stall, Raw)
Script = Reply | Handler | Iterable["Reply | Handler"]

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(path))?\}")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[position : match.start()]))
        body = ".+?" if match.group(2) else "[^/]+?"
        out.append(f"(?P<{match.group(1)}>{body})")
        position = match.end()
    out.append(re.escape(pattern[position:]))
    return re.compile("".join(out) + r"\Z")


@dataclass
class Route:
    """A method + path pattern answered by a script.

    The script is a single reply/handler (answers every call) or a sequence (one per
    call; the last one keeps answering). ``queue`` pushes one-shot replies that are
    served first — how family fakes implement "the next reply is a 429".
    """

    method: str
    pattern: str
    steps: list[Reply | Handler]
    regex: re.Pattern[str] = field(init=False)
    calls: int = 0
    _once: deque[Reply | Handler] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.regex = compile_pattern(self.pattern)
        if not self.steps:
            raise ValueError("a route needs at least one reply or handler")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method != "*" and self.method != method.upper():
            return None
        found = self.regex.match(path)
        return None if found is None else found.groupdict()

    def queue(self, *replies: Reply | Handler) -> Route:
        with self._lock:
            self._once.extend(replies)
        return self

    def next_step(self) -> Reply | Handler:
        with self._lock:
            self.calls += 1
            if self._once:
                return self._once.popleft()
            index = min(self.calls - 1, len(self.steps) - 1)
            return self.steps[index]


def script_steps(script: Script) -> list[Reply | Handler]:
    if isinstance(script, REPLY_TYPES) or callable(script):
        return [script]
    return list(script)


async def resolve(step: Reply | Handler, request: RecordedRequest) -> Reply:
    """Turn a script step into a concrete reply, calling (and awaiting) handlers."""
    if isinstance(step, REPLY_TYPES):
        return step
    result = step(request)
    if inspect.isawaitable(result):
        awaited: Awaitable[Reply] = result
        return await awaited
    return result
