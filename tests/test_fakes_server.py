"""The core fake server: routing, recording, framing, scripted failures, clean shutdown."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from tests.fakes.fixtures import FakeServerFactory
from tests.fakes.server import (
    Drop,
    FakeServer,
    Json,
    Raw,
    RecordedRequest,
    Sse,
    SseEvent,
    SseItem,
    Stall,
    Text,
)


def _drain(response: httpx.Response, into: bytearray) -> None:
    for piece in response.iter_raw():
        into += piece


def _raw_exchange(server: FakeServer, data: bytes) -> bytes:
    """Send raw bytes and read until the server closes (for wire-level assertions)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_json_route_records_the_request(fake_server: FakeServer) -> None:
    fake_server.route("POST", "/v1/things", Json(201, {"ok": True}, headers={"X-Fake": "1"}))
    response = httpx.post(
        f"{fake_server.url}/v1/things?a=1&a=2&b=",
        json={"model": "m"},
        headers={"X-Api-Key": "secret-value"},
    )
    assert response.status_code == 201
    assert response.json() == {"ok": True}
    assert response.headers["x-fake"] == "1"
    request = fake_server.assert_called("POST", "/v1/things", times=1)[0]
    assert request.json() == {"model": "m"}
    assert request.query == {"a": "2", "b": ""}
    assert request.query_all["a"] == ["1", "2"]
    assert request.headers["x-api-key"] == "secret-value"
    assert request.headers["X-API-KEY"] == "secret-value"
    request.assert_header("content-type", "application/json")
    assert "secret-value" not in repr(request)
    assert "secret-value" not in repr(request.headers)


def test_unknown_route_is_404_and_recorded(fake_server: FakeServer) -> None:
    response = httpx.get(f"{fake_server.url}/nope")
    assert response.status_code == 404
    assert "/nope" in response.json()["error"]["message"]
    assert fake_server.last_request.path == "/nope"


def test_path_placeholders_and_latest_route_wins(fake_server: FakeServer) -> None:
    def echo(request: RecordedRequest) -> Json:
        return Json(200, dict(request.path_params))

    fake_server.route("POST", "/v1beta/models/{model}:generateContent", echo)
    fake_server.route("GET", "/files/{rest:path}", echo)
    with httpx.Client(base_url=fake_server.url) as client:
        assert client.post("/v1beta/models/gemini-2.5-pro:generateContent").json() == {
            "model": "gemini-2.5-pro"
        }
        assert client.get("/files/a/b/c").json() == {"rest": "a/b/c"}
        fake_server.route("GET", "/files/{rest:path}", Text(200, "override"))
        assert client.get("/files/x").text == "override"


def test_sequence_serves_one_per_call_then_repeats_last(fake_server: FakeServer) -> None:
    route = fake_server.route(
        "GET",
        "/r",
        [Json(429, {"e": 1}, headers={"Retry-After": "2"}), Json(200, {"n": 2})],
    )
    with httpx.Client(base_url=fake_server.url) as client:
        first = client.get("/r")
        assert (first.status_code, first.headers["retry-after"]) == (429, "2")
        assert client.get("/r").json() == {"n": 2}
        assert client.get("/r").json() == {"n": 2}
        route.queue(Json(503, {"once": True}))
        assert client.get("/r").status_code == 503
        assert client.get("/r").status_code == 200
    assert route.calls == 5


async def test_async_handler_and_async_client(fake_server: FakeServer) -> None:
    async def handler(request: RecordedRequest) -> Json:
        return Json(200, {"got": request.json()["x"]})

    fake_server.route("POST", "/h", handler)
    async with httpx.AsyncClient(base_url=fake_server.url) as client:
        response = await client.post("/h", json={"x": 7})
    assert response.json() == {"got": 7}


def test_handler_exception_becomes_500_and_is_kept(fake_server: FakeServer) -> None:
    def broken(request: RecordedRequest) -> Json:
        raise ValueError("boom")

    fake_server.route("GET", "/b", broken)
    assert httpx.get(f"{fake_server.url}/b").status_code == 500
    assert isinstance(fake_server.errors[0], ValueError)


