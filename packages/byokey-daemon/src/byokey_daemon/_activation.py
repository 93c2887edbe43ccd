"""The main HTTP listener: adopt an inherited socket (socket activation) or bind one.

Either way the result is a listening, non-blocking, close-on-exec ``socket.socket`` that
the server hands to hypercorn as is.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import socket
import sys
from collections.abc import MutableMapping

from ._errors import ListenerBindError

_log = logging.getLogger("byokey_daemon.activation")

LISTEN_FDS_START = 3
_TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)
_BACKLOG = 1024
# A plain str, so type checkers on Linux do not treat the macOS branch as dead code.
_PLATFORM: str = sys.platform


def adopt_listen_fds(
    environ: MutableMapping[str, str] | None = None, *, pid: int | None = None
) -> socket.socket | None:
    """Adopt fd 3 per the ``LISTEN_FDS`` protocol (systemd, systemfd), else None.

    When ``LISTEN_FDS`` parses as a count, both variables are removed whether or not the
    fds are accepted (spec §4.2). Only the first fd is used and only a TCP stream socket
    is accepted; any problem falls back silently (None), leaving the fd untouched.
    """
    env = os.environ if environ is None else environ
    raw_count = env.get("LISTEN_FDS")
    if raw_count is None:
        return None
    try:
        count = int(raw_count.strip(), 10)
    except ValueError:
        return None
    listen_pid = env.pop("LISTEN_PID", None)
    env.pop("LISTEN_FDS", None)
    env.pop("LISTEN_FDNAMES", None)
    if count < 1:
        return None
    own_pid = os.getpid() if pid is None else pid
    if listen_pid is not None and listen_pid.strip() and _parse_pid(listen_pid) != own_pid:
        return None
    sock = _socket_from_fd(LISTEN_FDS_START)
    if sock is None:
        return None
    sock.set_inheritable(False)
    sock.setblocking(False)
    _log.info("using inherited listener (LISTEN_FDS) on %s", _describe(sock))
    return sock


def _parse_pid(text: str) -> int | None:
    try:
        return int(text.strip(), 10)
    except ValueError:
        return None


def _socket_from_fd(fd: int) -> socket.socket | None:
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return None
    if sock.type != socket.SOCK_STREAM or sock.family not in _TCP_FAMILIES:
        sock.detach()
        return None
    return sock


def _describe(sock: socket.socket) -> str:
    try:
        address = sock.getsockname()
    except OSError:
        return "an unknown address"
    return f"{address[0]}:{address[1]}"


def bind_listener(host: str, port: int, *, backlog: int = _BACKLOG) -> socket.socket:
    """Bind and listen on ``host:port`` (IPv4 or IPv6, SO_REUSEADDR), non-blocking.

    Raises ``ListenerBindError``: ``invalid address HOST:PORT`` when the host does not
    resolve, else ``bind HOST:PORT`` with the OS error as cause.
    """
    bare_host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not 0 <= port <= 65535:
        raise ListenerBindError(host, port, invalid_address=True)
    try:
        infos = socket.getaddrinfo(
            bare_host or None,
            port,
            type=socket.SOCK_STREAM,
            proto=socket.IPPROTO_TCP,
            flags=socket.AI_PASSIVE | socket.AI_NUMERICSERV,
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise ListenerBindError(host, port, invalid_address=True) from exc
    family, socktype, proto, _, address = infos[0]
    sock = socket.socket(family, socktype, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise ListenerBindError(host, port) from exc
    return sock


def launchd_activate_sockets(name: str) -> list[socket.socket]:
    """Check in with launchd for the sockets declared under ``Sockets.<name>`` in a plist.

    macOS only (``launch_activate_socket``, libSystem); elsewhere, or when launchd has
    nothing for this process, the answer is an empty list. ``service install`` writes no
    ``Sockets`` key, so this only matters for a hand-written plist. Not exercised by the
    test suite (no macOS there).
    """
    if _PLATFORM != "darwin":
        return []
    return _launchd_check_in(name)


def _launchd_check_in(name: str) -> list[socket.socket]:  # pragma: no cover - macOS only
    try:
        libc = ctypes.CDLL("/usr/lib/libSystem.B.dylib", use_errno=True)
        activate = libc.launch_activate_socket
    except (OSError, AttributeError):
        return []
    activate.argtypes = [
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.POINTER(ctypes.c_int)),
        ctypes.POINTER(ctypes.c_size_t),
    ]
    activate.restype = ctypes.c_int
    fds = ctypes.POINTER(ctypes.c_int)()
    count = ctypes.c_size_t(0)
    if activate(name.encode(), ctypes.byref(fds), ctypes.byref(count)) != 0:
        return []
    sockets: list[socket.socket] = []
    try:
        for index in range(count.value):
            sock = _socket_from_fd(fds[index])
            if sock is None:
                continue
            sock.set_inheritable(False)
            sock.setblocking(False)
            sockets.append(sock)
    finally:
        libc.free.argtypes = [ctypes.c_void_p]
        with contextlib.suppress(Exception):
            libc.free(fds)
    return sockets
