"""Calls by route through an SDK client, answered as raw JSON; and raw requests.

The emulator's tests check its wire format (and its refusals of bodies the
public methods would never send), so they read the JSON itself rather than the
parsed models; the request still goes through the client's session, auth,
retries and transport.  :class:`Raw` goes lower still, for requests no client
would build (a bad UUID in a path, an unknown key): status and decoded body,
in-process.  The public methods are exercised against the emulator in
test_sdk_strict.py, tests/test_cli.py and tests/reliability/."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import orjson
from yarl import URL

from contactflow_automizy._base_client import BaseClient
from contactflow_automizy._routes import Route
from contactflow_automizy._transport import Request, Timeout
from contactflow_automizy.emulator import Emulator


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


class Raw:
    """Raw requests to ``emu`` through its in-process transport, with valid credentials
    (and the default ``Node``) unless ``headers`` replace them."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.transport = emu.transport()

    async def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        query: Any = (),
        json: Any = None,
        body: bytes | None = None,
    ) -> tuple[int, Any]:
        pairs = list(query.items() if isinstance(query, dict) else query)
        content = orjson.dumps(json) if json is not None else body
        if content is not None:
            headers = {"Content-Type": "application/json", **headers}
        request = Request(method, URL(url, encoded=True), headers, pairs, content)
        response = await self.transport.send(request, Timeout())
        data = await response.read()
        if response.headers.get("Content-Type", "").startswith("application/json"):
            return response.status, orjson.loads(data)
        try:
            return response.status, data.decode() if data else None
        except UnicodeDecodeError:
            return response.status, data  # a ZIP

    async def cf(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """A Contactflow request; ``path`` after the API's base URL."""
        headers = {"Authorization": f"Bearer {self.emu.token}", "Node": self.emu.node_uuid}
        headers.update(kwargs.pop("headers", {}))
        return await self.send(method, self.emu.contactflow_url + path, headers, **kwargs)

    async def az(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """An Automizy request; ``path`` from the root (the service prefix included)."""
        headers = {"Api-key": self.emu.api_key, **kwargs.pop("headers", {})}
        return await self.send(method, self.emu.automizy_url + path, headers, **kwargs)