def test_keep_alive_reuses_one_connection(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/k", Json(200, {}))
    with httpx.Client(base_url=fake_server.url) as client:
        for _ in range(3):
            client.get("/k")
    assert fake_server.connections_opened == 1
    assert {r.connection_id for r in fake_server.requests} == {1}


def test_chunked_request_body_and_expect_continue(fake_server: FakeServer) -> None:
    fake_server.route("POST", "/up", Json(200, {}))
    raw = _raw_exchange(
        fake_server,
        b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
        b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
    )
    assert raw.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert fake_server.last_request.body == b"abcde"


EVENTS: list[SseItem] = [
    SseEvent({"text": "héllo ✓"}, event="delta"),
    ("delta", {"text": "two"}),
    {"plain": True},
    "[DONE]",
]
EXPECTED = (
    b'event: delta\ndata: {"text":"h\xc3\xa9llo \xe2\x9c\x93"}\n\n'
    b'event: delta\ndata: {"text":"two"}\n\n'
    b'data: {"plain":true}\n\n'
    b"data: [DONE]\n\n"
)


@pytest.mark.parametrize(
    "reply",
    [
        Sse(EVENTS),
        Sse(EVENTS, split="every_byte"),
        Sse(EVENTS, split="random", seed=3),
        Sse(EVENTS, chunk_sizes=[1, 2, 7]),
        Sse(EVENTS, framing="length"),
        Sse(EVENTS, framing="close", chunk_sizes=[5]),
    ],
)
def test_sse_bytes_arrive_intact_however_they_are_cut(fake_server: FakeServer, reply: Sse) -> None:
    fake_server.route("GET", "/s", reply)
    with (
        httpx.Client(base_url=fake_server.url) as client,
        client.stream("GET", "/s") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == EXPECTED
    if reply.split == "every_byte" and reply.framing == "chunked":
        assert all(len(piece) == 1 for piece in pieces)


def test_sse_pieces_respect_cut_points() -> None:
    reply = Sse(EVENTS, chunk_sizes=[4])
    pieces = reply.pieces()
    assert b"".join(piece for piece, _ in pieces) == EXPECTED
    assert all(len(piece) <= 4 for piece, _ in pieces)
    assert pieces[-1][1] == len(EVENTS)


def test_sse_drop_after_truncates_without_terminator(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/s", Sse(EVENTS, drop_after=2, chunk_sizes=[3]))
    received = bytearray()
    with (
        httpx.Client(base_url=fake_server.url) as client,
        client.stream("GET", "/s") as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        _drain(response, received)
    assert bytes(received) == EXPECTED[: EXPECTED.index(b'data: {"plain"')]


def test_sse_stall_after_events_hits_client_read_timeout(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/s", Sse(EVENTS, stall=30, stall_after=1))
    received = bytearray()
    with (
        httpx.Client(base_url=fake_server.url, timeout=httpx.Timeout(5, read=0.3)) as client,
        client.stream("GET", "/s") as response,
        pytest.raises(httpx.ReadTimeout),
    ):
        _drain(response, received)
    assert bytes(received).count(b"\n\n") == 1


def test_drop_closes_without_answer(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/d", Drop())
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{fake_server.url}/d")
    assert fake_server.last_request.path == "/d"


def test_drop_with_partial_response(fake_server: FakeServer) -> None:
    fake_server.route(
        "GET", "/d", Drop(partial=b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    )
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{fake_server.url}/d")


def test_stall_then_reply_and_stall_forever(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/slow", Stall(0, then=Json(200, {"late": True})))
    fake_server.route("GET", "/hang", Stall(60))
    assert httpx.get(f"{fake_server.url}/slow").json() == {"late": True}
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{fake_server.url}/hang", timeout=httpx.Timeout(5, read=0.2))


def test_raw_reply_is_written_verbatim(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/raw", Raw(b"HTTP/1.1 418 Teapot\r\nContent-Length: 2\r\n\r\nhi"))
    response = httpx.get(f"{fake_server.url}/raw")
    assert (response.status_code, response.text) == (418, "hi")


def test_wait_for_requests_sees_a_request_that_is_still_stalled(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/hang", Stall(60))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.get(f"{fake_server.url}/hang", timeout=httpx.Timeout(5, read=10))
        except httpx.HTTPError as exc:
            errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    fake_server.wait_for_requests(1)
    fake_server.close()  # aborts the stalled connection instead of waiting 60 s
    worker.join(10)
    assert not worker.is_alive()
    assert errors


def test_close_leaves_no_thread_and_frees_the_port() -> None:
    before = set(threading.enumerate())
    server = FakeServer("lifecycle").start()
    port = server.port
    server.route("GET", "/x", Sse(["a"], stall=60, stall_after=0))
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(5, read=0.2)) as client:
        with pytest.raises(httpx.ReadTimeout), client.stream("GET", "/x") as response:
            response.read()
        server.close()
    assert set(threading.enumerate()) == before
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    server.close()  # idempotent


async def test_async_context_manager() -> None:
    async with FakeServer("ctx") as server:
        server.route("GET", "/a", Json(200, {"a": 1}))
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{server.url}/a")).json() == {"a": 1}
        assert (await server.wait_for_requests_async(1))[0].path == "/a"


def test_factory_fixture_gives_independent_servers(
    fake_server_factory: FakeServerFactory,
) -> None:
    one, two = fake_server_factory("one"), fake_server_factory("two")
    assert one.port != two.port
    one.route("GET", "/", Text(200, "one"))
    assert httpx.get(f"{one.url}/").text == "one"
    assert httpx.get(f"{two.url}/").status_code == 404
