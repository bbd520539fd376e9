"""Benchmark 3: listing 200 pages with 20 ms of server latency, ``prefetch=1`` vs ``prefetch=8``.

``ContactflowClient.list_nodes(...).to_list()`` against a minimal aiohttp.web
server in another process that sleeps 20 ms, then answers a Contactflow page
(``{"page": {...}, "elements": [...]}``).  Prints medians and same-run ratios.

    python -m benchmarks.bench_pages [--pages 200] [--latency 0.02] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import orjson
from aiohttp import web

from benchmarks._common import BENCH_NODE, BENCH_TOKEN, median, print_table, server_process
from contactflow_automizy import ContactflowClient, Session

PAGE_SIZE = 20


def serve(port: int, pages: int, latency: float) -> None:
    elements = [
        {"uuid": f"00000000-0000-4000-8000-{i:012d}", "name": f"node {i}", "active": True}
        for i in range(PAGE_SIZE)
    ]

    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(latency)
        number = int(request.query["page"])
        meta = {
            "size": PAGE_SIZE,
            "totalElements": pages * PAGE_SIZE,
            "totalPages": pages,
            "number": number,
        }
        body = orjson.dumps({"page": meta, "elements": elements if number < pages else []})
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/nodes", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def run(base: str, prefetch: int) -> tuple[float, int]:
    async with Session(max_connections=64) as session:
        cf = ContactflowClient(BENCH_TOKEN, BENCH_NODE, base, session=session)
        started = time.perf_counter()
        nodes = await cf.list_nodes(page_size=PAGE_SIZE, prefetch=prefetch).to_list()
        return time.perf_counter() - started, len(nodes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    variants = (1, 8)
    times: dict[int, list[float]] = {prefetch: [] for prefetch in variants}
    with server_process(serve, args.pages, args.latency) as port:
        base = f"http://127.0.0.1:{port}"
        for _ in range(args.runs):
            for prefetch in variants:  # interleaved: noise hits both alike
                elapsed, count = asyncio.run(run(base, prefetch))
                assert count == args.pages * PAGE_SIZE, count
                times[prefetch].append(elapsed)

    slowest = median(times[1])
    rows = [
        [
            f"prefetch={p}",
            median(times[p]),
            args.pages / median(times[p]),
            slowest / median(times[p]),
        ]
        for p in variants
    ]
    print_table(
        f"{args.pages} pages of {PAGE_SIZE}, {args.latency * 1000:.0f} ms latency per page, "
        f"median of {args.runs} runs",
        ["paginator", "seconds", "pages/s", "speed-up vs prefetch=1"],
        rows,
    )
    print(
        f"target: prefetch=8 >= 5x faster than prefetch=1 (got {slowest / median(times[8]):.1f}x)"
    )


if __name__ == "__main__":
    main()
