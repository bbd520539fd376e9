"""Both APIs' page formats, computed in one pass over any iterable of items.

Contactflow: query ``page`` (0-based) and ``size``; answer
``{"page": {size, totalElements, totalPages, number}, "elements": [...]}``.
Automizy: query ``page`` (1-based) and ``pageSize``; answer
``{totalItems, totalPages, currentPage, items}``, and the seed's exact
``{0, 0, 0, []}`` when nothing matches.  Items are counted while only the
requested window is kept, so a page over a million tokens stays cheap in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from multidict import MultiMapping

__all__ = ["BadPageParam", "automizy_page", "contactflow_page", "window"]

T = TypeVar("T")


class BadPageParam(Exception):
    """A page parameter is not a number in range; ``name`` says which."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _int_param(query: MultiMapping[str], name: str, default: int, minimum: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadPageParam(name) from None
    if value < minimum:
        raise BadPageParam(name)
    return value


def window(items: Iterable[T], start: int, stop: int) -> tuple[int, list[T]]:
    """``(total count, items[start:stop])`` in one pass."""
    kept: list[T] = []
    total = 0
    for total, item in enumerate(items, 1):
        if start < total <= stop:
            kept.append(item)
    return total, kept


def contactflow_page(
    query: MultiMapping[str], items: Iterable[T], view: Callable[[T], Any], default_size: int = 20
) -> dict[str, Any]:
    number = _int_param(query, "page", 0, 0)
    size = _int_param(query, "size", default_size, 1)
    total, kept = window(items, number * size, (number + 1) * size)
    return {
        "page": {
            "size": size,
            "totalElements": total,
            "totalPages": -(-total // size),
            "number": number,
        },
        "elements": [view(item) for item in kept],
    }


def automizy_page(
    query: MultiMapping[str], items: Iterable[T], view: Callable[[T], Any], default_size: int = 10
) -> dict[str, Any]:
    number = _int_param(query, "page", 1, 1)
    size = _int_param(query, "pageSize", default_size, 1)
    total, kept = window(items, (number - 1) * size, number * size)
    if total == 0:
        return {"totalItems": 0, "totalPages": 0, "currentPage": 0, "items": []}
    return {
        "totalItems": total,
        "totalPages": -(-total // size),
        "currentPage": number,
        "items": [view(item) for item in kept],
    }
