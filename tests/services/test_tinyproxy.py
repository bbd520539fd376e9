"""The fixture really starts tinyproxy, which really proxies, and it is stopped by pid."""

from __future__ import annotations

import os
import socket

import pytest

from tests.services.tinyproxy import Tinyproxy, start_tinyproxy


def _ask(proxy_port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=5) as sock:
        sock.sendall(request)
        return sock.recv(4096)


def test_tinyproxy_answers_and_logs_request_lines(tinyproxy: Tinyproxy) -> None:
    # api.invalid never resolves (RFC 6761): the proxy itself answers, with an error.
    answer = _ask(tinyproxy.port, b"GET http://api.invalid/x HTTP/1.1\r\nHost: api.invalid\r\n\r\n")
    assert answer.startswith(b"HTTP/1.")
    assert b"tinyproxy" in answer
    assert tinyproxy.requests() == ["GET http://api.invalid/x HTTP/1.1"]


def test_tinyproxy_with_credentials_demands_them() -> None:
    with start_tinyproxy(credentials=("user", "pw")) as proxy:
        answer = _ask(proxy.port, b"GET http://api.invalid/ HTTP/1.1\r\nHost: api.invalid\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].endswith(b"407 Proxy Authentication Required")


def test_start_tinyproxy_stops_the_proxy_by_pid() -> None:
    with start_tinyproxy() as proxy:
        pid = proxy.pid
        os.kill(pid, 0)  # alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
