"""A job store named by a URL: what the CLI's ``--job-store`` and ``CFA_JOB_STORE`` take.

* ``sqlite:///relative/path`` and ``sqlite:////absolute/path`` (the form
  SQLAlchemy made familiar: the path is what follows the third slash);
* ``redis://``, ``rediss://`` or ``unix://`` URLs, as redis-py reads them
  (the ``redis`` extra); the store's key prefix is its default.
"""

from __future__ import annotations

from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.jobs.sqlite import SQLiteJobStore
from contactflow_automizy.jobs.store import TransactionalJobStore

__all__ = ["ENV_VAR", "job_store_from_url"]

#: The environment variable the command line reads a job store URL from.
ENV_VAR = "CFA_JOB_STORE"
_SQLITE = "sqlite:///"
_REDIS = ("redis://", "rediss://", "unix://")


def job_store_from_url(url: str, *, lease_ttl: float = 30.0) -> TransactionalJobStore:
    """The store ``url`` names; anything else is a :class:`ConfigurationError`."""
    if url.startswith(_SQLITE) and len(url) > len(_SQLITE):
        return SQLiteJobStore(url[len(_SQLITE) :], lease_ttl=lease_ttl)
    if url.startswith(_REDIS):
        from contactflow_automizy.redis import RedisJobStore

        return RedisJobStore(url, lease_ttl=lease_ttl)
    shown = url.split("@")[-1]  # never echo a password
    raise ConfigurationError(
        f"a job store URL is sqlite:///path or redis://host:port/db, got {shown!r}"
    )
