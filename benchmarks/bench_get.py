"""Benchmark 1: GET throughput at concurrency 64 and client CPU per request.

SDK (``ContactflowClient.get_node``) vs raw aiohttp with the same connector
settings vs ``httpx.AsyncClient``, against a minimal aiohttp.web server in
another process on 127.0.0.1.  Prints medians of several runs and ratios
measured in the same run.

    python benchmarks/bench_get.py [--requests 20000] [--runs 5] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import orjson
from aiohttp import web

from benchmarks._common import median, print_table, server_process
from contactflow_automizy import ContactflowClient, Session, Timeout
from contactflow_automizy._loop import LOOPS
from contactflow_automizy._loop import run as run_on

NODE = "095be615-a8ad-4c33-8e9c-c7612fbf6c9f"
TOKEN = "bench-token"
BODY = orjson.dumps(
    {
        "uuid": NODE,
        "name": "bench",
        "workspaceUuid": "440374de-d1f6-4e58-8880-bb86654d7756",
        "portfolioUuid": "734e4f25-f179-406a-bdfa-12cd4a997014",
        "groupPk": 1,
        "active": True,
        "emailActive": True,
        "smsActive": False,
        "created": "2019-08-24T14:15:22Z",
    }
)


def serve(port: int) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/nodes/{uuid}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def _drive(
    call: Callable[[], Awaitable[object]], total: int, concurrency: int
) -> tuple[float, float]:
    """Run ``total`` calls with ``concurrency`` workers; return (wall s, client CPU s)."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - wall0, time.process_time() - cpu0


async def run_sdk(
    base: str,
    total: int,
    concurrency: int,
    timeout: Timeout | None = None,
    transport: str = "aiohttp",
) -> tuple[float, float]:
    async with Session(
        transport=transport, max_connections=concurrency, timeout=timeout
    ) as session:
        cf = ContactflowClient(TOKEN, NODE, base, session=session)
        await cf.get_node(NODE)  # warm the pool
        return await _drive(lambda: cf.get_node(NODE), total, concurrency)


async def run_sdk_no_read_timeout(base: str, total: int, concurrency: int) -> tuple[float, float]:
    """The SDK with ``Timeout(read=None)``: aiohttp then keeps no per-read timer."""
    return await run_sdk(base, total, concurrency, Timeout(read=None))


async def run_sdk_pyreqwest(base: str, total: int, concurrency: int) -> tuple[float, float]:
    return await run_sdk(base, total, concurrency, transport="pyreqwest")


async def run_aiohttp(base: str, total: int, concurrency: int) -> tuple[float, float]:
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=300, keepalive_timeout=30)
    url = f"{base}/nodes/{NODE}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with aiohttp.ClientSession(connector=connector) as client:

        async def call() -> object:
            async with client.get(url, headers=headers) as resp:
                resp.raise_for_status()
                return orjson.loads(await resp.read())

        await call()
        return await _drive(call, total, concurrency)


async def run_httpx(base: str, total: int, concurrency: int) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    url = f"{base}/nodes/{NODE}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with httpx.AsyncClient(limits=limits) as client:

        async def call() -> object:
            resp = await client.get(url, headers=headers)
            resp.raise_for_status()
            return orjson.loads(resp.content)

        await call()
        return await _drive(call, total, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--httpx-requests", type=int, default=5_000, help="httpx is slow: fewer")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help="client event loop")
    args = parser.parse_args()

    runners = {
        "sdk": run_sdk,
        "sdk, read=None": run_sdk_no_read_timeout,
        "sdk, pyreqwest": run_sdk_pyreqwest,
        "aiohttp": run_aiohttp,
        "httpx": run_httpx,
    }
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in runners}
    with server_process(serve) as port:
        base = f"http://127.0.0.1:{port}"
        for _ in range(args.runs):
            for name, runner in runners.items():  # interleaved: noise hits all alike
                n = args.httpx_requests if name == "httpx" else args.requests
                wall, cpu = run_on(runner(base, n, args.concurrency), args.loop)
                results[name].append((wall, cpu, n))

    def rps(name: str) -> float:
        return median([n / wall for wall, _, n in results[name]])

    def cpu_us(name: str) -> float:
        return median([cpu / n * 1e6 for _, cpu, n in results[name]])

    rows = [
        [
            name,
            rps(name),
            cpu_us(name),
            rps(name) / rps("aiohttp"),
            cpu_us(name) / cpu_us("aiohttp"),
        ]
        for name in results
    ]
    print_table(
        f"GET throughput, concurrency {args.concurrency}, median of {args.runs} runs",
        ["client", "req/s", "client CPU us/req", "throughput vs aiohttp", "CPU vs aiohttp"],
        rows,
    )
    print(
        f"targets: SDK throughput >= 0.85x aiohttp (got {rps('sdk') / rps('aiohttp'):.2f}x), "
        f"CPU/req <= 1.3x aiohttp (got {cpu_us('sdk') / cpu_us('aiohttp'):.2f}x), "
        f"faster than httpx (got {rps('sdk') / rps('httpx'):.1f}x)"
    )


if __name__ == "__main__":
    main()
