"""What shares state through Redis between processes and machines (extra ``redis``).

Importing this package without redis-py installed raises
:class:`~contactflow_automizy.errors.ConfigurationError` naming the extra.
"""

from contactflow_automizy.redis.job_store import RedisJobStore

__all__ = ["RedisJobStore"]
