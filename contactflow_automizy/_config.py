"""Settings resolution and validation, done before any request is sent.

Explicit arguments win over environment variables; what is still missing is a
:class:`ConfigurationError` that names the argument and the variable (never the
value: it may be a secret).
"""

from __future__ import annotations

import ipaddress
import math
import os
import re

from yarl import URL

from contactflow_automizy.errors import ConfigurationError

#: C0 and C1 control characters (NEL, U+0085, included) and the Unicode line and
#: paragraph separators: none belongs in a header value.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


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


def positive_int(name: str, value: object) -> int:
    """A count setting (sizes, concurrency, pool limits): an int of at least 1, not a bool."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
    return value


def positive_number(name: str, value: object) -> float:
    """A rate or duration setting: a finite number above 0, not a bool."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigurationError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def check_header_value(name: str, value: str) -> str:
    """Refuse CR/LF and other control characters, which would split headers."""
    if not isinstance(value, str):
        raise ConfigurationError(f"the {name} header value must be a string")
    if _CONTROL.search(value):
        raise ConfigurationError(f"the {name} header value contains control characters")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(value: str, *, what: str, allow_insecure_http: bool = False) -> URL:
    """An absolute http(s) URL; plain http only to loopback unless explicitly allowed."""
    try:
        url = URL(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{what} is not a valid URL") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{what} must be an absolute http(s) URL")
    if url.query_string or url.fragment:
        raise ConfigurationError(f"{what} must not carry a query or fragment")
    if url.user is not None or url.password is not None:
        # aiohttp would turn them into a Basic Authorization header: sent to the server
        # on every request, or (with a bearer token) a ValueError at the first request.
        raise ConfigurationError(
            f"{what} must not carry user info (user:password@); credentials go in token= / api_key="
        )
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise ConfigurationError(
            f"{what} uses plain http to a non-loopback host; use https "
            "or pass allow_insecure_http=True"
        )
    return url.with_path(url.path.rstrip("/"))
