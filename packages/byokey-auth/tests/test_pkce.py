"""PKCE S256 and state values (RFC 7636)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from byokey_auth import challenge_for, generate_pkce, random_state
from tests.fakes.oauth import s256

_URL_SAFE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def test_rfc7636_appendix_b_vector() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_generated_pairs_are_fresh_and_well_formed() -> None:
    first, second = generate_pkce(), generate_pkce()
    for pkce in (first, second):
        assert _URL_SAFE.match(pkce.verifier) and _URL_SAFE.match(pkce.challenge)
        assert challenge_for(pkce.verifier) == pkce.challenge
        assert pkce.verifier not in repr(pkce)
    assert first.verifier != second.verifier


def test_state_is_32_lowercase_hex_and_unguessable() -> None:
    states = {random_state() for _ in range(20)}
    assert len(states) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in states)


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~",
        min_size=43,
        max_size=128,
    )
)
def test_challenge_matches_an_independent_s256(verifier: str) -> None:
    assert challenge_for(verifier) == s256(verifier)
    assert "=" not in challenge_for(verifier)
