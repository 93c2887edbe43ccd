"""The local redirect target of auth-code logins: a one-shot HTTP server on loopback.

Unlike the original, the state and the code are checked *before* the browser is
told anything, and the browser's answer is held until the flow has exchanged the
code: "Login successful!" means the token is in hand, a failed exchange shows an
error page. Requests that are not a callback at all (a favicon fetch, a
pre-connect) get a small 404 and the server keeps waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from types import TracebackType
from urllib.parse import parse_qsl

from byokey_auth._callback_pages import (
    error_page,
    page_response,
    pending_page,
    success_page,
    waiting_page,
)
from byokey_types.errors import AuthError

__all__ = ["CallbackServer", "port_in_use_message"]

log = logging.getLogger(__name__)

_MAX_HEAD = 8192


def port_in_use_message(port: int) -> str:
    return (
        f"port {port} is already in use (another OAuth service may be running, "
        f"e.g. vibeproxy/cli-proxy)\nrun `lsof -i :{port}` to find the process and stop it "
        "before retrying"
    )


def _query_of(head: bytes) -> dict[str, str]:
    line = head.split(b"\r\n", 1)[0].decode("utf-8", "replace")
    parts = line.split()
    target = parts[1] if len(parts) > 1 else "/"
    _, _, query = target.partition("?")
    return dict(parse_qsl(query, keep_blank_values=True))


class CallbackServer:
    """Listens on ``127.0.0.1`` (required) and ``::1`` (when available) for one callback.

    ``port=0`` picks a free port; read it back from :attr:`port` and build the
    redirect URI from it. After :meth:`wait_for_code` the flow calls
    :meth:`report_success` or :meth:`report_failure`; the browser gets its page then.
    """

    def __init__(
        self, servers: list[asyncio.Server], port: int, provider: str, verdict_timeout: float
    ) -> None:
        self._servers = servers
        self.port = port
        self._provider = provider
        self._verdict_timeout = verdict_timeout
        self._expected_state: str | None = None
        loop = asyncio.get_running_loop()
        self._outcome: asyncio.Future[str] = loop.create_future()
        self._verdict: asyncio.Future[str | None] = loop.create_future()
        """None for success, else the reason shown on the error page."""
        self._handlers: set[asyncio.Task[None]] = set()

    @classmethod
    async def bind(
        cls, port: int, *, provider: str, verdict_timeout: float = 90.0
    ) -> CallbackServer:
        """Listen on ``port``; a busy port is an ``AuthError`` that says what to do."""
        holder: list[CallbackServer] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await holder[0]._handle(reader, writer)

        try:
            v4 = await asyncio.start_server(handle, "127.0.0.1", port)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise AuthError(port_in_use_message(port)) from None
            raise AuthError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        servers = [v4]
        bound = v4.sockets[0].getsockname()[1]
        if socket.has_ipv6:
            try:
                servers.append(await asyncio.start_server(handle, "::1", bound))
            except OSError:
                log.debug("no IPv6 loopback callback listener on port %d", bound)
        server = cls(servers, bound, provider, verdict_timeout)
        holder.append(server)
        return server

    def expect_state(self, state: str) -> None:
        self._expected_state = state

    async def wait_for_code(self, seconds: float) -> str:
        """The authorization code, once a callback with the right state arrived."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._outcome), seconds)
        except TimeoutError:
            raise AuthError("timed out waiting for OAuth callback") from None

    def report_success(self) -> None:
        """The code was exchanged: the browser may say "Login successful!"."""
        if not self._verdict.done():
            self._verdict.set_result(None)

    def report_failure(self, shown: str) -> None:
        """The exchange failed; ``shown`` (no secrets) goes on the browser's error page."""
        if not self._verdict.done():
            self._verdict.set_result(shown)

    async def close(self) -> None:
        """Stop listening; a browser still waiting gets its page first (bounded)."""
        self.report_failure("the login did not finish")
        for server in self._servers:
            server.close()
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=5.0)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        if not self._outcome.done():
            self._outcome.cancel()
        elif not self._outcome.cancelled():
            self._outcome.exception()  # mark a failure nobody awaited as retrieved

    async def __aenter__(self) -> CallbackServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            except asyncio.IncompleteReadError as exc:
                head = exc.partial
            except (asyncio.LimitOverrunError, TimeoutError):
                head = b""
            writer.write(await self._respond(head[:_MAX_HEAD]))
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            if task is not None:
                self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _respond(self, head: bytes) -> bytes:
        params = _query_of(head)
        if "code" not in params and "error" not in params and "state" not in params:
            return page_response(404, "Not Found", waiting_page())
        if self._outcome.done():
            return page_response(409, "Conflict", error_page(self._provider, "already finished"))
        if params.get("state", "") != self._expected_state:
            return self._fail("state mismatch, possible CSRF attack", "the state did not match")
        if "error" in params:
            error = params["error"] or "unknown"
            desc = params.get("error_description", "")
            text = f"authorization failed: {error}" + (f": {desc}" if desc else "")
            return self._fail(text, f"the provider answered {error}")
        code = params.get("code", "")
        if not code:
            return self._fail("missing code parameter in callback", "no code was returned")
        self._outcome.set_result(code)
        try:
            shown = await asyncio.wait_for(asyncio.shield(self._verdict), self._verdict_timeout)
        except TimeoutError:
            return page_response(200, "OK", pending_page(self._provider))
        if shown is None:
            return page_response(200, "OK", success_page(self._provider))
        return page_response(400, "Bad Request", error_page(self._provider, shown))

    def _fail(self, message: str, shown: str) -> bytes:
        self._outcome.set_exception(AuthError(message))
        return page_response(400, "Bad Request", error_page(self._provider, shown))
