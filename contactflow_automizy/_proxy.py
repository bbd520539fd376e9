"""Which proxy a request goes through: ``Session(proxy=...)``, else the environment.

Decisions (SPEC.md section 11, "Proxies"):

* An explicit proxy applies to every host, loopback included, and ignores
  ``NO_PROXY``: the caller said where traffic goes.
* Otherwise, with ``trust_env`` (the default), ``HTTPS_PROXY`` / ``HTTP_PROXY``
  (lower case wins, as in curl and urllib) and ``NO_PROXY`` are read by the SDK
  itself, once, when the session (its transport) is made, as httpx does; the
  answer for each target origin is cached.  With none of them set a request
  pays nothing for proxies (:attr:`ProxyResolver.direct`).  ``trust_env`` is
  never handed to aiohttp: it would read the environment and ``~/.netrc`` on
  every request, and a netrc entry for the API host would add a Basic
  ``Authorization`` header that breaks the SDK's own auth.
* Environment proxies are never applied to loopback targets (127.0.0.0/8,
  ``::1``, ``localhost``), so the emulator keeps working behind a corporate proxy.
* Upper-case ``HTTP_PROXY`` is ignored when ``REQUEST_METHOD`` is set (a CGI
  process, where a client's ``Proxy:`` header becomes ``HTTP_PROXY``:
  "httpoxy"), as urllib does.
* Credentials in a proxy URL are taken out of it at once: :class:`Proxy` keeps
  a URL without them and the ``Proxy-Authorization`` value out of its repr, and
  errors name the setting, never its value.

Pure: no I/O beyond reading the environment mapping it is given.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Mapping

import attrs
from yarl import URL

from contactflow_automizy._validate import is_loopback
from contactflow_automizy.errors import ConfigurationError

__all__ = ["Proxy", "ProxyResolver", "bypasses_proxy", "parse_proxy"]

_PROXY_SCHEMES = ("http", "https")


@attrs.frozen
class Proxy:
    """A proxy URL without credentials, and the ``Proxy-Authorization`` value (never shown)."""

    url: URL
    authorization: str | None = attrs.field(default=None, repr=False)


def parse_proxy(value: str, *, what: str) -> Proxy:
    """A :class:`Proxy` from ``http://[user:password@]host:port``; ``host:port`` means http.

    ``what`` names the setting in errors (``proxy``, ``HTTPS_PROXY``): the value
    itself may hold a password and is never repeated.
    """
    text = value.strip()
    if "://" not in text:
        text = f"http://{text}"
    try:
        url = URL(text)
        host = url.host
    except (TypeError, ValueError):
        raise ConfigurationError(f"{what} is not a valid proxy URL") from None
    if url.scheme not in _PROXY_SCHEMES:
        raise ConfigurationError(
            f"{what} must be an http:// or https:// proxy URL (SOCKS is not supported)"
        )
    if not host or url.path not in ("", "/") or url.query_string:
        raise ConfigurationError(f"{what} must be a proxy URL like http://host:port")
    authorization = None
    if url.user is not None:
        credentials = f"{url.user}:{url.password or ''}".encode()
        authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
    return Proxy(url.with_user(None).with_password(None).with_path(""), authorization)


def _normal_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _split_entry(entry: str) -> tuple[str, int | None]:
    """A ``NO_PROXY`` entry as (host or network, port or None)."""
    if entry.startswith("["):  # [::1]:8080
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:  # host:port (more colons: a bare IPv6 address)
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


def _entry_matches(entry: str, host: str, port: int | None) -> bool:
    pattern, entry_port = _split_entry(entry)
    if entry_port is not None and entry_port != port:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        domain = _normal_host(pattern).lstrip(".")
        return bool(domain) and (host == domain or host.endswith("." + domain))
    try:
        return address in ipaddress.ip_network(pattern.strip("[]"), strict=False)
    except ValueError:
        return False


def bypasses_proxy(host: str, port: int | None, no_proxy: str) -> bool:
    """Does ``NO_PROXY`` (comma-separated) exempt ``host:port``?

    Entries are ``*`` (every host), a domain (``example.com`` and
    ``.example.com`` both match it and its subdomains), an IP address or CIDR
    network, each optionally with ``:port``.
    """
    host = _normal_host(host)
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if entry == "*":
            return True
        if entry and _entry_matches(entry, host, port):
            return True
    return False


def _env(environ: Mapping[str, str], name: str) -> str | None:
    """The lower-case variable, else the upper-case one (empty counts as unset)."""
    value = environ.get(name.lower())
    if value is None and not (name == "HTTP_PROXY" and "REQUEST_METHOD" in environ):
        value = environ.get(name)
    if value is None:
        return None
    return value.strip() or None


_ENV_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


class ProxyResolver:
    """Answers "which proxy for this URL?", reading the environment once per origin."""

    __slots__ = ("_by_origin", "_explicit", "_proxies", "_trust_env", "direct")

    def __init__(
        self,
        proxy: str | None = None,
        *,
        trust_env: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._explicit = parse_proxy(proxy, what="proxy") if proxy is not None else None
        self._trust_env = trust_env
        environ = os.environ if environ is None else environ
        #: The environment's settings, read once: HTTP_PROXY, HTTPS_PROXY, NO_PROXY.
        self._proxies = {name: _env(environ, name) for name in _ENV_NAMES}
        self._by_origin: dict[tuple[str, str | None, int | None], Proxy | None] = {}
        #: No request goes through a proxy: transports need not ask.
        self.direct = self._explicit is None and (
            not trust_env
            or (self._proxies["HTTP_PROXY"] is None and self._proxies["HTTPS_PROXY"] is None)
        )

    def __repr__(self) -> str:
        where = repr(self._explicit) if self._explicit else f"trust_env={self._trust_env}"
        return f"<ProxyResolver {where}>"

    @property
    def explicit(self) -> Proxy | None:
        return self._explicit

    def for_url(self, url: URL) -> Proxy | None:
        """The proxy for ``url``, or None to connect directly."""
        if self._explicit is not None:
            return self._explicit
        if not self._trust_env:
            return None
        origin = (url.scheme, url.raw_host, url.port)
        try:
            return self._by_origin[origin]
        except KeyError:
            proxy = self._by_origin[origin] = self._from_env(url)
            return proxy

    def _from_env(self, url: URL) -> Proxy | None:
        host = _normal_host(url.raw_host or "")
        if not host or is_loopback(host) or host.endswith(".localhost"):
            return None
        name = "HTTPS_PROXY" if url.scheme == "https" else "HTTP_PROXY"
        value = self._proxies[name]
        if value is None:
            return None
        no_proxy = self._proxies["NO_PROXY"]
        if no_proxy is not None and bypasses_proxy(host, url.port, no_proxy):
            return None
        return parse_proxy(value, what=name)
