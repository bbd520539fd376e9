"""Calls by route through an SDK client, answered as raw JSON.

The emulator's tests check its wire format (and its refusals of bodies the
public methods would never send), so they read the JSON itself rather than the
parsed models; the request still goes through the client's session, auth,
retries and transport.  The public methods are exercised against the emulator
in tests/test_cli.py and tests/reliability/."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from contactflow_automizy._base_client import BaseClient
from contactflow_automizy._routes import Route


async def call(client: BaseClient, route: Route, **kwargs: Any) -> Any:
    """The decoded JSON answer of ``route``."""
    return await client._json(route, **kwargs)


async def all_pages(client: BaseClient, route: Route, page_size: int, **kwargs: Any) -> list[Any]:
    """Every item of a paged ``route``, walked by the client's paginator."""
    paginator = client._paged(route, dict, page_size=page_size, **kwargs)
    return await paginator.to_list()


async def eventually(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    """The first truthy value of ``probe()`` (sync or async), polled every 10 ms: for
    state another task or process changes (``TimeoutError`` after ``timeout``)."""
    async with asyncio.timeout(timeout):
        while True:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(0.01)
