"""Machinery shared by the family fakes: the answer queue, credential checks, stream shape.

Each family fake owns routes on a :class:`FakeServer` whose handler asks this base for
the next scripted item (an :class:`Answer` rendered by the family, or any raw reply),
so "the next call is a 429 with Retry-After, then it works" reads the same everywhere.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from tests.fakes._replies import HeaderSpec, Reply, Sse, SseItem, header_items
from tests.fakes._routes import REPLY_TYPES
from tests.fakes.content import Answer, IdMaker, answer
from tests.fakes.server import FakeServer, RecordedRequest

Scripted = Answer | Reply


@dataclass(frozen=True)
class StreamShape:
    """How a family's SSE answers are cut on the wire (see :class:`Sse`)."""

    chunk_sizes: Sequence[int] | None = None
    split: Literal["every_byte", "random"] | None = None
    seed: int = 0
    delay: float = 0.0
    drop_after: int | None = None
    stall: float | None = None
    stall_after: int = 0
    newline: str = "\n"

    def sse(
        self, events: Sequence[SseItem], *, status: int = 200, headers: HeaderSpec | None = None
    ) -> Sse:
        return Sse(
            list(events),
            status=status,
            headers=headers,
            chunk_sizes=self.chunk_sizes,
            split=self.split,
            seed=self.seed,
            delay=self.delay,
            drop_after=self.drop_after,
            stall=self.stall,
            stall_after=self.stall_after,
            newline=self.newline,
        )


class FamilyFake:
    """Base of the family fakes; subclasses install routes and render answers."""

    #: Paths (exact) the family serves, used by :attr:`requests`.
    paths: tuple[str, ...] = ()

    def __init__(self, server: FakeServer, *, default: Answer | None = None) -> None:
        self.server = server
        self.default: Answer = default or answer("Hello from the fake.")
        self.stream_shape = StreamShape()
        self.response_headers: dict[str, str] = {}
        #: Accepted credentials; None accepts any non-empty one.
        self.accepted_keys: set[str] | None = None
        self.ids = IdMaker()
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ scripting

    def reply_with(self, *items: Scripted | str) -> FamilyFake:
        """Queue answers (or raw replies) for the next calls; bare strings are text answers.

        When the queue is empty, :attr:`default` answers.
        """
        with self._lock:
            self._queue.extend(answer(i) if isinstance(i, str) else i for i in items)
        return self

    def fail_next(
        self,
        status: int,
        message: str = "fake upstream error",
        *,
        error_type: str | None = None,
        retry_after: float | None = None,
        headers: HeaderSpec | None = None,
        times: int = 1,
    ) -> FamilyFake:
        """Queue ``times`` error replies in this family's error shape."""
        merged = header_items(headers)
        if retry_after is not None:
            value = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
            merged.append(("Retry-After", value))
        reply = self.error_reply(status, message, error_type=error_type, headers=merged)
        with self._lock:
            self._queue.extend([reply] * times)
        return self

    def rate_limit_next(self, retry_after: float = 1, *, times: int = 1) -> FamilyFake:
        return self.fail_next(429, "rate limited by the fake", retry_after=retry_after, times=times)

    def shape_streams(self, **shape: Any) -> FamilyFake:
        """Set how SSE answers are cut: ``split="every_byte"``, ``drop_after=3``…"""
        self.stream_shape = replace(self.stream_shape, **shape)
        return self

    def accept_only(self, *keys: str) -> FamilyFake:
        """Reject (401) any credential not listed; no arguments rejects everything."""
        self.accepted_keys = set(keys)
        return self

    def accept_any(self) -> FamilyFake:
        self.accepted_keys = None
        return self

    def next_item(self) -> Scripted:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.default

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # ------------------------------------------------------------------ recording

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests to this family's paths, in arrival order."""
        return [r for r in self.server.requests if r.path in self.paths]

    @property
    def last_request(self) -> RecordedRequest:
        found = self.requests
        assert found, f"no request reached {self.paths}"
        return found[-1]

    @property
    def url(self) -> str:
        return self.server.url

    # ---------------------------------------------------------------- subclasses

    def error_reply(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        headers: HeaderSpec | None = None,
    ) -> Reply:
        raise NotImplementedError

    def credential_ok(self, credential: str | None) -> bool:
        if not credential:
            return False
        return self.accepted_keys is None or credential in self.accepted_keys

    def with_headers(self, headers: HeaderSpec | None = None) -> list[tuple[str, str]]:
        """Configured response headers plus ``headers`` (rate-limit headers, request ids)."""
        return list(self.response_headers.items()) + header_items(headers)


def is_raw_reply(item: Scripted) -> bool:
    return isinstance(item, REPLY_TYPES)
