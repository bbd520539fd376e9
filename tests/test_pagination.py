"""Both page styles, ordered prefetch, limits, and early exit without leaked tasks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aioresponses import aioresponses

from contactflow_automizy import AutomizyClient, ContactflowClient, ResponseFormatError
from contactflow_automizy._pagination import AsyncPaginator, AutomizyPages, ContactflowPages
from tests.conftest import AZ_BASE, CF_BASE

TAGS = f"{AZ_BASE}/contact-manager-service-http/public/api/contact-manager/tag"


def _cf_page(number: int, total_pages: int, items: list[Any], size: int = 2) -> dict[str, Any]:
    meta = {"size": size, "number": number, "totalPages": total_pages, "totalElements": 5}
    return {"page": meta, "elements": items}


def _az_page(current: int, total_pages: int, items: list[Any]) -> dict[str, Any]:
    return {"totalItems": 5, "totalPages": total_pages, "currentPage": current, "items": items}


async def test_contactflow_pages_are_zero_based(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    for n, names in enumerate((["a", "b"], ["c", "d"], ["e"])):
        mocked.get(
            f"{CF_BASE}/nodes?page={n}&size=2", payload=_cf_page(n, 3, [{"name": x} for x in names])
        )
    pages = [p async for p in cf.list_nodes(page_size=2).pages()]
    assert [p.number for p in pages] == [0, 1, 2]
    assert [[n.name for n in p.items] for p in pages] == [["a", "b"], ["c", "d"], ["e"]]
    assert pages[0].total_items == 5 and pages[0].total_pages == 3


async def test_automizy_pages_are_one_based(az: AutomizyClient, mocked: aioresponses) -> None:
    for n, names in ((1, ["t1", "t2"]), (2, ["t3", "t4"]), (3, ["t5"])):
        mocked.get(
            f"{TAGS}?page={n}&pageSize=2",
            payload=_az_page(n, 3, [{"id": 1, "name": x} for x in names]),
        )
    tags = [t.name async for t in az.list_tags(page_size=2)]
    assert tags == ["t1", "t2", "t3", "t4", "t5"]


async def test_empty_automizy_list(az: AutomizyClient, mocked: aioresponses) -> None:
    mocked.get(f"{TAGS}?page=1&pageSize=100", payload=_az_page(0, 0, []))
    assert await az.list_tags().to_list() == []


async def test_to_list_limit_stops_early(az: AutomizyClient, mocked: aioresponses) -> None:
    for n in (1, 2):
        mocked.get(f"{TAGS}?page={n}&pageSize=2", payload=_az_page(n, 50, [{"id": n}, {"id": n}]))
    assert len(await az.list_tags(page_size=2).to_list(limit=3)) == 3
    assert await az.list_tags(page_size=2).to_list(limit=0) == []
    requested = sorted(str(u) for _, u in mocked.requests)
    assert requested == [f"{TAGS}?page=1&pageSize=2", f"{TAGS}?page=2&pageSize=2"]


def _fake_fetch(total_pages: int, per_page: int, delays: dict[int, float]) -> tuple[Any, list[int]]:
    in_flight = [0, 0]  # current, max

    async def fetch(number: int) -> Any:
        in_flight[0] += 1
        in_flight[1] = max(in_flight[1], in_flight[0])
        await asyncio.sleep(delays.get(number, 0.0))
        in_flight[0] -= 1
        items = [number * per_page + i for i in range(per_page)]
        return _az_page(number, total_pages, items)

    return fetch, in_flight


async def test_prefetch_keeps_order_when_pages_finish_out_of_order() -> None:
    # page 2 is slowest, page 5 fastest: the output order must not change
    fetch, in_flight = _fake_fetch(6, 3, {2: 0.05, 3: 0.02, 4: 0.01})
    paginator = AsyncPaginator(fetch, AutomizyPages(), lambda x: x, page_size=3, prefetch=4)
    items = await paginator.to_list()
    assert items == list(range(3, 21))
    assert in_flight[1] == 4


async def test_prefetch_one_is_sequential() -> None:
    fetch, in_flight = _fake_fetch(5, 1, {})
    paginator = AsyncPaginator(fetch, AutomizyPages(), lambda x: x, page_size=1, prefetch=1)
    assert await paginator.to_list() == [1, 2, 3, 4, 5]
    assert in_flight[1] == 1


async def test_breaking_out_cancels_prefetched_pages() -> None:
    started: list[int] = []

    async def fetch(number: int) -> Any:
        started.append(number)
        if number > 1:
            await asyncio.sleep(10)
        return _az_page(number, 100, [number])

    before = asyncio.all_tasks()
    paginator = AsyncPaginator(fetch, AutomizyPages(), lambda x: x, page_size=1, prefetch=8)
    async with asyncio.timeout(2):
        assert await paginator.to_list(limit=1) == [1]
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == before
    assert len(started) <= 9


async def test_without_totals_walks_until_a_short_page() -> None:
    pages = {0: [1, 2], 1: [3, 4], 2: [5]}

    async def fetch(number: int) -> Any:
        return {"elements": pages[number]}

    paginator = AsyncPaginator(fetch, ContactflowPages(), lambda x: x, page_size=2)
    assert await paginator.to_list() == [1, 2, 3, 4, 5]


async def test_malformed_page_is_a_clear_error() -> None:
    async def fetch(number: int) -> Any:
        return {"elements": "nope"}

    with pytest.raises(Exception, match="malformed page"):
        await AsyncPaginator(fetch, ContactflowPages(), lambda x: x, page_size=2).to_list()


async def test_item_of_wrong_shape_is_a_response_format_error(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    mocked.get(f"{TAGS}?page=1&pageSize=100", payload=_az_page(1, 1, ["not an object"]))
    with pytest.raises(ResponseFormatError, match="Tag"):
        await az.list_tags().to_list()


def test_paginator_arguments_are_validated() -> None:
    async def fetch(number: int) -> Any:
        return {}

    with pytest.raises(ValueError):
        AsyncPaginator(fetch, AutomizyPages(), lambda x: x, page_size=0)
    with pytest.raises(ValueError):
        AsyncPaginator(fetch, AutomizyPages(), lambda x: x, page_size=1, prefetch=0)
