"""The asyncio Redis client every ``contactflow_automizy.redis`` class is built on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactflow_automizy._extras import require
from contactflow_automizy.errors import ConfigurationError

if TYPE_CHECKING:
    from redis.asyncio import Redis


def connect(url_or_client: str | Redis, what: str) -> tuple[Redis, bool]:
    """A ``redis.asyncio`` client and whether the caller owns (and must close) it.

    A URL makes a new client, owned; a client is used as given.  The URL may
    carry a password, so no message here repeats it.
    """
    asyncio_redis = require("redis.asyncio", "redis")
    if isinstance(url_or_client, str):
        try:
            return asyncio_redis.Redis.from_url(url_or_client), True
        except ValueError:
            raise ConfigurationError(f"{what}: not a valid Redis URL") from None
    if not isinstance(url_or_client, asyncio_redis.Redis):
        raise ConfigurationError(
            f"{what} takes a redis:// URL or a redis.asyncio.Redis client, "
            f"got {type(url_or_client).__name__}"
        )
    return url_or_client, False
