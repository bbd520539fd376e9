"""Shared benchmark plumbing: a server in its own process, medians, tables, peak RSS.

The server always runs in a separate process so that the client's own CPU
time (``time.process_time`` in this process) measures only the client.
Every server binds 127.0.0.1 and every run is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing as mp
import os
import resource
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def _pinned(target: Callable[..., None], cpu: int | None, *args: Any) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    target(*args)


def pin_client() -> int | None:
    """Pin this process to the first CPU and return the one left for the server.

    With 2 cores, client and server otherwise steal each other's time and the
    client's CPU figures swing by +-30% between runs.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    os.sched_setaffinity(0, {cpus[0]})
    return cpus[1]


@contextlib.contextmanager
def server_process(target: Callable[..., None], *args: Any) -> Iterator[int]:
    """Run ``target(port, *args)`` in a child process on its own CPU; yield its port."""
    port = free_port()
    server_cpu = pin_client()
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_pinned, args=(target, server_cpu, port, *args), daemon=True)
    proc.start()
    try:
        _wait_for_port(port)
        yield port
    finally:
        proc.terminate()
        proc.join(10)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    return psutil.Process(os.getpid()).memory_info().rss / (1 << 20)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    )
    print(line)
    for row in cells:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    sys.stdout.flush()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def run_isolated(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` in a fresh process (on this process's CPU), for a peak RSS of its own."""
    ctx = mp.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(func, *args).result(timeout=ISOLATED_TIMEOUT)


#: No benchmark run may take longer than this (seconds).
ISOLATED_TIMEOUT = 600.0
#: A benchmark server stops by itself after this long, should its parent not stop it.
SERVER_LIFETIME = 3600.0

BENCH_TOKEN = "bench-token"
BENCH_API_KEY = "bench-api-key"
BENCH_NODE = "095be615-a8ad-4c33-8e9c-c7612fbf6c9f"


def serve_emulator(port: int, latency: float = 0.0) -> None:
    """The SDK's emulator (both APIs, customers counted, not kept), for ``server_process``."""
    from contactflow_automizy.emulator import Emulator, Faults

    async def main() -> None:
        emulator = Emulator(
            port=port,
            token=BENCH_TOKEN,
            api_key=BENCH_API_KEY,
            node_uuid=BENCH_NODE,
            faults=Faults(latency=latency) if latency else None,
            retain_customers=False,
        )
        async with emulator:
            await asyncio.sleep(SERVER_LIFETIME)

    asyncio.run(main())
