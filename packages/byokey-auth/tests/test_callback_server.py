"""The local callback listener, driven with raw sockets (the way a browser talks to it)."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest

from byokey_auth import CallbackServer
from byokey_auth._callback import _query_of
from byokey_types.errors import AuthError


async def _get(port: int, target: str, host: str = "127.0.0.1") -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return data


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_the_code_arrives_decoded_and_the_page_waits_for_the_verdict() -> None:
    async with await CallbackServer.bind(0, provider="Claude") as server:
        server.expect_state("st")
        browser = asyncio.create_task(_get(server.port, "/callback?code=a%2Bb+c&state=st"))
        assert await server.wait_for_code(5) == "a+b c"
        await asyncio.sleep(0)
        assert not browser.done()  # no page until the flow says how the exchange went
        server.report_success()
        page = await browser
    assert page.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: text/html; charset=utf-8" in page
    assert b"Login successful!" in page and b"Claude" in page


async def test_a_failed_exchange_shows_the_error_page() -> None:
    async with await CallbackServer.bind(0, provider="Codex") as server:
        server.expect_state("st")
        browser = asyncio.create_task(_get(server.port, "/auth/callback?code=c&state=st"))
        await server.wait_for_code(5)
        server.report_failure("code exchange failed (400 Bad Request)")
        page = await browser
    assert page.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Login failed" in page and b"code exchange failed" in page


async def test_closing_without_a_verdict_still_answers_the_browser() -> None:
    server = await CallbackServer.bind(0, provider="Amp")
    server.expect_state("st")
    browser = asyncio.create_task(_get(server.port, "/callback?code=c&state=st"))
    await server.wait_for_code(5)
    await server.close()
    page = await browser
    assert b"Login failed" in page and b"did not finish" in page


async def test_a_verdict_that_never_comes_gives_a_neutral_page() -> None:
    async with await CallbackServer.bind(0, provider="Gemini", verdict_timeout=0.05) as server:
        server.expect_state("st")
        browser = asyncio.create_task(_get(server.port, "/callback?code=c&state=st"))
        await server.wait_for_code(5)
        page = await browser
    assert page.startswith(b"HTTP/1.1 200 OK") and b"Return to the terminal" in page


async def test_non_callback_requests_are_ignored_and_the_wait_goes_on() -> None:
    async with await CallbackServer.bind(0, provider="Claude") as server:
        server.expect_state("st")
        favicon = await _get(server.port, "/favicon.ico")
        root = await _get(server.port, "/")
        assert favicon.startswith(b"HTTP/1.1 404") and root.startswith(b"HTTP/1.1 404")
        browser = asyncio.create_task(_get(server.port, "/callback?state=st&code=ok"))
        assert await server.wait_for_code(5) == "ok"
        server.report_success()
        await browser


@pytest.mark.parametrize(
    ("target", "message", "shown"),
    [
        ("/callback?code=c&state=forged", "state mismatch, possible CSRF attack", b"state"),
        ("/callback?code=c", "state mismatch, possible CSRF attack", b"state"),
        (
            "/callback?error=access_denied&error_description=nope&state=st",
            "authorization failed: access_denied: nope",
            b"access_denied",
        ),
        ("/callback?state=st", "missing code parameter in callback", b"no code"),
    ],
)
async def test_bad_callbacks_fail_the_wait_and_never_say_success(
    target: str, message: str, shown: bytes
) -> None:
    async with await CallbackServer.bind(0, provider="Claude") as server:
        server.expect_state("st")
        page = await _get(server.port, target)
        with pytest.raises(AuthError, match=message):
            await server.wait_for_code(5)
        late = await _get(server.port, "/callback?code=c&state=st")
    assert page.startswith(b"HTTP/1.1 400") and shown in page
    assert b"Login successful" not in page
    assert late.startswith(b"HTTP/1.1 409")  # the first real callback decided


async def test_timeout() -> None:
    async with await CallbackServer.bind(0, provider="Claude") as server:
        server.expect_state("st")
        with pytest.raises(AuthError, match="timed out waiting for OAuth callback"):
            await server.wait_for_code(0.05)


async def test_port_in_use_on_ipv4() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(AuthError) as caught:
            await CallbackServer.bind(port, provider="Claude")
    assert str(caught.value) == (
        f"authentication error: port {port} is already in use (another OAuth service may be "
        f"running, e.g. vibeproxy/cli-proxy)\nrun `lsof -i :{port}` to find the process and "
        "stop it before retrying"
    )


async def test_the_port_is_free_again_after_close() -> None:
    server = await CallbackServer.bind(0, provider="Claude")
    port = server.port
    await server.close()
    again = await CallbackServer.bind(port, provider="Claude")
    await again.close()


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
async def test_ipv6_loopback_is_served_too() -> None:
    async with await CallbackServer.bind(0, provider="Claude") as server:
        server.expect_state("st")
        browser = asyncio.create_task(_get(server.port, "/callback?code=v6&state=st", host="::1"))
        assert await server.wait_for_code(5) == "v6"
        server.report_success()
        assert b"Login successful!" in await browser


def test_query_parsing_matches_the_original() -> None:
    assert _query_of(b"GET /callback?code=a%2Bb&state=st HTTP/1.1\r\n\r\n") == {
        "code": "a+b",
        "state": "st",
    }
    assert _query_of(b"GET / HTTP/1.1\r\n\r\n") == {}
    assert _query_of(b"") == {}
    assert _query_of(b"GET /cb?code=1&code=2 HTTP/1.1\r\n") == {"code": "2"}  # last wins
