"""Switchable faults, repeatable for a given ``random_seed``, and the one place that applies
them around a handler.

Each request the faults apply to draws two numbers from
``random.Random(random_seed)`` (one picks the fault, one the latency jitter),
so the same sequence of requests meets the same sequence of faults.  Rates are
probabilities of mutually exclusive outcomes; their sum must not exceed 1.

*When* a fault strikes is the point of the exercise, because it decides what a
client may safely retry:

* ``429``, ``503`` and ``drop`` (close the connection without an answer) strike
  **before** the handler runs: the server did not act.  A 429 carries
  ``Retry-After``.
* ``500`` and ``drop_mid_response`` (headers and half the body, then abort)
  strike **after** the handler changed the state: the server acted, the client
  just never learned the outcome.  Retrying such a POST duplicates its effect,
  which is exactly what the SDK's POST retry rules must avoid.
* ``latency`` (+ uniform ``latency_jitter``) delays every affected request;
  ``slow_body`` spreads every affected body over that many seconds.
"""

from __future__ import annotations

import asyncio
import random
import re
import warnings
from collections.abc import AsyncGenerator, Callable, Collection
from typing import Any

import attrs

from contactflow_automizy.emulator.wire import Fault, Reply, json_reply

__all__ = [
    "Decision",
    "DroppedConnection",
    "Faults",
    "aimed",
    "apply",
    "deliver",
    "method_names",
    "path_pattern",
]

#: Fault kinds in the order a draw is mapped onto them, with the rate attribute of each.
_KINDS = (
    ("429", "rate_429"),
    ("503", "rate_503"),
    ("drop", "rate_drop"),
    ("500", "rate_500"),
    ("drop_mid_response", "rate_drop_mid_response"),
)
_RATES = frozenset(attr for _, attr in _KINDS)
#: A slow body is sent in this many paced pieces.
SLOW_PIECES = 10


def path_pattern(value: str | re.Pattern[str] | Collection[str] | None) -> re.Pattern[str] | None:
    """One pattern from a regex, or from a collection of regexes (any may match)."""
    if value is None or isinstance(value, re.Pattern):
        return value
    if isinstance(value, str):
        return re.compile(value)
    return re.compile("|".join(f"(?:{v})" for v in value))


def method_names(value: str | Collection[str] | None) -> frozenset[str] | None:
    """HTTP method names from ``"POST|PUT"`` or a collection, upper-cased."""
    if value is None:
        return None
    names = value.split("|") if isinstance(value, str) else value
    return frozenset(name.strip().upper() for name in names)


def aimed(
    routes: re.Pattern[str] | None, methods: frozenset[str] | None, method: str, path: str
) -> bool:
    """Whether a ``method`` request to ``path`` is within ``routes`` (a regex searched in
    the raw path) and ``methods``; ``None`` means any.  Every fault and hold aims so."""
    return (routes is None or routes.search(path) is not None) and (
        methods is None or method in methods
    )


