"""The iFlow request signature (pure)."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from byokey_provider._iflow import iflow_signature


def test_spec_vector() -> None:
    assert (
        iflow_signature("key123", "session-abc", 1700000000)
        == "04d7dbb1388350c78fdc7557bb98ae8baf4e3c0cfb9f39443559e8fc3b7ea868"
    )


def test_a_fetched_user_agent_is_signed_as_sent() -> None:
    plain = iflow_signature("key123", "session-abc", 1700000000)
    assert iflow_signature("key123", "session-abc", 1700000000, user_agent="iFlow-Cli") == plain
    assert iflow_signature("key123", "session-abc", 1700000000, user_agent="iFlow-Cli/2") != plain


@given(st.text(min_size=1), st.text(), st.integers(min_value=0, max_value=2**53))
def test_is_hmac_sha256_hex_of_the_documented_message(token: str, session: str, ts: int) -> None:
    expected = hmac.new(
        token.encode(), f"iFlow-Cli:{session}:{ts}".encode(), hashlib.sha256
    ).hexdigest()
    assert iflow_signature(token, session, ts) == expected
