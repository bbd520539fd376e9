"""``async with`` for anything that owns resources and closes them idempotently."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class AsyncClosable:
    """``async with obj:`` closes ``obj`` on the way out; ``close()`` must be idempotent."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
