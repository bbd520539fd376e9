"""Redis-backed pieces for running on many processes (the ``redis`` extra)."""

from contactflow_automizy.redis.job_store import RedisJobStore
from contactflow_automizy.redis.rate_limiter import RedisRateLimiter

__all__ = ["RedisJobStore", "RedisRateLimiter"]
