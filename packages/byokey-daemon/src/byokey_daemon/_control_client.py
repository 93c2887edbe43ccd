"""The control socket client used by ``stop``, ``reload``, ``status`` and ``start``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ._control_protocol import Reply, ServerStatus, decode_status
from ._control_server import PROTOCOL_CONFIG
from ._errors import ControlRequestError, DaemonError, DaemonIOError

CONTROL_TIMEOUT_SECONDS = 2.0


class ControlClient:
    """One short-lived connection per call, each bounded by ``timeout`` seconds (2 s).

    A failure to connect raises ``DaemonIOError`` (``I/O error on <path>``, the OS error
    as cause); anything that goes wrong after connecting, including a timeout or a
    refused ``reload``, raises ``ControlRequestError`` (``control request failed: …``).
    """

    def __init__(
        self, socket_path: Path | str, *, timeout: float = CONTROL_TIMEOUT_SECONDS
    ) -> None:
        self._path = Path(socket_path)
        self._timeout = timeout

    @property
    def socket_path(self) -> Path:
        return self._path

    def is_alive(self) -> bool:
        try:
            self.status()
        except DaemonError:
            return False
        return True

    def status(self) -> ServerStatus:
        text = self._call("status")
        try:
            return decode_status(text)
        except ValueError as exc:
            raise ControlRequestError(str(exc)) from None

    def shutdown(self) -> None:
        self._call("shutdown")

    def reload(self) -> None:
        self._call("reload")

    def _connect(self) -> Any:
        # rpyc loads on the first call: importing the daemon package stays cheap.
        from rpyc.core.stream import SocketStream  # type: ignore[import-untyped]
        from rpyc.utils.factory import connect_stream  # type: ignore[import-untyped]

        config = dict(PROTOCOL_CONFIG, sync_request_timeout=self._timeout)
        try:
            # The connect itself honours the deadline too (a full backlog blocks it).
            stream = SocketStream.unix_connect(str(self._path), timeout=self._timeout)
        except OSError as exc:
            raise DaemonIOError(self._path) from exc
        try:
            return connect_stream(stream, config=config)
        except Exception as exc:
            stream.close()
            raise ControlRequestError(_describe(exc)) from None

    def _call(self, method: str) -> str:
        conn = self._connect()
        try:
            remote: Callable[[], Any] = getattr(conn.root, method)
            reply = remote()
        except DaemonError:
            raise
        except Exception as exc:
            raise ControlRequestError(_describe(exc)) from None
        finally:
            with contextlib.suppress(Exception):
                conn.close()
        ok, text = _check_reply(reply)
        if not ok:
            raise ControlRequestError(text)
        return text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "deadline exceeded"
    if isinstance(exc, EOFError):
        return "connection closed by the server"
    # rpyc appends the remote traceback to the first line; keep only the first line.
    return (str(exc) or type(exc).__name__).splitlines()[0]


def _check_reply(reply: object) -> Reply:
    if (
        isinstance(reply, tuple)
        and len(reply) == 2
        and isinstance(reply[0], bool)
        and isinstance(reply[1], str)
    ):
        return cast(Reply, reply)
    raise ControlRequestError("malformed reply")
