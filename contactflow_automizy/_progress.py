"""The running counts every bulk helper reports through its ``on_progress`` callback.

One shape for all of them, so a progress bar (the CLI's, or a user's) can be
driven by ``push_customers`` and ``map_concurrent`` alike.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = ["Progress", "ProgressCallback"]


@attrs.frozen
class Progress:
    """Counts so far: ``done`` units finished (``failed`` of them with an error).

    ``total`` is known only when the input has a length (a list, not a
    generator); ``elapsed`` is seconds since the work started.
    """

    done: int
    total: int | None
    failed: int = 0
    elapsed: float = 0.0


#: Called synchronously in the event loop after each unit of work: keep it quick.
ProgressCallback = Callable[[Progress], object]
