"""Worker settings from the environment: defaults, every variable, refusals, no secret shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactflow_automizy import SQLiteJobStore
from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.jobs.urls import job_store_from_url
from contactflow_automizy.redis import RedisJobStore
from contactflow_automizy.workers import WorkerSettings


def test_defaults_without_any_variable() -> None:
    settings = WorkerSettings.from_env({})
    assert settings == WorkerSettings()
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert (settings.rate_limit, settings.job_store_url) == (None, None)


def test_every_variable_is_read() -> None:
    settings = WorkerSettings.from_env(
        {
            "CFA_REDIS_URL": "redis://:hunter2@redis:6380/3",
            "CFA_QUEUE": "crm",
            "CFA_QUEUE_IDLE_TIMEOUT": "2.5",
            "CFA_RESULT_TTL": "600",
            "CFA_RATE_LIMIT": "40",
            "CFA_RATE_BURST": "5",
            "CFA_RATE_LIMIT_KEY": "acct-42",
            "CFA_JOB_STORE": "sqlite:///tmp/jobs.sqlite",
            "CFA_LEASE_TTL": "2",
        }
    )
    assert settings == WorkerSettings(
        redis_url="redis://:hunter2@redis:6380/3",
        queue="crm",
        idle_timeout=2.5,
        result_ttl=600,
        rate_limit=40.0,
        rate_burst=5,
        rate_limit_key="acct-42",
        job_store_url="sqlite:///tmp/jobs.sqlite",
        lease_ttl=2.0,
    )
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CFA_RATE_LIMIT", "fast"),
        ("CFA_RATE_LIMIT", "-1"),
        ("CFA_RATE_BURST", "2.5"),
        ("CFA_QUEUE_IDLE_TIMEOUT", "0"),
        ("CFA_LEASE_TTL", "soon"),
    ],
)
def test_bad_numbers_are_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        WorkerSettings.from_env({name: value})


async def test_the_job_store_comes_from_its_url_else_the_queues_redis(tmp_path: Path) -> None:
    sqlite = job_store_from_url(f"sqlite:///{tmp_path / 'jobs.sqlite'}", lease_ttl=2.0)
    assert isinstance(sqlite, SQLiteJobStore) and sqlite.lease_ttl == 2.0
    default = WorkerSettings(redis_url="redis://127.0.0.1:1/0").job_store()
    assert isinstance(default, RedisJobStore)
    for store in (sqlite, default):
        await store.close()
    with pytest.raises(ConfigurationError, match="sqlite:///"):
        job_store_from_url("postgres://db/jobs")
