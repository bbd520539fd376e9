"""Auto-pagination: one ``AsyncPaginator`` and a page style per API.

The paginator does no I/O itself: it is given ``fetch(page_number)`` (which
returns the decoded JSON of that page) and a :class:`PageStyle` that knows
how the API numbers pages and where items and totals sit.  Once the first page
told the total, up to ``prefetch`` pages are requested concurrently; pages are
always yielded in order and at most ``prefetch`` are held unconsumed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing
from typing import Any, Generic, Protocol, TypeVar

import attrs

from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import ResponseFormatError

__all__ = [
    "AsyncPaginator",
    "AutomizyPages",
    "ContactflowPages",
    "Page",
    "PageFetcher",
    "PageStyle",
]

T = TypeVar("T")
PageFetcher = Callable[[int], Awaitable[Any]]


@attrs.frozen
class Page(Generic[T]):
    """One page: its items, its number as the API counts, and the totals if known."""

    items: list[T]
    number: int
    total_items: int | None
    total_pages: int | None


@attrs.frozen
class RawPage:
    items: list[Any]
    total_items: int | None
    total_pages: int | None


class PageStyle(Protocol):
    """How one API pages: first page number, request params, response layout."""

    first_page: int

    def params(self, number: int, size: int) -> list[tuple[str, str]]: ...

    def parse(self, body: Any) -> RawPage: ...


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _items(body: Mapping[str, Any], key: str) -> list[Any]:
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ResponseFormatError(f"malformed page: {key!r} is not a list")
    return items


class ContactflowPages:
    """``{"page": {size, totalElements, totalPages, number}, "elements": [...]}``, 0-based."""

    first_page = 0

    def params(self, number: int, size: int) -> list[tuple[str, str]]:
        return [("page", str(number)), ("size", str(size))]

    def parse(self, body: Any) -> RawPage:
        if not isinstance(body, Mapping):
            raise ResponseFormatError("malformed page: expected a JSON object")
        meta = body.get("page")
        meta = meta if isinstance(meta, Mapping) else {}
        return RawPage(
            _items(body, "elements"),
            _int_or_none(meta.get("totalElements")),
            _int_or_none(meta.get("totalPages")),
        )


class AutomizyPages:
    """``{totalItems, totalPages, currentPage, items}``, 1-based."""

    first_page = 1

    def params(self, number: int, size: int) -> list[tuple[str, str]]:
        return [("page", str(number)), ("pageSize", str(size))]

    def parse(self, body: Any) -> RawPage:
        if not isinstance(body, Mapping):
            raise ResponseFormatError("malformed page: expected a JSON object")
        return RawPage(
            _items(body, "items"),
            _int_or_none(body.get("totalItems")),
            _int_or_none(body.get("totalPages")),
        )


class AsyncPaginator(Generic[T]):
    """``async for item in paginator``; ``.pages()``; ``await .to_list(limit=)``.

    Nothing is fetched until iteration starts.  Each iteration starts again from
    the first page.
    """

    def __init__(
        self,
        fetch: PageFetcher,
        style: PageStyle,
        structure: Callable[[Any], T],
        *,
        page_size: int,
        prefetch: int = 1,
    ) -> None:
        positive_int("page_size", page_size)
        positive_int("prefetch", prefetch)
        self._fetch = fetch
        self._style = style
        self._structure = structure
        self.page_size = page_size
        self.prefetch = prefetch

    def _page(self, number: int, raw: RawPage) -> Page[T]:
        structure = self._structure
        return Page(
            [structure(item) for item in raw.items], number, raw.total_items, raw.total_pages
        )

    async def _get(self, number: int) -> RawPage:
        return self._style.parse(await self._fetch(number))

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Every page in order, prefetching once the total is known."""
        first = self._style.first_page
        raw = await self._get(first)
        yield self._page(first, raw)
        if raw.total_pages is not None:
            async for page in self._known_total(first, raw.total_pages):
                yield page
            return
        # No totals: walk until a short or empty page.
        number = first
        while len(raw.items) >= self.page_size:
            number += 1
            raw = await self._get(number)
            if not raw.items:
                return
            yield self._page(number, raw)

    async def _known_total(self, first: int, total_pages: int) -> AsyncIterator[Page[T]]:
        numbers = iter(range(first + 1, first + total_pages))
        pending: deque[tuple[int, asyncio.Task[RawPage]]] = deque()
        try:
            for number in numbers:
                pending.append((number, asyncio.ensure_future(self._get(number))))
                if len(pending) >= self.prefetch:
                    break
            while pending:
                number, task = pending.popleft()
                raw = await task
                nxt = next(numbers, None)
                if nxt is not None:
                    pending.append((nxt, asyncio.ensure_future(self._get(nxt))))
                yield self._page(number, raw)
        finally:
            for _, task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*(t for _, t in pending), return_exceptions=True)

    async def __aiter__(self) -> AsyncIterator[T]:
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.items:
                    yield item

    async def to_list(self, limit: int | None = None) -> list[T]:
        """Collect items (all, or the first ``limit``); stops fetching once it has enough."""
        out: list[T] = []
        if limit is not None and limit <= 0:
            return out
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                out.extend(page.items)
                if limit is not None and len(out) >= limit:
                    return out[:limit]
        return out
