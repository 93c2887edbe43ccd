"""The two HTTP listeners of ``byokey serve`` (spec §4.1 steps 8–9, §4.2).

The Amp listener is always a plain bind of ``host:amp.port`` and is bound first, as in
the original. The main listener is an inherited socket when the process was socket
activated (``LISTEN_FDS``, then a launchd ``Sockets`` entry named
:data:`LAUNCHD_SOCKET_NAME`), else a bind of ``host:port``.
"""

from __future__ import annotations

import contextlib
import logging
import socket

from byokey_cli._failures import CommandFailed, describe
from byokey_daemon import (
    ListenerBindError,
    adopt_listen_fds,
    bind_listener,
    launchd_activate_sockets,
)
from byokey_proxy import Listeners

__all__ = ["LAUNCHD_SOCKET_NAME", "bind_listeners", "close_listeners", "listener_address"]

_log = logging.getLogger("byokey.serve")

LAUNCHD_SOCKET_NAME = "Listeners"
"""The ``Sockets`` key a hand-written launchd plist uses for the main listener."""


def listener_address(sock: socket.socket) -> tuple[str, int]:
    """The host and port a listening socket is bound to (IPv6 hosts without brackets)."""
    address = sock.getsockname()
    return str(address[0]), int(address[1])


def _main_listener(host: str, port: int) -> socket.socket:
    inherited = adopt_listen_fds()
    if inherited is not None:
        return inherited
    checked_in = launchd_activate_sockets(LAUNCHD_SOCKET_NAME)
    if checked_in:
        first, *rest = checked_in
        for extra in rest:
            extra.close()
        _log.info("using the listener launchd handed over (%s)", LAUNCHD_SOCKET_NAME)
        return first
    return bind_listener(host, port)


def _amp_listener(host: str, port: int) -> socket.socket:
    try:
        return bind_listener(host, port)
    except ListenerBindError as exc:
        cause = f": {describe(exc.__cause__)}" if exc.__cause__ is not None else ""
        raise CommandFailed(f"bind amp {host}:{port}{cause}") from exc


def bind_listeners(host: str, port: int, amp_port: int) -> Listeners:
    """Both listening sockets (non-blocking, close-on-exec), Amp first."""
    amp = _amp_listener(host, amp_port)
    try:
        main = _main_listener(host, port)
    except BaseException:
        amp.close()
        raise
    return Listeners(main=main, amp=amp)


def close_listeners(listeners: Listeners) -> None:
    for sock in (listeners.main, listeners.amp):
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
