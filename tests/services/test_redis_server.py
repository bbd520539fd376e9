"""The fixture really starts a server, and it really stops it by pid."""

from __future__ import annotations

import os
import socket

from tests.services.redis_server import RedisServer, start_redis


def test_redis_fixture_answers_ping(redis_server: RedisServer) -> None:
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        assert sock.recv(16) == b"+PONG\r\n"


def test_start_redis_stops_the_server_by_pid() -> None:
    with start_redis() as server:
        pid = server.pid
        os.kill(pid, 0)  # alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    # A zombie is reaped by wait(); if kill(0) still works the process outlived the fixture.
    raise AssertionError(f"redis-server {pid} still running after the fixture ended")
