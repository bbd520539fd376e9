"""Start a service program, wait until it is ready, and stop it by pid: one way for all."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def stop(proc: subprocess.Popen[Any], timeout: float) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds: a stuck program never hangs the suite."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running(
    name: str,
    argv: Sequence[str],
    ready: Callable[[], bool],
    *,
    startup_timeout: float,
    what_ready_means: str,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` until the block ends; raise (never skip) when it exits or is not
    ``ready()`` within ``startup_timeout`` seconds.  Stopped by :func:`stop`."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + startup_timeout
        while not ready():
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"{name} exited with {proc.returncode}: {err[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not {what_ready_means}")
            time.sleep(0.05)
        yield proc
    finally:
        stop(proc, 5)
        if proc.stderr:
            proc.stderr.close()
