"""Reports: multi-MB bodies streamed in constant memory, incremental CSV, safe ZIP reading.

Big bodies come from a :class:`MockTransport` handler streaming them piece by
piece (aioresponses cannot serve more than 128 KiB); one download goes over a
real aiohttp.web server on 127.0.0.1, because how the aiohttp backend chunks a
body is what bounds its memory.  Hostile archives are built in the tests.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import stat
import tracemalloc
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses
from yarl import URL

from contactflow_automizy import (
    APIConnectionError,
    ContactflowAutomizyError,
    ContactflowClient,
    MockResponse,
    MockTransport,
    Request,
    Session,
)
from contactflow_automizy._download import (
    ReportError,
    ReportRow,
    ZipLimits,
    iter_csv_rows,
    iter_zip_csv_rows,
    save_body,
)
from tests.conftest import CF_BASE, NODE, TOKEN, NoSleep

CSV_HEADER = b"uuid,recipient,note\r\n"
NOTE = b"x" * 200
ROWS_PER_BLOCK = 256
#: ~64 KiB of rows with quoted newlines and quotes; repeated to make multi-MB bodies.
CSV_BLOCK = b"".join(
    b'%06d,user%06d@example.test,"line one\nline ""two"" %s"\r\n' % (i, i, NOTE)
    for i in range(ROWS_PER_BLOCK)
)
#: What a streamed report may hold at once, whatever its size (bodies are >= 8x this).
MEMORY_BUDGET = 2 << 20


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def _pieces(head: bytes, block: bytes, blocks: int, gate: asyncio.Event | None = None) -> Any:
    """``head`` then ``block`` ``blocks`` times (never whole in memory); waits on ``gate`` once."""

    async def pieces() -> AsyncIterator[bytes]:
        yield head
        for i in range(blocks):
            yield block
            if gate is not None and i == 0:
                await gate.wait()

    return pieces()


def _streaming(head: bytes, block: bytes, blocks: int) -> Any:
    """An aiohttp.web handler streaming ``head`` then ``block`` ``blocks`` times."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        response.content_length = len(head) + len(block) * blocks
        await response.prepare(request)
        async for piece in _pieces(head, block, blocks):
            await response.write(piece)
        await response.write_eof()
        return response

    return handler


@asynccontextmanager
async def client_for(app: web.Application, backend: str) -> AsyncIterator[ContactflowClient]:
    async with (
        serve(app) as base,
        Session(transport=backend, sleep=NoSleep()) as session,
        ContactflowClient(TOKEN, NODE, base, session=session) as cf,
    ):
        yield cf


