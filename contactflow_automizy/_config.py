"""Settings resolution: explicit arguments first, then environment variables.

What is still missing is a :class:`ConfigurationError` that names the argument
and the variable (never the value: it may be a secret).  Checking the values
themselves is :mod:`._validate`'s job.
"""

from __future__ import annotations

import os

from contactflow_automizy.errors import ConfigurationError


def from_env(value: str | None, env: str) -> str | None:
    """``value`` if given, else the environment variable ``env`` (empty counts as unset)."""
    if value is not None:
        return value
    return os.environ.get(env) or None


def required(value: str | None, what: str, env: str) -> str:
    """``value``, else the environment variable ``env``; a ConfigurationError if neither."""
    resolved = from_env(value, env)
    if not resolved:
        raise ConfigurationError(f"missing {what}: pass {what}= or set {env}")
    return resolved
