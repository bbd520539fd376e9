"""The ``Transport`` protocol, the request it carries, and its aiohttp backend.

A transport is the only part of the SDK that does network I/O.  The protocol
is two coroutines::

    async def send(self, request: Request, timeout: Timeout) -> Response
    async def aclose(self) -> None

``send`` delivers one fully built :class:`Request` (URL encoded, headers
final, auth included; ``params`` appended to the URL's query; ``content``
bytes, or a :data:`BodyFactory` called once per ``send`` for a streamed
upload) and returns a :class:`~contactflow_automizy._response.Response` as
soon as the status and headers are in, whatever the status, following no
redirect.  It builds that response over the body's byte stream and leaves the
body rules (size limits, errors while reading, releasing the connection) to
it.  A failure to send is an :class:`APIConnectionError` (or
:class:`APITimeoutError`), with ``request_sent=False`` only when the server
certainly never saw the request: that is what lets a POST be retried.
``aclose`` frees the pool; it is called once, by the session that owns the
transport.  A transport knows nothing of retries, auth or models (that is
:class:`~contactflow_automizy.Session`'s job), so another backend (the
in-process emulator, :class:`~contactflow_automizy.MockTransport`) costs a few
dozen lines.
"""

from __future__ import annotations

import functools
import math
import ssl
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import aiohttp
import attrs
from yarl import URL

from contactflow_automizy._proxy import Proxy, ProxyResolver
from contactflow_automizy._response import DEFAULT_CHUNK_SIZE, Response, connection_error
from contactflow_automizy._timeout import Timeout
from contactflow_automizy._tls import CertTypes, TlsConfig, VerifyTypes
from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import APIConnectionError, ConfigurationError

__all__ = [
    "AiohttpTransport",
    "BodyFactory",
    "Request",
    "Response",
    "Timeout",
    "Transport",
    "make_transport",
]

#: A request body that can be produced again for a retry (a streamed upload).
BodyFactory = Callable[[], AsyncIterable[bytes]]


@attrs.frozen
class Request:
    """One HTTP request, fully built: URL already encoded, headers final."""

    method: str
    url: URL
    # Never in repr: the headers carry the credentials.
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    params: Sequence[tuple[str, str]] = ()
    content: bytes | BodyFactory | None = None
    #: The caller reads the whole body at once (a JSON answer, bounded by the session):
    #: a hint that lets a backend time the whole answer with one timer (see Timeout).
    buffered: bool = False

    async def read(self) -> bytes:
        """The body as bytes (a streamed body produced and joined); ``b""`` for none."""
        content = self.content
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        return b"".join([bytes(chunk) async for chunk in content()])


@runtime_checkable
class Transport(Protocol):
    """Send requests; own whatever pool of connections that takes (see the module docstring)."""

    async def send(self, request: Request, timeout: Timeout) -> Response: ...

    async def aclose(self) -> None: ...


@functools.lru_cache(maxsize=128)
def _per_attempt_timeout(timeout: Timeout, buffered: bool) -> aiohttp.ClientTimeout:
    if buffered and timeout.read is not None:
        # A buffered answer: ``read`` folded into aiohttp's one total timer (see Timeout).
        total = timeout.read if timeout.total is None else min(timeout.total, timeout.read)
        return aiohttp.ClientTimeout(total=total, sock_connect=timeout.connect)
    return aiohttp.ClientTimeout(
        total=timeout.total, sock_connect=timeout.connect, sock_read=timeout.read
    )


def _client_timeout(timeout: Timeout, buffered: bool) -> aiohttp.ClientTimeout:
    """aiohttp's timers for one attempt (a buffered answer's ``read`` as one timer).

    Under a deadline (``timeout.deadline`` is then the time the call has left)
    aiohttp's ``connect`` timer, which covers waiting for a pooled connection,
    DNS, TCP, TLS and a proxy's CONNECT, gets what is left, so a deadline that
    runs out before the request is written raises aiohttp's
    ``ConnectionTimeoutError``: never sent.  Timers are then exact (aiohttp
    otherwise rounds those over 5 s up to the next whole second).  Such
    timeouts change with every attempt, so they are not cached.
    """
    if timeout.deadline is None:
        return _per_attempt_timeout(timeout, buffered)
    one_timer = buffered and timeout.read is not None
    total = timeout.total
    if one_timer:
        total = timeout.read if total is None else min(total, timeout.read)  # type: ignore[type-var]
    return aiohttp.ClientTimeout(
        total=total,
        connect=timeout.deadline,
        sock_connect=timeout.connect,
        sock_read=None if one_timer else timeout.read,
        ceil_threshold=math.inf,
    )


