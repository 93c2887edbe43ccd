import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_types import DEFAULT_ACCOUNT, AccountInfo, OAuthToken, SerializationError, TokenState

NOW = 1_700_000_000


def test_defaults() -> None:
    t = OAuthToken("at")
    assert t.token_type == "Bearer"
    assert t.refresh_token is None and t.expires_at is None
    assert DEFAULT_ACCOUNT == "default"


def test_never_expiring_token() -> None:
    t = OAuthToken("at")
    assert not t.is_expired(now=NOW)
    assert not t.should_proactive_refresh(now=NOW)
    assert t.state(now=NOW) is TokenState.VALID
    assert t.expires_in(now=NOW) is None


@pytest.mark.parametrize(
    ("offset", "expired", "proactive"),
    [
        (1000, False, False),
        (301, False, False),
        (300, False, True),
        (61, False, True),
        (60, True, False),
        (0, True, False),
        (-5, True, False),
    ],
)
def test_expiry_boundaries(offset: int, expired: bool, proactive: bool) -> None:
    t = OAuthToken("at", expires_at=NOW + offset)
    assert t.is_expired(now=NOW) is expired
    assert t.should_proactive_refresh(now=NOW) is proactive


def test_state() -> None:
    assert OAuthToken("a", "r", NOW - 1).state(now=NOW) is TokenState.EXPIRED
    assert OAuthToken("a", None, NOW - 1).state(now=NOW) is TokenState.INVALID
    assert OAuthToken("a", None, NOW + 3600).state(now=NOW) is TokenState.VALID


def test_builders_return_new_tokens() -> None:
    t = OAuthToken("at")
    t2 = t.with_expiry(3600, now=NOW).with_refresh("rt").with_metadata(account_id="acc")
    assert t.expires_at is None and t.refresh_token is None and t.metadata == {}
    assert t2.expires_at == NOW + 3600
    assert t2.refresh_token == "rt"
    assert t2.metadata == {"account_id": "acc"}
    assert t2.expires_in(now=NOW) == 3600


def test_json_leaves_out_nulls_and_reads_original_rows() -> None:
    assert OAuthToken("gho_x").to_json() == '{"access_token":"gho_x","token_type":"Bearer"}'
    full = OAuthToken("at-123", "rt-456", 1767225600)
    assert full.to_dict() == {
        "access_token": "at-123",
        "refresh_token": "rt-456",
        "expires_at": 1767225600,
        "token_type": "Bearer",
    }
    # A row written by the Rust original: unknown keys ignored, missing ones null.
    row = '{"access_token": "at", "expires_at": 5, "scope": "x"}'
    t = OAuthToken.from_json(row)
    assert t == OAuthToken("at", None, 5, None)


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        "[]",
        '{"refresh_token": "r"}',
        '{"access_token": 5}',
        '{"access_token": "a", "expires_at": "soon"}',
        '{"access_token": "a", "expires_at": true}',
        '{"access_token": "a", "refresh_token": 1}',
        '{"access_token": "a", "metadata": []}',
    ],
)
def test_bad_rows_raise_serialization_error(bad: str) -> None:
    with pytest.raises(SerializationError) as info:
        OAuthToken.from_json(bad)
    assert str(info.value).startswith("serialization error: ")


def test_repr_never_shows_secrets() -> None:
    t = OAuthToken("sk-ant-oat01-SECRETSECRETSECRET", "rt-SECRETSECRETSECRET", NOW)
    for text in (repr(t), str(t), f"{t}"):
        assert "SECRETSECRET" not in text
        assert "expires_at=1700000000" in text


tokens = st.builds(
    OAuthToken,
    access_token=st.text(min_size=1),
    refresh_token=st.none() | st.text(),
    expires_at=st.none() | st.integers(min_value=0, max_value=2**40),
    token_type=st.none() | st.just("Bearer"),
    metadata=st.dictionaries(st.text(), st.text(), max_size=3),
)


@given(tokens)
def test_json_round_trip(t: OAuthToken) -> None:
    assert OAuthToken.from_json(t.to_json()) == t


def test_account_info_serialisation() -> None:
    assert AccountInfo("work", "Work laptop", True).to_dict() == {
        "account_id": "work",
        "label": "Work laptop",
        "is_active": True,
    }
    assert AccountInfo("x").to_dict() == {"account_id": "x", "is_active": False}
