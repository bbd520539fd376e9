"""Which event loop runs a program: the standard asyncio loop or uvloop (extra ``fast``).

The SDK itself runs unchanged on either; this is only for entry points that
own the loop (the command line, the benchmarks).  An application picks the
loop itself, e.g. ``asyncio.Runner(loop_factory=uvloop.new_event_loop)`` or
``uvloop.run(main())``.  uvloop is imported only when asked for; without the
extra that is a :class:`ConfigurationError` naming it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from contactflow_automizy.errors import ConfigurationError

__all__ = ["LOOPS", "loop_factory", "run"]

T = TypeVar("T")

#: The names ``--loop`` takes.
LOOPS = ("asyncio", "uvloop")


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """A function making a new loop of kind ``name`` (one of :data:`LOOPS`)."""
    if name == "asyncio":
        return asyncio.new_event_loop
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise ConfigurationError(
                "the uvloop event loop needs the 'fast' extra: "
                "pip install 'contactflow_automizy[fast]'"
            ) from None
        factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
        return factory
    raise ConfigurationError(f"unknown event loop {name!r}: pass one of {', '.join(LOOPS)}")


def run(main: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """``asyncio.run(main)`` on a loop of kind ``loop``."""
    try:
        factory = loop_factory(loop)
    except ConfigurationError:
        main.close()  # never awaited: say nothing about it
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)
