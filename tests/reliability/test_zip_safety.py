"""ZIP (and CSV) reports from a hostile server: nothing escapes, nothing explodes.

A local server answers ``GET /tokens/reports`` with crafted archives: path
traversal, absolute and drive-letter names, symbolic links, encrypted
members, too many members, a high-ratio zip bomb, a member lying about its
size, a truncated or non-ZIP body.  ``iter_tokens_report`` must refuse each
with ``ReportError`` before reading a row (or, for a lie only visible while
inflating, as soon as it shows) and nothing is ever extracted:
``download_tokens_report`` writes the one destination file and nothing else.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from contactflow_automizy import ContactflowClient, ReportError, Session, ZipLimits
from tests.reliability.conftest import count

NODE = "0b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10"
ROW = b"uuid,status\n1,SENT\n"


def _zip(members: list[tuple[str | zipfile.ZipInfo, bytes]], **kwargs: Any) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    info.create_system = 3
    return info


def _encrypted() -> bytes:
    data = bytearray(_zip([("a.csv", ROW)]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        (flags,) = struct.unpack_from("<H", data, at + offset)
        struct.pack_into("<H", data, at + offset, flags | 0x1)
    return bytes(data)


def _lying_size() -> bytes:
    """A member declaring 1,000 bytes that inflates to 20 MiB (headers rewritten)."""
    data = bytearray(_zip([("a.csv", b"uuid\n" + b"0\n" * (10 << 20))]))
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, 1000)
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, 1000)
    return bytes(data)


def _truncated() -> bytes:
    whole = _zip([("a.csv", ROW * 1000)])
    return whole[: len(whole) // 2]


BOMB = b"uuid\n" + b"0" * (50 << 20)
HOSTILE: dict[str, Callable[[], bytes]] = {
    "parent traversal": lambda: _zip([("../../evil.csv", ROW)]),
    "nested traversal": lambda: _zip([("reports/../../../evil.csv", ROW)]),
    "absolute path": lambda: _zip([("/etc/evil.csv", ROW)]),
    "windows traversal": lambda: _zip([("..\\..\\evil.csv", ROW)]),
    "drive letter": lambda: _zip([("C:/evil.csv", ROW)]),
    "symlink": lambda: _zip([(_symlink("link.csv", "/etc/passwd"), b"/etc/passwd")]),
    "encrypted": _encrypted,
    "too many members": lambda: _zip([(f"m{i}.csv", ROW) for i in range(1001)]),
    "zip bomb (ratio)": lambda: _zip([("bomb.csv", BOMB)]),
    "lying size": _lying_size,
    "truncated": _truncated,
    "not a zip": lambda: b"<html>oops</html>",
    "empty body": lambda: b"",
}


@pytest.fixture
async def report_server(tmp_path: Path) -> AsyncIterator[tuple[str, dict[str, bytes]]]:
    served: dict[str, bytes] = {"zip": b"", "csv": b""}

    async def tokens(request: web.Request) -> web.Response:
        return web.Response(body=served["zip"], content_type="application/zip")

    async def automations(request: web.Request) -> web.Response:
        return web.Response(body=served["csv"], content_type="text/csv")

    app = web.Application()
    app.router.add_get("/tokens/reports", tokens)
    app.router.add_get("/automations/reports", automations)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", served
    finally:
        await runner.cleanup()


def _tree(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_archives_are_refused(
    name: str, report_server: tuple[str, dict[str, bytes]], tmp_path: Path, backend: str
) -> None:
    url, served = report_server
    served["zip"] = HOSTILE[name]()
    work = tmp_path / "work"
    work.mkdir()
    before = _tree(tmp_path)
    cwd = os.getcwd()
    os.chdir(work)  # a careless extraction would land here or above
    try:
        async with Session(transport=backend, max_retries=0) as session:
            cf = ContactflowClient("t", NODE, url, session=session)
            rows = []
            with pytest.raises(ReportError):
                async for row in cf.iter_tokens_report():
                    rows.append(row)
            assert not rows or name == "lying size"
            # Downloading saves the archive as it is, and extracts nothing.
            written = await cf.download_tokens_report(work / "report.zip")
            assert written == len(served["zip"])
    finally:
        os.chdir(cwd)
    assert _tree(tmp_path) - before == {"work/report.zip"}
    assert (work / "report.zip").read_bytes() == served["zip"]
    count("abuse", "hostile_zips", 1)


async def test_tighter_limits_are_honoured(
    report_server: tuple[str, dict[str, bytes]], backend: str
) -> None:
    url, served = report_server
    served["zip"] = _zip([(f"m{i}.csv", b"uuid,status\n" + b"1,SENT\n" * 50) for i in range(5)])
    async with Session(transport=backend, max_retries=0) as session:
        cf = ContactflowClient("t", NODE, url, session=session)
        rows = [r async for r in cf.iter_tokens_report()]
        assert len(rows) == 5 * 50 and {r.member for r in rows} == {f"m{i}.csv" for i in range(5)}
        for limits in (ZipLimits(max_members=4), ZipLimits(max_total_bytes=1000)):
            with pytest.raises(ReportError):
                async for _ in cf.iter_tokens_report(limits=limits):
                    pass


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (b'\xef\xbb\xbfuuid,name\n1,"a,\nb"\n', True),
        (b"uuid,name\r\n1,=cmd|' /C calc'!A0\r\n", True),
        ("uuid,name\n1,é\n".encode("latin-1"), False),
        (b'uuid,name\n1,"unterminated\n', True),
        (b"\x00\x01\x02", True),
    ],
)
async def test_csv_reports_parse_or_say_why(
    body: bytes, ok: bool, report_server: tuple[str, dict[str, bytes]], backend: str
) -> None:
    url, served = report_server
    served["csv"] = body
    async with Session(transport=backend, max_retries=0) as session:
        cf = ContactflowClient("t", NODE, url, session=session)
        if ok:
            rows = [r async for r in cf.iter_automations_report()]
            assert all(isinstance(r, dict) for r in rows)
        else:
            with pytest.raises(ReportError, match="UTF-8"):
                async for _ in cf.iter_automations_report():
                    pass
    count("abuse", "csv_reports", 1)
