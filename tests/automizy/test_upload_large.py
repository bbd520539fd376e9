"""A tens-of-MB CSV streamed to a real loopback aiohttp server, in a fraction of its size.

It runs over a real ``aiohttp.web`` server on 127.0.0.1 (not a
:class:`MockTransport`) because what is measured is the aiohttp backend
streaming the upload, not only the SDK's multipart generator; the server
parses the multipart stream itself and checks size and digest.
``tracemalloc`` traces the whole process (client and server), and the peak
must stay far below the file size.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest
from aiohttp import BodyPartReader, web

from contactflow_automizy import AutomizyClient, Session
from tests.conftest import API_KEY

FILE_SIZE = 40 << 20
ANALYZE = "/import-service-http/public/api/import-service/analyze"


@attrs.define
class Received:
    name: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int = 0
    digest: str = ""
    api_key: str | None = None


def write_csv(path: Path, size: int) -> str:
    """A CSV of about ``size`` bytes, written in 1 MiB blocks; returns its sha256."""
    digest = hashlib.sha256()
    header = b"email,first name,last name\n"
    with path.open("wb") as out:
        out.write(header)
        digest.update(header)
        written, row = len(header), 0
        while written < size:
            block = b"".join(
                b"user%d@example.com,First%d,Last%d\n" % (i, i, i) for i in range(row, row + 25_000)
            )
            row += 25_000
            out.write(block)
            digest.update(block)
            written += len(block)
    return digest.hexdigest()


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Received]]:
    received = Received()

    async def analyze(request: web.Request) -> web.Response:
        received.api_key = request.headers.get("Api-key")
        reader = await request.multipart()
        part = await reader.next()
        assert isinstance(part, BodyPartReader)
        received.name, received.filename = part.name, part.filename
        received.content_type = part.headers.get("Content-Type")
        digest = hashlib.sha256()
        while chunk := await part.read_chunk(256 * 1024):
            digest.update(chunk)
            received.size += len(chunk)
        received.digest = digest.hexdigest()
        assert await reader.next() is None
        return web.json_response({"importId": 77, "headers": ["email"]})

    app = web.Application()
    app.router.add_post(ANALYZE, analyze)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}", received
    finally:
        await runner.cleanup()


# aiohttp's own multipart reader calls its deprecated ``unread_data`` when a
# boundary straddles two reads: a server-side internal, not this SDK.
@pytest.mark.filterwarnings(r"ignore:unread_data\(\) is deprecated:DeprecationWarning")
async def test_a_big_file_is_streamed_in_constant_memory(
    server: tuple[str, Received], tmp_path: Path, backend: str
) -> None:
    base_url, received = server
    path = tmp_path / "big.csv"
    digest = write_csv(path, FILE_SIZE)
    size = path.stat().st_size

    async with Session(transport=backend, max_retries=0) as session:
        client = AutomizyClient(API_KEY, base_url, session=session, timeout=60)
        tracemalloc.start()
        try:
            analysis = await client.analyze_import(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert analysis.import_id == 77
    assert received == Received(
        name="file",
        filename="big.csv",
        content_type="text/csv",
        size=size,
        digest=digest,
        api_key=API_KEY,
    )
    print(
        f"\nstreamed upload: file {size / 2**20:.1f} MiB, tracemalloc peak {peak / 2**20:.2f} MiB"
    )
    assert peak < size / 10
