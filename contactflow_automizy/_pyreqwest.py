"""``PyreqwestTransport``: the :class:`Transport` protocol over pyreqwest (Rust reqwest + hyper).

Install with the ``fast`` extra (``pip install 'contactflow_automizy[fast]'``),
then ``Session(transport="pyreqwest")``.  pyreqwest is imported only when this
transport is built; without the extra that is a :class:`ConfigurationError`
naming it.

What pyreqwest 0.15 can and cannot do, from its stubs and measured on loopback
(the decisions below follow from it):

* Timeouts: connect and read (per read, reset after each read, also covering
  the wait for the headers) are client-wide settings; only the total is per
  request.  The transport keeps one pyreqwest client per (connect, read) pair
  it is asked for: one for an application that sets its timeouts once, a
  second pool only for a call with other ``connect``/``read`` values.  Under
  a deadline (whose ``connect`` shrinks with the time left) the client built
  for that ``read`` serves every attempt, the per-request total bounded by the
  deadline.  ``read`` stays a timer per read on every call (in Rust, cheap):
  unlike aiohttp, a buffered answer is not timed as a whole.
* Error kinds are coarse.  A connect timeout, a read timeout before the
  headers and a total timeout all raise ``ConnectTimeoutError`` with the same
  causes, and a connection closed after the request was written raises
  ``ConnectError`` ("client error (SendRequest)").  So ``request_sent=False``
  is reported only when the server certainly never saw the request: a
  connection refused / DNS failure (cause "client error (Connect)"), a pool
  timeout, or a ``ConnectTimeoutError`` raised before the read and total
  timers could have fired (elapsed < min(read, total) while connect < both:
  only the connect timer can have run out).  Any other timeout counts as sent
  (SPEC section 11: a timeout whose phase is unknown is ``request_sent=True``);
  so a deadline running out while connecting is reported as sent, and is not
  retried anyway, as no time is left.
* A streamed response is an ``async with`` request; reading it to the end
  returns the connection to hyper's pool, dropping it closes the connection,
  so ``aclose()`` of an unread body costs no round trip.  A 2xx answer to a
  buffered request whose ``Content-Length`` is within ``request.read_limit``
  is read in ``send`` itself and handed on as bytes (as on aiohttp).
* Bodies are inflated by reqwest (gzip, deflate, brotli, zstd), which drops
  ``Content-Encoding`` and ``Content-Length``: the size limit counts inflated
  bytes, so a gzip bomb is refused at the limit, not after inflating it.
* Redirects are not followed (as with aiohttp: the session never follows one).
* Proxies: reqwest reads ``*_PROXY`` itself and would apply it to loopback
  too; that is switched off and the SDK's own rules apply instead
  (:mod:`contactflow_automizy._proxy`: an explicit ``proxy=`` for every host;
  else ``HTTP(S)_PROXY``/``NO_PROXY``, never for loopback), through reqwest's
  custom proxy: a Python call per request, only when a proxy is configured.
* TLS is rustls with its built-in roots; a CA bundle can only be *added* to
  them (pyreqwest has no switch to drop the built-in roots), and there is no
  ``ssl.SSLContext``.

Options (``Session(transport="pyreqwest", ...)`` or this class's arguments):

====================  ==========================================================
option                on pyreqwest
====================  ==========================================================
max_connections       requests in flight (reqwest's limit; waiting for a slot
                      counts against ``total``)
max_connections_per_  not supported (ConfigurationError unless 0): reqwest
host                  limits idle connections per host, not connections
keepalive_timeout     idle connection lifetime (``pool_idle_timeout``)
timeout.connect/read  per pyreqwest client, see above
timeout.total         per request (under a deadline: bounded by the time left)
timeout.deadline      by the session, as on aiohttp; running out while
                      connecting is reported request_sent=True (see above)
verify=True/False     built-in roots / no verification (tests only)
verify="ca.pem"       the bundle is ADDED to the built-in roots, not the only
                      trusted one (aiohttp: only this bundle); a directory
                      of certificates: ConfigurationError
verify=SSLContext     not supported: ConfigurationError
cert=(cert, key)      mutual TLS (PEM files, read when the client is built);
                      one file holding both works too
proxy="http://..."    every host, credentials sent as Proxy-Authorization
trust_env             HTTP(S)_PROXY / NO_PROXY by the SDK's rules
====================  ==========================================================
"""

