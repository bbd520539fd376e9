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
import ssl
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import aiohttp
import attrs
from yarl import URL

from contactflow_automizy._response import DEFAULT_CHUNK_SIZE, Response, connection_error
from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import APIConnectionError, ConfigurationError

__all__ = [
    "AiohttpTransport",
    "BodyFactory",
    "Request",
    "Response",
    "Timeout",
    "Transport",
    "transport_named",
]

#: A request body that can be produced again for a retry (a streamed upload).
BodyFactory = Callable[[], AsyncIterable[bytes]]


@attrs.frozen
class Timeout:
    """Seconds allowed for the whole request, for connecting, and between reads.

    On a buffered call (a JSON answer read whole) a backend may implement
    ``read`` as one timer for the whole exchange instead of one per read
    (SPEC section 11): aiohttp does, so its per-read timer is only armed
    where it earns its cost (streamed downloads and uploads).  The answer then
    has ``read`` seconds from the start of the request to its last byte:
    waiting for a pooled connection and opening one (itself bounded by
    ``connect``) count against it.
    """

    total: float | None = 300.0
    connect: float | None = 10.0
    read: float | None = 60.0


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
def _client_timeout(timeout: Timeout, buffered: bool) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts; a buffered call's ``read`` folded into its one total timer."""
    if buffered and timeout.read is not None:
        total = timeout.read if timeout.total is None else min(timeout.total, timeout.read)
        return aiohttp.ClientTimeout(total=total, sock_connect=timeout.connect)
    return aiohttp.ClientTimeout(
        total=timeout.total, sock_connect=timeout.connect, sock_read=timeout.read
    )


class AiohttpTransport:
    """The default backend: one shared ``aiohttp.ClientSession`` and ``TCPConnector``.

    The aiohttp session is created on first use, inside the running loop, so
    the transport can be built anywhere (aiohttp requires a loop to exist).
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        dns_cache_ttl: int = 300,
        verify_ssl: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        positive_int("max_connections", max_connections)
        self._connector_args = {
            "limit": max_connections,
            "limit_per_host": max_connections_per_host,
            "keepalive_timeout": keepalive_timeout,
            "ttl_dns_cache": dns_cache_ttl,
        }
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else verify_ssl
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

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
        try:
            resp = await client.request(
                request.method,
                request.url,
                headers=request.headers,
                params=request.params or None,
                data=data,
                allow_redirects=False,
                timeout=_client_timeout(timeout, request.buffered),
            )
        except Exception as exc:
            if (error := connection_error(exc, request.method, request.url, sent=True)) is None:
                raise
            raise error from exc
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


#: The backends ``Session(transport="name")`` builds.
TRANSPORT_NAMES = ("aiohttp", "pyreqwest")


def transport_named(
    name: str, *, max_connections: int, max_connections_per_host: int, verify_ssl: bool
) -> Transport:
    """The backend called ``name``, configured by the session's transport options.

    pyreqwest is imported only here, so the SDK runs without the ``fast`` extra.
    """
    if name == "aiohttp":
        return AiohttpTransport(
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            verify_ssl=verify_ssl,
        )
    if name == "pyreqwest":
        from contactflow_automizy._pyreqwest import PyreqwestTransport

        return PyreqwestTransport(
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            verify=verify_ssl,
        )
    raise ConfigurationError(
        f"unknown transport {name!r}: pass one of {', '.join(TRANSPORT_NAMES)} or a Transport"
    )
