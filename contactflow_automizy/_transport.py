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

import asyncio
import functools
import math
import ssl
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import aiohttp
import attrs
from yarl import URL

from contactflow_automizy._gate import Gate
from contactflow_automizy._proxy import Proxy, ProxyResolver
from contactflow_automizy._response import (
    DEFAULT_CHUNK_SIZE,
    Response,
    connection_error,
    declared_length,
)
from contactflow_automizy._timeout import Timeout
from contactflow_automizy._tls import CertTypes, TlsConfig, VerifyTypes
from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import APIConnectionError, APITimeoutError, ConfigurationError

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


@attrs.define
class Request:
    """One HTTP request, fully built: URL already encoded, headers final.

    Treat it as read-only: one request serves every attempt of a call.  (Not
    frozen: a frozen attrs class costs a call per field to build, on every
    request.)
    """

    method: str
    url: URL
    # Never in repr: the headers carry the credentials.
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    params: Sequence[tuple[str, str]] = ()
    content: bytes | BodyFactory | None = None
    #: Set when the caller reads the whole body at once (a JSON answer), at most this
    #: many bytes: a backend may then read it itself, timed as a whole (see Timeout).
    read_limit: int | None = None

    @property
    def buffered(self) -> bool:
        """Is the answer read whole (``read_limit`` set)?"""
        return self.read_limit is not None

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


