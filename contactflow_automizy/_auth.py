"""Credentials as request headers; the only place that reveals a secret.

``BearerAuth`` takes a token string or an async provider (OAuth2 refresh): the
provider's token is cached and fetched again once after a 401.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from contactflow_automizy._redact import Secret
from contactflow_automizy._validate import header_value

TokenProvider = Callable[[], Awaitable[str]]


class Auth(Protocol):
    async def headers(self) -> dict[str, str]:
        """Headers carrying the credentials."""

    def static_headers(self) -> dict[str, str] | None:
        """The same headers when they never change (a fixed token or key), else None.

        With them a client merges its headers once and sends one ``Request``
        for every attempt of a call; a provider's token is fetched per attempt.
        """

    def invalidate(self) -> bool:
        """Forget cached credentials after a 401; True if fetching again may help."""


class BearerAuth:
    """``Authorization: Bearer <token>`` from a string or an async provider."""

    def __init__(self, token: str | TokenProvider) -> None:
        self._provider: TokenProvider | None = None
        self._token: Secret[str] | None = None
        if callable(token):
            self._provider = token
        else:
            self._token = Secret(header_value("Authorization", token))
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"

    async def headers(self) -> dict[str, str]:
        token = self._token
        if token is None:
            async with self._lock:
                if self._token is None and self._provider is not None:
                    fresh = await self._provider()
                    self._token = Secret(header_value("Authorization", fresh))
                token = self._token
        assert token is not None
        return _bearer(token)

    def static_headers(self) -> dict[str, str] | None:
        if self._provider is not None or self._token is None:
            return None
        return _bearer(self._token)

    def invalidate(self) -> bool:
        if self._provider is None:
            return False
        self._token = None
        return True


def _bearer(token: Secret[str]) -> dict[str, str]:
    return {"Authorization": "Bearer " + token.reveal()}


class ApiKeyAuth:
    """``Api-key: <key>`` (Automizy)."""

    def __init__(self, api_key: str) -> None:
        # Held as a Secret, like the bearer token, so that no attribute dump shows it.
        self._key = Secret(header_value("Api-key", api_key))

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key='***')"

    async def headers(self) -> dict[str, str]:
        return self.static_headers()

    def static_headers(self) -> dict[str, str]:
        return {"Api-key": self._key.reveal()}

    def invalidate(self) -> bool:
        return False
