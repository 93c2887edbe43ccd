from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rpyc  # type: ignore[import-untyped]

from byokey_daemon import (
    NO_CONFIG_FILE,
    AnotherServeRunningError,
    ControlClient,
    ControlRequestError,
    ControlServer,
    DaemonIOError,
    LoopBridgedHandler,
    ServeControl,
    ServerStatus,
    ShutdownCoordinator,
    error_chain_text,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.shutdowns = 0
        self.reload_result: str | None = None
        self.reloads = 0

    def shutdown(self) -> None:
        self.shutdowns += 1

    def reload(self) -> str | None:
        self.reloads += 1
        return self.reload_result


@pytest.fixture
def sock_path(short_dir: Path) -> Path:
    return short_dir / "data" / "control.sock"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(sock_path: Path, clock: FakeClock, recorder: Recorder) -> Iterator[ControlServer]:
    handler = ServeControl(
        version="9.9.9",
        host="127.0.0.1",
        port=8018,
        on_shutdown=recorder.shutdown,
        on_reload=recorder.reload,
        clock=clock,
    )
    srv = ControlServer(handler, sock_path)
    srv.start()
    try:
        yield srv
    finally:
        srv.close()


def test_status_fields(server: ControlServer, sock_path: Path, clock: FakeClock) -> None:
    clock.now += 42.9
    status = ControlClient(sock_path).status()
    assert status == {
        "pid": os.getpid(),
        "version": "9.9.9",
        "host": "127.0.0.1",
        "port": 8018,
        "uptime_secs": 42,
    }


def test_socket_is_0600_and_parent_created_private(server: ControlServer, sock_path: Path) -> None:
    mode = os.lstat(sock_path).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(sock_path.parent.stat().st_mode) == 0o700
    # The private bind directory is gone: only the socket is left.
    assert [p.name for p in sock_path.parent.iterdir()] == ["control.sock"]


def test_shutdown_calls_the_handler_and_returns(
    server: ControlServer, sock_path: Path, recorder: Recorder
) -> None:
    ControlClient(sock_path).shutdown()
    assert recorder.shutdowns == 1


def test_reload_ok_and_error(server: ControlServer, sock_path: Path, recorder: Recorder) -> None:
    client = ControlClient(sock_path)
    client.reload()
    assert recorder.reloads == 1
    recorder.reload_result = "invalid type: expected u16 for key `port`"
    with pytest.raises(ControlRequestError) as info:
        client.reload()
    assert str(info.value) == ("control request failed: invalid type: expected u16 for key `port`")


def test_reload_without_config_file(sock_path: Path) -> None:
    handler = ServeControl(version="1", host="h", port=1, on_shutdown=lambda: None)
    with ControlServer(handler, sock_path), pytest.raises(ControlRequestError) as info:
        ControlClient(sock_path).reload()
    assert str(info.value) == f"control request failed: {NO_CONFIG_FILE}"
    assert NO_CONFIG_FILE == "no config file (server started without --config)"


def test_close_removes_the_socket_and_is_idempotent(server: ControlServer, sock_path: Path) -> None:
    assert any(t.name == "byokey-control" for t in threading.enumerate())
    server.close()
    assert not sock_path.exists()
    assert not server.running
    assert not any(t.name == "byokey-control" for t in threading.enumerate())
    server.close()
    assert not ControlClient(sock_path).is_alive()


def test_close_leaves_a_foreign_file_alone(server: ControlServer, sock_path: Path) -> None:
    sock_path.unlink()
    sock_path.write_text("someone else's")
    server.close()
    assert sock_path.read_text() == "someone else's"


def test_refuses_when_another_server_answers(server: ControlServer, sock_path: Path) -> None:
    second = ControlServer(
        ServeControl(version="2", host="h", port=2, on_shutdown=lambda: None), sock_path
    )
    with pytest.raises(AnotherServeRunningError) as info:
        second.start()
    assert str(info.value) == (
        f"another byokey serve is already running (control socket {sock_path} is live)"
    )
    assert ControlClient(sock_path).status()["version"] == "9.9.9"


def _stale_socket_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()  # the file stays, nobody listens


@pytest.mark.parametrize("kind", ["stale_socket", "regular_file"])
def test_binds_over_a_leftover_file(sock_path: Path, kind: str) -> None:
    if kind == "stale_socket":
        _stale_socket_file(sock_path)
    else:
        sock_path.parent.mkdir(parents=True)
        sock_path.write_text("junk")
    handler = ServeControl(version="3", host="h", port=3, on_shutdown=lambda: None)
    with ControlServer(handler, sock_path):
        assert ControlClient(sock_path).status()["version"] == "3"
    assert not sock_path.exists()


def test_concurrent_clients(server: ControlServer, sock_path: Path) -> None:
    client = ControlClient(sock_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: client.status()["port"], range(24)))
    assert results == [8018] * 24


def test_only_the_three_methods_are_reachable(server: ControlServer, sock_path: Path) -> None:
    conn = rpyc.utils.factory.unix_connect(str(sock_path), config={"sync_request_timeout": 2})
    try:
        assert conn.root.status()[0] is True
        with pytest.raises(AttributeError):
            _ = conn.root._handler
        with pytest.raises(AttributeError):
            _ = conn.root.exposed_status.__globals__
    finally:
        conn.close()


