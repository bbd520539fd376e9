"""Streaming a response body to disk, and reading CSV and ZIP-of-CSV reports safely.

Reports can be far bigger than memory, so nothing here holds a whole body:
bytes go to disk chunk by chunk, CSV is decoded and parsed incrementally, and a
ZIP is spooled to an anonymous temporary file whose members are read as
streams, never extracted.  A downloaded archive is checked before any row is
read: member names that would escape a directory, symbolic links, encrypted
members, too many members, too many bytes or a zip-bomb compression ratio
raise :class:`ReportError`.  Blocking file work runs in worker threads.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import io
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterator
from contextlib import aclosing
from pathlib import Path
from typing import IO, NamedTuple, Protocol

import attrs

from contactflow_automizy.errors import ReportError

__all__ = [
    "CsvRows",
    "Destination",
    "ReportRow",
    "ZipLimits",
    "check_archive",
    "iter_csv_rows",
    "iter_zip_csv_rows",
    "save_body",
]

CHUNK_SIZE = 1 << 16
#: Members smaller than this are not judged by ratio: tiny files compress absurdly well.
_RATIO_FLOOR = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


@attrs.frozen(kw_only=True)
class ZipLimits:
    """Bounds a downloaded archive must respect before any member is read."""

    max_members: int = 1000
    max_total_bytes: int = 4 << 30
    max_ratio: float = 200.0


class ReportRow(NamedTuple):
    """One CSV row of a ZIP report, with the archive member it came from."""

    member: str
    row: dict[str, str]


class BinaryWriter(Protocol):
    def write(self, data: bytes, /) -> object: ...


Destination = str | os.PathLike[str] | BinaryWriter


# -- saving a body ---------------------------------------------------------------


async def _copy(chunks: AsyncIterable[bytes], out: BinaryWriter, limit: int | None) -> int:
    written = 0
    async for chunk in chunks:
        written += len(chunk)
        if limit is not None and written > limit:
            raise ReportError(f"the download is larger than the {limit}-byte limit")
        await asyncio.to_thread(out.write, chunk)
    return written


def _part_file(path: Path) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
    )


def _commit(part: IO[bytes], path: Path) -> None:
    part.flush()
    os.fsync(part.fileno())
    part.close()
    os.replace(part.name, path)


async def save_body(
    chunks: AsyncIterable[bytes], dest: Destination, *, limit: int | None = None
) -> int:
    """Write ``chunks`` to a path or binary file object; return the bytes written.

    A path is written to a temporary file beside it and renamed over it only
    once the whole body arrived, so a failed download never leaves a truncated
    report.  That file is created private (0600): reports hold customer data.
    """
    if not isinstance(dest, str | os.PathLike):
        return await _copy(chunks, dest, limit)
    path = Path(dest)
    part = await asyncio.to_thread(_part_file, path)
    try:
        written = await _copy(chunks, part, limit)
        await asyncio.to_thread(_commit, part, path)
    except BaseException:
        part.close()
        with contextlib.suppress(OSError):
            os.unlink(part.name)
        raise
    return written


# -- CSV -------------------------------------------------------------------------


class _Lines:
    """An iterator over a queue that can be refilled after it ran dry (fed to ``csv``)."""

    def __init__(self) -> None:
        self.queue: deque[str] = deque()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if not self.queue:
            raise StopIteration
        return self.queue.popleft()


class CsvRows:
    """Incremental CSV: feed decoded text, get the rows whose records are complete.

    A record ends at a newline outside quotes.  Quote parity is tracked across
    feeds, so a quoted field holding newlines may straddle any number of
    chunks; only complete records reach the ``csv`` parser.
    """

    def __init__(self) -> None:
        self._lines = _Lines()
        self._reader = csv.DictReader(self._lines)
        self._pending: list[str] = []
        self._quoted = False

    def _parse(self, text: str) -> list[dict[str, str]]:
        self._lines.queue.extend(io.StringIO(text, newline=""))
        return list(self._reader)

    def feed(self, text: str) -> list[dict[str, str]]:
        parts = text.split("\n")
        cut = -1
        for i, part in enumerate(parts):
            if part.count('"') % 2:
                self._quoted = not self._quoted
            if not self._quoted and i < len(parts) - 1:
                cut = i
        if cut < 0:
            self._pending.append(text)
            return []
        complete = "".join(self._pending) + "\n".join(parts[: cut + 1]) + "\n"
        rest = "\n".join(parts[cut + 1 :])
        self._pending = [rest] if rest else []
        return self._parse(complete)

    def close(self) -> list[dict[str, str]]:
        """The rows of whatever is left (a last record without a newline)."""
        rest, self._pending = "".join(self._pending), []
        return self._parse(rest)


async def iter_csv_rows(chunks: AsyncIterable[bytes]) -> AsyncGenerator[dict[str, str], None]:
    """The rows of a UTF-8 CSV body (a BOM is dropped) as its chunks arrive, header as keys.

    Ragged rows follow :class:`csv.DictReader`: missing fields are ``None``,
    surplus ones are listed under the ``None`` key.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parser = CsvRows()
    try:
        async for chunk in chunks:
            for row in parser.feed(decoder.decode(chunk)):
                yield row
        rows = parser.feed(decoder.decode(b"", final=True)) + parser.close()
    except UnicodeDecodeError:
        raise ReportError("the report is not valid UTF-8 text") from None
    except csv.Error as exc:
        raise ReportError(f"the report is not valid CSV: {exc}") from None
    for row in rows:
        yield row


