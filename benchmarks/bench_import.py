"""Benchmark 4: ``import_csv`` of a generated 500 MB CSV: throughput and client RSS growth.

SDK (``AutomizyClient.import_csv``: field list, streamed multipart upload,
process) vs a raw aiohttp multipart upload of the same file (``FormData``
with the open file), against a minimal aiohttp.web server in another process
that streams the upload to nowhere and answers ``{importId, headers}``.  The
CSV is generated in a temporary directory and deleted afterwards.  Every run
is a fresh client process, so its RSS growth is its own.

    python -m benchmarks.bench_import [--size-mb 500] [--runs 3] [--loop asyncio|uvloop]

Rows: the SDK on each transport (``sdk`` on aiohttp, ``sdk on pyreqwest``) and
the raw aiohttp upload.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
from aiohttp import web

from benchmarks._common import (
    BENCH_API_KEY,
    median,
    peak_rss_mb,
    print_table,
    rss_mb,
    run_isolated,
    server_process,
)
from contactflow_automizy import AutomizyClient, Session
from contactflow_automizy._loop import LOOPS
from contactflow_automizy._loop import run as run_on
from contactflow_automizy.automizy.routes import CONTACT_MANAGER, IMPORT_SERVICE

Result = dict[str, float]
FIELDS = [
    {"id": 1, "mergeTag": "firstname", "label": "first name", "type": "STRING"},
    {"id": 2, "mergeTag": "lastname", "label": "last name", "type": "STRING"},
]
ROWS_PER_BLOCK = 20_000


def write_csv(path: Path, size_mb: int) -> int:
    """A CSV of about ``size_mb`` MiB with distinct rows, written block by block."""
    target = size_mb << 20
    written = 0
    row = 0
    with path.open("wb") as file:
        written += file.write(b"email,firstname,lastname,favourite colour\n")
        while written < target:
            block = "".join(
                f"contact{i}@example.com,Grace{i},Hopper{i},teal\n"
                for i in range(row, row + ROWS_PER_BLOCK)
            ).encode()
            written += file.write(block)
            row += ROWS_PER_BLOCK
    return written


def serve(port: int) -> None:
    async def fields(request: web.Request) -> web.Response:
        page = {"totalItems": len(FIELDS), "totalPages": 1, "currentPage": 1, "items": FIELDS}
        return web.json_response(page, dumps=lambda v: orjson.dumps(v).decode())

    async def analyze(request: web.Request) -> web.Response:
        """Read the file part chunk by chunk, keep only its header line."""
        reader = await request.multipart()
        part = await reader.next()
        assert isinstance(part, aiohttp.BodyPartReader)
        head = b""
        while chunk := await part.read_chunk(1 << 20):
            if len(head) < 4096:
                head += chunk[:4096]
        headers = head.split(b"\n", 1)[0].decode().strip().split(",")
        return web.json_response({"importId": 1, "headers": headers})

    async def process(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({})

    app = web.Application()
    app.router.add_get(CONTACT_MANAGER + "/field", fields)
    app.router.add_post(IMPORT_SERVICE + "/analyze", analyze)
    app.router.add_post(IMPORT_SERVICE + "/{importId}/process", process)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def _sdk(base: str, path: str, size: int, transport: str = "aiohttp") -> float:
    async with (
        Session(transport=transport) as session,
        AutomizyClient(BENCH_API_KEY, base, session=session) as az,
    ):
        started = time.perf_counter()
        result = await az.import_csv(path, list_ids=[1])
        elapsed = time.perf_counter() - started
    assert result.bytes_uploaded == size, result
    return elapsed


async def _raw(base: str, path: str, size: int) -> float:
    connector = aiohttp.TCPConnector(limit=100, ttl_dns_cache=300, keepalive_timeout=30)
    async with aiohttp.ClientSession(connector=connector) as client:
        started = time.perf_counter()
        with open(path, "rb") as file:  # noqa: ASYNC230 - as a user would; aiohttp reads it
            form = aiohttp.FormData()
            form.add_field("file", file, filename="contacts.csv", content_type="text/csv")
            headers = {"Api-key": BENCH_API_KEY}
            async with client.post(
                base + IMPORT_SERVICE + "/analyze", data=form, headers=headers
            ) as resp:
                resp.raise_for_status()
                await resp.json()
        return time.perf_counter() - started


RUNNERS = {
    "sdk": _sdk,
    "sdk on pyreqwest": functools.partial(_sdk, transport="pyreqwest"),
    "aiohttp": _raw,
}


def client_run(name: str, base: str, path: str, loop: str) -> Result:
    """One run in a fresh process: seconds, and RSS growth over the run."""
    before = rss_mb()
    elapsed = run_on(RUNNERS[name](base, path, os.path.getsize(path)), loop)
    return {"elapsed": elapsed, "rss_growth": peak_rss_mb() - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help="client event loop")
    args = parser.parse_args()

    results: dict[str, list[Result]] = {name: [] for name in RUNNERS}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        path = Path(tmp) / "contacts.csv"
        size = write_csv(path, args.size_mb)
        with server_process(serve) as port:
            base = f"http://127.0.0.1:{port}"
            for _ in range(args.runs):
                for name in results:  # interleaved: noise hits both alike
                    run = (name, base, str(path), args.loop)
                    results[name].append(run_isolated(client_run, *run))

    def rate(name: str) -> float:
        return median([size / (1 << 20) / r["elapsed"] for r in results[name]])

    def growth(name: str) -> float:
        return median([r["rss_growth"] for r in results[name]])

    rows = [[name, rate(name), rate(name) / rate("aiohttp"), growth(name)] for name in results]
    print_table(
        f"import_csv of a {size / (1 << 20):,.0f} MiB CSV, {args.loop} loop, "
        f"median of {args.runs} runs",
        ["client", "MiB/s", "vs aiohttp", "client RSS growth MiB"],
        rows,
    )
    print(f"target: client RSS growth < 50 MB (got {growth('sdk'):.1f} MiB)")


if __name__ == "__main__":
    main()
