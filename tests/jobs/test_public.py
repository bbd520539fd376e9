"""The job layer's public names, its errors' pickling, and the ``redis`` extra's import error."""

from __future__ import annotations

import copy
import importlib
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
    await redis_store.aclose()


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


def test_importing_the_redis_package_without_redis_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name == "redis" or name.startswith(("redis.", "contactflow_automizy.redis")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "redis", None)  # as if redis-py were not installed
    with pytest.raises(ConfigurationError, match=r"contactflow_automizy\[redis\]"):
        importlib.import_module("contactflow_automizy.redis")


async def test_a_redis_password_is_not_in_the_stores_repr_or_vars() -> None:
    from contactflow_automizy.redis import RedisJobStore

    store = RedisJobStore("redis://:s3cret-pw@127.0.0.1:1/0")
    try:
        assert "s3cret-pw" not in repr(store)
        assert "s3cret-pw" not in repr(vars(store))
    finally:
        await store.aclose()