# -- client failure modes ------------------------------------------------------------


def test_client_without_socket_file(sock_path: Path) -> None:
    client = ControlClient(sock_path)
    assert not client.is_alive()
    for call in (client.status, client.shutdown, client.reload):
        with pytest.raises(DaemonIOError) as info:
            call()
        assert str(info.value) == f"I/O error on {sock_path}"
        assert isinstance(info.value.__cause__, FileNotFoundError)
        assert error_chain_text(info.value).startswith(f"I/O error on {sock_path}: ")


def test_client_on_a_plain_file(short_dir: Path) -> None:
    path = short_dir / "control.sock"
    path.write_text("not a socket")
    with pytest.raises(DaemonIOError):
        ControlClient(path).status()
    assert not ControlClient(path).is_alive()


def test_client_on_a_socket_that_never_answers(short_dir: Path) -> None:
    path = short_dir / "silent.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)  # never accepts: connects succeed, nothing ever answers
    try:
        client = ControlClient(path, timeout=0.3)
        with pytest.raises(ControlRequestError) as info:
            client.status()
        assert str(info.value) == "control request failed: deadline exceeded"
        assert not client.is_alive()
    finally:
        listener.close()


class Exploding:
    def status(self) -> ServerStatus:
        raise RuntimeError("store unavailable")

    def shutdown(self) -> None:
        raise RuntimeError("no loop")

    def reload(self) -> str | None:
        raise ValueError("")


def test_handler_exceptions_become_control_errors(sock_path: Path) -> None:
    with ControlServer(Exploding(), sock_path):
        client = ControlClient(sock_path)
        with pytest.raises(
            ControlRequestError, match=r"^control request failed: store unavailable$"
        ):
            client.status()
        with pytest.raises(ControlRequestError, match=r"^control request failed: no loop$"):
            client.shutdown()
        with pytest.raises(ControlRequestError, match=r"^control request failed: ValueError$"):
            client.reload()
        assert not client.is_alive()


class BadStatus:
    def status(self) -> ServerStatus:
        return {"pid": "x"}  # type: ignore[typeddict-item]

    def shutdown(self) -> None:
        return None

    def reload(self) -> str | None:
        return None


def test_malformed_status_reply(sock_path: Path) -> None:
    with (
        ControlServer(BadStatus(), sock_path),
        pytest.raises(ControlRequestError, match="'pid' is not an integer"),
    ):
        ControlClient(sock_path).status()


# -- asyncio bridge ------------------------------------------------------------------


class AsyncApp:
    def __init__(self, coordinator: ShutdownCoordinator) -> None:
        self.coordinator = coordinator
        self.thread_ids: list[int] = []
        self.hang = asyncio.Event()

    async def status(self) -> ServerStatus:
        self.thread_ids.append(threading.get_ident())
        return ServerStatus(pid=1, version="a", host="::1", port=9, uptime_secs=0)

    async def shutdown(self) -> None:
        self.coordinator.request("control")

    async def reload(self) -> str | None:
        await self.hang.wait()
        return None


async def test_bridge_runs_handlers_on_the_loop(sock_path: Path) -> None:
    coordinator = ShutdownCoordinator()
    coordinator.attach()
    app = AsyncApp(coordinator)
    loop = asyncio.get_running_loop()
    with ControlServer(LoopBridgedHandler(app, loop, timeout=0.3), sock_path):
        client = ControlClient(sock_path)
        status = await asyncio.to_thread(client.status)
        assert status["host"] == "::1"
        assert app.thread_ids == [threading.get_ident()]
        with pytest.raises(ControlRequestError, match="did not answer in time"):
            await asyncio.to_thread(client.reload)
        await asyncio.to_thread(client.shutdown)
        await asyncio.wait_for(coordinator.wait(), 5)
        assert coordinator.reason == "control"


def test_bridge_with_a_closed_loop_reports_an_error(sock_path: Path) -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    app = AsyncApp(ShutdownCoordinator())
    with (
        ControlServer(LoopBridgedHandler(app, loop), sock_path),
        pytest.raises(ControlRequestError, match="event loop is not running"),
    ):
        ControlClient(sock_path).status()


def test_rpyc_loads_when_the_control_socket_starts(tmp_path: Path) -> None:
    """``import byokey_daemon`` and building a ControlServer load no rpyc; ``start`` does."""
    code = (
        "import sys\n"
        "from byokey_daemon import ControlClient, ControlServer, ServeControl\n"
        "handler = ServeControl(version='1', host='127.0.0.1', port=1, on_shutdown=lambda: None)\n"
        f"server = ControlServer(handler, {str(tmp_path / 'c.sock')!r})\n"
        "ControlClient(server.socket_path)\n"
        "before = 'rpyc' in sys.modules\n"
        "server.start()\n"
        "alive = ControlClient(server.socket_path).is_alive()\n"
        "server.close()\n"
        "print(before, alive)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
