"""What a fake saw: every request is kept verbatim so tests can assert on the exact wire."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson


class Headers(Mapping[str, str]):
    """Case-insensitive header view that keeps repeats and the original spelling.

    HTTP header names are case-insensitive, and clients differ (httpx lower-cases,
    curl keeps the caller's case), so lookups must not depend on it.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)

    def __getitem__(self, name: str) -> str:
        wanted = name.lower()
        for key, value in self._items:
            if key.lower() == wanted:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key, _ in self._items:
            lowered = key.lower()
            if lowered not in seen:
                seen.add(lowered)
                yield lowered

    def __len__(self) -> int:
        return len({key.lower() for key, _ in self._items})

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        wanted = name.lower()
        return any(key.lower() == wanted for key, _ in self._items)

    def get_all(self, name: str) -> list[str]:
        """Every value of a repeated header, in arrival order."""
        wanted = name.lower()
        return [value for key, value in self._items if key.lower() == wanted]

    def raw(self) -> list[tuple[str, str]]:
        """The headers exactly as received (original case and order)."""
        return list(self._items)

    def __repr__(self) -> str:
        # Header values routinely carry keys and tokens; never show them.
        return f"Headers({sorted(self)!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived on the socket (body already de-chunked)."""

    method: str
    target: str
    path: str
    query_all: dict[str, list[str]]
    headers: Headers
    body: bytes
    connection_id: int
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, last value wins (use ``query_all`` for repeats)."""
        return {key: values[-1] for key, values in self.query_all.items()}

    def json(self) -> Any:
        return orjson.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8")

    def bearer(self) -> str | None:
        """The token of an ``Authorization: Bearer`` header, if any."""
        value = self.headers.get("authorization")
        if value is None or not value.lower().startswith("bearer "):
            return None
        return value[7:].strip()

    def assert_header(self, name: str, expected: str | None = None) -> str:
        """Fail unless header ``name`` is present (and equal to ``expected`` when given)."""
        assert name in self.headers, f"header {name!r} missing; got {sorted(self.headers)}"
        value = self.headers[name]
        if expected is not None:
            assert value == expected, f"header {name!r}: {value!r} != {expected!r}"
        return value

    def assert_no_header(self, name: str) -> None:
        assert name not in self.headers, f"header {name!r} unexpectedly present"

    def with_path_params(self, params: Mapping[str, str]) -> RecordedRequest:
        return RecordedRequest(
            method=self.method,
            target=self.target,
            path=self.path,
            query_all=self.query_all,
            headers=self.headers,
            body=self.body,
            connection_id=self.connection_id,
            path_params=dict(params),
        )

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} ({len(self.body)} bytes)>"


def split_target(target: str) -> tuple[str, dict[str, list[str]]]:
    """Split a request target into its path and parsed query string."""
    path, _, query = target.partition("?")
    return path, parse_qs(query, keep_blank_values=True)
