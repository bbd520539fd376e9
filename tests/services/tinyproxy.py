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
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

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
        proc = subprocess.Popen(
            [program, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while not _accepts(port):
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"tinyproxy exited with {proc.returncode}: {err[-500:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tinyproxy did not accept connections on port {port}")
                time.sleep(0.05)
            yield Tinyproxy(port=port, pid=proc.pid, log_path=log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr:
                proc.stderr.close()
