"""``PickledResultBackend``: job results and errors stored whole, so they come back as they were.

taskiq-redis's ``RedisAsyncResultBackend`` stores ``result.model_dump(mode="json")``
(through a pickle serializer, but after the JSON dump): an SDK error becomes
``{exc_type, exc_message}`` and is rebuilt as ``cls(*args)``, which fails for
any error with keyword arguments (``NotFoundError("x", status=404)``) and
falls back to a bare ``Exception`` holding the text; a ``PushResult`` does not
survive the JSON dump either.  This subclass pickles the ``TaskiqResult``
itself (taskiq's own pickling hook keeps the error), and the SDK's results and
errors are built to round-trip through pickle with every attribute and without
any credential (``tests/test_pickling.py``).

As with taskiq-redis's default serializer, whoever can write this Redis can
make a reader unpickle what they wrote: keep the queue's Redis private.
"""

from __future__ import annotations

import pickle
from typing import Any, cast

from redis.asyncio import Redis
from taskiq import TaskiqResult
from taskiq_redis import RedisAsyncResultBackend
from taskiq_redis.exceptions import ResultIsMissingError

__all__ = ["PickledResultBackend"]


class PickledResultBackend(RedisAsyncResultBackend[Any]):
    """Results in Redis as pickled ``TaskiqResult`` objects (see the module docstring)."""

    async def set_result(self, task_id: str, result: TaskiqResult[Any]) -> None:
        async with Redis(connection_pool=self.redis_pool) as redis:
            await redis.set(
                self._task_name(task_id),
                pickle.dumps(result),
                ex=self.result_ex_time,
                px=self.result_px_time,
            )

    async def get_result(self, task_id: str, with_logs: bool = False) -> TaskiqResult[Any]:
        name = self._task_name(task_id)
        async with Redis(connection_pool=self.redis_pool) as redis:
            raw = await (redis.get(name) if self.keep_results else redis.getdel(name))
        if raw is None:
            raise ResultIsMissingError
        result: TaskiqResult[Any] = pickle.loads(cast(bytes, raw))
        if not with_logs:
            result.log = None
        return result
