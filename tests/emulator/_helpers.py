"""Calls by route through an SDK client, for operations whose client methods are still being
written: the request still goes through the client's session, auth, retries and transport."""

from __future__ import annotations

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
