"""The lean client for plain ``http://`` upstreams: framing, reuse, aborts, failures.

Wire behaviour is checked against a scripted asyncio server on 127.0.0.1 that
answers with exact bytes; the body parser is also fed arbitrary splits of the
same bytes (hypothesis), since a real socket may cut them anywhere.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byokey_provider import Timeouts, UpstreamHttp
from byokey_provider._plain_http import PlainHttpPool, PlainResponse, _Connection
from byokey_types import TransportError, UpstreamError, UpstreamTimeout
from tests.fakes.raw_wire import ScriptedUpstream, replies


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    client = pool()
    try:
        yield client
    finally:
        await client.aclose()


def pool(**kw: float) -> UpstreamHttp:
    return UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=2, first_byte=2, idle=2, **kw))


async def _get(http: UpstreamHttp, url: str, method: str = "GET", **kw: object) -> bytes:
    response = await http.send(method, url, upstream="lab", headers={}, **kw)  # type: ignore[arg-type]
    return await response.read()


async def test_content_length_bodies_reuse_one_connection(http: UpstreamHttp) -> None:
    answer = replies(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n", b"hel", b"lo")
    async with ScriptedUpstream(answer) as up:
        for _ in range(3):
            assert await _get(http, f"{up.url}/v1/x") == b"hello"
        assert up.connections == 1
        assert len(up.requests) == 3


async def test_request_bytes_on_the_wire(http: UpstreamHttp) -> None:
    async with ScriptedUpstream(replies(b"HTTP/1.1 204 No Content\r\n\r\n")) as up:
        response = await http.send(
            "POST",
            f"{up.url}/v1/chat?x=1",
            upstream="lab",
            headers={"content-type": "application/json", "Content-Length": "999"},
            json={"a": 1},
        )
        assert response.status == 204 and await response.read() == b""
        head, _, body = up.requests[0].partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        assert lines[0] == b"POST /v1/chat?x=1 HTTP/1.1"
        assert lines[1] == b"Host: " + up.url.removeprefix("http://").encode()
        assert b"content-type: application/json" in lines
        assert b"Accept: */*" in lines
        assert b"Content-Length: 7" in lines and b"Content-Length: 999" not in lines
        assert not any(line.lower().startswith(b"user-agent") for line in lines)
        assert body == b'{"a":1}'


async def test_a_callers_accept_header_is_kept_alone(http: UpstreamHttp) -> None:
    async with ScriptedUpstream(replies(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as up:
        r = await http.send("GET", f"{up.url}/", upstream="lab", headers={"accept": "text/x"})
        await r.read()
        lines = up.requests[0].split(b"\r\n")
        assert b"accept: text/x" in lines and b"Accept: */*" not in lines


async def test_credentials_in_the_url_become_basic_auth_unless_the_caller_sets_one(
    http: UpstreamHttp,
) -> None:
    async with ScriptedUpstream(replies(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as up:
        url = up.url.replace("http://", "http://us%40er:p%3Ass@")
        await (await http.send("GET", f"{url}/", upstream="lab", headers={})).read()
        await (
            await http.send("GET", f"{url}/", upstream="lab", headers={"Authorization": "X"})
        ).read()
        first, second = (r.split(b"\r\n") for r in up.requests)
        assert b"Authorization: Basic dXNAZXI6cDpzcw==" in first  # us@er:p:ss
        assert b"Host: " + up.url.removeprefix("http://").encode() in first
        assert [h for h in second if h.lower().startswith(b"authorization")] == [
            b"Authorization: X"
        ]


async def test_chunked_body_with_extensions_and_trailers(http: UpstreamHttp) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"5;ext=1\r\nhello\r\n",
        b"1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n",
    )
    async with ScriptedUpstream(replies(*raw)) as up:
        assert await _get(http, f"{up.url}/") == b"hello world"
        assert await _get(http, f"{up.url}/") == b"hello world"
        assert up.connections == 1


async def test_body_until_close_and_http10_are_not_reused(http: UpstreamHttp) -> None:
    async with ScriptedUpstream(
        replies(b"HTTP/1.0 200 OK\r\n\r\n", b"all of ", b"it", keep=False)
    ) as up:
        assert await _get(http, f"{up.url}/") == b"all of it"
        assert await _get(http, f"{up.url}/") == b"all of it"
        assert up.connections == 2


async def test_connection_close_header_is_honoured(http: UpstreamHttp) -> None:
    answer = replies(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    async with ScriptedUpstream(answer) as up:
        assert await _get(http, f"{up.url}/") == b"ok"
        assert await _get(http, f"{up.url}/") == b"ok"
        assert up.connections == 2


async def test_interim_answers_are_skipped_and_head_has_no_body(http: UpstreamHttp) -> None:
    answer = replies(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n",
        b"body",
    )
    async with ScriptedUpstream(answer) as up:
        assert await _get(http, f"{up.url}/") == b"body"
    head = replies(b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n")
    async with ScriptedUpstream(head) as up:
        assert await _get(http, f"{up.url}/", method="HEAD") == b""
        assert await _get(http, f"{up.url}/", method="HEAD") == b""
        assert up.connections == 1


async def test_repeated_headers_are_joined_and_names_lower_cased(http: UpstreamHttp) -> None:
    answer = replies(b"HTTP/1.1 200 OK\r\nX-Rate: 1\r\nx-rate: 2\r\nContent-Length: 0\r\n\r\n")
    async with ScriptedUpstream(answer) as up:
        response = await http.send("GET", f"{up.url}/", upstream="lab", headers={})
        assert response.headers["x-rate"] == "1, 2"
        assert response.headers["content-length"] == "0"


async def test_a_stale_pooled_connection_is_retried_once(http: UpstreamHttp) -> None:
    """The server closes an idle keep-alive connection; the next request still succeeds."""
    async with ScriptedUpstream(
        replies(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", keep=False)
    ) as up:
        assert await _get(http, f"{up.url}/") == b"ok"  # pooled: no close header sent
        await asyncio.wait_for(up.closed.wait(), 2)
        await asyncio.sleep(0.05)
        assert await _get(http, f"{up.url}/") == b"ok"
        assert up.connections == 2


async def test_error_statuses_raise_upstream_errors_and_keep_the_connection(
    http: UpstreamHttp,
) -> None:
    answer = replies(b'HTTP/1.1 429 Too Many\r\nContent-Length: 13\r\n\r\n{"error":"x"}')
    async with ScriptedUpstream(answer) as up:
        for _ in range(2):
            with pytest.raises(UpstreamError) as caught:
                await _get(http, f"{up.url}/")
            assert caught.value.status == 429
        assert up.connections == 1


async def test_a_body_cut_short_is_a_transport_error(http: UpstreamHttp) -> None:
    answer = replies(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", keep=False)
    async with ScriptedUpstream(answer) as up:
        with pytest.raises(TransportError, match="lab"):
            await _get(http, f"{up.url}/")


@pytest.mark.parametrize(
    "raw",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n",
    ],
)
async def test_malformed_answers_are_transport_errors(raw: bytes, http: UpstreamHttp) -> None:
    async with ScriptedUpstream(replies(raw)) as up:
        with pytest.raises(TransportError):
            await _get(http, f"{up.url}/")


async def test_a_header_with_a_line_break_is_refused_before_sending(http: UpstreamHttp) -> None:
    async with ScriptedUpstream(replies(b"HTTP/1.1 200 OK\r\n\r\n")) as up:
        with pytest.raises(TransportError, match="line break"):
            await http.send(
                "GET", f"{up.url}/", upstream="lab", headers={"x-a": "1\r\nX-Injected: 1"}
            )
        assert up.requests == []


async def test_a_refused_connection_is_a_transport_error(http: UpstreamHttp) -> None:
    with pytest.raises(TransportError, match="lab"):
        await _get(http, "http://127.0.0.1:9/")


async def test_breaking_out_of_a_stream_closes_its_connection(http: UpstreamHttp) -> None:
    async def endless(_: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(200):  # bounded: ends long before the test's own timeout
            writer.write(b"6\r\ndata: \r\n")
            await writer.drain()
            await asyncio.sleep(0.01)
        return False

    async with ScriptedUpstream(endless) as up:
        response = await http.send("GET", f"{up.url}/", upstream="lab", headers={})
        async for _ in response.chunks():
            break
        await asyncio.wait_for(up.closed.wait(), 1.5)


async def test_idle_timeout_mid_body() -> None:
    async def stall(_: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
        await writer.drain()
        await asyncio.sleep(2)
        return False

    http = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=2, first_byte=2, idle=0.2))
    try:
        async with ScriptedUpstream(stall) as up:
            with pytest.raises(UpstreamTimeout, match=r"no data for 0\.2s"):
                await _get(http, f"{up.url}/")
            await asyncio.wait_for(up.closed.wait(), 3)
    finally:
        await http.aclose()


async def test_lean_client_can_be_turned_off() -> None:
    http = UpstreamHttp(impersonate=None, lean_plain_http=False)
    answer = replies(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    try:
        async with ScriptedUpstream(answer) as up:
            assert await _get(http, f"{up.url}/") == b"ok"
            assert http._plain is None and len(http._sessions) == 1  # went through curl
    finally:
        await http.aclose()


# -- the body parser under arbitrary splits --------------------------------------------


class _FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.aborted

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _chunked(pieces: list[bytes]) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return out + b"0\r\n\r\n"


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


async def _read_split(head: dict[str, str], wire: list[bytes]) -> tuple[bytes, PlainResponse]:
    loop = asyncio.get_running_loop()
    conn = _Connection(loop)
    conn.connection_made(_FakeTransport())
    pool = PlainHttpPool()
    response = PlainResponse(
        pool,
        ("h", 1),
        conn,
        status=200,
        version=b"HTTP/1.1",
        headers=head,
        method="GET",
        upstream="lab",
    )

    async def feed() -> None:
        for piece in wire:
            await asyncio.sleep(0)
            conn.data_received(piece)

    feeder = asyncio.ensure_future(feed())
    out = []
    while piece := await response.next():
        out.append(piece)
    await feeder
    return b"".join(out), response


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(st.binary(min_size=0, max_size=40), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_chunked_bodies_survive_any_split(pieces: list[bytes], cuts: list[int]) -> None:
    wire = _cut(_chunked(pieces), cuts)
    body, response = asyncio.run(_read_split({"transfer-encoding": "chunked"}, wire))
    assert body == b"".join(pieces)
    assert response.done and response.key in response._pool._idle


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_length_bodies_survive_any_split(data: bytes, cuts: list[int]) -> None:
    wire = _cut(data, cuts)
    body, response = asyncio.run(_read_split({"content-length": str(len(data))}, wire))
    assert body == data and response.done


def test_round_trips_under_uvloop() -> None:
    """``byokey serve`` runs on uvloop, whose transports are not asyncio's classes."""
    uvloop = pytest.importorskip("uvloop")

    async def main() -> tuple[bytes, int]:
        answer = replies(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
        )
        http = pool()
        try:
            async with ScriptedUpstream(answer) as up:
                first = await _get(http, f"{up.url}/")
                assert await _get(http, f"{up.url}/") == first
                return first, up.connections
        finally:
            await http.aclose()

    assert uvloop.run(main()) == (b"ok", 1)
