"""Upstream errors: wait hints (spec §4.3 vectors and reset headers), scrubbing, kinds."""

from __future__ import annotations

import string

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_provider import CredentialsExhausted, retry_after_from, transport_error, upstream_error
from byokey_provider._errors import google_duration, reset_hint, scrub
from byokey_types import RateLimited, UpstreamError, UpstreamTimeout

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"type": "usage_limit_reached", "resets_in_seconds": 300}}, 300.0),
        ({"error": {"type": "usage_limit_reached", "resets_at": NOW + 42}}, 42.0),
        (
            {
                "error": {
                    "code": 429,
                    "details": [
                        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}
                    ],
                }
            },
            1.5,
        ),
        (
            {
                "error": {
                    "code": 429,
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "metadata": {"quotaResetDelay": "373.8ms"},
                        }
                    ],
                }
            },
            0.3738,
        ),
    ],
)
def test_body_hints_of_a_429(body: dict[str, object], expected: float) -> None:
    found = retry_after_from(429, {}, body, now=NOW)
    assert found == pytest.approx(expected)


def test_codex_body_with_status_400_gives_no_hint() -> None:
    body = {"error": {"type": "usage_limit_reached", "resets_in_seconds": 300}}
    assert retry_after_from(400, {}, body, now=NOW) is None


def test_header_order_body_then_ms_then_seconds_then_reset() -> None:
    assert retry_after_from(429, {"retry-after": "3"}, None, now=NOW) == 3.0
    assert (
        retry_after_from(429, {"retry-after-ms": "250", "retry-after": "3"}, None, now=NOW) == 0.25
    )
    assert retry_after_from(429, {"x-ratelimit-reset-requests": "6m0s"}, None, now=NOW) == 360.0
    # reset headers say when a window resets, not that a 503 should wait
    assert retry_after_from(503, {"x-ratelimit-reset-requests": "6m0s"}, None, now=NOW) is None
    assert retry_after_from(503, {"retry-after": "7"}, None, now=NOW) == 7.0


def test_reset_hint_forms() -> None:
    assert reset_hint({"x-ratelimit-reset-tokens": "1m30.5s"}, now=NOW) == pytest.approx(90.5)
    assert reset_hint({"x-ratelimit-reset-requests": "120ms"}, now=NOW) == pytest.approx(0.12)
    assert reset_hint({"anthropic-ratelimit-requests-reset": "2020-01-01T00:00:00Z"}, now=NOW) == 0
    assert reset_hint({"x-ratelimit-reset": str(int(NOW) + 30)}, now=NOW) == 30.0
    assert reset_hint({"x-ratelimit-reset": "garbage"}, now=NOW) is None


def test_rfc3339_reset_in_the_future() -> None:
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(NOW + 12, tz=UTC).isoformat().replace("+00:00", "Z")
    assert reset_hint({"anthropic-ratelimit-tokens-reset": at}, now=NOW) == pytest.approx(12.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.847655010s", 0.84765501),
        ("373.801628ms", 0.373801628),
        ("5s", 5.0),
        ("5", None),
        ("xs", None),
    ],
)
def test_google_durations(text: str, expected: float | None) -> None:
    found = google_duration(text)
    assert found == (pytest.approx(expected) if expected is not None else None)


def test_upstream_error_kinds_and_scrubbing() -> None:
    secret = "sk-live-abcdefghijklmnop-1234"
    body = orjson.dumps({"error": {"message": f"Incorrect API key provided: {secret}"}})
    err = upstream_error(401, body, {}, secrets=(secret,), now=NOW)
    assert type(err) is UpstreamError
    assert err.status == 401
    assert secret not in str(err) and secret not in repr(err) and secret not in err.client_message
    assert "Incorrect API key" in err.client_message
    limited = upstream_error(429, b'{"error":{}}', {"retry-after": "9"}, now=NOW)
    assert isinstance(limited, RateLimited) and limited.retry_after == 9.0
    assert limited.is_retryable()
    server = upstream_error(503, b"overloaded", {}, now=NOW)
    assert server.status == 502 and server.upstream_status == 503 and server.is_retryable()


def test_urls_never_reach_messages() -> None:
    text = "failed to connect to https://api.example.com/v1?key=AIzaSecretSecretSecret123 now"
    assert "AIza" not in scrub(text)
    err = transport_error(OSError(text), upstream="gemini")
    assert "AIza" not in str(err) and "gemini" in str(err)
    assert isinstance(transport_error(OSError("slow"), upstream="x", timeout=True), UpstreamTimeout)


@given(st.text(alphabet=string.ascii_letters + string.digits + "-_.~+/=", min_size=8, max_size=60))
def test_any_secret_is_scrubbed(secret: str) -> None:
    body = f"echo {secret} echo".encode()
    err = upstream_error(400, body, {}, secrets=(secret,), now=NOW)
    assert secret not in err.client_message


def test_credentials_exhausted_statuses() -> None:
    limited = CredentialsExhausted("claude", retry_after=4.0, rate_limited=True)
    assert limited.status == 429 and limited.retry_after == 4.0 and limited.is_retryable()
    assert limited.to_openai()["error"]["code"] == "rate_limit_exceeded"
    down = CredentialsExhausted("claude", retry_after=None, rate_limited=False)
    assert down.status == 503 and "claude" in down.client_message
