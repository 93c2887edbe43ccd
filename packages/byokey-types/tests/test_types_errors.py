from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_types import errors as e

CASES: list[tuple[e.ByokError, str, int, str, str]] = [
    (
        e.AuthError("bad key"),
        "authentication error: bad key",
        401,
        "authentication_error",
        "invalid_api_key",
    ),
    (
        e.TokenNotFound("claude"),
        "token not found for provider: claude",
        401,
        "authentication_error",
        "token_not_found",
    ),
    (
        e.TokenExpired("codex"),
        "token expired for provider: codex",
        401,
        "authentication_error",
        "token_not_found",
    ),
    (
        e.UnsupportedModel("foo"),
        "unsupported model: foo",
        400,
        "invalid_request_error",
        "model_not_found",
    ),
    (
        e.UnsupportedProvider("x"),
        "unsupported provider: x",
        400,
        "invalid_request_error",
        "provider_not_found",
    ),
    (
        e.TranslationError("missing 'model'"),
        "translation error: missing 'model'",
        400,
        "invalid_request_error",
        "translation_error",
    ),
    (
        e.InvalidRequest("must be a list", field="messages"),
        "invalid request: messages: must be a list",
        400,
        "invalid_request_error",
        "invalid_request",
    ),
    (
        e.UnsupportedTranslation("gemini", "x"),
        "translation error: cannot convert request from gemini to x",
        400,
        "invalid_request_error",
        "unsupported_translation",
    ),
    (
        e.TransportError("connection reset"),
        "http error: connection reset",
        502,
        "server_error",
        "upstream_error",
    ),
    (
        e.UpstreamTimeout("no first byte in 30s"),
        "http error: no first byte in 30s",
        504,
        "server_error",
        "upstream_timeout",
    ),
    (
        e.StorageError("account 'x' not found for provider claude"),
        "storage error: account 'x' not found for provider claude",
        500,
        "server_error",
        "internal_error",
    ),
    (e.ConfigError("bad"), "configuration error: bad", 500, "server_error", "internal_error"),
    (
        e.SerializationError("bad"),
        "serialization error: bad",
        500,
        "server_error",
        "internal_error",
    ),
    (
        e.ProviderUnavailable("kiro"),
        "provider not available: kiro",
        503,
        "server_error",
        "provider_unavailable",
    ),
]


@pytest.mark.parametrize(("err", "text", "status", "etype", "code"), CASES)
def test_text_status_and_bodies(
    err: e.ByokError, text: str, status: int, etype: str, code: str
) -> None:
    assert isinstance(err, e.ByokError)
    assert str(err) == text
    assert err.status == status
    assert err.to_openai() == {"error": {"message": text, "type": etype, "code": code}}
    body = err.to_anthropic()
    assert body["type"] == "error"
    assert body["error"]["message"] == text
    assert body["error"]["type"] == e.anthropic_error_type(status)


def test_invalid_request_is_a_translation_error_naming_the_field() -> None:
    err = e.InvalidRequest("expected a list, got str", field="messages[2].content")
    assert isinstance(err, e.TranslationError)
    assert err.field == "messages[2].content"
    assert "messages[2].content" in str(err)
    assert (
        str(e.InvalidRequest("body is not an object")) == "invalid request: body is not an object"
    )


@pytest.mark.parametrize(
    ("status", "client", "etype", "code", "retryable"),
    [
        (400, 400, "invalid_request_error", "upstream_invalid_request", False),
        (401, 401, "authentication_error", "invalid_api_key", False),
        (403, 403, "permission_error", "insufficient_quota", False),
        (404, 404, "not_found_error", "upstream_not_found", False),
        (408, 408, "invalid_request_error", "upstream_invalid_request", True),
        (429, 429, "rate_limit_error", "rate_limit_exceeded", True),
        (500, 502, "server_error", "upstream_error", True),
        (502, 502, "server_error", "upstream_error", True),
        (503, 502, "server_error", "upstream_error", True),
        (504, 502, "server_error", "upstream_error", True),
        (529, 502, "server_error", "upstream_error", True),
        (501, 502, "server_error", "upstream_error", False),
    ],
)
def test_upstream_status_mapping(
    status: int, client: int, etype: str, code: str, retryable: bool
) -> None:
    err = e.UpstreamError(status, '{"error":"x"}')
    assert str(err) == f'upstream error: status={status}, body={{"error":"x"}}'
    assert err.upstream_status == status
    assert err.status == client
    assert (err.error_type, err.code) == (etype, code)
    assert err.is_retryable() is retryable
    assert err.retry_after is None


def test_rate_limited_carries_retry_after() -> None:
    err = e.RateLimited("slow down", retry_after=12.5)
    assert isinstance(err, e.UpstreamError)
    assert err.status == 429 and err.retry_after == 12.5 and err.is_retryable()
    assert err.to_anthropic()["error"]["type"] == "rate_limit_error"
    assert e.RateLimited(retry_after=-1).retry_after is None
    assert e.RateLimited(retry_after=float("nan")).retry_after is None


def test_only_upstream_and_transport_are_retryable() -> None:
    assert e.TransportError("reset").is_retryable()
    for err in (
        e.AuthError("x"),
        e.TokenExpired("claude"),
        e.StorageError("x"),
        e.InvalidRequest("x"),
    ):
        assert not err.is_retryable()
        assert err.retry_after is None


def test_long_upstream_bodies_are_truncated() -> None:
    err = e.UpstreamError(500, "x" * 10_000)
    assert len(str(err)) < 2100


@pytest.mark.parametrize(
    "leaky",
    [
        "Authorization: Bearer sk-ant-oat01-abcdefghijklmnopqrstuvwxyz",
        'upstream said {"access_token": "ya29.a0AfH6SMBabcdefghijklmnop"}',
        "invalid x-api-key sk-proj-ABCDEFGHIJKLMNOPQRSTUV",
        "refresh_token=rt_abcdefgh12345678&grant_type=refresh_token",
        "token ghu_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 rejected",
    ],
)
def test_errors_never_echo_secrets(leaky: str) -> None:
    for err in (e.UpstreamError(401, leaky), e.AuthError(leaky), e.TransportError(leaky)):
        rendered: list[str] = [str(err), repr(err), err.client_message]
        body: dict[str, Any] = err.to_openai()
        rendered.append(body["error"]["message"])
        for text in rendered:
            assert "abcdefgh" not in text.lower() or "[REDACTED]" in text
            assert "ABCDEFGHIJKLMNOP" not in text
            assert "ya29.a0AfH6" not in text


@given(st.integers(min_value=100, max_value=599))
def test_upstream_status_is_always_an_error_status(status: int) -> None:
    err = e.UpstreamError(status)
    assert 400 <= err.status <= 599
    assert err.to_anthropic()["error"]["type"] in {
        "invalid_request_error",
        "authentication_error",
        "permission_error",
        "not_found_error",
        "request_too_large",
        "rate_limit_error",
        "overloaded_error",
        "api_error",
    }
