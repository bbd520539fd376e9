"""A throw-away ``redis-server`` on a free loopback port, for one test session.

Persistence is off (``--save ''``, no AOF) so it leaves nothing on disk; the
server is stopped by its pid.  When the program is missing or does not answer
``PING`` in time, :func:`start_redis` raises: a test that needs Redis fails
instead of silently skipping.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from tests.services._process import running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.frozen
class RedisServer:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def start_redis(*, startup_timeout: float = 10.0) -> Iterator[RedisServer]:
    program = shutil.which("redis-server")
    if program is None:
        raise RuntimeError(
            "redis-server is not installed: `apt-get install -y redis-server` (.ci/run does it)"
        )
    port = free_port()
    with running(
        "redis-server",
        [
            program,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ],
        lambda: _ping(port),
        startup_timeout=startup_timeout,
        what_ready_means=f"answer PING on port {port}",
    ) as proc:
        yield RedisServer(port=port, pid=proc.pid)
