"""Benchmark 1: GET throughput and client CPU per request, SDK vs hand-written clients.

Clients, all in one process and one event loop, against a minimal aiohttp.web
server in another process (on its own CPU) on 127.0.0.1:

* ``aiohttp``: raw aiohttp, the same connector settings (the reference);
* ``sdk``: ``ContactflowClient.get_node`` on the default (aiohttp) transport;
* ``sdk on pyreqwest``: the same on ``Session(transport="pyreqwest")``;
* ``pyreqwest``: raw pyreqwest (what the Rust client costs by itself);
* ``httpx`` (``--httpx``): ``httpx.AsyncClient``, far slower: short batches;
* ``sdk, hooks`` and ``sdk, OpenTelemetry`` (``--observability``): the SDK
  with a no-op hook of each kind, and recording spans (exported to nowhere)
  and metrics (read by nobody), to price them against the plain SDK.

The machines are noisy, so clients are interleaved: every round runs one
short batch of each client (the order rotating), the pools stay warm between
batches, and the table shows the median over rounds with the min-max of the
per-round ratios to raw aiohttp (ratios from the same round).  Scenarios:
concurrency x answer size (``--concurrency 1,8,64,256 --sizes 1k,64k,1m``),
and ``--distinct-ids 10000`` calls over that many node ids (yarl caches 128
parsed URLs: one id only flatters every client).  ``--loop uvloop`` runs the
clients on uvloop.  ``--memory`` measures instead the memory per 1,000
requests in flight: each client in a fresh process sends 1,000 requests to an
endpoint that answers after 2 s and reports its RSS growth at the peak.

    python -m benchmarks.bench_get [--rounds 7] [--batch 2000] [--concurrency 64]
        [--sizes 1k] [--distinct-ids 0] [--loop asyncio|uvloop] [--httpx] [--observability]
        [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import aiohttp
import httpx
import orjson
from aiohttp import web

from benchmarks._common import (
    BENCH_NODE,
    BENCH_TOKEN,
    median,
    print_table,
    rss_mb,
    run_isolated,
    server_process,
)
from contactflow_automizy import ContactflowClient, Session
from contactflow_automizy._loop import LOOPS, loop_factory
from contactflow_automizy._loop import run as run_on

SIZES = {"1k": 1 << 10, "64k": 64 << 10, "1m": 1 << 20}
#: Bigger answers and concurrency 1 take longer per request: their batches are shorter.
BATCH_SHARE = {"1k": 1.0, "64k": 0.25, "1m": 0.05}
#: Seconds the ``/slow`` endpoint holds each answer (for ``--memory``).
SLOW_ANSWER = 2.0
IN_FLIGHT = 1000

#: One call: GET the node ``node_id`` and decode it (a model, or a dict for raw clients).
Call = Callable[[str], Awaitable[object]]


def node_body(size: int) -> bytes:
    """A node as the API sends it, its ``name`` padded so the body is ``size`` bytes."""
    node = {
        "uuid": BENCH_NODE,
        "name": "",
        "workspaceUuid": "440374de-d1f6-4e58-8880-bb86654d7756",
        "portfolioUuid": "734e4f25-f179-406a-bdfa-12cd4a997014",
        "groupPk": 1,
        "active": True,
        "emailActive": True,
        "smsActive": False,
        "created": "2019-08-24T14:15:22Z",
    }
    node["name"] = "x" * max(0, size - len(orjson.dumps(node)))
    return orjson.dumps(node)


def serve(port: int) -> None:
    """``/{size}/nodes/{uuid}`` answers a node of that size; ``/slow/...`` after 2 s."""
    bodies = {name: node_body(size) for name, size in SIZES.items()}

    async def node(request: web.Request) -> web.Response:
        return web.Response(
            body=bodies[request.match_info["size"]], content_type="application/json"
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(SLOW_ANSWER)
        return web.Response(body=bodies["1k"], content_type="application/json")

    app = web.Application()
    app.router.add_get("/slow/nodes/{uuid}", slow)
    app.router.add_get("/{size}/nodes/{uuid}", node)
    # The server on uvloop: it must not be what limits the fastest client.
    loop = loop_factory("uvloop")()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, loop=loop)


# -- clients: each yields one ``call`` on a warm pool ------------------------------


@contextlib.asynccontextmanager
async def sdk(base: str, concurrency: int, **options: Any) -> AsyncIterator[Call]:
    async with Session(max_connections=max(concurrency, 1), **options) as session:
        cf = ContactflowClient(BENCH_TOKEN, BENCH_NODE, base, session=session)
        yield cf.get_node


@contextlib.asynccontextmanager
async def sdk_otel(base: str, concurrency: int) -> AsyncIterator[Call]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class Discard(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(Discard()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    try:
        async with sdk(
            base, concurrency, tracer_provider=tracer_provider, meter_provider=meter_provider
        ) as call:
            yield call
    finally:
        tracer_provider.shutdown()
        meter_provider.shutdown()


HEADERS = {"Authorization": f"Bearer {BENCH_TOKEN}", "Accept": "application/json"}


@contextlib.asynccontextmanager
async def raw_aiohttp(base: str, concurrency: int) -> AsyncIterator[Call]:
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=300, keepalive_timeout=30)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def call(node_id: str) -> object:
            async with client.get(f"{base}/nodes/{node_id}", headers=HEADERS) as resp:
                resp.raise_for_status()
                return orjson.loads(await resp.read())

        yield call


@contextlib.asynccontextmanager
async def raw_pyreqwest(base: str, concurrency: int) -> AsyncIterator[Call]:
    from pyreqwest.client import ClientBuilder

    builder = ClientBuilder().max_connections(concurrency).timeout(timedelta(seconds=300))
    async with builder.build() as client:

        async def call(node_id: str) -> object:
            request = client.get(f"{base}/nodes/{node_id}").headers(HEADERS).build()
            resp = await request.send()
            resp.error_for_status()
            return await resp.json()

        yield call


@contextlib.asynccontextmanager
async def raw_httpx(base: str, concurrency: int) -> AsyncIterator[Call]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def call(node_id: str) -> object:
            resp = await client.get(f"{base}/nodes/{node_id}", headers=HEADERS)
            resp.raise_for_status()
            return orjson.loads(resp.content)

        yield call


def _no_op_hook(event: object) -> None:
    return None


CLIENTS: dict[str, Callable[[str, int], contextlib.AbstractAsyncContextManager[Call]]] = {
    "aiohttp": raw_aiohttp,
    "sdk": sdk,
    "sdk on pyreqwest": functools.partial(sdk, transport="pyreqwest"),
    "pyreqwest": raw_pyreqwest,
    "httpx": raw_httpx,
    "sdk, hooks": functools.partial(
        sdk, event_hooks={kind: [_no_op_hook] for kind in ("request", "response", "retry")}
    ),
    "sdk, OpenTelemetry": sdk_otel,
}
#: Run only when asked for (``--httpx``, ``--observability``).
OPTIONAL = {"httpx", "sdk, hooks", "sdk, OpenTelemetry"}
#: httpx is ~30x slower than the rest: its batches are this much shorter.
SLOW_CLIENTS = {"httpx": 20}


async def _batch(call: Call, ids: list[str], total: int, concurrency: int) -> tuple[float, float]:
    """``total`` calls by ``concurrency`` workers over ``ids``: (wall s, client CPU s)."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call(ids[remaining % len(ids)])

    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - wall0, time.process_time() - cpu0


