"""The streamed multipart encoder: shape, chunking, replay on retry, one-shot sources."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from contactflow_automizy import AutomizyClient, InternalServerError
from contactflow_automizy._multipart import MultipartUpload, file_upload
from contactflow_automizy._progress import Progress
from tests.automizy.conftest import IMPORT_SERVICE_URL, calls, parse_form

CSV = b"email,name\r\n" + b"".join(b"u%d@example.com,N%d\r\n" % (i, i) for i in range(500))
ANALYSIS = {"importId": 1, "headers": ["email", "name"]}


class OneWay(io.BytesIO):
    """A pipe-like file object: readable once, not seekable."""

    def seekable(self) -> bool:
        return False


async def drain(upload: MultipartUpload) -> list[bytes]:
    return [chunk async for chunk in upload.factory()]


async def test_body_is_head_chunks_tail(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CSV)
    seen: list[Progress] = []
    upload = file_upload(path, chunk_size=1000, on_progress=seen.append)

    chunks = await drain(upload)

    assert upload.replayable
    assert max(len(c) for c in chunks[1:-1]) == 1000
    [part] = parse_form(upload.content_type, b"".join(chunks))
    assert (part.name, part.filename, part.content) == ("file", "in.csv", CSV)
    done = [p.done for p in seen]
    assert done[-1] == len(CSV) and done == sorted(done)
    assert {p.total for p in seen} == {len(CSV)}


async def test_header_values_cannot_break_out_of_their_quotes() -> None:
    file = io.BytesIO(b"email\n")
    file.name = 'a"b\r\nX-Evil: 1.csv'
    head = (await drain(file_upload(file)))[0]
    assert b'filename="a%22b%0D%0AX-Evil: 1.csv"' in head
    assert head.count(b"\r\n") == 4  # boundary, disposition, type, blank line


async def test_a_path_is_reread_and_a_seekable_file_rewound_for_each_attempt(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CSV)
    file = io.BytesIO(b"junk" + CSV)
    file.seek(4)
    for source in (path, file):
        upload = file_upload(source)
        first, second = b"".join(await drain(upload)), b"".join(await drain(upload))
        assert first == second
        assert parse_form(upload.content_type, first)[0].content == CSV


async def test_a_non_seekable_file_is_sent_once() -> None:
    upload = file_upload(OneWay(CSV))
    assert not upload.replayable
    assert parse_form(upload.content_type, b"".join(await drain(upload)))[0].content == CSV
    with pytest.raises(ValueError, match="cannot be sent twice"):
        upload.factory()


@pytest.mark.parametrize("kind", ["path", "file"])
async def test_analyze_retries_with_the_whole_file_again(
    kind: str, az: AutomizyClient, mocked: aioresponses, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CSV)
    source: Any = path if kind == "path" else io.BytesIO(CSV)
    mocked.post(IMPORT_SERVICE_URL + "/analyze", status=503, body="busy")
    mocked.post(IMPORT_SERVICE_URL + "/analyze", payload=ANALYSIS)

    assert (await az.analyze_import(source)).import_id == 1

    attempts = calls(mocked)
    assert len(attempts) == 2
    for attempt in attempts:
        [part] = parse_form(attempt.headers["Content-Type"], attempt.kwargs["data"])
        assert part.content == CSV


async def test_analyze_does_not_retry_a_non_seekable_file(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    mocked.post(IMPORT_SERVICE_URL + "/analyze", status=503, body="busy", repeat=True)
    with pytest.raises(InternalServerError) as info:
        await az.analyze_import(OneWay(CSV))
    assert info.value.attempts == 1
    assert len(calls(mocked)) == 1
