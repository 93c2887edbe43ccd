"""A fingerprint is imitated only where there is a TLS handshake to imitate."""

from __future__ import annotations

from byokey_provider import UpstreamHttp


async def test_plain_http_origins_get_no_impersonation() -> None:
    pool = UpstreamHttp(impersonate="chrome")
    try:
        assert pool.session("https://api.example.com/v1/x").impersonate == "chrome"
        assert pool.session("wss://api.example.com/v1/ws").impersonate == "chrome"
        assert pool.session("http://127.0.0.1:11434/v1/chat").impersonate is None
        assert pool.session("ws://127.0.0.1:9/ws").impersonate is None
        assert pool.session_count == 4
    finally:
        await pool.aclose()