from __future__ import annotations

import base64
import functools
import os
import ssl
import time
from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yarl import URL

from contactflow_automizy._proxy import ProxyResolver
from contactflow_automizy._response import DEFAULT_CHUNK_SIZE, Response, declared_length
from contactflow_automizy._timeout import Timeout
from contactflow_automizy._tls import CertTypes, TlsConfig, VerifyTypes
from contactflow_automizy._transport import Request
from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import APIConnectionError, APITimeoutError, ConfigurationError

if TYPE_CHECKING:
    from pyreqwest.client import Client
    from pyreqwest.request import StreamRequest
    from pyreqwest.response import Response as PyreqwestResponse

__all__ = ["PyreqwestTransport"]

#: The cause hyper gives for a failure to open the connection (refused, DNS, TLS handshake).
_CONNECT_CAUSE = "client error (Connect)"


def _import_pyreqwest() -> Any:
    try:
        import pyreqwest.client
        import pyreqwest.exceptions
        import pyreqwest.proxy
    except ImportError:
        raise ConfigurationError(
            "the pyreqwest transport needs the 'fast' extra: "
            "pip install 'contactflow_automizy[fast]'"
        ) from None
    return pyreqwest


@functools.lru_cache(maxsize=64)
def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _pem(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"{what}: cannot read {os.fspath(path)!s}: {exc.strerror}"
        ) from None


