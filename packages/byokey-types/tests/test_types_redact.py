from hypothesis import given
from hypothesis import strategies as st

from byokey_types import mask, redact


def test_keeps_ordinary_text() -> None:
    text = "model claude-sonnet-4 not found; try again in 3 seconds"
    assert redact(text) == text


def test_scrubs_known_shapes() -> None:
    out = redact("key sk-ant-api03-0123456789abcdef and AIzaSyA0123456789abcdefghijk")
    assert "0123456789abcdef" not in out
    assert out.count("[REDACTED]") == 2


def test_scrubs_auth_headers_and_fields() -> None:
    assert redact("Authorization: Bearer abc.def.ghijklmnop") == "Authorization: Bearer [REDACTED]"
    assert redact('{"refresh_token":"r-1234567890"}') == '{"refresh_token":"[REDACTED]"}'
    assert redact("code=4/0AbCdEfGh&state=xyz") == "code=[REDACTED]&state=xyz"


def test_scrubs_jwts() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWhlcmU"
    assert jwt not in redact(f"id_token {jwt}")


def test_mask() -> None:
    assert mask(None) == "<none>"
    assert mask("short") == "****"
    assert mask("sk-abc-0123456789") == "****"
    m = mask("sk-ant-oat01-abcdefghijklmnop")
    assert m.startswith("sk-a") and "abcdefghijkl" not in m and "29 chars" in m


@given(st.text())
def test_redact_is_total_and_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_error_code_identifiers_survive() -> None:
    body = '{"error": {"code": "invalid_api_key", "message": "bad"}}'
    assert redact(body) == body


def test_oauth_codes_are_still_redacted() -> None:
    assert redact("code=4/0AbCdEf123456") == "code=[REDACTED]"
    assert redact('{"code": "Xy7_abcDEF12"}') == '{"code": "[REDACTED]"}'
