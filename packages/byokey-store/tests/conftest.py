"""Fixtures shared by the store tests: one token store per backend.

The contract suite takes ``token_store`` and so runs against every backend the
package ships; adding a backend here adds it to every contract test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from byokey_store import InMemoryTokenStore

TOKEN_STORE_BACKENDS = ["memory"]


@pytest.fixture(params=TOKEN_STORE_BACKENDS)
async def token_store(request: pytest.FixtureRequest) -> AsyncIterator[InMemoryTokenStore]:
    if request.param == "memory":
        yield InMemoryTokenStore()
        return
    raise AssertionError(f"unknown backend {request.param}")