class PyreqwestTransport:
    """A :class:`Transport` on pyreqwest; see the module docstring for what each option does."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        verify: VerifyTypes | None = None,
        verify_ssl: bool | None = None,
        cert: CertTypes | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        self._pyreqwest = _import_pyreqwest()
        self._max_connections = positive_int("max_connections", max_connections)
        if max_connections_per_host:
            raise ConfigurationError(
                "max_connections_per_host is not supported by the pyreqwest transport"
            )
        tls = TlsConfig.from_options(verify, verify_ssl, cert)
        if isinstance(tls.verify, ssl.SSLContext):
            raise ConfigurationError(
                "the pyreqwest transport cannot take an ssl.SSLContext: pass verify= a CA "
                "bundle file and cert= a (certificate, key) pair"
            )
        if isinstance(tls.verify, Path) and not tls.verify.is_file():
            raise ConfigurationError(
                "the pyreqwest transport takes a CA bundle file, not a directory"
            )
        self._verify = tls.verify
        self._cert = tls.cert
        self._keepalive = _seconds(keepalive_timeout)
        # Credentials in the proxy URL are taken out at once (the resolver keeps them out
        # of reprs); no proxy, and none in the environment: reqwest gets no proxy at all.
        self._proxies = ProxyResolver(proxy, trust_env=trust_env)
        # Per (connect, read): the client and the connect timeout it was built with.
        self._clients: dict[tuple[float | None, float | None], tuple[Client, float | None]] = {}
        # The last Timeout seen, its client, connect timeout and per-request total.
        self._last: tuple[Timeout | None, Any, float | None, timedelta | None] = (
            None,
            None,
            None,
            None,
        )
        self._closed = False

    def __repr__(self) -> str:
        return f"<PyreqwestTransport max_connections={self._max_connections}>"

    def _pick(self, timeout: Timeout) -> tuple[Client, float | None]:
        """The client for these timeouts.  Under a deadline ``connect`` shrinks with the
        time left on every attempt: the client built for this ``read`` serves them all
        (the per-request total, bounded by the deadline, then cuts a long connect)."""
        picked = self._clients.get((timeout.connect, timeout.read))
        if picked is None and timeout.deadline is not None:
            picked = next(
                (entry for (_, read), entry in self._clients.items() if read == timeout.read),
                None,
            )
        return picked or self._client(timeout)

    def _client(self, timeout: Timeout) -> tuple[Client, float | None]:
        if self._closed:
            raise APIConnectionError("the transport is closed")
        builder = (
            self._pyreqwest.client.ClientBuilder()
            .follow_redirects(False)
            .max_connections(self._max_connections)
            .pool_idle_timeout(self._keepalive)
            .no_proxy()
        )
        if timeout.connect is not None:
            builder = builder.connect_timeout(_seconds(timeout.connect))
        if timeout.read is not None:
            builder = builder.read_timeout(_seconds(timeout.read))
        if self._verify is False:
            builder = builder.danger_accept_invalid_certs(True)
        elif isinstance(self._verify, Path):
            builder = builder.add_root_certificate_pem(_pem(self._verify, "verify="))
        if self._cert is not None:
            paths = [path for path in self._cert if path is not None]
            builder = builder.identity_pem(b"\n".join(_pem(path, "cert=") for path in paths))
        if not self._proxies.direct:
            proxies = self._proxies
            builder = builder.proxy(
                self._pyreqwest.proxy.ProxyBuilder.custom(lambda url: _proxy_for(proxies, url))
            )
        entry = self._clients[timeout.connect, timeout.read] = (builder.build(), timeout.connect)
        return entry

    async def send(self, request: Request, timeout: Timeout) -> Response:
        last = self._last
        if last[0] is timeout:  # most calls share one Timeout: no lookup, no timedelta
            _, client, connect, total = last
        else:
            client, connect = self._pick(timeout)
            total = None if timeout.total is None else _seconds(timeout.total)
            self._last = (timeout, client, connect, total)
        url = request.url.extend_query(request.params) if request.params else request.url
        builder = client.request(request.method, str(url)).headers(request.headers)
        content = request.content
        if content is not None:
            if isinstance(content, bytes):
                builder = builder.body_bytes(content)
            else:
                builder = builder.body_stream(content())
        if total is not None:
            builder = builder.timeout(total)
        streamed = builder.build_streamed()
        started = time.monotonic()
        try:
            resp = await streamed.__aenter__()
        except Exception as exc:
            elapsed = time.monotonic() - started
            error = self._send_error(exc, request, timeout, connect, elapsed)
            if error is None:
                raise
            raise error from exc
        request_error = self._pyreqwest.exceptions.RequestError
        limit = request.read_limit
        if limit is not None and resp.status < 300:
            # A buffered answer of known length within the limit: read here, in one call.
            length = declared_length(resp.headers)
            if length is not None and length <= limit:
                try:
                    content = (await resp.bytes()).to_bytes()
                except request_error as exc:
                    raise _body_error(request, exc) from exc
                finally:
                    await streamed.__aexit__(None, None, None)
                return Response(
                    resp.status,
                    resp.headers,
                    content,
                    method=request.method,
                    url=request.url,
                    case_insensitive=True,
                )
        body = _Body(streamed, resp, request_error, request)
        return Response(
            resp.status,
            resp.headers,
            body.chunks(),
            method=request.method,
            url=request.url,
            case_insensitive=True,
            read_all=body.read_all,
            release=body.release,
        )

    def _send_error(
        self,
        exc: Exception,
        request: Request,
        timeout: Timeout,
        connect: float | None,
        elapsed: float,
    ) -> APIConnectionError | None:
        """The SDK error for a failure before the headers (``request_sent``: see the module)."""
        errors = self._pyreqwest.exceptions
        if not isinstance(exc, errors.RequestError):
            return None
        method, url = request.method, str(request.url)
        causes = [cause["message"] for cause in (exc.details or {}).get("causes") or ()]
        if isinstance(exc, errors.RequestTimeoutError):
            sent = not (
                isinstance(exc, errors.PoolTimeoutError)
                or (
                    isinstance(exc, errors.ConnectTimeoutError)
                    and _only_connect_timer_ran_out(connect, timeout, elapsed)
                )
            )
            return APITimeoutError("request timed out", method=method, url=url, request_sent=sent)
        if isinstance(exc, errors.ConnectError) and _CONNECT_CAUSE in causes:
            # A proxy's refused CONNECT is "tunnel error: ..." (its status, no headers).
            where = " through the proxy" if causes[-1].startswith("tunnel error") else ""
            return APIConnectionError(
                f"could not connect{where}: {causes[-1]}",
                method=method,
                url=url,
                request_sent=False,
            )
        return APIConnectionError(
            f"connection failed: {type(exc).__name__}", method=method, url=url, request_sent=True
        )

    async def aclose(self) -> None:
        self._closed = True
        self._last = (None, None, None, None)
        clients, self._clients = list(self._clients.values()), {}
        for client, _ in clients:
            await client.close()


def _only_connect_timer_ran_out(connect: float | None, timeout: Timeout, elapsed: float) -> bool:
    """Could only the client's ``connect`` timer have fired ``elapsed`` seconds after the
    request started?  Not when the read or the total timer could have fired too."""
    others = [value for value in (timeout.read, timeout.total) if value is not None]
    if connect is None:
        return False
    return not others or (connect < min(others) and elapsed < min(others))


class _Body:
    """One answer's body: streamed in chunks, or read whole in one call when its length is
    known (reqwest drops ``Content-Length`` from a body it inflates, so the limit
    check before ``read_all`` is a real bound).  The request's context is exited when
    the body ends; a failure mid-body (the server had the request) is the SDK's error.
    """

    __slots__ = ("_request", "_request_error", "_resp", "_streamed")

    def __init__(
        self,
        streamed: StreamRequest,
        resp: PyreqwestResponse,
        request_error: type[Exception],
        request: Request,
    ) -> None:
        self._streamed = streamed
        self._resp = resp
        self._request_error = request_error
        self._request = request

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """Chunks of at most 64 KiB."""
        read = self._resp.body_reader.read
        try:
            while (chunk := await read(DEFAULT_CHUNK_SIZE)) is not None:
                yield chunk.to_bytes()
        except self._request_error as exc:
            raise _body_error(self._request, exc) from exc
        finally:
            await self._streamed.__aexit__(None, None, None)

    async def read_all(self) -> bytes:
        try:
            return (await self._resp.bytes()).to_bytes()
        except self._request_error as exc:
            raise _body_error(self._request, exc) from exc
        finally:
            await self._streamed.__aexit__(None, None, None)

    def release(self) -> None:
        """Drop the response: an unread body's connection is closed (by reqwest), not kept."""
        self._streamed = self._resp = None  # type: ignore[assignment]


def _body_error(request: Request, exc: Exception) -> APIConnectionError:
    """A failure while reading the body: the server had the request."""
    method, url = request.method, str(request.url)
    if isinstance(exc, TimeoutError):
        return APITimeoutError("request timed out", method=method, url=url)
    return APIConnectionError(f"connection failed: {type(exc).__name__}", method=method, url=url)


def _proxy_for(proxies: ProxyResolver, target: Any) -> str | None:
    """reqwest's question "which proxy for this URL?", answered by the SDK's own rules.

    The credentials go back into the proxy URL here, where reqwest takes them for
    its ``Proxy-Authorization`` header; they are never stored with them.
    """
    proxy = proxies.for_url(URL(str(target)))
    if proxy is None:
        return None
    if proxy.authorization is None:
        return str(proxy.url)
    user, _, password = (
        base64.b64decode(proxy.authorization.split(" ", 1)[1]).decode().partition(":")
    )
    return str(proxy.url.with_user(user).with_password(password))
