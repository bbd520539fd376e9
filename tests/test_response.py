"""``Response``: one implementation of the body rules, whichever transport built it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from contactflow_automizy import (
    APIConnectionError,
    APITimeoutError,
    ContactflowClient,
    Response,
    ResponseTooLargeError,
    Session,
)
from contactflow_automizy.emulator import Emulator
from tests.conftest import NoSleep


class Stream:
    """An async generator of ``pieces`` (then ``error``), recording what was pulled and closed."""

    def __init__(self, *pieces: bytes, error: Exception | None = None) -> None:
        self.pieces = pieces
        self.error = error
        self.pulled = 0
        self.closed = False
        self.released = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            for piece in self.pieces:
                self.pulled += 1
                yield piece
            if self.error is not None:
                raise self.error
        finally:
            self.closed = True

    def response(self, headers: dict[str, str] | None = None) -> Response:
        return Response(
            200, headers, self.chunks(), release=self.release, method="GET", url="https://h/x"
        )

    def release(self) -> None:
        self.released += 1


async def test_an_oversized_body_in_process_is_refused_once(no_sleep: NoSleep) -> None:
    emu = Emulator()
    async with Session(transport=emu.transport(), sleep=no_sleep) as session:
        cf = ContactflowClient(
            emu.token, emu.node_uuid, emu.contactflow_url, session=session, max_response_bytes=10
        )
        with pytest.raises(ResponseTooLargeError, match="10-byte limit"):
            await cf.get_current_user()
    assert sum(emu.state.requests.values()) == 1
    assert no_sleep.delays == []


async def test_a_read_body_is_kept_and_the_connection_released_once() -> None:
    stream = Stream(b"ab", b"cd")
    response = stream.response()
    assert await response.read(limit=4) == b"abcd"
    assert await response.read() == b"abcd"
    assert [c async for c in response.iter_chunks(3)] == [b"abc", b"d"]
    assert (stream.closed, stream.released) == (True, 1)
    await response.aclose()
    assert stream.released == 1
    with pytest.raises(ResponseTooLargeError):
        await response.read(limit=3)


async def test_an_honest_content_length_refuses_before_reading() -> None:
    stream = Stream(b"x" * 100)
    with pytest.raises(ResponseTooLargeError, match="50-byte limit"):
        await stream.response({"content-length": "100"}).read(limit=50)
    assert (stream.pulled, stream.released) == (0, 1)


@pytest.mark.parametrize("headers", [{}, {"Content-Length": "5", "Content-Encoding": "gzip"}])
async def test_without_an_honest_length_the_bytes_are_counted(headers: dict[str, str]) -> None:
    stream = Stream(*[b"x" * 10] * 10)
    with pytest.raises(ResponseTooLargeError):
        await stream.response(headers).read(limit=35)
    assert (stream.pulled, stream.closed, stream.released) == (4, True, 1)


async def test_a_streamed_body_is_read_once() -> None:
    stream = Stream(b"x" * 10)
    response = stream.response()
    assert [c async for c in response.iter_chunks(4)] == [b"xxxx", b"xxxx", b"xx"]
    with pytest.raises(APIConnectionError, match="already consumed"):
        await response.read()
    assert stream.released == 1


async def test_closing_an_unread_body_stops_the_stream_and_releases() -> None:
    stream = Stream(b"a", b"b")
    response = stream.response()
    chunks = response.iter_chunks()
    assert await anext(chunks) == b"a"
    await response.aclose()
    await response.aclose()
    assert (stream.closed, stream.released) == (True, 1)
    with pytest.raises(APIConnectionError):
        await response.read()
    await chunks.aclose()
    assert stream.released == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionResetError(), APIConnectionError),
        (TimeoutError(), APITimeoutError),
    ],
)
async def test_a_failing_stream_is_a_connection_error(
    error: Exception, kind: type[APIConnectionError]
) -> None:
    for consume in ("read", "iter_chunks"):
        stream = Stream(b"partial", error=error)
        response = stream.response()
        with pytest.raises(kind) as info:
            if consume == "read":
                await response.read()
            else:
                [c async for c in response.iter_chunks()]
        assert type(info.value) is kind
        assert info.value.request_sent and info.value.url == "https://h/x"
        assert stream.released == 1


async def test_other_errors_pass_unchanged() -> None:
    stream = Stream(b"a", error=KeyError("bug"))
    with pytest.raises(KeyError) as info:
        await stream.response().read()
    assert info.value.__cause__ is None
    assert stream.released == 1


def test_headers_are_case_insensitive_and_reason_defaults_to_the_phrase() -> None:
    response = Response(404, {"Retry-After": "1"})
    assert response.headers["retry-after"] == "1"
    assert response.reason == "Not Found"
    assert Response(599).reason == ""