def _non_negative(instance: Faults, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0.0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _rate(instance: Faults, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")
    others = sum(getattr(instance, name, 0.0) for name in _RATES - {attribute.name})
    if others + value > 1.0 + 1e-9:
        raise ValueError(f"fault rates add up to more than 1 with {attribute.name}={value}")


def _rate_field() -> Any:
    return attrs.field(default=0.0, converter=float, validator=_rate)


def _delay_field(default: float = 0.0) -> Any:
    return attrs.field(default=default, converter=float, validator=_non_negative)


@attrs.frozen
class Decision:
    """What happens to one request: a fault kind (or none), its latency and body pacing."""

    kind: str | None
    latency: float
    slow_body: float
    retry_after: float


@attrs.define
class Faults:
    """Fault settings; mutable while the emulator runs (validated on every assignment).

    ``routes`` limits the faults to request paths matching a regex (or any of
    a collection of regexes), searched in the full path, e.g. ``"/customers/batch$"``;
    ``methods`` limits them to some HTTP methods (``{"POST"}``, or ``"POST|PUT"``).
    ``random_seed`` seeds the draws (assigning it restarts the sequence);
    ``seed`` is its deprecated former name.
    """

    latency: float = _delay_field()
    latency_jitter: float = _delay_field()
    rate_429: float = _rate_field()
    retry_after: float = _delay_field(1.0)
    rate_500: float = _rate_field()
    rate_503: float = _rate_field()
    rate_drop: float = _rate_field()
    rate_drop_mid_response: float = _rate_field()
    slow_body: float = _delay_field()
    routes: re.Pattern[str] | None = attrs.field(default=None, converter=path_pattern)
    methods: frozenset[str] | None = attrs.field(default=None, converter=method_names)
    random_seed: int = attrs.field(default=0, on_setattr=lambda self, _, value: self._reseed(value))
    seed: int | None = attrs.field(
        default=None,
        kw_only=True,
        repr=False,
        eq=False,
        on_setattr=lambda self, _, value: self._renamed(value),
    )
    _rng: random.Random = attrs.field(
        init=False,
        repr=False,
        eq=False,
        default=attrs.Factory(lambda self: random.Random(self.random_seed), takes_self=True),
    )

    def __attrs_post_init__(self) -> None:
        if self.seed is not None:
            self._renamed(self.seed)

    def _reseed(self, random_seed: int) -> int:
        self._rng = random.Random(random_seed)
        return random_seed

    def _renamed(self, seed: int | None) -> None:
        if seed is not None:
            warnings.warn(
                "Faults(seed=...) is deprecated: use random_seed=", DeprecationWarning, stacklevel=4
            )
            self.random_seed = seed

    @classmethod
    def parse(cls, text: str, random_seed: int = 0) -> Faults:
        """From a CLI flag: ``"rate_429=0.1,latency=0.02,routes=/batch$,methods=POST"``;
        ``random_seed`` applies unless the text sets one."""
        names = {a.name for a in attrs.fields(cls) if a.init}
        values: dict[str, Any] = {"random_seed": random_seed}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep or name not in names:
                known = ", ".join(sorted(names))
                raise ValueError(
                    f"unknown fault setting {item!r}; expected name=value, name in {known}"
                )
            values[name] = int(raw) if name in ("random_seed", "seed") else raw.strip()
        return cls(**values)

    @property
    def active(self) -> bool:
        return bool(self.latency or self.latency_jitter or self.slow_body) or any(
            getattr(self, name) for name in _RATES
        )

    def aims_at(self, method: str, path: str) -> bool:
        """Whether these faults may strike a ``method`` request to ``path``."""
        return aimed(self.routes, self.methods, method, path)

    def decide(self, method: str, path: str) -> Decision | None:
        """The fate of the next ``method`` request to ``path``; ``None`` when nothing applies."""
        if not self.active or not self.aims_at(method, path):
            return None
        roll, jitter = self._rng.random(), self._rng.random()
        kind = None
        for name, attr in _KINDS:
            rate: float = getattr(self, attr)
            if roll < rate:
                kind = name
                break
            roll -= rate
        latency = self.latency + jitter * self.latency_jitter
        return Decision(kind, latency, self.slow_body, self.retry_after)


def _fault_reply(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"message": message}, headers)


async def apply(decision: Decision, handle: Callable[[], Reply]) -> Reply:
    """Run ``handle`` under ``decision``, striking before or after it as documented above."""
    if decision.latency:
        await asyncio.sleep(decision.latency)
    kind = decision.kind
    if kind == "429":
        return _fault_reply(429, "Too many requests", {"Retry-After": f"{decision.retry_after:g}"})
    if kind == "503":
        return _fault_reply(503, "Service unavailable")
    if kind == "drop":
        return Reply(0, fault=Fault.DROP)
    reply = handle()
    if kind == "500":
        return _fault_reply(500, "Internal server error")
    if kind == "drop_mid_response":
        reply.fault = Fault.DROP_MID_RESPONSE
    reply.slow_body = decision.slow_body
    return reply


class DroppedConnection(Exception):
    """The reply's connection is to be aborted now (after part of its body)."""


async def deliver(reply: Reply) -> AsyncGenerator[bytes, None]:
    """The body in pieces, paced for ``slow_body``; raises :class:`DroppedConnection` mid-way
    for ``drop_mid_response`` after half of the first non-empty piece."""
    if reply.stream is not None:
        pieces: Any = reply.stream
    elif reply.slow_body and reply.body:
        step = -(-len(reply.body) // SLOW_PIECES)
        pieces = [reply.body[i : i + step] for i in range(0, len(reply.body), step)]
    else:
        pieces = [reply.body]
    pauses = SLOW_PIECES if reply.slow_body else 0
    for piece in pieces:
        if pauses:
            pauses -= 1
            await asyncio.sleep(reply.slow_body / SLOW_PIECES)
        if reply.fault is Fault.DROP_MID_RESPONSE and piece:
            yield piece[: len(piece) // 2]
            raise DroppedConnection
        yield piece
    if reply.fault is Fault.DROP_MID_RESPONSE:
        raise DroppedConnection