def _client_timeout(timeout: Timeout, buffered: bool) -> aiohttp.ClientTimeout:
    """aiohttp's timers for one attempt (a buffered answer's ``read`` as one timer).

    A buffered answer gets no per-read timer: ``read`` becomes aiohttp's one
    total timer, which starts once the transport has a connection for the
    request (see :class:`AiohttpTransport`).  Under a deadline
    (``timeout.deadline`` is then the time the call has left) aiohttp's
    ``connect`` timer, which covers DNS, TCP, TLS and a proxy's CONNECT, gets
    what is left, so a deadline that runs out before the request is written
    raises aiohttp's ``ConnectionTimeoutError``: never sent.  Timers are then
    exact (aiohttp otherwise rounds those over 5 s up to the next whole second).
    """
    one_timer = buffered and timeout.read is not None
    total = timeout.total
    if one_timer:
        total = timeout.read if total is None else min(total, timeout.read)  # type: ignore[type-var]
    if timeout.deadline is None:
        return aiohttp.ClientTimeout(
            total=total, sock_connect=timeout.connect, sock_read=None if one_timer else timeout.read
        )
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

    Decisions on the hot path (issue 12):

    * No more requests are let through than the pool holds connections
      (``max_connections``, and ``max_connections_per_host`` per origin): a
      request waits for a connection in a :class:`Gate` here, never inside
      aiohttp, so the attempt's timers start only once a connection is its
      own.  That wait is bounded by the call's deadline alone (like
      aiohttp's, it has no limit of its own).
    * A 2xx answer to a buffered request whose ``Content-Length`` is within
      ``request.read_limit`` is read here, in the coroutine that sent it, and
      handed on as bytes; any other body (compressed, chunked, too large, an
      error's) is left to :meth:`Response.read`, which applies the limits.
    * ``ClientSession._request`` is awaited directly: ``request()`` only wraps
      it in a context-manager object that the transport never uses.
    * Cookies are neither kept nor sent (aiohttp's ``DummyCookieJar``): both
      APIs authenticate with a header and neither document uses cookies, and
      a cookie jar costs a lookup on every request.
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
        self._gate = Gate(max_connections)
        self._per_host = max_connections_per_host
        self._host_gates: dict[tuple[str, str | None, int | None], Gate] = {}
        # aiohttp's timers for the last Timeout seen (most calls share one), buffered or not.
        self._timers: tuple[Timeout | None, aiohttp.ClientTimeout, aiohttp.ClientTimeout] = (
            None,
            aiohttp.ClientTimeout(),
            aiohttp.ClientTimeout(),
        )
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
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    def _timer(self, timeout: Timeout, buffered: bool) -> aiohttp.ClientTimeout:
        """aiohttp's timers for a Timeout other than the last one seen (``send`` reuses those)."""
        if timeout.deadline is not None:  # changes with every attempt
            return _client_timeout(timeout, buffered)
        timers = self._timers = (
            timeout,
            _client_timeout(timeout, True),
            _client_timeout(timeout, False),
        )
        return timers[1] if buffered else timers[2]

    async def _admit(self, request: Request, timeout: Timeout) -> Gate | None:
        """Wait for a connection of the pool (the slow path); return the origin's gate."""
        gates = [self._gate]
        if self._per_host:
            url = request.url
            origin = (url.scheme, url.raw_host, url.port)
            host_gate = self._host_gates.get(origin)
            if host_gate is None:
                host_gate = self._host_gates[origin] = Gate(self._per_host)
            gates.append(host_gate)
        entered: list[Gate] = []
        try:
            async with asyncio.timeout(timeout.deadline):
                for gate in gates:
                    await gate.enter()
                    entered.append(gate)
        except BaseException as exc:
            for gate in entered:
                gate.leave()
            if isinstance(exc, TimeoutError):
                raise APITimeoutError(
                    "timed out waiting for a connection",
                    method=request.method,
                    url=str(request.url),
                    request_sent=False,
                ) from None
            raise
        return gates[1] if len(gates) > 1 else None

    async def send(self, request: Request, timeout: Timeout) -> Response:
        client = self._session or self._client()
        data: object = request.content
        if callable(data):
            data = data()
        headers: Mapping[str, str] = request.headers
        proxy_url = proxy_headers = None
        if not self._proxies.direct and (proxy := self._proxies.for_url(request.url)) is not None:
            proxy_url = proxy.url
            headers, proxy_headers = _proxy_arguments(proxy, request)
        limit = request.read_limit
        gate = self._gate
        host_gate = None
        if self._per_host or not gate.try_enter():
            host_gate = await self._admit(request, timeout)
        timers = self._timers
        if timers[0] is timeout:
            timer = timers[1] if limit is not None else timers[2]
        else:
            timer = self._timer(timeout, limit is not None)
        refused: APIConnectionError | None = None
        try:
            resp = await client._request(
                request.method,
                request.url,
                headers=headers,
                params=request.params or None,
                data=data,
                allow_redirects=False,
                timeout=timer,
                proxy=proxy_url,
                proxy_headers=proxy_headers,
            )
        except BaseException as exc:
            _leave(gate, host_gate)
            if not isinstance(exc, Exception):
                raise
            if (error := connection_error(exc, request.method, request.url, sent=True)) is None:
                raise
            if not isinstance(exc, aiohttp.ClientHttpProxyError):
                raise error from exc
            refused = error
        if refused is not None:
            # A refused CONNECT: aiohttp's error holds the CONNECT's headers, the
            # proxy's credentials among them, so it is neither the cause nor the context.
            raise refused
        if limit is not None and resp.status < 300:
            length = declared_length(resp.headers)
            if length is not None and length <= limit:
                try:
                    body = await resp.read()
                except Exception as exc:
                    error = connection_error(exc, request.method, request.url, sent=True)
                    if error is None:
                        raise
                    raise error from exc
                finally:
                    _leave(gate, host_gate)
                return Response(
                    resp.status,
                    resp.headers,
                    body,
                    reason=resp.reason or "",
                    method=request.method,
                    url=request.url,
                    case_insensitive=True,
                )
        # The place is given back when aiohttp lets the connection go: when the body
        # ends, the response is closed, or (never read nor closed) collected.
        connection = resp.connection
        if connection is None:  # the whole answer is in already (no body)
            _leave(gate, host_gate)
        else:
            connection.add_callback(functools.partial(_leave, gate, host_gate))
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

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _leave(gate: Gate, host_gate: Gate | None) -> None:
    gate.leave()
    if host_gate is not None:
        host_gate.leave()


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