#: Per client: (requests/s, CPU us/request) of each round.
Figures = dict[str, list[tuple[float, float]]]


async def scenario(
    base: str, names: list[str], concurrency: int, batch: int, rounds: int, ids: list[str]
) -> Figures:
    """Every client warm, then ``rounds`` rounds of one batch each, the order rotating."""
    figures: Figures = {name: [] for name in names}
    async with contextlib.AsyncExitStack() as stack:
        calls = {
            name: await stack.enter_async_context(CLIENTS[name](base, concurrency))
            for name in names
        }
        for call in calls.values():
            await _batch(call, ids, concurrency * 2, concurrency)  # connect and warm up
        for number in range(rounds):
            order = names[number % len(names) :] + names[: number % len(names)]
            for name in order:
                total = max(concurrency, batch // SLOW_CLIENTS.get(name, 1))
                gc.collect()
                wall, cpu = await _batch(calls[name], ids, total, concurrency)
                figures[name].append((total / wall, cpu / total * 1e6))
    return figures


def _ratios(figures: Figures, name: str, index: int) -> list[float]:
    return [
        mine[index] / ref[index]
        for mine, ref in zip(figures[name], figures["aiohttp"], strict=True)
    ]


def report(title: str, figures: Figures) -> dict[str, dict[str, float]]:
    """Print one scenario's table; return the medians and ratio ranges per client."""
    summary: dict[str, dict[str, float]] = {}
    rows = []
    for name, rounds in figures.items():
        throughput, cpu = _ratios(figures, name, 0), _ratios(figures, name, 1)
        summary[name] = {
            "rps": median([r for r, _ in rounds]),
            "cpu_us": median([c for _, c in rounds]),
            "throughput": median(throughput),
            "cpu": median(cpu),
        }
        rows.append(
            [
                name,
                summary[name]["rps"],
                summary[name]["cpu_us"],
                summary[name]["throughput"],
                f"{min(throughput):.2f}-{max(throughput):.2f}",
                summary[name]["cpu"],
                f"{min(cpu):.2f}-{max(cpu):.2f}",
            ]
        )
    print_table(
        title,
        ["client", "req/s", "CPU us/req", "thr. vs aiohttp", "range", "CPU vs aiohttp", "range"],
        rows,
    )
    return summary


def targets(summary: dict[str, dict[str, float]], variant: str) -> None:
    """Issue 12's targets, for GET 1 KB at concurrency 64 (one id, or many: the
    reference's URLs then miss yarl's cache, as a real application's do)."""
    checks = [
        ("sdk", "SDK on aiohttp", 0.92, 1.15),
        ("sdk on pyreqwest", "SDK on pyreqwest", 1.3, 0.8),
    ]
    for name, label, throughput, cpu in checks:
        if name in summary:
            got = summary[name]
            print(
                f"target (1 KB, c=64, {variant}): {label}: throughput >= {throughput}x "
                f"({got['throughput']:.2f}x: {_met(got['throughput'] >= throughput)}), "
                f"CPU <= {cpu}x ({got['cpu']:.2f}x: {_met(got['cpu'] <= cpu)})"
            )


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


# -- memory per 1,000 requests in flight -------------------------------------------


def memory_run(name: str, base: str, loop: str) -> float:
    """In a fresh process: MiB of RSS growth with ``IN_FLIGHT`` requests held by the server."""

    async def main() -> float:
        async with CLIENTS[name](base, IN_FLIGHT) as call:
            await call(BENCH_NODE)  # the client's own set-up is not per request
            gc.collect()
            before = rss_mb()
            peak = before
            task = asyncio.gather(*(call(BENCH_NODE) for _ in range(IN_FLIGHT)))
            while not task.done():
                await asyncio.sleep(SLOW_ANSWER / 10)
                peak = max(peak, rss_mb())
            await task
            return peak - before

    return run_on(main(), loop)


def memory(base: str, names: list[str], rounds: int, loop: str) -> None:
    growth: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            growth[name].append(run_isolated(memory_run, name, f"{base}/slow", loop))
    reference = median(growth["aiohttp"])
    print_table(
        f"memory per {IN_FLIGHT:,} requests in flight ({loop} loop), median of {rounds} runs",
        ["client", "MiB per 1,000 in flight", "min-max", "vs aiohttp"],
        [
            [name, median(v), f"{min(v):.1f}-{max(v):.1f}", median(v) / reference]
            for name, v in growth.items()
        ],
    )
    if "sdk" in growth:
        ratio = median(growth["sdk"]) / reference
        print(f"target: SDK on aiohttp <= 1.1x ({ratio:.2f}x: {_met(ratio <= 1.1)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=2000, help="requests per batch")
    parser.add_argument("--concurrency", default="64", help="comma-separated, e.g. 1,8,64,256")
    parser.add_argument("--sizes", default="1k", help="comma-separated of 1k,64k,1m")
    parser.add_argument("--distinct-ids", type=int, default=0, help="also a run over N ids")
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help="client event loop")
    parser.add_argument("--httpx", action="store_true", help="add httpx (slow)")
    parser.add_argument(
        "--observability", action="store_true", help="add the SDK with hooks and OpenTelemetry"
    )
    parser.add_argument("--only", help="comma-separated clients (aiohttp always runs)")
    parser.add_argument("--memory", action="store_true", help="memory per 1,000 in flight")
    args = parser.parse_args()

    wanted = {"httpx"} if args.httpx else set()
    if args.observability:
        wanted |= {"sdk, hooks", "sdk, OpenTelemetry"}
    names = [name for name in CLIENTS if name not in OPTIONAL or name in wanted]
    if args.only:
        names = [name for name in names if name in {"aiohttp", *args.only.split(",")}]
    with server_process(serve) as port:
        base = f"http://127.0.0.1:{port}"
        if args.memory:
            memory(base, names, args.rounds, args.loop)
            return
        for size in args.sizes.split(","):
            for concurrency in map(int, args.concurrency.split(",")):
                variants = [("one id", [BENCH_NODE])]
                if args.distinct_ids:
                    ids = [str(uuid.UUID(int=i)) for i in range(args.distinct_ids)]
                    variants.append((f"{args.distinct_ids:,} ids", ids))
                for label, ids in variants:
                    batch = int(args.batch * BATCH_SHARE[size] * (0.25 if concurrency == 1 else 1))
                    figures = run_on(
                        scenario(f"{base}/{size}", names, concurrency, batch, args.rounds, ids),
                        args.loop,
                    )
                    summary = report(
                        f"GET {size.upper()}B, concurrency {concurrency}, {label}, {args.loop} "
                        f"loop: median of {args.rounds} interleaved rounds, ratio ranges per round",
                        figures,
                    )
                    if (size, concurrency) == ("1k", 64):
                        targets(summary, label)


if __name__ == "__main__":
    main()
