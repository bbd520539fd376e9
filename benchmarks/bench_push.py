"""Benchmark 2: ``push_customers`` of 1,000,000 lazily generated customers.

SDK (``ContactflowClient.push_customers``) vs a hand-written aiohttp loop
posting the same packets (FIRST, MIDDLE..., LAST under one source, the same
packet size and concurrency), both against the SDK's emulator
(``retain_customers=False``) in another process.  Every run is a fresh client
process, so its peak RSS is its own.  Prints medians and same-run ratios.

    python -m benchmarks.bench_push [--customers 1000000] [--runs 3] [--concurrency 4]
        [--loop asyncio|uvloop]

Rows: the SDK on each transport (``sdk`` on aiohttp, ``sdk on pyreqwest``) and
the raw aiohttp loop.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import time
import uuid
from collections.abc import Iterator
from itertools import islice
from typing import Any

import aiohttp
import orjson

from benchmarks._common import (
    BENCH_NODE,
    BENCH_TOKEN,
    median,
    peak_rss_mb,
    print_table,
    run_isolated,
    serve_emulator,
    server_process,
)
from contactflow_automizy import ContactflowClient, Session
from contactflow_automizy._loop import LOOPS
from contactflow_automizy._loop import run as run_on
from contactflow_automizy.emulator.contactflow import PREFIX

Result = dict[str, float]


def customers(count: int) -> Iterator[dict[str, Any]]:
    """Wire-format customers, produced one at a time (never held as a list)."""
    for i in range(count):
        yield {
            "userPk": f"user-{i:07d}",
            "attributes": {"email": f"customer{i}@example.com", "firstName": f"Ada{i}"},
        }


async def _automation(base: str) -> str:
    async with ContactflowClient(BENCH_TOKEN, BENCH_NODE, base) as cf:
        automation = await cf.create_automation(name="bench", status="DRAFT")
    assert automation.uuid is not None
    return automation.uuid


async def _sdk(
    base: str, count: int, packet_size: int, concurrency: int, transport: str = "aiohttp"
) -> Result:
    automation = await _automation(base)
    async with Session(transport=transport, max_connections=concurrency) as session:
        cf = ContactflowClient(BENCH_TOKEN, BENCH_NODE, base, session=session)
        cpu0 = time.process_time()
        result = await cf.push_customers(
            automation, customers(count), packet_size=packet_size, concurrency=concurrency
        )
        cpu = time.process_time() - cpu0
    assert result.customers == count
    return {"elapsed": result.elapsed, "cpu": cpu, "requests": result.requests}


async def _raw(base: str, count: int, packet_size: int, concurrency: int) -> Result:
    """What a careful user would write by hand with aiohttp: same packets, same concurrency."""
    automation = await _automation(base)
    url = f"{base}/automations/{automation}/customers/batch"
    headers = {
        "Authorization": f"Bearer {BENCH_TOKEN}",
        "Node": BENCH_NODE,
        "Content-Type": "application/json",
    }
    source = str(uuid.uuid4())
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=300, keepalive_timeout=30)
    requests = 0
    async with aiohttp.ClientSession(connector=connector) as client:

        async def post(kind: str, packet: list[dict[str, Any]]) -> None:
            nonlocal requests
            body = orjson.dumps({"sourceUuid": source, "packet": kind, "customers": packet})
            async with client.post(url, data=body, headers=headers) as resp:
                resp.raise_for_status()
                await resp.read()
            requests += 1

        slots = asyncio.Semaphore(concurrency)

        async def middle(packet: list[dict[str, Any]]) -> None:
            try:
                await post("MIDDLE", packet)
            finally:
                slots.release()

        started, cpu0 = time.perf_counter(), time.process_time()
        stream = customers(count)
        await post("FIRST", list(islice(stream, packet_size)))
        # A packet is sent as MIDDLE only once another follows it; the one left is LAST.
        maybe_last = list(islice(stream, packet_size))
        async with asyncio.TaskGroup() as group:
            while True:
                await slots.acquire()
                next_packet = list(islice(stream, packet_size))
                if not next_packet:
                    slots.release()
                    break
                group.create_task(middle(maybe_last))
                maybe_last = next_packet
        await post("LAST", maybe_last)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu0
    return {"elapsed": elapsed, "cpu": cpu, "requests": requests}


RUNNERS = {
    "sdk": _sdk,
    "sdk on pyreqwest": functools.partial(_sdk, transport="pyreqwest"),
    "aiohttp": _raw,
}


def client_run(
    name: str, base: str, count: int, packet_size: int, concurrency: int, loop: str
) -> Result:
    """One run in a fresh process: throughput figures plus the process's peak RSS."""
    result = run_on(RUNNERS[name](base, count, packet_size, concurrency), loop)
    result["peak_rss"] = peak_rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--packet-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help="client event loop")
    args = parser.parse_args()

    results: dict[str, list[Result]] = {name: [] for name in RUNNERS}
    with server_process(serve_emulator) as port:
        base = f"http://127.0.0.1:{port}{PREFIX}"
        for _ in range(args.runs):
            for name in results:  # interleaved: noise hits both alike
                run = (name, base, args.customers, args.packet_size, args.concurrency, args.loop)
                results[name].append(run_isolated(client_run, *run))

    def med(name: str, key: str) -> float:
        return median([r[key] for r in results[name]])

    def rate(name: str) -> float:
        return median([args.customers / r["elapsed"] for r in results[name]])

    rows = [
        [
            name,
            rate(name),
            rate(name) / rate("aiohttp"),
            int(med(name, "requests")),
            med(name, "cpu") / args.customers * 1e6,
            med(name, "peak_rss"),
        ]
        for name in results
    ]
    print_table(
        f"push_customers: {args.customers:,} customers, packets of {args.packet_size}, "
        f"concurrency {args.concurrency}, {args.loop} loop, median of {args.runs} runs",
        ["client", "customers/s", "vs aiohttp", "requests", "client CPU us/cust", "peak RSS MB"],
        rows,
    )
    print(
        f"targets: peak RSS < 200 MB (got {med('sdk', 'peak_rss'):.0f} MB), "
        f"SDK >= 0.8x the raw loop (got {rate('sdk') / rate('aiohttp'):.2f}x; "
        f"on pyreqwest {rate('sdk on pyreqwest') / rate('aiohttp'):.2f}x)"
    )


if __name__ == "__main__":
    main()
