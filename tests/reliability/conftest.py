"""Shared pieces of the reliability suite: hypothesis profiles, fault helpers, figures.

Hypothesis profiles are registered here and applied per test through
:data:`FUZZ` (never loaded globally, so other suites keep their own settings):

* ``cfa-fast`` (default): 150 examples per property, no deadline;
* ``cfa-slow`` (``CFA_SLOW=1``): 3,000 examples per property;

properties repeated per model class use :func:`fuzz` (fewer examples each,
x20 under ``CFA_SLOW=1``).

``CFA_SLOW=1`` also scales up the fault and load runs.  ``CFA_FIGURES=path``
writes the figures the tests record (faults injected per kind, records sent
and stored, fuzz examples, abuse cases) as JSON when the session ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy.emulator import Emulator, Faults
from contactflow_automizy.emulator.faults import Decision
from tests.conftest import NoSleep

SLOW = os.environ.get("CFA_SLOW") == "1"

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
# CI replays the same examples on every run (a red build is reproducible);
# elsewhere each run explores new ones.
settings.register_profile(
    "cfa-fast", max_examples=150, derandomize=bool(os.environ.get("CI")), **_COMMON
)
settings.register_profile("cfa-slow", max_examples=3000, **_COMMON)
#: The active profile, as a decorator: ``@FUZZ`` above ``@given``.
FUZZ = settings.get_profile("cfa-slow" if SLOW else "cfa-fast")
#: Examples per property under the active profile (for the figures).
FUZZ_EXAMPLES: int = FUZZ.max_examples


def fuzz(fast: int) -> settings:
    """The active profile with ``fast`` examples by default (x20 under ``CFA_SLOW=1``),
    for properties run once per class or per case, where 150 each would be too slow."""
    return settings(FUZZ, max_examples=fast * 20 if SLOW else fast)


# -- figures ---------------------------------------------------------------------

FIGURES: dict[str, Any] = {}


def record(section: str, key: str, value: Any) -> None:
    """Keep one figure (``CFA_FIGURES=path`` writes them all when the run ends)."""
    FIGURES.setdefault(section, {})[key] = value


def count(section: str, key: str, n: int = 1) -> None:
    bucket = FIGURES.setdefault(section, {})
    bucket[key] = bucket.get(key, 0) + n


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("CFA_FIGURES")
    if path and FIGURES:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(FIGURES, out, indent=2, sort_keys=True, default=str)


# -- faults ----------------------------------------------------------------------


@attrs.define
class SlowBodies(Faults):
    """``Faults`` plus a *rate* of slow bodies: ``rate_slow`` of the affected requests have
    their body paced over ``slow_for`` seconds (stock ``slow_body`` paces every one)."""

    rate_slow: float = 0.0
    slow_for: float = 0.0
    slowed: int = 0
    _slow_rng: random.Random = attrs.field(
        init=False, repr=False, eq=False, factory=lambda: random.Random(1234)
    )

    @property
    def active(self) -> bool:
        return True

    def decide(self, method: str, path: str) -> Decision | None:
        base = super().decide(method, path)
        if base is None or self._slow_rng.random() >= self.rate_slow:
            return base
        self.slowed += 1
        return attrs.evolve(base, slow_body=self.slow_for)


@attrs.define
class FailNth(Faults):
    """A deterministic fault: the ``nth`` (1-based) request the faults aim at
    (``routes``/``methods``, matched as every emulator fault is) gets ``kind``
    (``"slow_body"`` paces its answer over ``slow_for`` seconds)."""

    nth: int = 1
    kind: str = "500"
    slow_for: float = 0.0
    seen: int = 0

    @property
    def active(self) -> bool:
        return True

    def decide(self, method: str, path: str) -> Decision | None:
        if not self.aims_at(method, path):
            return None
        self.seen += 1
        if self.seen != self.nth:
            return Decision(None, 0.0, 0.0, self.retry_after)
        if self.kind == "slow_body":
            return Decision(None, 0.0, self.slow_for, self.retry_after)
        return Decision(self.kind, 0.0, 0.0, self.retry_after)


@attrs.define
class Chain(Faults):
    """Several fault settings at once: the first that strikes a request wins."""

    parts: list[Faults] = attrs.Factory(list)

    @property
    def active(self) -> bool:
        return True

    def decide(self, method: str, path: str) -> Decision | None:
        for part in self.parts:
            decision = part.decide(method, path)
            if decision is not None and (decision.kind or decision.slow_body):
                return decision
        return None


class ThreadedEmulator:
    """An :class:`Emulator` served from another thread's event loop."""

    def __init__(self, **kwargs: Any) -> None:
        self.emu = Emulator(**kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Emulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.emu.start(), self._loop).result(10)
        return self.emu

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emu.close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)


# -- fixtures --------------------------------------------------------------------


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(random_seed=7) as emulator:
        yield emulator


@pytest.fixture
async def session(no_sleep: NoSleep, backend: str) -> AsyncIterator[Session]:
    """A loopback session on each backend, whose retries never really sleep."""
    async with Session(transport=backend, sleep=no_sleep, random=lambda: 0.0, max_retries=6) as s:
        yield s


@pytest.fixture
def cf(emu: Emulator, session: Session) -> Iterator[ContactflowClient]:
    yield ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)


@pytest.fixture
def az(emu: Emulator, session: Session) -> Iterator[AutomizyClient]:
    yield AutomizyClient(emu.api_key, emu.automizy_url, session=session)
