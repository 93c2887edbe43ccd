"""Fixtures shared by the store tests: one store per backend, and a settable clock.

The contract suites take ``token_store`` / ``usage_store`` and so run against
every backend the package ships: the in-memory stores, SQLite in memory
(one shared connection), an SQLite file, and an SQLite file behind a
``DeferredStore`` that is still opening when the test starts. Adding a backend
here adds it to every contract test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from byokey_store import DeferredStore, InMemoryTokenStore, InMemoryUsageStore, SqlStore

BACKENDS = ["memory", "sqlite-memory", "sqlite-file", "deferred"]


class FakeClock:
    """A clock tests move by hand (Unix seconds), so no test ever sleeps."""

    def __init__(self, now: int = 1_760_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
async def sql_or_memory(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[str, SqlStore | DeferredStore | None]]:
    backend: str = request.param
    if backend == "memory":
        yield backend, None
        return
    if backend == "deferred":
        deferred = DeferredStore(tmp_path / "tokens.db", clock=clock)
        deferred.start()  # not awaited: the first call of each test waits for the open
        try:
            yield backend, deferred
        finally:
            await deferred.aclose()
        return
    url = "sqlite://" if backend == "sqlite-memory" else f"sqlite:///{tmp_path / 'tokens.db'}"
    store = await SqlStore.open(url, clock=clock)
    try:
        yield backend, store
    finally:
        await store.aclose()


@pytest.fixture
def token_store(sql_or_memory: tuple[str, SqlStore | DeferredStore | None]) -> Any:
    _, store = sql_or_memory
    return InMemoryTokenStore() if store is None else store.tokens


@pytest.fixture
def usage_store(
    sql_or_memory: tuple[str, SqlStore | DeferredStore | None], clock: FakeClock
) -> Any:
    _, store = sql_or_memory
    return InMemoryUsageStore(clock=clock) if store is None else store.usage