@asynccontextmanager
async def mocked_client(
    path: str, answer: Callable[[], MockResponse]
) -> AsyncIterator[ContactflowClient]:
    """A client whose GET ``path`` is answered by ``answer()`` (any other request fails)."""

    def handler(request: Request) -> MockResponse:
        assert (request.method, request.url.path) == ("GET", URL(CF_BASE).path + path)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Node"] == NODE
        return answer()

    async with Session(transport=MockTransport(handler)) as session:
        yield ContactflowClient(TOKEN, NODE, CF_BASE, session=session)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def _peak(work: Callable[[], Awaitable[Any]]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = await work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- streaming to disk -------------------------------------------------------------


async def test_multi_mb_report_streams_to_disk_in_constant_memory(
    tmp_path: Path, backend: str
) -> None:
    """Over a real socket: reading aiohttp's buffer whole (``iter_any``) broke this budget."""
    blocks = 256  # 16 MiB
    size = len(CSV_HEADER) + len(CSV_BLOCK) * blocks
    app = web.Application()
    app.router.add_get("/automations/reports", _streaming(CSV_HEADER, CSV_BLOCK, blocks))
    dest = tmp_path / "report.csv"
    async with client_for(app, backend) as cf:
        written, peak = await _peak(lambda: cf.download_automations_report(dest, filename="x"))
    assert written == size == dest.stat().st_size
    expected = hashlib.sha256(CSV_HEADER + CSV_BLOCK * blocks).hexdigest()
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == expected
    assert size > 8 * MEMORY_BUDGET
    assert peak < MEMORY_BUDGET, f"peak {peak} bytes for a {size}-byte body"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert _names(tmp_path) == ["report.csv"]


async def test_multi_mb_rows_arrive_incrementally_in_constant_memory() -> None:
    blocks = 256  # 16 MiB
    gate = asyncio.Event()
    answer = MockResponse(
        headers={"Content-Type": "text/csv"}, body=_pieces(CSV_HEADER, CSV_BLOCK, blocks, gate)
    )

    async def count() -> int:
        seen = 0
        async for row in cf.iter_automations_report():
            if seen == 0:
                assert row == {
                    "uuid": "000000",
                    "recipient": "user000000@example.test",
                    "note": 'line one\nline "two" ' + NOTE.decode(),
                }
                gate.set()  # the rest is sent only once a row was parsed
            seen += 1
        return seen

    async with mocked_client("/automations/reports", lambda: answer) as cf:
        async with asyncio.timeout(60):
            rows, peak = await _peak(count)
    assert rows == ROWS_PER_BLOCK * blocks
    assert len(CSV_BLOCK) * blocks > 8 * MEMORY_BUDGET
    assert peak < MEMORY_BUDGET, f"peak {peak} bytes"


async def test_multi_mb_tokens_zip_rows_in_constant_memory(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("tokens-1.csv", "tokens-2.csv"):
            with archive.open(name, "w") as member:
                member.write(CSV_HEADER)
                for _ in range(128):
                    member.write(CSV_BLOCK)
    body = buffer.getvalue()
    del buffer

    answer = MockResponse(headers={"Content-Type": "application/zip"}, body=body)

    async def count() -> dict[str, int]:
        seen: dict[str, int] = {}
        async for member, _row in cf.iter_tokens_report():
            seen[member] = seen.get(member, 0) + 1
        return seen

    async with mocked_client("/tokens/reports", lambda: answer) as cf:
        counts, peak = await _peak(count)
        assert await cf.download_tokens_report(tmp_path / "t.zip") == len(body)
    assert counts == {"tokens-1.csv": 128 * ROWS_PER_BLOCK, "tokens-2.csv": 128 * ROWS_PER_BLOCK}
    assert 2 * 128 * len(CSV_BLOCK) > 8 * MEMORY_BUDGET
    assert peak < MEMORY_BUDGET, f"peak {peak} bytes"
    assert (tmp_path / "t.zip").read_bytes() == body


def _breaking(body: bytes, *, good_from: int | None) -> tuple[Any, list[int]]:
    """A handler sending half of ``body`` then dropping the connection, until try
    ``good_from`` (1-based; None: never) sends all of it.  Also returns the tries made."""
    tries: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        tries.append(len(tries) + 1)
        response = web.StreamResponse()
        response.content_length = len(body)
        await response.prepare(request)
        if good_from is not None and len(tries) >= good_from:
            await response.write(body)
            await response.write_eof()
            return response
        await response.write(body[: len(body) // 2])
        assert request.transport is not None
        request.transport.close()
        return response

    return handler, tries


async def test_a_download_broken_mid_body_restarts_and_arrives_complete(
    tmp_path: Path, backend: str
) -> None:
    body = CSV_BLOCK * 8
    handler, tries = _breaking(body, good_from=2)
    app = web.Application()
    app.router.add_get("/automations/reports", handler)
    dest = tmp_path / "automations.csv"
    async with client_for(app, backend) as cf:
        assert await cf.download_automations_report(dest) == len(body)
    assert tries == [1, 2]
    assert dest.read_bytes() == body
    assert _names(tmp_path) == ["automations.csv"]  # the broken try left nothing behind


async def test_broken_download_leaves_the_destination_untouched(
    tmp_path: Path, backend: str
) -> None:
    handler, tries = _breaking(CSV_BLOCK * 8, good_from=None)
    app = web.Application()
    app.router.add_get("/tokens/reports", handler)
    dest = tmp_path / "tokens.zip"
    dest.write_bytes(b"previous report")
    fresh = tmp_path / "fresh.zip"
    async with client_for(app, backend) as cf:
        with pytest.raises(APIConnectionError) as info:
            await cf.download_tokens_report(dest)
        with pytest.raises(APIConnectionError):
            await cf.download_tokens_report(fresh)
    assert tries == list(range(1, 9))  # each download: the first try and 3 restarts
    assert info.value.attempts == 4
    assert dest.read_bytes() == b"previous report"
    assert _names(tmp_path) == ["tokens.zip"]  # no partial file, and no file where none was


async def test_a_download_to_a_file_object_is_not_restarted(tmp_path: Path, backend: str) -> None:
    handler, tries = _breaking(CSV_BLOCK * 8, good_from=2)
    app = web.Application()
    app.router.add_get("/tokens/reports", handler)
    out = io.BytesIO()
    async with client_for(app, backend) as cf:
        with pytest.raises(APIConnectionError):
            await cf.download_tokens_report(out)  # half of it is in ``out``: no rewinding
    assert tries == [1]


async def test_save_body_to_a_file_object_and_the_size_limit() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 10

    out = io.BytesIO()
    assert await save_body(chunks(), out) == 40
    assert out.getvalue() == b"x" * 40
    with pytest.raises(ReportError, match="30-byte limit"):
        await save_body(chunks(), io.BytesIO(), limit=30)


# -- incremental CSV ---------------------------------------------------------------

TRICKY = (
    '\ufeffid,name,comment\r\n1,Zoë,"multi\r\nline, with comma"\r\n'
    '2,"quote ""inside""",plain\n3,€uro,"a\nb\nc"\r\n\r\n4,last,no newline'
).encode()


async def _aiter(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _parse(chunks: Iterable[bytes]) -> list[dict[str, str]]:
    return [row async for row in iter_csv_rows(_aiter(chunks))]


async def test_csv_rows_survive_every_chunk_boundary() -> None:
    expected = list(csv.DictReader(io.StringIO(TRICKY.decode("utf-8-sig"), newline="")))
    assert len(expected) == 4
    assert expected[0]["comment"] == "multi\r\nline, with comma"
    for cut in range(len(TRICKY) + 1):  # splits the BOM, multi-byte letters, quotes, CRLF
        assert await _parse([TRICKY[:cut], TRICKY[cut:]]) == expected, cut
    assert await _parse(TRICKY[i : i + 1] for i in range(len(TRICKY))) == expected


async def test_csv_that_is_not_utf8_is_a_report_error() -> None:
    with pytest.raises(ReportError, match="not valid UTF-8"):
        await _parse([b"name\r\n", b"caf\xe9\r\n"])


# -- ZIP safety --------------------------------------------------------------------


def _zip(members: Iterable[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return buffer.getvalue()


def _symlink(name: str, target: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def _bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("bomb.csv", "w", force_zip64=True) as member,
    ):
        zeros = bytes(1 << 20)
        for _ in range(size >> 20):
            member.write(zeros)
    return buffer.getvalue()


async def _zip_rows(body: bytes, limits: ZipLimits | None = None) -> list[ReportRow]:
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    return [row async for row in iter_zip_csv_rows(_aiter(chunks), limits)]


async def test_good_zip_with_two_csv_members() -> None:
    body = _zip(
        [
            ("2024/", b""),
            ("2024/part-1.csv", '\ufeffuuid,note\r\na,"x\ny"\r\n'.encode()),
            ("2024/part-2.CSV", b"uuid,note\r\nb,plain\r\nc,more\r\n"),
            ("README.txt", b"not a report"),
        ]
    )
    assert await _zip_rows(body) == [
        ReportRow("2024/part-1.csv", {"uuid": "a", "note": "x\ny"}),
        ReportRow("2024/part-2.CSV", {"uuid": "b", "note": "plain"}),
        ReportRow("2024/part-2.CSV", {"uuid": "c", "note": "more"}),
    ]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("../evil.csv", b"a\r\n1\r\n")], "would escape"),
        ([("ok/../../evil.csv", b"a\r\n")], "would escape"),
        ([("..\\..\\evil.csv", b"a\r\n")], "would escape"),
        ([("/etc/cron.d/evil.csv", b"a\r\n")], "would escape"),
        ([("C:/Windows/evil.csv", b"a\r\n")], "would escape"),
        ([("fine.csv", b"a\r\n1\r\n"), _symlink("link.csv", b"/etc/passwd")], "symbolic link"),
    ],
)
async def test_hostile_member_names_are_refused(
    members: list[tuple[Any, bytes]], message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        await _zip_rows(_zip(members))


async def test_zip_bomb_ratio_is_refused_with_default_limits() -> None:
    with pytest.raises(ReportError, match="possible zip bomb"):
        await _zip_rows(_bomb(32 << 20))


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ZipLimits(max_members=2), "3 members; the limit is 2"),
        (ZipLimits(max_total_bytes=5000), "more than the 5000-byte limit"),
    ],
)
async def test_archive_limits(limits: ZipLimits, message: str) -> None:
    body = _zip((f"part-{i}.csv", b"a,b\r\n" + b"1,2\r\n" * 400) for i in range(3))
    with pytest.raises(ReportError, match=message):
        await _zip_rows(body, limits)


async def test_not_a_zip_and_a_corrupt_member_are_report_errors() -> None:
    with pytest.raises(ReportError, match="not a valid ZIP"):
        await _zip_rows(b"<html>oops</html>")
    body = bytearray(_zip([("a.csv", b"a,b\r\n" + b"1,2\r\n" * 2000)]))
    start = body.index(b"a.csv") + len(b"a.csv")  # first byte of the compressed data
    body[start + 20 : start + 40] = bytes(20)
    with pytest.raises(ReportError, match="cannot be read"):
        await _zip_rows(bytes(body))


async def test_hostile_tokens_report_through_the_client(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.get(f"{CF_BASE}/tokens/reports", body=_zip([("../../x.csv", b"a\r\n1\r\n")]))
    with pytest.raises(ReportError, match="would escape"):
        await anext(cf.iter_tokens_report())
    mocked.get(f"{CF_BASE}/tokens/reports", body=_zip([("x.csv", b"a\r\n" * 100)]))
    with pytest.raises(ReportError, match="10-byte limit"):
        await anext(cf.iter_tokens_report(limits=ZipLimits(max_total_bytes=10)))


def test_report_error_is_an_sdk_error() -> None:
    assert issubclass(ReportError, ContactflowAutomizyError)
