"""What both clients share: request building, auth, JSON and model decoding, paging.

Endpoint mixins call five helpers and nothing else:

* ``await self._json(route, ...)``: the decoded JSON of a 2xx answer;
* ``await self._model(route, Model, ...)``: that JSON as a model;
* ``self._paged(route, Model, ...)``: an :class:`AsyncPaginator`;
* ``self._stream(route, ...)``: ``async with`` a streaming response;
* ``await self._download(route, dest, ...)``: the answer saved to a path or file.

Each takes ``path=`` (values for the route's placeholders), ``query=`` (wire
names; see :func:`encode_query`), ``json=`` (a model, dict or list) or
``content=`` (bytes or a re-openable async byte stream), ``headers=`` and
``node=`` (the Contactflow ``Node`` override, ignored by routes without it).

Each client class is decorated with :func:`sdk_calls`: its public endpoint
methods become SDK calls named ``{api}.{method}``, the span OpenTelemetry
records around their requests (a paginated method: one span per page), and
what ``client.with_raw_response.<method>(...)`` can call.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import inspect
import os
import platform
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Self, TypeVar

import attrs
import orjson
from yarl import URL

from contactflow_automizy import _validate
from contactflow_automizy._auth import Auth
from contactflow_automizy._converter import (
    STRUCTURE_HOOKS,
    format_error,
    structure,
    structure_hook,
    structurer,
    unstructure,
)
from contactflow_automizy._download import Destination, save_body
from contactflow_automizy._lifecycle import AsyncClosable
from contactflow_automizy._options import ClientOptions
from contactflow_automizy._pagination import AsyncPaginator, PageStyle
from contactflow_automizy._raw_response import RawCapture, RawResponse
from contactflow_automizy._redact import Secret
from contactflow_automizy._response import Response
from contactflow_automizy._routes import Route, encode_query
from contactflow_automizy._session import Session, SessionStats
from contactflow_automizy._telemetry import Recorder
from contactflow_automizy._transport import BodyFactory, Request, Timeout
from contactflow_automizy._version import __version__
from contactflow_automizy.errors import (
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    ResponseFormatError,
)

T = TypeVar("T")
C = TypeVar("C", bound="type[BaseClient]")

USER_AGENT = f"contactflow-automizy/{__version__} python/{platform.python_version()}"


class BaseClient(AsyncClosable):
    """Holds a session, an auth and a base URL; subclasses add endpoint mixins."""

    _page_style: ClassVar[PageStyle]
    _default_page_size: ClassVar[int] = 100
    #: Set on the copy ``with_raw_response`` calls through: what the answer looked like.
    _raw: RawCapture | None = None

    def __init__(self, *, base_url: str, auth: Auth, options: ClientOptions) -> None:
        url = _validate.base_url(
            base_url, what="base_url", allow_insecure_http=options.allow_insecure_http
        )
        # Request URLs are this one with the route's path appended to its own:
        # ``with_path(encoded=True)`` parses nothing (a third of ``URL(str)``'s cost).
        self._base_url = url
        self._base_path = url.raw_path.rstrip("/")
        self._auth = auth
        self._owns_session = options.session is None
        self._session = options.session if options.session is not None else Session()
        self._static_headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        # A fixed credential is merged once: a plain call then sends its headers as they
        # are, in one Request for every attempt.  Secrets, so no attribute dump shows them.
        fixed = auth.static_headers()
        self._fixed_auth = None if fixed is None else Secret(fixed)
        # Per ``route.node``: the headers of a plain call (no node override, no body, no
        # extra headers), without and with the fixed credential; made on first use.
        self._header_sets: dict[bool, tuple[dict[str, str], Secret[dict[str, str]] | None]] = {}
        # Routes without parameters, by template: their URL is made once.
        self._route_urls: dict[str, URL] = {}
        self._configure(options)

    def _configure(self, options: ClientOptions) -> None:
        self._options = options
        # Derived once, not per request: the session's policy with this client's count.
        self._retry_policy = options.retry_policy(self._session)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={str(self._base_url)!r}>"

    @property
    def session(self) -> Session:
        return self._session

    @property
    def with_raw_response(self) -> RawResponseView:
        """``client.with_raw_response.get_node(uuid)``: a :class:`RawResponse` around the result.

        Single-request methods only (not paginated, streaming or bulk ones).
        """
        return RawResponseView(self)

    @property
    def base_url(self) -> URL:
        return self._base_url

    async def close(self) -> None:
        """Close the session if this client made it; a shared session stays open."""
        if self._owns_session:
            await self._session.close()

    def with_options(
        self, *, max_retries: int | None = None, timeout: Timeout | float | None = None
    ) -> Self:
        """A copy sharing this client's session, with other retry/timeout settings.

        ``client.with_options(max_retries=0).get_node(...)`` overrides one call.
        """
        changes: dict[str, Any] = {}
        if max_retries is not None:
            changes["max_retries"] = max_retries
        if timeout is not None:
            changes["timeout"] = timeout
        clone = self._copy()
        clone._configure(attrs.evolve(self._options, **changes))
        return clone

    def _copy(self) -> Self:
        """A copy sharing this client's session (which it never closes)."""
        clone = copy.copy(self)
        clone._owns_session = False
        return clone

    def _without_deadline(self) -> Self:
        """This client for a request the call's deadline must not cut short (a rollback)."""
        timeout = self._options.timeout or self._session.timeout
        if timeout.deadline is None:
            return self
        return self.with_options(timeout=timeout.without_deadline())

    @staticmethod
    def _as_model(cls: type[T], obj: T | Mapping[str, Any] | None, fields: Mapping[str, Any]) -> T:
        """An argument given as a model, a wire-named mapping or keyword fields, as a ``cls``
        model (request bodies and their parts); a bad one is a ConfigurationError."""
        if obj is not None and fields:
            raise ConfigurationError(f"pass a {cls.__name__} or keyword fields, not both")
        if obj is None:
            try:
                return cls(**fields)
            except TypeError as exc:
                raise ConfigurationError(f"bad fields for {cls.__name__}: {exc}") from None
        if isinstance(obj, cls):
            return obj
        if isinstance(obj, Mapping):
            try:
                return structure(obj, cls)
            except ResponseFormatError as exc:
                raise ConfigurationError(str(exc)) from None
        raise ConfigurationError(
            f"expected a {cls.__name__} or a mapping, got {type(obj).__name__}"
        )

    # -- hooks for subclasses -------------------------------------------------

    def _route_headers(self, route: Route, node: str | None) -> Mapping[str, str]:
        """Per-route headers (Contactflow's ``Node``); none by default."""
        return {}

    # -- the request path -----------------------------------------------------

    def _headers_and_body(
        self,
        route: Route,
        json: Any,
        content: bytes | BodyFactory | None,
        headers: Mapping[str, str] | None,
        node: str | None,
    ) -> tuple[dict[str, str], bytes | BodyFactory | None]:
        """Headers (without auth) and body of a call with a body, extra headers or a node."""
        all_headers = {**self._static_headers, **self._route_headers(route, node)}
        if json is not None:
            content = orjson.dumps(unstructure(json))
            all_headers["Content-Type"] = "application/json"
        if headers:
            all_headers.update(headers)
        return all_headers, content

    def _header_set(self, route: Route) -> tuple[dict[str, str], Secret[dict[str, str]] | None]:
        """A plain call's headers for routes like ``route`` (with no node override, route
        headers depend on ``route.node`` only); a missing node is refused every time."""
        plain = {**self._static_headers, **self._route_headers(route, None)}
        fixed = self._fixed_auth
        with_auth = None if fixed is None else Secret({**plain, **fixed.reveal()})
        entry = self._header_sets[route.node] = (plain, with_auth)
        return entry

    def _url(self, path: str) -> URL:
        return self._base_url.with_path(self._base_path + path, encoded=True)

    def _route_url(self, route: Route) -> URL:
        url = self._route_urls[route.template] = self._url(route.path())
        return url

    def _request(
        self,
        route: Route,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | BodyFactory | None = None,
        headers: Mapping[str, str] | None = None,
        node: str | None = None,
        idempotent: bool | None = None,
        buffered: bool = False,
        parse: Callable[[Response], Any] | None = None,
        stats: SessionStats | None = None,
    ) -> Awaitable[Any]:
        """Send ``route``; the 2xx response, unread unless ``buffered``, or what ``parse``
        makes of it once read (a caller given the response must read or close it).

        Everything is validated before any I/O.  Not a coroutine itself: with
        a fixed credential it returns the session's own ``send`` coroutine,
        which also parses, so a JSON call is one coroutine from the endpoint
        method to the transport; a plain call (no body, extra headers or node
        override) reuses headers merged once per client.  ``stats`` counts
        this call's own requests too (see :meth:`Session.send`).
        """
        if path:
            url = self._url(route.fill(path))
        else:  # made once per route: yarl parses nothing per call
            url = self._route_urls.get(route.template) or self._route_url(route)
        params = encode_query(query) if query else []
        plain = node is None and not headers and json is None
        if plain:
            header_set = self._header_sets.get(route.node) or self._header_set(route)
            base_headers: Mapping[str, str] = header_set[0]
        else:
            base_headers, content = self._headers_and_body(route, json, content, headers, node)
        read_limit = self._options.max_response_bytes if buffered or parse else None
        idempotent = route.idempotent if idempotent is None else idempotent
        fixed = self._fixed_auth
        if fixed is not None and self._raw is None:
            # Nothing changes between attempts (a streamed body is re-opened by the
            # transport, from its factory): one Request, and no 401 refresh to try.
            merged = header_set[1].reveal() if plain else {**base_headers, **fixed.reveal()}  # type: ignore[union-attr]
            return self._session.send(
                Request(route.method, url, merged, params, content, read_limit),
                timeout=self._options.timeout,
                retry_policy=self._retry_policy,
                idempotent=idempotent,
                read_limit=read_limit,
                parse=parse,
                stats=stats,
            )
        send = functools.partial(
            self._session.send,
            timeout=self._options.timeout,
            retry_policy=self._retry_policy,
            idempotent=idempotent,
            read_limit=read_limit,
            stats=stats,
        )
        return self._send_refreshing(
            send, route.method, url, base_headers, params, content, read_limit, parse
        )

    async def _send_refreshing(
        self,
        send: Callable[[Callable[[], Awaitable[Request]]], Awaitable[Response]],
        method: str,
        url: URL,
        base_headers: Mapping[str, str],
        params: list[tuple[str, str]],
        body: bytes | BodyFactory | None,
        read_limit: int | None,
        parse: Callable[[Response], Any] | None,
    ) -> Any:
        """Auth headers fetched per attempt; one retry with a fresh token after a 401
        when the auth has a provider; what ``with_raw_response`` reports recorded."""
        auth = self._auth

        async def build() -> Request:
            headers = {**base_headers, **await auth.headers()}
            return Request(method, url, headers, params, body, read_limit)

        try:
            response = await send(build)
        except AuthenticationError:
            if not auth.invalidate():
                raise
            response = await send(build)
        if self._raw is not None:
            self._raw.record(response.status, response.headers, response.attempts)
        return response if parse is None else parse(response)

    def _json(self, route: Route, **kwargs: Any) -> Awaitable[Any]:
        """The decoded JSON of the answer (``None`` for an empty body)."""
        return self._request(route, parse=functools.partial(_decode, route), **kwargs)

    def _model(self, route: Route, cls: type[T], **kwargs: Any) -> Awaitable[T]:
        """The answer as a ``cls`` model: decoded and structured by the session's coroutine
        (no coroutine of its own, which every resumption would pay for)."""
        return self._request(route, parse=functools.partial(_to_model, route, cls), **kwargs)

    def _paged(
        self,
        route: Route,
        cls: type[T],
        *,
        page_size: int | None = None,
        prefetch: int = 1,
        **kwargs: Any,
    ) -> AsyncPaginator[T]:
        """A lazy paginator; page params are merged into ``query=``."""
        style = self._page_style
        size = self._default_page_size if page_size is None else page_size
        query = dict(kwargs.pop("query", None) or {})
        name = _PAGED_CALL.get()
        telemetry = self._session.telemetry

        async def fetch(number: int) -> Any:
            page_query = {**query, **dict(style.params(number, size))}
            recorder = telemetry.active()
            if name is None or recorder is None:
                return await self._json(route, query=page_query, **kwargs)
            with recorder.call_span(name):
                return await self._json(route, query=page_query, **kwargs)

        return AsyncPaginator(fetch, style, structurer(cls), page_size=size, prefetch=prefetch)

    @asynccontextmanager
    async def _stream(self, route: Route, **kwargs: Any) -> AsyncIterator[Response]:
        """``async with`` the 2xx response, body unread, released on exit."""
        response = await self._request(route, **kwargs)
        try:
            yield response
        finally:
            await response.aclose()

    async def _download(self, route: Route, dest: Destination, **kwargs: Any) -> int:
        """Save the answer's body to ``dest``; return the bytes written.

        To a path, a body that breaks mid-way (a retryable connection error)
        is fetched again from the start, under the retry policy: the file is
        written beside the path and appears only once complete.  A file object
        cannot be rewound, so there a broken body is an error at once.
        """
        if not isinstance(dest, str | os.PathLike):
            async with self._stream(route, **kwargs) as response:
                return await save_body(response.iter_chunks(), dest)
        policy = self._retry_policy or self._session.retry_policy
        restart = 0
        while True:
            async with self._stream(route, **kwargs) as response:
                try:
                    return await save_body(response.iter_chunks(), dest)
                except APIConnectionError as exc:
                    if not policy.retry_error(route.method, exc, restart, route.idempotent):
                        exc.attempts = restart + 1
                        raise
            await self._session._pause_before_restart(policy, restart)
            restart += 1