def _proxy_arguments(
    proxy: Proxy, request: Request
) -> tuple[Mapping[str, str], Mapping[str, str] | None]:
    """The request's headers and aiohttp's ``proxy_headers`` for going through ``proxy``.

    The ``Proxy-Authorization`` header goes on the CONNECT of an https target,
    and on the request itself for a plain-http one (aiohttp sends
    ``proxy_headers`` only with a CONNECT; its ``proxy_auth`` is deprecated).
    """
    if proxy.authorization is None:
        return request.headers, None
    credentials = {"Proxy-Authorization": proxy.authorization}
    if request.url.scheme == "https":
        return request.headers, credentials
    return {**request.headers, **credentials}, None


class AiohttpTransport:
    """The default backend: one shared ``aiohttp.ClientSession`` and ``TCPConnector``.

    The aiohttp session is created on first use, inside the running loop, so
    the transport can be built anywhere (aiohttp requires a loop to exist).
    TLS settings (``verify``, its alias ``verify_ssl``, ``cert``; ``ssl_context``
    is the older spelling of ``verify=<SSLContext>``) are checked and made into
    one context here, once.  Proxies: ``proxy`` for every request, else
    ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` when ``trust_env`` (see
    :mod:`contactflow_automizy._proxy`); aiohttp's own ``trust_env`` stays off.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        dns_cache_ttl: int = 300,
        verify: VerifyTypes | None = None,
        verify_ssl: bool | None = None,
        cert: CertTypes | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        positive_int("max_connections", max_connections)
        self._connector_args = {
            "limit": max_connections,
            "limit_per_host": max_connections_per_host,
            "keepalive_timeout": keepalive_timeout,
            "ttl_dns_cache": dns_cache_ttl,
        }
        if ssl_context is not None:
            if verify is not None:
                raise ConfigurationError("pass verify= or ssl_context=, not both")
            verify = ssl_context
        self._ssl = TlsConfig.from_options(verify, verify_ssl, cert).ssl_context()
        self._proxies = ProxyResolver(proxy, trust_env=trust_env)
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<AiohttpTransport {self._proxies!r} closed={self._closed}>"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                raise APIConnectionError("the transport is closed")
            connector = aiohttp.TCPConnector(ssl=self._ssl, **self._connector_args)  # type: ignore[arg-type]
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=True,
                raise_for_status=False,
            )
        return self._session

    async def send(self, request: Request, timeout: Timeout) -> Response:
        client = self._session or self._client()
        data: object = request.content
        if callable(data):
            data = data()
        headers: Mapping[str, str] = request.headers
        proxy_url = proxy_headers = None
        if (proxy := self._proxies.for_url(request.url)) is not None:
            proxy_url = proxy.url
            headers, proxy_headers = _proxy_arguments(proxy, request)
        try:
            resp = await client.request(
                request.method,
                request.url,
                headers=headers,
                params=request.params or None,
                data=data,
                allow_redirects=False,
                timeout=_client_timeout(timeout, request.buffered),
                proxy=proxy_url,
                proxy_headers=proxy_headers,
            )
        except Exception as exc:
            if (error := connection_error(exc, request.method, request.url, sent=True)) is None:
                raise
            if not isinstance(exc, aiohttp.ClientHttpProxyError):
                raise error from exc
        else:
            return Response(
                resp.status,
                resp.headers,
                resp.content.iter_chunked(DEFAULT_CHUNK_SIZE),
                reason=resp.reason or "",
                release=resp.release,
                method=request.method,
                url=request.url,
                case_insensitive=True,
                read_all=resp.read,
            )
        # A refused CONNECT: aiohttp's error holds the CONNECT's headers, the
        # proxy's credentials among them, so it is neither the cause nor the context.
        raise error

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _pyreqwest(**options: Any) -> Transport:
    """pyreqwest is imported only when asked for, so the SDK runs without the ``fast`` extra."""
    from contactflow_automizy._pyreqwest import PyreqwestTransport

    return PyreqwestTransport(**options)


#: Transports ``Session(transport=...)`` builds by name, from the options it was given.
TRANSPORTS: dict[str, Callable[..., Transport]] = {
    "aiohttp": AiohttpTransport,
    "pyreqwest": _pyreqwest,
}


def make_transport(transport: Transport | str, options: Mapping[str, Any]) -> Transport:
    """The transport a ``Session`` uses: built by name from ``options``, or given ready.

    A ready transport was configured by whoever built it, so options for the
    default one alongside it would be silently ignored: that is refused.
    """
    if isinstance(transport, str):
        factory = TRANSPORTS.get(transport)
        if factory is None:
            raise ConfigurationError(
                f"unknown transport {transport!r}; the transports are {sorted(TRANSPORTS)}"
            )
        return factory(**options)
    if options:
        raise ConfigurationError(
            f"Session(transport=<{type(transport).__name__}>) does not take "
            f"{', '.join(sorted(options))}: configure that transport itself, "
            "or pass transport='aiohttp' with these options"
        )
    if not isinstance(transport, Transport):
        raise ConfigurationError(
            "transport must be a transport name or an object with send() and aclose()"
        )
    return transport
