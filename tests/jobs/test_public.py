"""The job layer's public names, its errors' pickling, and the ``redis`` extra's import error."""

from __future__ import annotations

import copy
import pickle
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import contactflow_automizy
from contactflow_automizy import (
    ConfigurationError,
    ContactflowAutomizyError,
    JobInProgressError,
    JobStore,
    LeaseLostError,
    MemoryJobStore,
    SQLiteJobStore,
)

EXPIRES = datetime(2026, 12, 2, 8, 0, 30, tzinfo=UTC)


async def test_the_stores_and_errors_are_public(tmp_path: Path) -> None:
    for name in ("JobStore", "MemoryJobStore", "SQLiteJobStore", "JobInProgressError"):
        assert name in contactflow_automizy.__all__
    from contactflow_automizy.redis import RedisJobStore

    redis_store = RedisJobStore("redis://127.0.0.1:1/0")  # no connection until first use
    for store in (MemoryJobStore(), SQLiteJobStore(tmp_path / "jobs.sqlite"), redis_store):
        assert isinstance(store, JobStore)
        assert store.lease_ttl == 30.0  # SPEC 11's default
    await redis_store.close()


@pytest.mark.parametrize("cls", [JobInProgressError, LeaseLostError])
def test_job_errors_survive_pickle_and_deepcopy(cls: type[JobInProgressError]) -> None:
    error = cls("crm-sync-2026-12-02", EXPIRES)
    assert isinstance(error, ContactflowAutomizyError)
    assert "crm-sync-2026-12-02" in str(error) and "2026-12-02T08:00:30+00:00" in str(error)
    for copied in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error)):
        assert type(copied) is cls
        assert (copied.job_id, copied.expires_at, str(copied)) == (
            error.job_id,
            EXPIRES,
            str(error),
        )
    assert issubclass(LeaseLostError, JobInProgressError)  # retried the same way by workers


def test_without_the_extra_the_redis_store_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from contactflow_automizy.redis import RedisJobStore

    for name in list(sys.modules):
        if name == "redis" or name.startswith("redis."):
            monkeypatch.setitem(sys.modules, name, None)  # as if redis-py were not installed
    with pytest.raises(ConfigurationError, match=r"contactflow_automizy\[redis\]"):
        RedisJobStore("redis://127.0.0.1:6399/0")


def test_the_redis_store_refuses_what_is_not_a_url_or_client() -> None:
    from contactflow_automizy.redis import RedisJobStore

    with pytest.raises(ConfigurationError, match="RedisJobStore"):
        RedisJobStore(42)  # type: ignore[arg-type]


async def test_a_redis_password_is_not_in_the_stores_repr_or_vars() -> None:
    from contactflow_automizy.redis import RedisJobStore

    store = RedisJobStore("redis://:s3cret-pw@127.0.0.1:1/0")
    try:
        assert "s3cret-pw" not in repr(store)
        assert "s3cret-pw" not in repr(vars(store))
    finally:
        await store.close()
