"""Where the SDK's time per GET goes: microseconds per component, in-process.

Each figure is the median over ``--repeats`` batches of ``--calls`` calls on
one event loop (no network), so it is far steadier than a loopback run:

* ``sdk call, instant transport``: ``cf.get_node`` over a transport that
  answers at once with a 1 KB node body: every SDK layer, no I/O;
* ``build URL and headers``, ``auth headers + Request``, ``retry loop
  (Session.send)``, ``read body``, ``decode JSON``, ``structure model``: the
  layers one by one (each over the same instant transport where it needs one);
* ``coroutine frames and the rest``: the first line less the others.

The live share of the transport itself (aiohttp's per-read timer, the
response wrapper, kernel time) shows in ``bench_get``'s CPU per request, and
``--live`` counts it exactly: Python-level calls (cProfile's count, builtins
included) and timers armed per GET on the live loop against a loopback
server, for each ``bench_get`` client.  Counts do not move with the machine's
load, unlike times.

    python -m benchmarks.bench_overhead [--calls 20000] [--repeats 7] [--loop asyncio|uvloop]
        [--live]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections.abc import Awaitable, Callable

import orjson
from yarl import URL

from benchmarks._common import BENCH_NODE, BENCH_TOKEN, median, print_table, server_process
from benchmarks.bench_get import CLIENTS, OPTIONAL, node_body, serve
from contactflow_automizy import ContactflowClient, Request, Response, Session, Timeout
from contactflow_automizy._converter import structure
from contactflow_automizy._loop import LOOPS
from contactflow_automizy._loop import run as run_on
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow.models import Node

BASE = "https://cf.example.test/api"
BODY = node_body(1 << 10)


class InstantTransport:
    """Answers every request at once with the same 1 KB node (no I/O)."""

    async def send(self, request: Request, timeout: Timeout) -> Response:
        return Response(200, {"Content-Type": "application/json"}, BODY)

    async def aclose(self) -> None:
        return None


async def _per_call(step: Callable[[], Awaitable[object]], calls: int, repeats: int) -> float:
    """Median microseconds per ``await step()``."""
    results = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(calls):
            await step()
        results.append((time.perf_counter() - started) / calls * 1e6)
    return median(results)


async def measure(calls: int, repeats: int) -> dict[str, float]:
    async with Session(transport=InstantTransport()) as session:
        cf = ContactflowClient(BENCH_TOKEN, BENCH_NODE, BASE, session=session)
        request = Request("GET", URL(f"{BASE}/nodes/{BENCH_NODE}"), {"Authorization": "Bearer x"})
        data = orjson.loads(BODY)

        async def build() -> object:
            # The URL and the plain call's headers, as BaseClient._request makes them.
            url = cf._url(routes.GET_NODE.path(nodeUuid=BENCH_NODE))
            return url, cf._header_sets.get(True) or cf._header_set(routes.GET_NODE)

        url = cf._url(routes.GET_NODE.path(nodeUuid=BENCH_NODE))
        headers = cf._header_set(routes.GET_NODE)[0]
        params: list[tuple[str, str]] = []
        content = None

        async def auth_and_request() -> object:
            return Request("GET", url, {**headers, **await cf._auth.headers()}, params, content)

        async def retry_loop() -> object:
            return await session.send(request, read_limit=1 << 26)

        async def read_body() -> object:
            return await Response(200, {"Content-Type": "application/json"}, BODY).read(1 << 26)

        async def decode() -> object:
            return orjson.loads(BODY)

        async def to_model() -> object:
            return structure(data, Node)

        async def sdk_call() -> object:
            return await cf.get_node(BENCH_NODE)

        async def transport_only() -> object:
            return await session.transport.send(request, session.timeout)

        figures = {
            "sdk call, instant transport": await _per_call(sdk_call, calls, repeats),
            "build URL and headers": await _per_call(build, calls, repeats),
            "auth headers + Request": await _per_call(auth_and_request, calls, repeats),
            "retry loop (Session.send)": await _per_call(retry_loop, calls, repeats)
            - await _per_call(transport_only, calls, repeats),
            "read body": await _per_call(read_body, calls, repeats),
            "decode JSON": await _per_call(decode, calls, repeats),
            "structure model": await _per_call(to_model, calls, repeats),
            "empty await (floor)": await _per_call(_nothing, calls, repeats),
        }
    parts = sum(
        value
        for name, value in figures.items()
        if name not in ("sdk call, instant transport", "empty await (floor)")
    )
    figures["coroutine frames and the rest"] = figures["sdk call, instant transport"] - parts
    return figures


async def _nothing() -> None:
    return None


async def live_counts(base: str, name: str, calls: int, concurrency: int = 64) -> list[float]:
    """(calls, timers armed) per request of one ``bench_get`` client, on a warm pool."""
    async with CLIENTS[name](base, concurrency) as call:
        for _ in range(concurrency * 4):
            await call(BENCH_NODE)
        remaining = calls

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call(BENCH_NODE)

        profile = cProfile.Profile()
        profile.enable()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        profile.disable()
    counts = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(entry[1] for entry in counts.values())
    timers = sum(entry[1] for key, entry in counts.items() if key[2] in ("call_at", "call_later"))
    return [total / calls, timers / calls]


def live(calls: int, loop: str) -> None:
    with server_process(serve) as port:
        rows = [
            [name, *run_on(live_counts(f"http://127.0.0.1:{port}/1k", name, calls), loop)]
            for name in CLIENTS
            if name not in OPTIONAL
        ]
    print_table(
        f"Python calls and timers armed per GET 1 KB on the live loop ({loop} loop, c=64)",
        ["client", "calls/request", "timers/request"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio")
    parser.add_argument("--live", action="store_true", help="count calls on the live loop")
    args = parser.parse_args()
    if args.live:
        live(min(args.calls, 5000), args.loop)
        return
    figures = run_on(measure(args.calls, args.repeats), args.loop)
    print_table(
        f"SDK time per GET by component ({args.loop} loop, median of {args.repeats} x "
        f"{args.calls:,} calls, no network)",
        ["component", "us per call"],
        [[name, value] for name, value in figures.items()],
    )


if __name__ == "__main__":
    main()