# -- ZIP -------------------------------------------------------------------------


def _check_name(name: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
        raise ReportError(f"unsafe member name {name!r}: it would escape the destination")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_archive(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """Refuse a hostile archive; return its file members (directories left out).

    Declared sizes are trusted here because :mod:`zipfile` never inflates a
    member past its declared size (it stops and fails the CRC check).
    """
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ReportError(
            f"the archive has {len(infos)} members; the limit is {limits.max_members}"
        )
    total = 0
    for info in infos:
        name = info.filename
        _check_name(name)
        if _is_symlink(info):
            raise ReportError(f"archive member {name!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise ReportError(f"archive member {name!r} is encrypted")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ReportError(
                f"the archive inflates to more than the {limits.max_total_bytes}-byte limit"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise ReportError(
                f"archive member {name!r} has a compression ratio of {ratio:.0f} "
                f"(limit {limits.max_ratio:.0f}): refusing a possible zip bomb"
            )
    return [info for info in infos if not info.is_dir()]


def _open_zip(file: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(file)
    except zipfile.BadZipFile as exc:
        raise ReportError(f"the report is not a valid ZIP archive: {exc}") from None


async def _member_chunks(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo
) -> AsyncGenerator[bytes, None]:
    try:
        with await asyncio.to_thread(archive.open, info) as member:
            while chunk := await asyncio.to_thread(member.read, CHUNK_SIZE):
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ReportError(f"archive member {info.filename!r} cannot be read: {exc}") from None


async def iter_zip_csv_rows(
    chunks: AsyncIterable[bytes], limits: ZipLimits | None = None
) -> AsyncIterator[ReportRow]:
    """Spool a ZIP body to a temporary file, check it, and yield its ``.csv`` members' rows."""
    limits = limits or ZipLimits()
    with await asyncio.to_thread(tempfile.TemporaryFile) as spool:
        await save_body(chunks, spool, limit=limits.max_total_bytes)
        with await asyncio.to_thread(_open_zip, spool) as archive:
            for info in check_archive(archive, limits):
                if not info.filename.lower().endswith(".csv"):
                    continue
                async with (
                    aclosing(_member_chunks(archive, info)) as body,
                    aclosing(iter_csv_rows(body)) as rows,
                ):
                    async for row in rows:
                        yield ReportRow(info.filename, row)
