"""The core fake upstream: a scripted HTTP/1.1 server on 127.0.0.1 in its own thread.

It runs its own event loop in a daemon thread so that sync tests, async tests and
subprocess-driven tests can all talk to it, and so a test's loop that is blocked (or
busy awaiting the very response being served) cannot starve it.

    with FakeServer() as server:
        server.route("POST", "/v1/messages", [Json(429, {...}, headers={"retry-after": "1"}),
                                              Json(200, {...})])
        httpx.post(f"{server.url}/v1/messages", json={...})
        assert server.requests[0].json()["model"] == "claude"
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

from tests.fakes._recorded import Headers, RecordedRequest, split_target
from tests.fakes._replies import (
    Drop,
    Handler,
    Json,
    Raw,
    Reply,
    Sse,
    SseEvent,
    SseItem,
    Stall,
    Text,
    to_sse_bytes,
)
from tests.fakes._routes import Route, Script, resolve, script_steps
from tests.fakes._wire import ClientGone, read_body, read_head, write_reply

__all__ = [
    "Drop",
    "FakeServer",
    "Handler",
    "Headers",
    "Json",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Route",
    "Sse",
    "SseEvent",
    "SseItem",
    "Stall",
    "Text",
    "to_sse_bytes",
]

_START_TIMEOUT = 10.0


class FakeServer:
    """A real HTTP server on an ephemeral 127.0.0.1 port, answering from scripted routes.

    Routes are matched most-recently-added first, so a test can override one path of
    a family fake's defaults by routing it again. Unmatched requests get a 404 and are
    still recorded.
    """

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self._routes: list[Route] = []
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._connections = 0
        self._port = 0

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeServer:
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._listen())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"FakeServer-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(_START_TIMEOUT):
            raise RuntimeError("fake server did not start")
        if failure:
            self._thread.join()
            self._thread = None
            raise RuntimeError("fake server failed to start") from failure[0]
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve_connection, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        """Stop serving, abort every open connection and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            future.result(_START_TIMEOUT)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT)
        self._thread = None
        self._loop = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> FakeServer:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Joining the thread takes a moment; keep the caller's loop free meanwhile.
        await asyncio.to_thread(self.close)

    # -------------------------------------------------------------------- config

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("fake server is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, path_pattern: str, script: Script) -> Route:
        """Answer ``method path_pattern`` from ``script`` (replacing an identical route).

        ``script`` is a reply, a handler ``(request) -> reply`` (sync or async), or a
        sequence of those served one per call with the last one repeating.
        """
        new = Route(method=method.upper(), pattern=path_pattern, steps=script_steps(script))
        with self._cond:
            self._routes = [
                r for r in self._routes if (r.method, r.pattern) != (new.method, new.pattern)
            ]
            self._routes.append(new)
        return new

    def find_route(self, method: str, path_pattern: str) -> Route:
        with self._cond:
            for route in self._routes:
                if (route.method, route.pattern) == (method.upper(), path_pattern):
                    return route
        raise KeyError(f"no route {method} {path_pattern}")

    # ------------------------------------------------------------------ requests

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._cond:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        with self._cond:
            if not self._requests:
                raise AssertionError(f"{self.name}: no request received")
            return self._requests[-1]

    @property
    def connections_opened(self) -> int:
        """How many TCP connections were accepted (to check clients pool and reuse)."""
        with self._cond:
            return self._connections

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by handlers (the client saw a 500 for each)."""
        with self._cond:
            return list(self._errors)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path == path and (method is None or r.method == method.upper())
        ]

    def assert_called(
        self, method: str, path: str, times: int | None = None
    ) -> list[RecordedRequest]:
        """Fail unless ``method path`` was requested (exactly ``times`` times when given)."""
        matching = self.requests_to(path, method)
        seen = [f"{r.method} {r.path}" for r in self.requests]
        if times is None:
            assert matching, f"{self.name}: {method} {path} never requested; saw {seen}"
        else:
            assert len(matching) == times, (
                f"{self.name}: {method} {path} requested {len(matching)}x, expected {times}x"
            )
        return matching

    def assert_not_called(self, method: str, path: str) -> None:
        self.assert_called(method, path, times=0)

    def clear(self) -> None:
        with self._cond:
            self._requests.clear()
            self._errors.clear()

    def wait_for_requests(self, count: int, within: float = 10.0) -> list[RecordedRequest]:
        """Block until ``count`` requests arrived (for sync tests racing a stalled reply)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= count, within):
                raise AssertionError(
                    f"{self.name}: got {len(self._requests)} requests, waited for {count}"
                )
            return list(self._requests)

    async def wait_for_requests_async(
        self, count: int, within: float = 10.0
    ) -> list[RecordedRequest]:
        return await asyncio.to_thread(self.wait_for_requests, count, within)

    # ------------------------------------------------------------------- serving

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._cond:
            self._connections += 1
            connection_id = self._connections
        try:
            keep_alive = True
            while keep_alive:
                head = await read_head(reader)
                if head is None:
                    break
                body = await read_body(reader, writer, head)
                path, query = split_target(head.target)
                request = RecordedRequest(
                    method=head.method.upper(),
                    target=head.target,
                    path=path,
                    query_all=query,
                    headers=head.headers,
                    body=body,
                    connection_id=connection_id,
                )
                reply = await self._dispatch(request)
                keep_alive = await write_reply(writer, reply, keep_alive=head.keep_alive)
        except (ClientGone, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.transport.abort()

    async def _dispatch(self, request: RecordedRequest) -> Reply:
        with self._cond:
            routes = list(reversed(self._routes))
        for route in routes:
            params = route.match(request.method, request.path)
            if params is None:
                continue
            request = request.with_path_params(params)
            self._record(request)
            try:
                return await resolve(route.next_step(), request)
            except Exception as exc:
                with self._cond:
                    self._errors.append(exc)
                return Json(500, {"error": {"message": f"fake handler failed: {exc!r}"}})
        self._record(request)
        return Json(
            404,
            {"error": {"message": f"{self.name}: no route for {request.method} {request.path}"}},
        )

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()

    def __repr__(self) -> str:
        state = f"port={self._port}" if self._port else "stopped"
        return f"<FakeServer {self.name} {state}>"