def _decode(route: Route, response: Response) -> Any:
    """The JSON of a read answer (``None`` for an empty body)."""
    raw = response.body
    if not raw or raw.isspace():  # not ``raw.strip()``: that copies the whole body
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ResponseFormatError(
            f"{route.method} {route.template}: the answer is not JSON"
        ) from exc


def _to_model(route: Route, cls: type[T], response: Response) -> T:
    """The answer as a ``cls`` model, by its generated hook (no converter dispatch)."""
    data = _decode(route, response)
    hook = STRUCTURE_HOOKS.get(cls) or structure_hook(cls)
    try:
        return hook(data, cls)  # type: ignore[no-any-return]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise format_error(cls, exc) from exc


#: The SDK-call name of the paginated method being called (see :func:`sdk_calls`).
_PAGED_CALL: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "contactflow_automizy_paged_call", default=None
)


def _coroutine_call(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """A plain function returning the method's own coroutine unless tracing: no extra
    coroutine level, which a call would pay again at every resumption."""

    @functools.wraps(method)
    def call(self: BaseClient, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        recorder = self._session.telemetry.active()
        if recorder is None or recorder.tracer is None:
            return method(self, *args, **kwargs)
        return _in_span(recorder, name, method(self, *args, **kwargs))

    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(call)  # still a coroutine function to inspect
    call.__sdk_coroutine__ = True  # type: ignore[attr-defined]
    return call


async def _in_span(recorder: Recorder, name: str, call: Awaitable[T]) -> T:
    with recorder.call_span(name):
        return await call


def _iterating_call(name: str, method: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
    """A plain function returning the method's own iterator unless tracing: no layer per item."""

    @functools.wraps(method)
    def call(self: BaseClient, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        items = method(self, *args, **kwargs)
        recorder = self._session.telemetry.active()
        if recorder is None or recorder.tracer is None:
            return items
        return recorder.iterate_in_span(name, items)

    return call


def _paging_call(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """Names the paginator's pages: ``_paged`` reads the name while the method runs."""

    @functools.wraps(method)
    def call(self: BaseClient, *args: Any, **kwargs: Any) -> Any:
        token = _PAGED_CALL.set(name)
        try:
            return method(self, *args, **kwargs)
        finally:
            _PAGED_CALL.reset(token)

    return call


def sdk_calls(api: str) -> Callable[[C], C]:
    """Class decorator: each public endpoint method becomes the SDK call ``{api}.{method}``.

    Coroutine methods run inside that call's span, methods that yield get it
    around their iteration, and methods returning a paginator name its pages'
    spans.  Without a configured OpenTelemetry provider a call costs one
    check.  What ``BaseClient`` itself defines (``close``, ``with_options``)
    is not an SDK call.
    """

    def decorate(cls: C) -> C:
        for attr in dir(cls):
            if attr.startswith("_") or hasattr(BaseClient, attr):
                continue
            method = inspect.getattr_static(cls, attr)
            if not inspect.isfunction(method) or hasattr(method, "__sdk_call__"):
                continue
            name = f"{api}.{attr}"
            if inspect.iscoroutinefunction(method):
                wrapped = _coroutine_call(name, method)
            elif inspect.isasyncgenfunction(method):
                wrapped = _iterating_call(name, method)
            else:
                wrapped = _paging_call(name, method)
            wrapped.__sdk_call__ = name  # type: ignore[attr-defined]
            setattr(cls, attr, wrapped)
        return cls

    return decorate


class RawResponseView:
    """``client.with_raw_response``: each single-request method, returning a RawResponse."""

    __slots__ = ("_client",)

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def __getattr__(self, attr: str) -> Callable[..., Awaitable[RawResponse[Any]]]:
        client = self._client
        method = inspect.getattr_static(type(client), attr)
        if (
            not hasattr(method, "__sdk_call__")
            or not getattr(method, "__sdk_coroutine__", False)
            or getattr(method, "__multi_request__", False)
        ):
            raise ConfigurationError(
                f"with_raw_response covers single-request methods; {attr} is not one"
            )

        async def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
            clone = client._copy()
            clone._raw = capture = RawCapture()
            started = time.perf_counter()
            parsed = await method(clone, *args, **kwargs)
            return capture.result(attr, parsed, time.perf_counter() - started)

        return call
