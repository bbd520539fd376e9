"""Event hooks, as in httpx: ``Session(event_hooks={"request": [f], "response": [g], ...})``.

Each hook is called with a frozen event for every attempt: ``request`` before
it is sent, ``response`` when an answer (any status) arrived, ``retry`` before
the wait for the next attempt.  Hooks may be plain or async callables.

Decisions (SPEC.md section 11, "Hooks and tracing"): an event is a copy that
cannot change the request; the URL is redacted and credential-bearing headers
are masked, so a hook that logs everything leaks nothing; an exception raised in
a hook propagates to the caller (a hook is the caller's code, and swallowing
its failure would hide bugs), and the request it concerned is not retried.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from contactflow_automizy.errors import ConfigurationError

__all__ = ["EventHooks", "Hook", "RequestEvent", "ResponseEvent", "RetryEvent"]


@attrs.frozen(kw_only=True)
class RequestEvent:
    """An attempt about to be sent.  ``attempt`` counts from 1."""

    method: str
    url: str
    headers: Mapping[str, str]
    attempt: int


@attrs.frozen(kw_only=True)
class ResponseEvent:
    """An answer to an attempt, any status; ``headers`` are the response's, ``elapsed`` seconds."""

    method: str
    url: str
    headers: Mapping[str, str]
    attempt: int
    status: int
    elapsed: float


@attrs.frozen(kw_only=True)
class RetryEvent:
    """Attempt ``attempt`` failed and another follows after ``delay`` seconds.

    ``status`` is the answer's status, or None when the connection failed
    (then ``error`` names what happened).
    """

    method: str
    url: str
    attempt: int
    status: int | None
    error: str | None
    delay: float
    elapsed: float


Event = RequestEvent | ResponseEvent | RetryEvent
Hook = Callable[[Any], object]
_KINDS = ("request", "response", "retry")


@attrs.frozen
class EventHooks:
    """The hooks of one session, checked once; each kind is a tuple, maybe empty."""

    request: tuple[Hook, ...] = ()
    response: tuple[Hook, ...] = ()
    retry: tuple[Hook, ...] = ()

    @classmethod
    def from_mapping(cls, hooks: Mapping[str, Sequence[Hook]] | None) -> EventHooks | None:
        """Check ``event_hooks=``; None when there is nothing to call."""
        if not hooks:
            return None
        if not isinstance(hooks, Mapping):
            raise ConfigurationError("event_hooks must be a mapping of event name to hooks")
        unknown = sorted(set(hooks) - set(_KINDS))
        if unknown:
            raise ConfigurationError(
                f"unknown event hook kind(s) {unknown}; the kinds are {list(_KINDS)}"
            )
        checked: dict[str, tuple[Hook, ...]] = {}
        for kind, funcs in hooks.items():
            given: object = funcs
            if callable(given) or not isinstance(given, list | tuple):
                raise ConfigurationError(f"event_hooks[{kind!r}] must be a list of callables")
            checked[kind] = tuple(given)
            if not all(callable(f) for f in checked[kind]):
                raise ConfigurationError(f"event_hooks[{kind!r}] must hold only callables")
        return cls(**checked) if any(checked.values()) else None


async def call_hooks(hooks: tuple[Hook, ...], event: Event) -> None:
    """Call each hook in order, awaiting those that return an awaitable."""
    for hook in hooks:
        result = hook(event)
        if inspect.isawaitable(result):
            await result
