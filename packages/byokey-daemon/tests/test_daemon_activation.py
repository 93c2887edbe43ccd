from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from byokey_daemon import (
    ListenerBindError,
    adopt_listen_fds,
    bind_listener,
    error_chain_text,
    launchd_activate_sockets,
)

CHILD = Path(__file__).with_name("daemon_fd3_child.py")


def _run_child(
    source: socket.socket | int | None, pid_mode: str, *, connect_port: int | None = None
) -> dict[str, Any]:
    """Run the child; with ``connect_port``, also connect once so it can accept."""
    fd = -1 if source is None else (source if isinstance(source, int) else source.fileno())
    env = dict(os.environ, LISTEN_FDS="1")
    env.pop("LISTEN_PID", None)
    greeting: list[bytes] = []

    def connect() -> None:
        assert connect_port is not None
        with socket.create_connection(("127.0.0.1", connect_port), timeout=10) as c:
            greeting.append(c.recv(16))

    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(fd), pid_mode],
        env=env,
        pass_fds=() if fd < 0 else (fd,),
        stdout=subprocess.PIPE,
        text=True,
    )
    client = threading.Thread(target=connect) if connect_port is not None else None
    if client is not None:
        client.start()
    out, _ = proc.communicate(timeout=30)
    if client is not None:
        client.join(10)
    assert proc.returncode == 0
    report: dict[str, Any] = json.loads(out)
    if greeting:
        report["greeting"] = greeting[0]
    return report


@pytest.fixture
def tcp_listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


@pytest.mark.parametrize("pid_mode", ["self", "unset", "empty"])
def test_adopts_an_inherited_tcp_listener(tcp_listener: socket.socket, pid_mode: str) -> None:
    port = tcp_listener.getsockname()[1]
    with tcp_listener:
        report = _run_child(tcp_listener, pid_mode, connect_port=port)
    assert report == {
        "adopted": True,
        "env_left": [],
        "fd3_open": True,
        "fileno": 3,
        "blocking": False,
        "inheritable": False,
        "port": port,
        "greeting": b"adopted",
    }


def test_wrong_pid_falls_back_and_still_pops_the_variables(tcp_listener: socket.socket) -> None:
    with tcp_listener:
        report = _run_child(tcp_listener, "other")
    assert report == {"adopted": False, "env_left": [], "fd3_open": True}


def test_a_unix_socket_at_fd3_is_rejected_and_left_open() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(str(Path(tmp) / "s"))
        unix.listen(1)
        with unix:
            report = _run_child(unix, "self")
    assert report == {"adopted": False, "env_left": [], "fd3_open": True}


def test_a_regular_file_at_fd3_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    fd = os.open(path, os.O_RDONLY)
    try:
        report = _run_child(fd, "self")
    finally:
        os.close(fd)
    assert report == {"adopted": False, "env_left": [], "fd3_open": True}


def test_nothing_at_fd3() -> None:
    report = _run_child(None, "self")
    assert report == {"adopted": False, "env_left": [], "fd3_open": False}


def test_udp_socket_is_rejected() -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    with udp:
        report = _run_child(udp, "self")
    assert report["adopted"] is False


# -- environment handling without touching fd 3 ---------------------------------------


def test_no_variables_means_no_socket() -> None:
    env: dict[str, str] = {"LISTEN_PID": "1"}
    assert adopt_listen_fds(env) is None
    assert env == {"LISTEN_PID": "1"}  # untouched: LISTEN_FDS was absent


def test_unparsable_count_is_ignored_and_left_alone() -> None:
    env = {"LISTEN_FDS": "lots", "LISTEN_PID": "1"}
    assert adopt_listen_fds(env) is None
    assert env == {"LISTEN_FDS": "lots", "LISTEN_PID": "1"}


@pytest.mark.parametrize(
    "env",
    [
        {"LISTEN_FDS": "0"},
        {"LISTEN_FDS": "1", "LISTEN_PID": "123"},
        {"LISTEN_FDS": "2", "LISTEN_PID": "999", "LISTEN_FDNAMES": "http:amp"},
        {"LISTEN_FDS": "1", "LISTEN_PID": "not-a-pid"},
    ],
)
def test_parsable_count_pops_the_variables_even_when_rejected(env: dict[str, str]) -> None:
    assert adopt_listen_fds(env, pid=42) is None
    assert env == {}


# -- bind_listener -------------------------------------------------------------------


def test_bind_listener_ipv4_ephemeral_port() -> None:
    sock = bind_listener("127.0.0.1", 0)
    with sock:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
        assert sock.getblocking() is False
        assert sock.get_inheritable() is False
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_bind_listener_ipv6(host: str) -> None:
    try:
        sock = bind_listener(host, 0)
    except ListenerBindError as exc:
        pytest.skip(f"IPv6 loopback unavailable: {error_chain_text(exc)}")
    with sock:
        assert sock.family == socket.AF_INET6


def test_bind_listener_port_in_use() -> None:
    first = bind_listener("127.0.0.1", 0)
    with first:
        port = first.getsockname()[1]
        with pytest.raises(ListenerBindError) as info:
            bind_listener("127.0.0.1", port)
    assert str(info.value) == f"bind 127.0.0.1:{port}"
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize(("host", "port"), [("not a host!", 80), ("127.0.0.1", 70000)])
def test_bind_listener_invalid_address(host: str, port: int) -> None:
    with pytest.raises(ListenerBindError) as info:
        bind_listener(host, port)
    assert str(info.value) == f"invalid address {host}:{port}"


def test_launchd_check_in_is_empty_off_macos() -> None:
    if sys.platform == "darwin":
        pytest.skip("only meaningful off macOS")
    assert launchd_activate_sockets("Listeners") == []
