"""A worker's settings, read from the environment once per process.

========================  ==========================  =============================================
variable                  default                     what
========================  ==========================  =============================================
``CFA_REDIS_URL``         ``redis://127.0.0.1:6379/0`` the queue, its results, the shared limiter
                                                      and (unless ``CFA_JOB_STORE``) the job store
``CFA_QUEUE``             ``contactflow_automizy``    stream and consumer-group name
``CFA_QUEUE_IDLE_TIMEOUT`` ``30`` (seconds)           a dead worker's job is re-delivered this long
                                                      after its last heartbeat
``CFA_RESULT_TTL``        ``86400`` (seconds)         how long job results stay readable
``CFA_RATE_LIMIT``        unset: no limit             requests/second shared by every worker on
                                                      ``CFA_RATE_LIMIT_KEY``
``CFA_RATE_BURST``        half the rate               the shared limiter's burst
``CFA_RATE_LIMIT_KEY``    ``contactflow_automizy:rate`` the shared limiter's Redis key
``CFA_JOB_STORE``         the Redis job store on      ``redis://...`` or ``sqlite:///path`` (one
                          ``CFA_REDIS_URL``            machine only)
``CFA_LEASE_TTL``         ``30`` (seconds)            job lease, renewed every third of it
========================  ==========================  =============================================

The API clients read their own variables (``CONTACTFLOW_BASE_URL``,
``CONTACTFLOW_TOKEN``, ``CONTACTFLOW_NODE``, ``AUTOMIZY_API_KEY``,
``AUTOMIZY_BASE_URL``) when a job first needs them, so a worker that only
pushes customers needs no Automizy key.  The Redis URL may hold a password:
it is never shown in a ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from contactflow_automizy import _validate
from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.jobs import TransactionalJobStore
from contactflow_automizy.jobs.urls import job_store_from_url

__all__ = ["WorkerSettings"]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _optional_number(environ: Mapping[str, str], name: str) -> float | None:
    """The positive number in ``environ[name]``, or None when it is unset or empty."""
    raw = environ.get(name) or None
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    return _validate.positive_number(name, value)


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    value = _optional_number(environ, name)
    return default if value is None else value


@attrs.frozen
class WorkerSettings:
    """What one worker process needs besides the API clients' own variables."""

    redis_url: str = attrs.field(default=DEFAULT_REDIS_URL, repr=False)
    queue: str = "contactflow_automizy"
    idle_timeout: float = 30.0
    result_ttl: int = 86_400
    rate_limit: float | None = None
    rate_burst: int | None = None
    rate_limit_key: str = "contactflow_automizy:rate"
    job_store_url: str | None = attrs.field(default=None, repr=False)
    lease_ttl: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WorkerSettings:
        env = os.environ if environ is None else environ
        burst = _optional_number(env, "CFA_RATE_BURST")
        if burst is not None and burst != int(burst):
            raise ConfigurationError("CFA_RATE_BURST must be a whole number")
        return cls(
            redis_url=env.get("CFA_REDIS_URL") or DEFAULT_REDIS_URL,
            queue=env.get("CFA_QUEUE") or "contactflow_automizy",
            idle_timeout=_number(env, "CFA_QUEUE_IDLE_TIMEOUT", 30.0),
            result_ttl=int(_number(env, "CFA_RESULT_TTL", 86_400)),
            rate_limit=_optional_number(env, "CFA_RATE_LIMIT"),
            rate_burst=None if burst is None else int(burst),
            rate_limit_key=env.get("CFA_RATE_LIMIT_KEY") or "contactflow_automizy:rate",
            job_store_url=env.get("CFA_JOB_STORE") or None,
            lease_ttl=_number(env, "CFA_LEASE_TTL", 30.0),
        )

    def job_store(self) -> TransactionalJobStore:
        """The store named by ``CFA_JOB_STORE``, else the Redis job store on ``redis_url``."""
        return job_store_from_url(self.job_store_url or self.redis_url, lease_ttl=self.lease_ttl)
