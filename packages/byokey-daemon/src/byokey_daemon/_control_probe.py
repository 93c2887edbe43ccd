"""Is anything listening on a Unix socket path? Decided without speaking the protocol.

Used before deleting a socket file: a live but slow server must not lose its socket
just because it did not answer ``status`` within the deadline (spec §4.4, [BUG?]).
"""

from __future__ import annotations

import enum
import os
import socket
import stat
from pathlib import Path

_PROBE_TIMEOUT_SECONDS = 1.0


class SocketProbe(enum.Enum):
    ABSENT = "absent"
    STALE = "stale"
    """A file is there but nothing accepts connections on it (or it is not a socket)."""
    LISTENING = "listening"


def probe_unix_socket(path: Path, timeout: float = _PROBE_TIMEOUT_SECONDS) -> SocketProbe:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return SocketProbe.ABSENT
    except OSError:
        return SocketProbe.STALE
    if not stat.S_ISSOCK(mode):
        return SocketProbe.STALE
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        return SocketProbe.STALE
    except TimeoutError:
        # A full backlog: someone is bound and listening, just busy.
        return SocketProbe.LISTENING
    except OSError:
        return SocketProbe.STALE
    finally:
        sock.close()
    return SocketProbe.LISTENING
