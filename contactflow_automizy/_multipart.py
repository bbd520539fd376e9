"""A streamed ``multipart/form-data`` body with one file part, for any transport.

The body is a :data:`~contactflow_automizy._transport.BodyFactory`: each call
starts a fresh async iterator yielding the part headers, the file in
``chunk_size`` reads (done in a worker thread so disk I/O never blocks the
loop), then the closing boundary.  The file is never held whole in memory.

Retries call the factory again, so the file must be readable again:

* a path is re-opened on every call;
* a seekable file object is sought back to where it stood when the upload was built;
* a non-seekable one (a pipe, a socket) can be sent once: ``replayable`` is
  False, callers must not retry, and a second call raises instead of sending a
  truncated file.

The size is not announced (the body goes out chunked), so a file growing
while it is read is sent as it is read.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator
from typing import IO, TypeAlias

import attrs

from contactflow_automizy._progress import Progress, ProgressCallback
from contactflow_automizy._transport import BodyFactory
from contactflow_automizy.errors import ConfigurationError

__all__ = ["CHUNK_SIZE", "FileSource", "MultipartUpload", "file_upload"]

CHUNK_SIZE = 256 * 1024
#: A path, or a binary file object opened for reading.
FileSource: TypeAlias = str | os.PathLike[str] | IO[bytes]
#: Called with the file bytes sent so far in the current attempt.


@attrs.frozen
class MultipartUpload:
    """The ``Content-Type`` header (with boundary) and the re-startable body."""

    content_type: str
    factory: BodyFactory
    replayable: bool


def _quote(value: str) -> str:
    # As browsers do (WHATWG form encoding): the quoted-string can hold anything else.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _default_filename(source: FileSource) -> str:
    name = source if isinstance(source, str | os.PathLike) else getattr(source, "name", None)
    if isinstance(name, str | os.PathLike):
        return os.path.basename(os.fspath(name)) or "upload.csv"
    return "upload.csv"


def _remaining(file: IO[bytes]) -> int | None:
    """Bytes left to read, when the file can tell (a progress bar's total)."""
    try:
        return os.fstat(file.fileno()).st_size - (file.tell() if file.seekable() else 0)
    except (OSError, AttributeError, ValueError):
        return None


async def _chunks(
    file: IO[bytes], chunk_size: int, on_progress: ProgressCallback | None
) -> AsyncIterator[bytes]:
    sent = 0
    total = _remaining(file) if on_progress is not None else None
    started = time.monotonic()
    while chunk := await asyncio.to_thread(file.read, chunk_size):
        sent += len(chunk)
        if on_progress is not None:
            on_progress(Progress(sent, total, elapsed=time.monotonic() - started))
        yield chunk


def file_upload(
    source: FileSource,
    *,
    field: str = "file",
    filename: str | None = None,
    content_type: str = "text/csv",
    chunk_size: int = CHUNK_SIZE,
    on_progress: ProgressCallback | None = None,
) -> MultipartUpload:
    """A one-part multipart body streaming ``source``; nothing is read until it is sent."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    boundary = "cfaz-" + secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{_quote(field)}"; '
        f'filename="{_quote(filename or _default_filename(source))}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise ConfigurationError(f"no such file: {path!r}")

        async def from_path() -> AsyncIterator[bytes]:
            yield head
            file = await asyncio.to_thread(open, path, "rb")
            try:
                async for chunk in _chunks(file, chunk_size, on_progress):
                    yield chunk
            finally:
                file.close()
            yield tail

        return MultipartUpload(f"multipart/form-data; boundary={boundary}", from_path, True)

    file = source
    seekable = file.seekable()
    start = file.tell() if seekable else 0
    used = False

    async def from_file() -> AsyncIterator[bytes]:
        yield head
        if seekable:
            await asyncio.to_thread(file.seek, start)
        async for chunk in _chunks(file, chunk_size, on_progress):
            yield chunk
        yield tail

    def factory() -> AsyncIterator[bytes]:
        nonlocal used
        if used and not seekable:
            raise ConfigurationError("a non-seekable file object cannot be sent twice")
        used = True
        return from_file()

    return MultipartUpload(f"multipart/form-data; boundary={boundary}", factory, seekable)
