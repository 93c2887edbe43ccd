"""The control socket server: rpyc connections on a Unix socket, mode 0600.

The socket is bound and accepted here, one thread per connection running rpyc's
``serve_all`` (what rpyc's ``ThreadedServer`` does), so rpyc itself (~3 MiB) is
imported by the first ``byokey status`` / ``stop`` / ``reload``, not by every
``serve`` start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from ._control_probe import SocketProbe, probe_unix_socket
from ._control_protocol import ControlHandler
from ._errors import AnotherServeRunningError, ControlBindError

_log = logging.getLogger("byokey_daemon.control")
# rpyc logs every connection at INFO ("welcome", "goodbye"); one ``byokey status`` would
# add three lines to the server log. Its own logger keeps only warnings and errors.
_rpyc_log = logging.getLogger("byokey_daemon.control.rpyc")
_rpyc_log.setLevel(logging.WARNING)

# Unix socket paths are limited to 104 (macOS) / 108 (Linux) bytes including the NUL.
_MAX_SOCKET_PATH_BYTES = 103
_ACCEPT_POLL_SECONDS = 0.25
_JOIN_SECONDS = 5.0

# rpyc's safe defaults, spelled out so nobody loosens them by accident; the traceback
# is kept local so handler internals never travel to a client.
PROTOCOL_CONFIG: dict[str, Any] = {
    "allow_public_attrs": False,
    "allow_all_attrs": False,
    "allow_setattr": False,
    "allow_delattr": False,
    "allow_pickle": False,
    "include_local_traceback": False,
    "instantiate_custom_exceptions": False,
    "import_custom_exceptions": False,
}


class ControlServer:
    """Serve a ``ControlHandler`` on ``socket_path`` from a background thread.

    ``start()`` refuses when another server answers on the path, removes a stale file,
    binds with mode 0600 and returns once the socket accepts connections. ``close()``
    stops the accept thread, ends the open connections and deletes the socket file,
    but only if the file is still the one this server created.
    """

    def __init__(self, handler: ControlHandler, socket_path: Path | str) -> None:
        self._handler = handler
        self._path = Path(socket_path)
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._clients: set[socket.socket] = set()
        self._clients_lock = threading.Lock()
        self._inode: tuple[int, int] | None = None
        self._lock = threading.Lock()

    @property
    def socket_path(self) -> Path:
        return self._path

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            self._clear_path()
            listener = self._bind()
            # Listening before returning, so a client connecting right after start()
            # is never refused; the accept loop polls so close() always wakes it.
            listener.settimeout(_ACCEPT_POLL_SECONDS)
            self._closing.clear()
            thread = threading.Thread(
                target=self._accept_loop, args=(listener,), name="byokey-control", daemon=True
            )
            thread.start()
            self._listener = listener
            self._thread = thread
            _log.info("control socket listening on %s", self._path)

    def close(self) -> None:
        with self._lock:
            listener, thread = self._listener, self._thread
            self._listener = None
            self._thread = None
            self._closing.set()
            if thread is not None:
                thread.join(_JOIN_SECONDS)
            if listener is not None:
                listener.close()
            with self._clients_lock:
                clients = list(self._clients)
            for client in clients:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
            self._unlink_own_socket()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._closing.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._closing.is_set():
                    return
                _log.warning("control socket accept failed", exc_info=True)
                self._closing.wait(_ACCEPT_POLL_SECONDS)
                continue
            client.settimeout(None)
            with self._clients_lock:
                self._clients.add(client)
            threading.Thread(
                target=self._serve_client, args=(client,), name="byokey-control-client", daemon=True
            ).start()

    def _serve_client(self, client: socket.socket) -> None:
        try:
            from rpyc.core.channel import Channel  # type: ignore[import-untyped]
            from rpyc.core.stream import SocketStream  # type: ignore[import-untyped]

            from ._control_service import ControlService

            config = dict(PROTOCOL_CONFIG, logger=_rpyc_log)
            conn = ControlService(self._handler)._connect(Channel(SocketStream(client)), config)
            try:
                conn.serve_all()
            finally:
                conn.close()
        except Exception:
            _log.debug("control connection ended abruptly", exc_info=True)
        finally:
            with self._clients_lock:
                self._clients.discard(client)
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def __enter__(self) -> ControlServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _clear_path(self) -> None:
        probe = probe_unix_socket(self._path)
        if probe is SocketProbe.LISTENING:
            raise AnotherServeRunningError(self._path)
        if probe is SocketProbe.STALE:
            _log.info("removing stale control socket %s", self._path)
            try:
                self._path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise ControlBindError(self._path) from exc

    def _bind(self) -> socket.socket:
        try:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ControlBindError(self._path) from exc
        private_dir: str | None = None
        bind_path = self._path
        if len(os.fsencode(self._path)) + 24 <= _MAX_SOCKET_PATH_BYTES:
            # Bind inside a fresh 0700 directory, tighten the mode, then move the socket
            # into place: nobody can connect during the moment it has umask permissions.
            private_dir = tempfile.mkdtemp(prefix=".ctl-", dir=self._path.parent)
            bind_path = Path(private_dir) / "c.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                listener.bind(str(bind_path))
                os.chmod(bind_path, 0o600)
                listener.listen(16)
                if bind_path != self._path:
                    os.replace(bind_path, self._path)
                st = os.stat(self._path)
            except OSError:
                listener.close()
                raise
        except OSError as exc:
            raise ControlBindError(self._path) from exc
        finally:
            if private_dir is not None:
                shutil.rmtree(private_dir, ignore_errors=True)
        self._inode = (st.st_dev, st.st_ino)
        return listener

    def _unlink_own_socket(self) -> None:
        if self._inode is None:
            return
        own, self._inode = self._inode, None
        with contextlib.suppress(OSError):
            st = os.stat(self._path)
            if (st.st_dev, st.st_ino) == own:
                self._path.unlink()
