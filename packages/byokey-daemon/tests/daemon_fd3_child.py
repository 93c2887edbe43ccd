"""Child for the socket-activation tests: puts an inherited fd at 3, then adopts it.

Usage: daemon_fd3_child.py <source fd or -1> <LISTEN_PID mode: self|unset|other|empty>
Prints one JSON line describing what adopt_listen_fds() returned.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys

from byokey_daemon import adopt_listen_fds


def main() -> None:
    source, pid_mode = int(sys.argv[1]), sys.argv[2]
    with contextlib.suppress(OSError):
        os.close(3)
    if source >= 0:
        os.dup2(source, 3)
        os.close(source)
    if pid_mode == "self":
        os.environ["LISTEN_PID"] = str(os.getpid())
    elif pid_mode == "other":
        os.environ["LISTEN_PID"] = str(os.getpid() + 100000)
    elif pid_mode == "empty":
        os.environ["LISTEN_PID"] = ""
    sock = adopt_listen_fds()
    report: dict[str, object] = {
        "adopted": sock is not None,
        "env_left": sorted(k for k in ("LISTEN_FDS", "LISTEN_PID") if k in os.environ),
        "fd3_open": _is_open(3),
    }
    if sock is not None:
        report["fileno"] = sock.fileno()
        report["blocking"] = sock.getblocking()
        report["inheritable"] = sock.get_inheritable()
        report["port"] = sock.getsockname()[1]
        conn, _ = _accept_one(sock)
        conn.sendall(b"adopted")
        conn.close()
    print(json.dumps(report), flush=True)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _accept_one(sock: socket.socket) -> tuple[socket.socket, object]:
    sock.setblocking(True)
    sock.settimeout(10)
    return sock.accept()


if __name__ == "__main__":
    main()
