"""Authorize URLs byte for byte (spec §7) and the token / device-code parsers (spec §6.3)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_auth._authorize_urls import AuthorizeParams, build_authorize_url
from byokey_auth._callback import _query_of
from byokey_auth._token_response import parse_device_code, parse_token_response
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId

P = ProviderId
CID, CH, ST = "cid", "CHALLENGE", "0123456789abcdef0123456789abcdef"


def _url(provider: ProviderId, base: str, port: int, path: str = "/callback") -> str:
    params = AuthorizeParams(base, CID, f"http://localhost:{port}{path}", CH, ST)
    return build_authorize_url(provider, params)


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        (
            P.CLAUDE,
            "https://claude.ai/oauth/authorize?client_id=cid&code=true&code_challenge=CHALLENGE"
            "&code_challenge_method=S256&redirect_uri=http%3A%2F%2Flocalhost%3A54545%2Fcallback"
            "&response_type=code&scope=org%3Acreate_api_key+user%3Aprofile+user%3Ainference"
            f"&state={ST}",
        ),
        (
            P.AMP,
            "https://ampcode.com/oauth/authorize?client_id=cid&response_type=code"
            "&code_challenge=CHALLENGE&code_challenge_method=S256"
            "&redirect_uri=http%3A%2F%2Flocalhost%3A19876%2Fcallback"
            f"&scope=openid+profile+email+offline_access&state={ST}",
        ),
        (
            P.GEMINI,
            "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=cid"
            "&redirect_uri=http%3A%2F%2Flocalhost%3A8085%2Fcallback"
            "&scope=openid%20email%20https://www.googleapis.com/auth/generative-language.retriever"
            f"&state={ST}&code_challenge=CHALLENGE&code_challenge_method=S256"
            "&access_type=offline&prompt=consent",
        ),
        (
            P.ANTIGRAVITY,
            "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=cid"
            "&redirect_uri=http%3A%2F%2Flocalhost%3A51121%2Fcallback"
            "&scope=openid%20email%20profile%20https://www.googleapis.com/auth/cloud-platform"
            "%20https://www.googleapis.com/auth/userinfo.email"
            f"&state={ST}&code_challenge=CHALLENGE&code_challenge_method=S256"
            "&access_type=offline&prompt=consent",
        ),
        (
            P.IFLOW,
            "https://iflow.cn/oauth?response_type=code&client_id=cid"
            f"&redirect_uri=http%3A%2F%2Flocalhost%3A11451%2Fcallback&state={ST}"
            "&loginMethod=phone&type=phone",
        ),
    ],
)
def test_authorize_urls_match_the_originals(provider: ProviderId, expected: str) -> None:
    base, _, query = expected.partition("?")
    port = int(query.split("localhost%3A", 1)[1].split("%2F", 1)[0])
    assert _url(provider, base, port) == expected


def test_codex_authorize_url() -> None:
    assert _url(P.CODEX, "https://auth.openai.com/oauth/authorize", 1455, "/auth/callback") == (
        "https://auth.openai.com/oauth/authorize?client_id=cid&code_challenge=CHALLENGE"
        "&code_challenge_method=S256&codex_cli_simplified_flow=true"
        "&id_token_add_organizations=true&prompt=login"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&response_type=code"
        f"&scope=openid+email+profile+offline_access&state={ST}"
    )


def test_an_overridden_base_with_a_query_keeps_it() -> None:
    url = _url(P.IFLOW, "http://127.0.0.1:1/oauth?tenant=x", 1)
    assert url.startswith("http://127.0.0.1:1/oauth?tenant=x&response_type=code&")


# ------------------------------------------------------------------ parsers


def test_token_parser_full_and_minimal() -> None:
    full = parse_token_response(
        {"access_token": "at", "refresh_token": "rt", "expires_in": 3600, "token_type": "mac"},
        provider=P.CLAUDE,
        now=1000,
    )
    assert (full.access_token, full.refresh_token, full.expires_at, full.token_type) == (
        "at",
        "rt",
        4600,
        "Bearer",
    )
    minimal = parse_token_response({"access_token": "at"}, provider=P.COPILOT, now=1000)
    assert (minimal.refresh_token, minimal.expires_at, minimal.metadata) == (None, None, {})


@pytest.mark.parametrize(
    ("expires_in", "expected"),
    [(3599.7, 4599), (-5, None), ("60", None), (True, None), (float("inf"), None), (10**12, None)],
)
def test_token_parser_expiry_rules(expires_in: object, expected: int | None) -> None:
    token = parse_token_response(
        {"access_token": "at", "expires_in": expires_in}, provider=P.CODEX, now=1000
    )
    assert token.expires_at == expected


@pytest.mark.parametrize("data", [{}, {"access_token": ""}, {"access_token": 5}, []])
def test_token_parser_needs_an_access_token(data: object) -> None:
    with pytest.raises(AuthError):
        parse_token_response(data, provider=P.CLAUDE, now=0)


@pytest.mark.parametrize(("provider", "lifetime"), [(P.COPILOT, 900), (P.QWEN, 600), (P.KIMI, 600)])
def test_device_code_defaults(provider: ProviderId, lifetime: int) -> None:
    device = parse_device_code(
        {"device_code": "d", "user_code": "u", "verification_uri": "https://v"}, provider=provider
    )
    assert (device.expires_in, device.interval) == (lifetime, 5.0)
    assert "d" not in repr(device).replace("DeviceCode", "").replace("_code", "")


@pytest.mark.parametrize("missing", ["device_code", "user_code"])
def test_device_code_required_fields(missing: str) -> None:
    data = {"device_code": "d", "user_code": "u", "verification_uri": "https://v"}
    data.pop(missing)
    with pytest.raises(AuthError, match=f"missing {missing}"):
        parse_device_code(data, provider=P.COPILOT)


_QUERY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)


@given(st.dictionaries(st.sampled_from(["code", "state", "error", "x"]), _QUERY_TEXT))
def test_callback_query_round_trips(params: dict[str, str]) -> None:
    head = f"GET /callback?{urlencode(params)} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    assert _query_of(head) == params


@given(
    st.fixed_dictionaries(
        {"access_token": st.text(min_size=1)},
        optional={
            "refresh_token": st.one_of(st.text(), st.integers(), st.none()),
            "expires_in": st.one_of(st.integers(), st.floats(allow_nan=False), st.text()),
            "id_token": st.text(),
        },
    )
)
def test_token_parser_never_crashes_on_odd_fields(data: dict[str, object]) -> None:
    token = parse_token_response(data, provider=P.CODEX, now=1_000_000)
    assert token.access_token == data["access_token"]
    assert token.refresh_token is None or isinstance(token.refresh_token, str)
    assert token.expires_at is None or token.expires_at >= 1_000_000
