"""The emulator in its own process, run by the CLI on a free port, stopped by pid.

Crash, control and fleet tests all need the emulator outside the test process
(so a client can be killed while the server keeps what it received).  The
emulator's output is read to the end on a thread for as long as it runs: a pipe
nobody reads fills up and blocks the emulator mid-test.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import orjson

from tests.services._process import stop

#: Seconds to start, and to stop, the emulator.
WAIT = 30.0
ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen
class EmulatorProcess:
    base_url: str
    token: str
    api_key: str
    node: str
    pid: int

    @property
    def contactflow_url(self) -> str:
        return f"{self.base_url}/contactflow"

    def client_env(self) -> dict[str, str]:
        """The API clients' variables for a process that talks to this emulator."""
        return {
            "CONTACTFLOW_BASE_URL": self.contactflow_url,
            "CONTACTFLOW_TOKEN": self.token,
            "CONTACTFLOW_NODE": self.node,
            "AUTOMIZY_BASE_URL": self.base_url,
            "AUTOMIZY_API_KEY": self.api_key,
        }

    async def control(self, http: aiohttp.ClientSession, what: str, **params: str) -> Any:
        """``GET /_emulator/<what>`` with ``params``: the JSON answer."""
        url = f"{self.base_url}/_emulator/{what}"
        async with http.get(url, headers={"Api-key": self.api_key}, params=params) as response:
            assert response.status == 200, await response.text()
            return orjson.loads(await response.read())


@contextmanager
def run_emulator(
    *, token: str | None = None, api_key: str | None = None, node: str | None = None
) -> Iterator[EmulatorProcess]:
    """``contactflow-automizy emulator --port 0`` until the block ends (strict, as by
    default); credentials are random unless given."""
    token = token or f"t-{uuid.uuid4().hex}"
    api_key = api_key or f"k-{uuid.uuid4().hex}"
    node = node or str(uuid.uuid4())
    command = [sys.executable, "-m", "contactflow_automizy", "emulator", "--port", "0"]
    command += ["--token", token, "--api-key", api_key, "--node", node]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    )
    drain: threading.Thread | None = None
    try:
        assert proc.stdout is not None
        ready = threading.Event()
        lines: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if not ready.is_set():
                    lines.append(line)
                    if "Automizy emulator" in line:
                        ready.set()
            ready.set()  # the emulator exited

        drain = threading.Thread(target=read, daemon=True)
        drain.start()
        if not ready.wait(WAIT) or not lines or "Automizy emulator" not in lines[-1]:
            raise RuntimeError(f"the emulator did not start: {''.join(lines)[-500:]!r}")
        yield EmulatorProcess(lines[-1].split()[-1], token, api_key, node, proc.pid)
    finally:
        stop(proc, WAIT)
        if drain is not None:
            drain.join(WAIT)  # the pipe ends with the process
        if proc.stdout is not None:
            proc.stdout.close()
