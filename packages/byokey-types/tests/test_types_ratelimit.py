import pytest

from byokey_types import RateLimitSnapshot, parse_retry_after
from byokey_types.ratelimit import is_rate_limit_header


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-1", None),
        ("nan", None),
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now=now) == pytest.approx(30.0)
    assert parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now=now) == 0.0


def test_snapshot_keeps_only_rate_limit_headers() -> None:
    snap = RateLimitSnapshot.from_headers(
        {
            "X-RateLimit-Remaining-Requests": "49",
            "anthropic-ratelimit-tokens-remaining": "1000",
            "Retry-After": "3",
            "Set-Cookie": "session=secret",
            "Authorization": "Bearer x",
        },
        now=1700,
    )
    assert snap.headers == {
        "x-ratelimit-remaining-requests": "49",
        "anthropic-ratelimit-tokens-remaining": "1000",
        "retry-after": "3",
    }
    assert snap.captured_at == 1700
    assert snap.retry_after == 3.0
    assert snap.remaining("requests") == 49
    assert snap.remaining("tokens") == 1000
    assert RateLimitSnapshot.from_dict(snap.to_dict()) == snap


def test_retry_after_ms_wins_and_list_input() -> None:
    snap = RateLimitSnapshot.from_headers([("retry-after-ms", "1500"), ("retry-after", "9")], now=0)
    assert snap.retry_after == 1.5
    assert RateLimitSnapshot().remaining() is None
    assert RateLimitSnapshot({"x-ratelimit-remaining-requests": "lots"}).remaining() is None


def test_header_names() -> None:
    assert is_rate_limit_header("x-codex-primary-used-percent")
    assert not is_rate_limit_header("content-type")
