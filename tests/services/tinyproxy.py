"""A throw-away ``tinyproxy`` on a free loopback port, whose log the tests read.

The configuration is generated per start: it listens on 127.0.0.1 only, logs
every request line (``LogLevel Info``) to a file in a temporary directory,
allows CONNECT to any port (no ``ConnectPort`` line: the TLS test servers are
on ephemeral ports) and, with ``credentials``, demands Basic proxy auth.
tinyproxy adds a ``Via`` header to what it forwards, which tells a test server
that a request came through it.  The process is stopped by its pid.  When the
program is missing or does not accept connections in time,
:func:`start_tinyproxy` raises: a test that needs it fails instead of skipping.
"""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from tests.services._process import running
from tests.services.redis_server import free_port

_REQUEST_LINE = re.compile(r"Request \(file descriptor \d+\): (.+)$")


@attrs.frozen
class Tinyproxy:
    port: int
    pid: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def requests(self) -> list[str]:
        """The request lines the proxy received so far (``GET http://...``, ``CONNECT h:p``)."""
        return [m.group(1) for line in self.log().splitlines() if (m := _REQUEST_LINE.search(line))]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _config(port: int, log_path: Path, credentials: tuple[str, str] | None) -> str:
    lines = [
        f"Port {port}",
        "Listen 127.0.0.1",
        "Timeout 30",
        f'LogFile "{log_path}"',
        "LogLevel Info",
        "MaxClients 100",
    ]
    if credentials is not None:
        lines.append(f"BasicAuth {credentials[0]} {credentials[1]}")
    return "\n".join(lines) + "\n"


@contextmanager
def start_tinyproxy(
    *, credentials: tuple[str, str] | None = None, startup_timeout: float = 10.0
) -> Iterator[Tinyproxy]:
    program = shutil.which("tinyproxy")
    if program is None:
        raise RuntimeError(
            "tinyproxy is not installed: `apt-get install -y tinyproxy` (.ci/run does it)"
        )
    with tempfile.TemporaryDirectory(prefix="tinyproxy-") as workdir:
        port = free_port()
        log_path = Path(workdir) / "tinyproxy.log"
        config = Path(workdir) / "tinyproxy.conf"
        config.write_text(_config(port, log_path, credentials))
        with running(
            "tinyproxy",
            [program, "-d", "-c", str(config)],
            lambda: _accepts(port),
            startup_timeout=startup_timeout,
            what_ready_means=f"accept connections on port {port}",
        ) as proc:
            yield Tinyproxy(port=port, pid=proc.pid, log_path=log_path)
