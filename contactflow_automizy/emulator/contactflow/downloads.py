"""Report downloads: CSV and ZIP bodies generated lazily as they stream.

Rows are written a few hundred at a time, so a report over a million
customers never sits whole in memory.  A ZIP is written through
:mod:`zipfile` onto a non-seekable sink that is drained after every block.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from contactflow_automizy.emulator.wire import Reply

__all__ = ["csv_body", "download", "zip_body"]

ROWS_PER_CHUNK = 500
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _csv_block(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def csv_body(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Generator[bytes, None, None]:
    """A CSV file, header first, in blocks of :data:`ROWS_PER_CHUNK` rows."""
    yield _csv_block([header])
    rows = iter(rows)
    while block := list(islice(rows, ROWS_PER_CHUNK)):
        yield _csv_block(block)


class _Sink:
    """A write-only file for :class:`zipfile.ZipFile`; ``drain()`` hands over what was written."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_body(members: Iterable[tuple[str, Iterator[bytes]]]) -> Generator[bytes, None, None]:
    """A ZIP archive of ``(member name, blocks)``, deflated, streamed as it is written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for name, blocks in members:
            with archive.open(name, "w") as member:
                for block in blocks:
                    member.write(block)
                    yield sink.drain()
    yield sink.drain()


def download(body: Generator[bytes, None, None], content_type: str, filename: str) -> Reply:
    """A streamed attachment; the file name is reduced to safe characters."""
    safe = _UNSAFE_NAME.sub("_", filename) or "report"
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{safe}"',
    }
    return Reply(200, headers=headers, stream=body)
